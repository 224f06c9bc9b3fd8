"""A rough look at how search costs grow: a synthetic index cloned from the sample.

Clones the bundled answers N times (shuffled answer words, dates spread over
2014-2026), builds an index once under --work, then times plain queries and
date-filtered queries two ways: what wrans does (year terms in the query, exact
days checked against the searcher's cached date column) and a plain `DateRange`.
The result cache is off, so repeated rounds measure the matching. Synthetic text,
so only relative figures mean anything.

    python -m bench.scale_probe [--docs 20000] [--work bench/work/scale]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import random
import statistics
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", module="whoosh")

import indexer.search  # noqa: E402
from bench.plain_filters import plan_with_date_ranges  # noqa: E402
from indexer import store  # noqa: E402
from indexer.index import index_exists, rebuild_index  # noqa: E402
from indexer.search import SearchIndex, SearchRequest  # noqa: E402

HERE = Path(__file__).resolve().parent
PLAIN = ["department", "humanitarian railways", '"the department"', "immigra*", "sudan OR pension",
         "department -railways"]
RANGES = [(dt.date(2016, 3, 5), dt.date(2021, 9, 30)), (dt.date(2019, 1, 1), None),
          (None, dt.date(2017, 6, 1))]


def build(docs: int, work: Path) -> Path:
    data, index_dir = work / "data", work / "index"
    if index_exists(index_dir):
        return index_dir
    rng = random.Random(1)
    sample = [store.read_record(p) for p in store.iter_record_paths(HERE.parent / "scraped")]
    for i in range(docs):
        record = copy.deepcopy(rng.choice(sample))
        value = record["value"]
        day = dt.date(2014, 1, 1) + dt.timedelta(days=rng.randrange(4400))
        value.update(id=3_000_000 + i, dateAnswered=f"{day}T00:00:00",
                     dateTabled=f"{day - dt.timedelta(days=7)}T00:00:00")
        words = (value.get("answerText") or "").split()
        rng.shuffle(words)
        value["answerText"] = " ".join(words[: rng.randrange(20, 200)])
        store.write_record(data, record)
    print(rebuild_index(data, index_dir).summary())
    return index_dir


def timed(index: SearchIndex, requests: list[SearchRequest], rounds: int = 3) -> dict:
    for request in requests:
        index.search(request)
    times = []
    for _ in range(rounds):
        for request in requests:
            started = time.perf_counter()
            index.search(request)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * len(times))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--work", type=Path, default=HERE / "work" / "scale")
    args = parser.parse_args()
    index = SearchIndex(build(args.docs, args.work), cached_matchings=0)
    dated = [SearchRequest(q=q, answered_from=a, answered_to=b)
             for q in ("department", "humanitarian", "") for a, b in RANGES]
    print("plain queries     ", timed(index, [SearchRequest(q=q) for q in PLAIN]))
    print("cached date checks", timed(index, dated))
    cached = indexer.search.plan_filters
    indexer.search.plan_filters = plan_with_date_ranges
    print("DateRange dates   ", timed(index, dated))
    indexer.search.plan_filters = cached


if __name__ == "__main__":
    main()
