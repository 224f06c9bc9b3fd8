"""Search latency through the web app on the bundled sample: p50 / p95 per query kind.

Builds an index of the data directory in a temporary folder, then requests
`/search?...` pages through Flask's test client (templates, facets, histogram,
snippets included), each query several rounds after one warm-up round, and
writes the figures as JSON.

    python -m bench.latency [--data scraped] [--rounds 5] [--out bench/results/latency.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode

warnings.filterwarnings("ignore", module="whoosh")

from bench.known_item import load_answers, make_queries  # noqa: E402
from indexer.index import rebuild_index  # noqa: E402
from webapp import create_app  # noqa: E402

FIXED = {
    "syntax": ['"criminal gangs"', "migrants OR apprenticeships", "humanitarian -sudan",
               "(migrants OR apprenticeships) smuggling", "immigra*", "heading:sudan",
               'dept:"home office" asylum', "answerer:merriman", "uin:7926", "house:lords"],
    "filtered": ["q=sudan&house=Lords", "q=railways&sort=newest", "q=department&page=2&sort=oldest",
                 "q=pension&answered_from=2024-01-01&answered_to=2025-12-31",
                 "dept=Department+for+Transport&sort=newest", "party=Labour&year=2024",
                 "q=&status=answered"],
    "misspelt": ["sudan humanitarain", "immigraton", "apprentiships OR sudan"],
}


def urls(data_dir: Path) -> dict[str, list[str]]:
    known = make_queries(load_answers(data_dir), every_sentence=False)
    kinds = {"known-item": [urlencode({"q": q}) for _, _, q in known]}
    kinds["syntax"] = [urlencode({"q": q}) for q in FIXED["syntax"]]
    kinds["misspelt"] = [urlencode({"q": q}) for q in FIXED["misspelt"]]
    kinds["filtered"] = list(FIXED["filtered"])
    return {kind: ["/search?" + query for query in queries] for kind, queries in kinds.items()}


def measure(client, paths: list[str], rounds: int) -> list[float]:
    for path in paths:  # warm-up: searcher opened, caches filled
        client.get(path)
    times = []
    for _ in range(rounds):
        for path in paths:
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    return times


def percentiles(times: list[float]) -> dict:
    ordered = sorted(times)
    pick = lambda share: ordered[min(len(ordered) - 1, int(share * len(ordered)))]  # noqa: E731
    return {"requests": len(ordered), "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(pick(0.95), 1), "max_ms": round(ordered[-1], 1)}


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=here.parent / "scraped")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=here / "results" / "latency.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rebuild_index(args.data, Path(tmp))
        client = create_app({"TESTING": True, "INDEX_DIR": tmp}).test_client()
        by_kind = {kind: measure(client, paths, args.rounds) for kind, paths in urls(args.data).items()}
    report = {kind: percentiles(times) for kind, times in by_kind.items()}
    report["all"] = percentiles([t for times in by_kind.values() for t in times])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    for kind, figures in report.items():
        print(f"{kind:11} n={figures['requests']:4} p50={figures['p50_ms']:6.1f} ms "
              f"p95={figures['p95_ms']:6.1f} ms max={figures['max_ms']:6.1f} ms")


if __name__ == "__main__":
    main()
