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


def measure(client, paths: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per request (CPU time is steadier on a shared machine)."""
    for path in paths:  # warm-up: searcher opened, caches filled
        client.get(path)
    wall, cpu = [], []
    for _ in range(rounds):
        for path in paths:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    return wall, cpu


def percentiles(wall: list[float], cpu: list[float]) -> dict:
    def pick(values, share):
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"requests": len(wall), "p50_ms": round(statistics.median(wall), 1),
            "p95_ms": pick(wall, 0.95), "max_ms": round(max(wall), 1),
            "cpu_p50_ms": round(statistics.median(cpu), 1), "cpu_p95_ms": pick(cpu, 0.95)}


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
    report = {kind: percentiles(*times) for kind, times in by_kind.items()}
    report["all"] = percentiles([t for wall, _ in by_kind.values() for t in wall],
                                [t for _, cpu in by_kind.values() for t in cpu])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    for kind, figures in report.items():
        print(f"{kind:11} n={figures['requests']:4} p50={figures['p50_ms']:6.1f} ms "
              f"p95={figures['p95_ms']:6.1f} ms max={figures['max_ms']:6.1f} ms | "
              f"cpu p50={figures['cpu_p50_ms']:5.1f} p95={figures['cpu_p95_ms']:5.1f} ms")


if __name__ == "__main__":
    main()
