"""Search time under two rankings, per query class of the bench mix, in one process.

Each query of `bench/queries.py`'s mix runs under the ranking served before
issue 20 and under the one served now, alternately and in several passes, on
the same index (result cache off), so a busy shared machine slows both alike.
CPU milliseconds per class (median and p95 over passes and queries) go to
stdout and to bench/results/ranking-speed-<date>.json.

    python -m bench.ranking_speed [--index bench/work/relevance-100000-s1/index] [--passes 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", module="whoosh")

from bench.queries import build_mix, request_from_spec  # noqa: E402
from bench.relevance import RESULTS, SERVED_BEFORE, WORK  # noqa: E402
from indexer.ranking import RANKING  # noqa: E402
from indexer.search import SearchIndex  # noqa: E402

RANKINGS = {"before": SERVED_BEFORE, "now": RANKING}


def timed(index: SearchIndex, spec: dict) -> float:
    started = time.process_time()
    index.search(request_from_spec(spec))
    return (time.process_time() - started) * 1000


def compare(index_dir: Path, size: int, passes: int) -> dict:
    """CPU ms per query class and ranking: {cls: {name: {"p50", "p95"}}}, and the ratio of p50s."""
    mix = build_mix(size)
    indexes = {name: SearchIndex(index_dir, time_limit=60.0, cached_matchings=0, ranking=r)
               for name, r in RANKINGS.items()}
    times: dict[str, dict[str, list[float]]] = {}
    for index in indexes.values():  # warm: tables, lengths
        index.warm()
        for spec in mix:
            index.search(request_from_spec(spec))
    for _ in range(passes):
        for spec in mix:
            for name, index in indexes.items():
                times.setdefault(spec["cls"], {}).setdefault(name, []).append(timed(index, spec))
    for index in indexes.values():
        index.close()
    out = {}
    for cls, by_name in times.items():
        out[cls] = {name: _percentiles(ms) for name, ms in by_name.items()}
        out[cls]["now / before (p50)"] = round(out[cls]["now"]["p50"] / out[cls]["before"]["p50"], 3)
    return out


def _percentiles(ms: list[float]) -> dict:
    return {"p50": round(statistics.median(ms), 2), "p95": round(statistics.quantiles(ms, n=20)[-1], 2)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=WORK / "relevance-100000-s1" / "index")
    parser.add_argument("--size", type=int, default=100_000, help="the corpus size the mix is drawn for")
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args(argv)
    result = compare(args.index, args.size, args.passes)
    print("| class | before p50 / p95 ms | now p50 / p95 ms | now / before (p50) |\n|---|---|---|---|")
    for cls, row in result.items():
        print(f"| {cls} | {row['before']['p50']} / {row['before']['p95']} | {row['now']['p50']} / "
              f"{row['now']['p95']} | {row['now / before (p50)']} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"ranking-speed-{dt.date.today()}.json"
    report = {"date": dt.datetime.now().isoformat(timespec="seconds"), "index": str(args.index),
              "passes": args.passes, "cpu_ms": result}
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
