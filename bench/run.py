"""Run the benchmark of issue 7 and write `bench/results/<date>.json` and `docs/performance.md`.

    python -m bench.run --size 100000 [--seed 1] [--workers 4] [--web-seconds 60]

Every heavy step runs in its own child process (`python -m bench.run child ...`),
so peak RSS and CPU time are that step's alone (os.wait4). Order: corpus, Whoosh
build, FTS5 build, searcher open, search mix (Whoosh, then FTS5), the reference
engines of issue 19 (plain FTS5 and tantivy: build, then the mix; then the mix on
Whoosh counting no facets), update of 500 changed answers (both; Whoosh's from the
change journal, as `wrans index` does), an update with nothing changed, then the
web app: `/api/search` one request at a time (with and without facets), then
`/search` under load, on the updated index.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.timeliness import child_timeliness

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / "work"
RESULTS = REPO / "bench" / "results"
UPDATE_COUNT = 500
# Results per page for every engine: the page's 20 (`indexer.search.PAGE_SIZE`, held to it by
# tests/test_bench_smoke.py), so each makes as many snippets as wrans. Not imported: a child
# that updates would load the whole search side first, a tenth of a second of its wall time.
REFERENCE_PAGE = 20
REFERENCES = {"plain-fts5": "plain-fts5-{size}.db", "tantivy": "tantivy-{size}"}


# ---------------------------------------------------------------- helpers


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def pick(p):
        return round(ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))], 2)

    return {"n": len(values), "p50": pick(50), "p95": pick(95), "p99": pick(99),
            "max": round(ordered[-1], 2), "mean": round(statistics.fmean(values), 2)}


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file() and not f.is_symlink())


def proc_status(pid: int | str = "self") -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) // 1024
    except OSError:
        pass
    return out


def run_child(*args: str, nice: int = 0) -> dict:
    """Run `python -m bench.run child ...`; return its JSON plus wall, CPU and peak RSS."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "bench.run", "child", *args], cwd=REPO,
                            stdout=subprocess.PIPE, preexec_fn=(lambda: os.nice(nice)) if nice else None)
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed with status {proc.returncode}")
    result = json.loads(output)
    result.update(wall_s=round(time.monotonic() - started, 3),
                  cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
                  peak_rss_mb=round(usage.ru_maxrss / 1024, 1))
    return result


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} bench: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- children


def child_build_whoosh(data_dir: str, index_dir: str) -> dict:
    from indexer.index import live_build, rebuild_index

    shutil.rmtree(index_dir, ignore_errors=True)
    report = rebuild_index(Path(data_dir), Path(index_dir))
    return {"documents": report.documents, "seconds": round(report.seconds, 3),
            "index_bytes": dir_bytes(live_build(Path(index_dir)))}


def child_build_fts5(data_dir: str, db: str) -> dict:
    from bench import fts5

    started = time.monotonic()
    n = fts5.build(Path(data_dir), Path(db))
    return {"documents": n, "seconds": round(time.monotonic() - started, 3),
            "index_bytes": Path(db).stat().st_size}


def child_open_whoosh(index_dir: str) -> dict:
    from indexer.index import open_live_index

    t0 = time.perf_counter()
    ix = open_live_index(Path(index_dir))
    t1 = time.perf_counter()
    searcher = ix.searcher()
    t2 = time.perf_counter()
    segments = len(searcher.reader().leaf_readers()) if hasattr(searcher.reader(), "leaf_readers") else 1
    return {"open_dir_ms": (t1 - t0) * 1000, "searcher_ms": (t2 - t1) * 1000,
            "total_ms": (t2 - t0) * 1000, "segments": segments, **proc_status()}


def child_open_fts5(db: str) -> dict:
    from bench import fts5

    t0 = time.perf_counter()
    con = fts5.connect(Path(db))
    con.execute("SELECT count(*) FROM fts WHERE fts MATCH 'the'").fetchone()
    return {"total_ms": (time.perf_counter() - t0) * 1000, **proc_status()}


def _timed_pass(mix: list[dict], run_one) -> list[dict]:
    rows = []
    for spec in mix:
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            total, error = run_one(spec), None
        except Exception as exc:  # a refused or timed-out query is a result too
            total, error = None, type(exc).__name__
        rows.append({"cls": spec["cls"], "ms": (time.perf_counter() - w0) * 1000,
                     "cpu_ms": (time.process_time() - c0) * 1000, "total": total, "error": error})
    return rows


def child_search_whoosh(index_dir: str, mix_file: str, passes: str = "2", facets: str = "all") -> dict:
    """The mix on wrans in-process; `facets` "none" counts none, as `/api/search?facets=none`."""
    from bench.queries import request_from_spec
    from indexer.search import FACETS, SearchIndex
    from indexer.settings import load_settings

    mix = json.loads(Path(mix_file).read_text())
    # No result cache: the second pass repeats every query, and would measure the cache.
    index = SearchIndex(Path(index_dir), load_settings().search_time_limit, cached_matchings=0)
    first = time.perf_counter()
    index.stats()
    open_ms = (time.perf_counter() - first) * 1000

    counted = () if facets == "none" else FACETS

    def run_one(spec):
        return index.search(request_from_spec(spec, facets=counted)).total

    passes_rows = [_timed_pass(mix, run_one) for _ in range(int(passes))]
    return {"open_ms": open_ms, "first_pass": passes_rows[0], "rows": passes_rows[-1], **proc_status()}


def child_search_fts5(db: str, mix_file: str, passes: str = "2") -> dict:
    from bench import fts5

    mix = json.loads(Path(mix_file).read_text())
    con = fts5.connect(Path(db))
    page_ms = []

    def run_one(spec):
        found = fts5.search(con, spec)
        page_ms.append(found["page_ms"])
        return found["total"]

    passes_rows = [_timed_pass(mix, run_one) for _ in range(int(passes))]
    return {"first_pass": passes_rows[0], "rows": passes_rows[-1], "page_ms": page_ms[-len(mix):],
            **proc_status()}


def child_update_whoosh(data_dir: str, index_dir: str) -> dict:
    """`wrans index` as cron runs it: upsert what the change journal names, nothing else."""
    from indexer.index import update_index

    report = update_index(Path(data_dir), Path(index_dir))
    return {"indexed": report.indexed, "removed": report.removed, "seconds": round(report.seconds, 3),
            "documents": report.documents, "mode": report.mode}


def child_update_fts5(db: str, paths_file: str) -> dict:
    from bench import fts5

    paths = [Path(p) for p in json.loads(Path(paths_file).read_text())]
    started = time.monotonic()
    n = fts5.update(Path(db), paths)
    return {"indexed": n, "seconds": round(time.monotonic() - started, 3)}


# ---------------------------------------------------------------- reference engines (issue 19)


def child_build_reference(engine: str, data_dir: str, target: str) -> dict:
    """Build plain FTS5 or tantivy from the corpus; its time, document count and size on disk."""
    module = _reference_module(engine)
    started = time.monotonic()
    n = module.build(Path(data_dir), Path(target))
    return {"documents": n, "seconds": round(time.monotonic() - started, 3),
            "index_bytes": dir_bytes(Path(target)) if Path(target).is_dir() else Path(target).stat().st_size}


def child_search_reference(engine: str, target: str, mix_file: str, passes: str = "2") -> dict:
    """The mix on plain FTS5 or tantivy, as `child_search_whoosh` runs it on wrans."""
    module = _reference_module(engine)
    mix = json.loads(Path(mix_file).read_text())
    handle = module.connect(Path(target))

    def run_one(spec):
        return module.search(handle, spec, REFERENCE_PAGE)["total"]

    passes_rows = [_timed_pass(mix, run_one) for _ in range(int(passes))]
    return {"first_pass": passes_rows[0], "rows": passes_rows[-1], **proc_status()}


def _reference_module(engine: str):
    if engine == "plain-fts5":
        from bench import plain_fts5

        return plain_fts5
    from bench import tantivy_engine

    return tantivy_engine


def child_alerts(index_dir: str, mix_file: str, watermark_us: str) -> dict:
    from bench.alerts import measure

    return measure(index_dir, mix_file, watermark_us)


def child_connections(data_dir: str, index_dir: str, build_cpu_s: str) -> dict:
    from bench.connections import measure

    return measure(data_dir, index_dir, build_cpu_s)


CHILDREN = {"build-whoosh": child_build_whoosh, "build-fts5": child_build_fts5,
            "open-whoosh": child_open_whoosh, "open-fts5": child_open_fts5,
            "search-whoosh": child_search_whoosh, "search-fts5": child_search_fts5,
            "update-whoosh": child_update_whoosh, "update-fts5": child_update_fts5,
            "timeliness": child_timeliness,
            "build-reference": child_build_reference, "search-reference": child_search_reference,
            "connections": child_connections, "alerts": child_alerts}


# ---------------------------------------------------------------- web load


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, url: str, timeout: float = 30.0) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", url)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def worker_pids(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return pids


def load(port: int, urls: list[str], clients: int, seconds: float, max_requests: int) -> dict:
    """Hit the server from `clients` threads for at most `seconds` and `max_requests`."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies, statuses, counter = [], {}, [0]

    def client(k: int):
        i = k * 7
        while time.monotonic() < deadline:
            with lock:
                if counter[0] >= max_requests:
                    return
                counter[0] += 1
            url = urls[i % len(urls)]
            i += 1
            t0 = time.perf_counter()
            try:
                status = get(port, url)
            except OSError as exc:
                status = type(exc).__name__
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(ms)
                statuses[str(status)] = statuses.get(str(status), 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.monotonic() - started
    return {"requests": len(latencies), "seconds": round(elapsed, 2),
            "throughput_rps": round(len(latencies) / elapsed, 2), "statuses": statuses,
            "latency_ms": percentiles(latencies)}


def measure_web(data_dir: Path, index_dir: Path, mix: list[dict], workers: int, clients: int,
                seconds: float, warm_seconds: float) -> dict:
    from bench.queries import url_from_spec

    port = free_port()
    state = WORK / "state"
    state.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "WRANS_DATA_DIR": str(data_dir), "WRANS_INDEX_DIR": str(index_dir),
           "WRANS_STATE_DIR": str(state)}
    logfile = open(WORK / "serve.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen([sys.executable, "-m", "indexer.cli", "-q", "serve", "--workers", str(workers),
                               "--port", str(port)], cwd=REPO, env=env, stdout=logfile, stderr=logfile)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, "/healthz", timeout=5) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"server did not start; see {WORK / 'serve.log'}")
            time.sleep(0.2)
        api = measure_api(port, mix)
        urls = [url_from_spec(s) for s in mix]
        random.Random(7).shuffle(urls)
        warm = load(port, urls, clients, warm_seconds, 10_000)
        result = load(port, urls, clients, seconds, 100_000)
        rss = [proc_status(pid) for pid in worker_pids(server.pid)]
        result.update(workers=workers, clients=clients, warmup=warm,
                      worker_rss_mb=max((r.get("VmRSS", 0) for r in rss), default=0),
                      worker_hwm_mb=max((r.get("VmHWM", 0) for r in rss), default=0),
                      worker_rss_all=rss, api=api)
        return result
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        logfile.close()


def measure_api(port: int, mix: list[dict]) -> dict:
    """`/api/search` one request at a time, each query of the mix once, without facets and with all.

    A warm-up pass first sends every query with a smaller page (another cache key),
    so the searchers and the disk cache are as warm as in the in-process second
    pass and no answer comes from a worker's result cache.
    """
    from bench.queries import url_from_spec

    def api_url(spec, extra):
        return "/api" + url_from_spec(spec) + extra

    for spec in mix:
        get(port, api_url(spec, "&facets=none&page_size=5"))
    out = {}
    for name, extra in (("facets_none", "&facets=none"), ("facets_all", "")):
        rows = []
        for spec in mix:
            t0 = time.perf_counter()
            status = get(port, api_url(spec, extra))
            rows.append({"cls": spec["cls"], "ms": (time.perf_counter() - t0) * 1000,
                         "error": None if status == 200 else f"HTTP {status}"})
        out[name] = summarise(rows)
    return out


# ---------------------------------------------------------------- orchestration


def summarise(rows: list[dict]) -> dict:
    by_class = {}
    for row in rows:
        by_class.setdefault(row["cls"], []).append(row)
    out = {"overall": percentiles([r["ms"] for r in rows]),
           "overall_cpu": percentiles([r["cpu_ms"] for r in rows if "cpu_ms" in r]),
           "errors": sorted({r["error"] for r in rows if r["error"]}),
           "error_count": sum(1 for r in rows if r["error"])}
    out["by_class"] = {cls: percentiles([r["ms"] for r in rs]) for cls, rs in by_class.items()}
    return out


def prepare_corpus(size: int, seed: int, jobs: int) -> tuple[Path, dict]:
    from bench import corpus

    data_dir = WORK / f"data-{size}-s{seed}"
    marker = data_dir / ".complete"
    if marker.exists():
        log(f"reusing corpus {data_dir}")
        corpus.write_records(data_dir, update_indices(size, seed), size, seed, revision=0)
        return data_dir, json.loads(marker.read_text())
    shutil.rmtree(data_dir, ignore_errors=True)
    log(f"generating {size} records into {data_dir}")
    report = corpus.generate(data_dir, size, seed, jobs)
    report["bytes"] = dir_bytes(data_dir)
    marker.write_text(json.dumps(report))
    return data_dir, report


def update_indices(size: int, seed: int) -> list[int]:
    return sorted(random.Random(f"update:{seed}").sample(range(size), min(UPDATE_COUNT, size)))


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def run(size: int, seed: int, workers: int, clients: int, web_seconds: float, jobs: int,
        work: Path | None = None, reuse: bool = False, rebuild_index: bool = False) -> dict:
    global WORK
    WORK = work or WORK
    WORK.mkdir(parents=True, exist_ok=True)
    from bench import corpus
    from bench.queries import build_mix
    from indexer import journal

    data_dir, corpus_report = prepare_corpus(size, seed, jobs)
    index_dir, db = WORK / f"index-{size}", WORK / f"fts5-{size}.db"
    mix = build_mix(size, seed)
    mix_file = WORK / f"queries-{size}.json"
    mix_file.write_text(json.dumps(mix, indent=1))
    out = {"size": size, "seed": seed, "date": dt.datetime.now().isoformat(timespec="seconds"),
           "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                       "loadavg_start": os.getloadavg()},
           "corpus": corpus_report, "queries": len(mix)}
    reused = reused_builds(size) if reuse and index_dir.exists() and db.exists() else None
    if reused:
        log(f"reusing the database built in the run of {reused['build_fts5']['reused_from']}")
        out["build_fts5"] = reused["build_fts5"]
    if reused and not rebuild_index:
        log(f"reusing the index built in the run of {reused['build_whoosh']['reused_from']}")
        out["build_whoosh"] = reused["build_whoosh"]
    else:
        log("building the Whoosh index")
        out["build_whoosh"] = run_child("build-whoosh", str(data_dir), str(index_dir))
        log(f"  {out['build_whoosh']}")
    if not reused:
        log("member and department pages; references' share of the build (issue 17)")
        out["connections"] = run_child("connections", str(data_dir), str(index_dir),
                                       str(out["build_whoosh"]["cpu_s"]))
        log("building the FTS5 database")
        out["build_fts5"] = run_child("build-fts5", str(data_dir), str(db))
    log("opening searchers in fresh processes")
    out["open_whoosh"] = [run_child("open-whoosh", str(index_dir)) for _ in range(3)]
    out["open_fts5"] = [run_child("open-fts5", str(db)) for _ in range(3)]
    log("search mix: Whoosh")
    whoosh = run_child("search-whoosh", str(index_dir), str(mix_file))
    log("search mix: FTS5")
    fts = run_child("search-fts5", str(db), str(mix_file))
    out["search_whoosh"] = {**summarise(whoosh["rows"]), "first_pass": summarise(whoosh["first_pass"]),
                            "rss_mb": {k: whoosh.get(k) for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")},
                            "first_search_open_ms": round(whoosh["open_ms"], 2)}
    out["search_fts5"] = {**summarise(fts["rows"]), "first_pass": summarise(fts["first_pass"]),
                          "page_only": percentiles(fts["page_ms"]),
                          "rss_mb": {k: fts.get(k) for k in ("VmRSS", "VmHWM")}}
    out["per_query"] = [{"cls": s["cls"], "q": s["q"], "whoosh_ms": round(w["ms"], 2),
                         "fts5_ms": round(f["ms"], 2), "whoosh_total": w["total"], "fts5_total": f["total"],
                         "whoosh_error": w["error"]}
                        for s, w, f in zip(mix, whoosh["rows"], fts["rows"], strict=True)]
    out["hit_agreement"] = agreement(out["per_query"])
    log("timeliness (/api/timeliness's computation), cold then warm")
    out["timeliness"] = run_child("timeliness", str(index_dir))
    run_references(out, data_dir, index_dir, mix_file, reused)
    log(f"updating {UPDATE_COUNT} changed answers")
    paths = corpus.write_records(data_dir, update_indices(size, seed), size, seed, revision=1)
    journal.append(data_dir, [corpus.FIRST_ID + i for i in update_indices(size, seed)])  # as the store does
    paths_file = WORK / "update-paths.json"
    paths_file.write_text(json.dumps([str(p) for p in paths]))
    before_update_us = time.time_ns() // 1000
    out["update_whoosh"] = run_child("update-whoosh", str(data_dir), str(index_dir))
    out["update_whoosh_unchanged"] = run_child("update-whoosh", str(data_dir), str(index_dir))
    out["update_targets"] = update_targets(out)
    out["update_fts5"] = run_child("update-fts5", str(db), str(paths_file))
    log("email alerts: `wrans alerts send` for 10,000 alerts after that update, into a local SMTP sink")
    out["alerts"] = run_child("alerts", str(index_dir), str(mix_file), str(before_update_us))
    if web_seconds > 0:
        log(f"web: {workers} gunicorn workers, {clients} clients, {web_seconds:.0f} s")
        out["web"] = measure_web(data_dir, index_dir, mix, workers, clients, web_seconds,
                                 min(20.0, web_seconds / 3))
    out["ratios"] = ratios(out)
    out["reference_ratios"] = reference_ratios(out)
    out["search_targets"] = search_targets(out)
    out["machine"]["loadavg_end"] = os.getloadavg()
    return out


def reused_builds(size: int) -> dict[str, dict] | None:
    """The build figures of the newest saved run at `size`, marked with its date, or None.

    `--reuse-index` measures search and update on the index and databases a
    previous run left in bench/work; their build figures are that run's, and the
    report says so: each engine's figures name the run that built it (a run that
    reused it names the one before). Each reuse adds the update's segment and
    deletions to the index and the faceted FTS5 database (the reference engines
    are never updated); `--rebuild-index` builds the index afresh.
    Keys: `build_whoosh`, `build_fts5` and, where that run had them, `build_<reference>`.
    """
    for path in sorted(RESULTS.glob("20*.json"), reverse=True):
        found = json.loads(path.read_text()).get("runs", {}).get(str(size))
        if found:
            return {key: {"reused_from": found["date"], **figures} for key, figures in found.items()
                    if key.startswith("build_")}
    return None


def run_references(out: dict, data_dir: Path, index_dir: Path, mix_file: Path,
                   reused: dict[str, dict] | None = None) -> None:
    """Plain FTS5 and tantivy, built from the same corpus and run on the same mix as wrans.

    Also the mix on wrans counting no facets, as `/api/search?facets=none` asks.
    Adds `build_<engine>`, `search_<engine>` and each query's times and totals.
    With `reused` builds (`--reuse-index`), an engine built before is searched as it is.
    """
    size = out["size"]
    rows = {}
    for engine, name in REFERENCES.items():
        key, target = engine.replace("-", "_"), WORK / name.format(size=size)
        if reused and f"build_{key}" in reused and target.exists():
            log(f"reusing {engine} as built in the run of {reused[f'build_{key}']['reused_from']}")
            out[f"build_{key}"] = reused[f"build_{key}"]
        else:
            log(f"building {engine}")
            out[f"build_{key}"] = run_child("build-reference", engine, str(data_dir), str(target))
        log(f"search mix: {engine}")
        found = run_child("search-reference", engine, str(target), str(mix_file))
        out[f"search_{key}"] = search_summary(found)
        rows[key] = found["rows"]
    log("search mix: wrans without facets")
    found = run_child("search-whoosh", str(index_dir), str(mix_file), "2", "none")
    out["search_whoosh_nofacets"] = search_summary(found)
    rows["whoosh_nofacets"] = found["rows"]
    for i, entry in enumerate(out["per_query"]):
        for key, engine_rows in rows.items():
            entry[f"{key}_ms"] = round(engine_rows[i]["ms"], 2)
            entry[f"{key}_total"] = engine_rows[i]["total"]


def search_summary(found: dict) -> dict:
    """A search child's figures: the warm pass by class, the first pass, the process's memory."""
    return {**summarise(found["rows"]), "first_pass": summarise(found["first_pass"]),
            "rss_mb": {k: found.get(k) for k in ("VmRSS", "VmHWM")}}


ENGINES = {"fts5": "search_fts5", "plain_fts5": "search_plain_fts5", "tantivy": "search_tantivy"}


def reference_ratios(out: dict) -> dict:
    """wrans ÷ each other engine, whole mix and per class, p50/p95/p99 (above 1: wrans is slower)."""
    ours = out["search_whoosh"]
    result = {}
    for engine, key in ENGINES.items():
        theirs = out.get(key)
        if not theirs:
            continue
        r = result[engine] = {}
        for p in ("p50", "p95", "p99"):
            r[f"search_{p}"] = ratio(ours["overall"][p], theirs["overall"][p])
            for cls, stats in ours["by_class"].items():
                r[f"{cls}_{p}"] = ratio(stats[p], theirs["by_class"].get(cls, {}).get(p))
    return result


def search_targets(out: dict) -> dict:
    """Issue 19's targets (set for 1M answers), each as its figures and whether it is met.

    Whole mix with facets as the page shows them: p95 at or below plain FTS5's and
    under 100 ms; every class's p50 within 2x plain FTS5's; `/api/search?facets=none`
    (over HTTP, one request at a time) p95 within 1.5x plain FTS5's (in-process, so
    this is the harder comparison); rare words p50 under 5 ms; phrases p95 under 100 ms.
    """
    ours, plain = out["search_whoosh"], out.get("search_plain_fts5")
    if not plain:
        return {}
    mix_p95, plain_p95 = ours["overall"]["p95"], plain["overall"]["p95"]
    slow = {cls: ratio(s["p50"], plain["by_class"][cls]["p50"]) for cls, s in ours["by_class"].items()
            if cls in plain["by_class"]}
    api = out.get("web", {}).get("api", {}).get("facets_none")
    api_p95 = api["overall"]["p95"] if api else None
    rare, phrase = ours["by_class"].get("rare", {}), ours["by_class"].get("phrase", {})
    return {
        "size": out["size"],
        "mix_p95_ms": mix_p95, "plain_fts5_p95_ms": plain_p95,
        "mix_p95_at_or_below_plain_fts5": mix_p95 <= plain_p95,
        "mix_p95_under_100ms": mix_p95 < 100,
        "class_p50_ratios_to_plain_fts5": slow,
        "every_class_p50_within_2x_plain_fts5": all(r is not None and r <= 2 for r in slow.values()),
        "api_facets_none_p95_ms": api_p95,
        "api_facets_none_p95_within_1_5x_plain_fts5": None if api_p95 is None else api_p95 <= 1.5 * plain_p95,
        "rare_p50_ms": rare.get("p50"), "rare_p50_under_5ms": rare.get("p50", 1e9) < 5,
        "phrase_p95_ms": phrase.get("p95"), "phrase_p95_under_100ms": phrase.get("p95", 1e9) < 100,
    }


def update_targets(out: dict) -> dict:
    """Issue 21's targets (set for 1M answers): 500 changed in under 3 s wall, none in under 1 s."""
    changed, unchanged = out["update_whoosh"], out["update_whoosh_unchanged"]
    return {"changed_wall_s": changed["wall_s"], "changed_under_3s": changed["wall_s"] < 3.0,
            "unchanged_index_s": unchanged["seconds"], "unchanged_under_1s": unchanged["seconds"] < 1.0}


def agreement(per_query: list[dict]) -> dict:
    """How often both engines found the same number of matches, by class."""
    out = {}
    for row in per_query:
        same = row["whoosh_total"] == row["fts5_total"]
        close = (row["whoosh_total"] is not None and row["fts5_total"] is not None
                 and abs(row["whoosh_total"] - row["fts5_total"]) <= max(2, 0.1 * row["fts5_total"]))
        entry = out.setdefault(row["cls"], {"same": 0, "within_10pct": 0, "n": 0})
        entry["same"] += same
        entry["within_10pct"] += close
        entry["n"] += 1
    return out


def ratios(out: dict) -> dict:
    """Every figure as wrans ÷ FTS5 (above 1: wrans is bigger or slower)."""
    w, f = out["build_whoosh"], out["build_fts5"]
    sw, sf = out["search_whoosh"], out["search_fts5"]
    r = {"build_seconds": ratio(w["wall_s"], f["wall_s"]),
         "index_bytes": ratio(w["index_bytes"], f["index_bytes"]),
         "build_peak_rss": ratio(w["peak_rss_mb"], f["peak_rss_mb"]),
         "update_seconds": ratio(out["update_whoosh"]["wall_s"], out["update_fts5"]["wall_s"]),
         "open_ms": ratio(median(out["open_whoosh"], "total_ms"), median(out["open_fts5"], "total_ms"))}
    for key in ("p50", "p95", "p99"):
        r[f"search_{key}"] = ratio(sw["overall"][key], sf["overall"][key])
        for cls, stats in sw["by_class"].items():
            r[f"{cls}_{key}"] = ratio(stats[key], sf["by_class"][cls][key])
    return r


def median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def save(result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{dt.date.today().isoformat()}.json"
    runs = json.loads(path.read_text()).get("runs", {}) if path.exists() else {}
    runs[str(result["size"])] = result
    path.write_text(json.dumps({"runs": runs}, indent=1, sort_keys=True) + "\n")
    return path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        result = CHILDREN[argv[1]](*argv[2:])
        sys.stdout.write(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description="Run the wrans benchmark (issue 7).")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn sync workers (default: one per core, as `make serve`)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent load-generator clients")
    parser.add_argument("--web-seconds", type=float, default=60.0, help="0 skips the web measurement")
    parser.add_argument("--jobs", type=int, default=2, help="processes generating the corpus")
    parser.add_argument("--no-save", action="store_true", help="print the results, write nothing")
    parser.add_argument("--reuse-index", action="store_true",
                        help="measure on the index and database a previous run built (its build figures)")
    parser.add_argument("--rebuild-index", action="store_true",
                        help="with --reuse-index: build the wrans index afresh, reuse the rest")
    args = parser.parse_args(argv)
    result = run(args.size, args.seed, args.workers, args.clients, args.web_seconds, args.jobs,
                 reuse=args.reuse_index, rebuild_index=args.rebuild_index)
    if args.no_save:
        print(json.dumps({k: v for k, v in result.items() if k != "per_query"}, indent=1))
        return 0
    path = save(result)
    from bench.report import write_report

    doc = write_report()
    log(f"wrote {path.relative_to(REPO)} and {doc.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
