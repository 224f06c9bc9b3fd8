"""Issue 17's speed targets: member and department pages, and what references add to a build.

- The pages of the largest member (most questions asked) and the largest
  department (most answers), rendered by the Flask app over the bench index in a
  worker warmed as `wrans serve` warms it and after one page of each kind (whose
  time, templates compiling and page-only columns read, is reported apart): the
  first render of each page and the median of repeats.
  Target at 1M answers: under 300 ms.
- The share of a full build spent on issue 17's fields (`schema.connection_fields`:
  response types, cited UINs, month, member keys), as CPU seconds over a sample of
  the records (every `SAMPLE_EVERY`th, scaled up: reading a million records for it
  took 40 minutes) against the build's CPU seconds. Target: under 10 %.

`bench/run.py` runs `measure` in a child process after building the index.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

WARM_RENDERS = 5
SAMPLE_EVERY = 100  # records whose connection fields are timed: 1 in 100 (10,000 at 1M)
PAGE_TARGET_MS = 300
SHARE_TARGET = 0.10


def largest(index, rank: int = 0) -> tuple[str, str]:
    """The key of the member who asked most and the slug of the department that answered most.

    `rank` 1 gives the second largest of each, and so on.
    """
    from indexer.members import department_key
    from indexer.search import SearchRequest

    everything = index.search(SearchRequest(page_size=1, facets=("asker_key", "dept")))
    return everything.facets["asker_key"][rank][0], department_key(everything.facets["dept"][rank][0])


def page_timings(index_dir: Path) -> dict:
    """Cold and warm render times (ms) of the largest member's and department's pages."""
    from webapp import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    client = app.test_client()
    index = app.extensions["wrans_index"]
    started = time.perf_counter()
    index.warm()  # as a web worker does when it starts
    out = {"worker_warm_ms": round((time.perf_counter() - started) * 1000, 1)}
    member, department = largest(index)
    # A worker's first member and department pages (second largest): templates compiled, columns read.
    for kind, url in zip(("member", "department"), _first_pages(index), strict=True):
        started = time.perf_counter()
        client.get(url)
        out[f"first_{kind}_page_in_worker_ms"] = round((time.perf_counter() - started) * 1000, 1)
    out.update(member=member, department=department)
    pages = (("member_page", f"/members/{member}"), ("department_page", f"/departments/{department}"))
    for name, url in pages:
        times = []
        for _ in range(WARM_RENDERS + 1):
            started = time.perf_counter()
            status = client.get(url).status_code
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
        out[name] = {"cold_ms": round(times[0], 1), "warm_median_ms": round(statistics.median(times[1:]), 1),
                     "under_target": max(times[0], statistics.median(times[1:])) < PAGE_TARGET_MS}
    app.extensions["wrans_index"].close()
    return out


def _first_pages(index) -> list[str]:
    member, department = largest(index, rank=1)
    return [f"/members/{member}", f"/departments/{department}"]


def connection_cpu_seconds(data_dir: Path, every: int = SAMPLE_EVERY) -> tuple[float, int]:
    """CPU seconds `connection_fields` would take over every record, from one record in `every`
    (normalising excluded, the sample's time times `every`), and the number of records."""
    from indexer import store
    from indexer.normalize import answer_from_record
    from indexer.schema import connection_fields

    spent, count = 0.0, 0
    for count, path in enumerate(store.iter_record_paths(data_dir), start=1):
        if count % every:
            continue
        answer = answer_from_record(store.read_record(path))
        started = time.process_time()
        connection_fields(answer)
        spent += time.process_time() - started
    return spent * every, count


def measure(data_dir: str, index_dir: str, build_cpu_s: str) -> dict:
    """Both measurements (a `bench.run` child: arguments arrive as strings)."""
    spent, count = connection_cpu_seconds(Path(data_dir))
    share = spent / float(build_cpu_s) if float(build_cpu_s) else None
    return {**page_timings(Path(index_dir)),
            "references": {"records": count, "sampled_every": SAMPLE_EVERY,
                           "connection_fields_cpu_s": round(spent, 3),
                           "build_cpu_s": float(build_cpu_s),
                           "share_of_build": round(share, 4) if share is not None else None,
                           "under_target": share is not None and share < SHARE_TARGET}}
