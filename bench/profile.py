"""Profile the Whoosh search path (SearchIndex.search) for some query classes of the mix.

    python -m bench.profile --index bench/work/index-100000 --queries bench/work/queries-100000.json \
        --classes sorted,dept [--top 25]

Runs the chosen queries once to warm up, then again under cProfile, and prints
where the time goes (own time and cumulative) plus a coarse split into
parse+expand, the collector (matching, scoring, facets, count) and snippets.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import time
from pathlib import Path

from bench.queries import request_from_spec
from indexer.search import FACETS, SearchIndex

# Coarse buckets: a function's cumulative time counted under the first that matches.
BUCKETS = (("snippets", "_hit"), ("collector", "search_with_collector"),
           ("parse+expand", "parse_user_query"), ("parse+expand", "bound_expansions"),
           ("results()", "results"))


def profile(index_dir: Path, mix: list[dict], classes: set[str], top: int, facets=FACETS) -> str:
    index = SearchIndex(index_dir, time_limit=60.0, cached_matchings=0)  # profile the matching
    chosen = [request_from_spec(s, facets=facets) for s in mix if s["cls"] in classes]
    for request in chosen:
        index.search(request)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for request in chosen:
        index.search(request)
    profiler.disable()
    wall = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"{len(chosen)} queries of {sorted(classes)}: {wall * 1000 / len(chosen):.1f} ms each "
              f"under the profiler\n\n")
    split = {}
    for (file, _, name), row in stats.stats.items():
        for bucket, func in BUCKETS:
            if name == func and ("search.py" in file or "query.py" in file or "whoosh" in file):
                split[f"{bucket} ({name})"] = split.get(f"{bucket} ({name})", 0) + row[3]
    for key, seconds in sorted(split.items(), key=lambda kv: -kv[1]):
        out.write(f"  {key}: {seconds * 1000 / len(chosen):.1f} ms per query\n")
    out.write("\n")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--classes", default="sorted,dept,daterange,common,or,prefix")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-facets", action="store_true",
                        help="run without facet counting, as `/api/search?facets=none` does")
    args = parser.parse_args(argv)
    mix = json.loads(args.queries.read_text())
    print(profile(args.index, mix, set(args.classes.split(",")), args.top, () if args.no_facets else FACETS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
