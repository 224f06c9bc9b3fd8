"""Load test: the production server over the sample index, concurrent clients for a fixed time.

    python -m loadtest.run --duration 30 --clients 8 --workers 2

Builds the bundled sample into a temporary index with `wrans index`, starts
`wrans serve --workers N` (gunicorn sync workers) on a free loopback port,
waits for /healthz, then runs client threads (http.client, one connection per
request, as sync workers close each one) for `--duration` seconds, a share of
them hostile (see loadtest/mix.py). Prints and writes requests, req/s,
p50/p95/p99 latency and status counts to `--out` as JSON.

Exit status 1 when a request got a 5xx other than a deliberate 503 (which
carries Retry-After), a connection failed, more than `--max-503` of requests
were 503s, or the server logged a traceback or a worker timeout. At normal
concurrency (a few clients per worker) the expectation is no 5xx at all.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from indexer.store import iter_record_paths, question_id_from_path

from .mix import hostile, normal

REPO = Path(__file__).resolve().parent.parent
SERVER_FAULTS = re.compile(r"Traceback|WORKER TIMEOUT|was sent SIGKILL")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wrans-load-") as tmp:
        env = {**os.environ, "WRANS_DATA_DIR": str(args.data), "WRANS_INDEX_DIR": f"{tmp}/index",
               "WRANS_STATE_DIR": f"{tmp}/state"}
        subprocess.run([sys.executable, "-m", "indexer.cli", "-q", "index"], env=env, check=True)
        answer_ids = [i for i in map(question_id_from_path, iter_record_paths(args.data)) if i]
        port = free_port()
        log_path = Path(tmp) / "server.log"
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "indexer.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", str(args.workers)],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                wait_until_ready(port, server, log_path)
                samples, seconds = run_clients(port, args, answer_ids)
            finally:
                stop(server)
        server_faults = SERVER_FAULTS.findall(log_path.read_text(errors="replace"))
        if server_faults:
            shutil.copy(log_path, Path(args.out).with_suffix(".server.log"))
    report = summarise(samples, seconds, args, server_faults)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(render(report))
    return 0 if report["verdict"]["ok"] else 1


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m loadtest.run", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds of load (default 30)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--hostile", type=float, default=0.2, help="share of hostile requests (default 0.2)")
    parser.add_argument("--max-503", type=float, default=0.05,
                        help="largest share of deliberate 503s still counted a pass (default 0.05)")
    parser.add_argument("--timeout", type=float, default=30, help="client socket timeout in seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=REPO / "scraped", help="records to index")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "loadtest.json"))
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(port: int, server: subprocess.Popen, log_path: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if fetch(port, "/healthz", 2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server not ready after {limit}s:\n{log_path.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # the gunicorn arbiter and its workers, nothing else
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def fetch(port: int, path: str, timeout: float) -> tuple[int, str | None, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": "wrans-loadtest"})
        response = conn.getresponse()
        body = response.read()
        return response.status, response.getheader("Retry-After"), len(body)
    finally:
        conn.close()


def run_clients(port: int, args, answer_ids: list[int]):
    samples: list[tuple[str, str, int, float, bool]] = []  # kind, path, status, seconds, retry_after
    lock = threading.Lock()
    stop_at = time.monotonic() + args.duration

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine = []
        while time.monotonic() < stop_at:
            kind = "hostile" if rng.random() < args.hostile else "normal"
            path = hostile(rng) if kind == "hostile" else normal(rng, answer_ids)
            started = time.perf_counter()
            try:
                status, retry_after, _ = fetch(port, path, args.timeout)
            except OSError as exc:
                status, retry_after = f"error:{type(exc).__name__}", None
            mine.append((kind, path, status, time.perf_counter() - started, bool(retry_after)))
        with lock:
            samples.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(args.seed * 1000 + n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.monotonic() - started


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def latency(samples) -> dict:
    times = sorted(s[3] for s in samples)
    ms = {f"p{p}_ms": round(percentile(times, p) * 1000, 1) for p in (50, 95, 99)}
    return {"requests": len(times), **ms, "max_ms": round(times[-1] * 1000, 1) if times else 0.0}


def summarise(samples, seconds: float, args, server_faults: list[str]) -> dict:
    statuses = Counter(str(s[2]) for s in samples)
    unexpected_5xx = [(s[1], s[2]) for s in samples
                      if isinstance(s[2], int) and s[2] >= 500 and not (s[2] == 503 and s[4])]
    errors = [(s[1], s[2]) for s in samples if not isinstance(s[2], int)]
    busy = sum(1 for s in samples if s[2] == 503 and s[4])
    failures = []
    if not samples:
        failures.append("no requests completed")
    if unexpected_5xx:
        failures.append(f"{len(unexpected_5xx)} responses were 5xx other than a 503 with Retry-After")
    if errors:
        failures.append(f"{len(errors)} requests failed to connect or timed out")
    if samples and busy / len(samples) > args.max_503:
        failures.append(f"{busy} deliberate 503s, more than {args.max_503:.0%} of requests")
    if server_faults:
        failures.append(f"the server log shows {len(server_faults)} tracebacks or worker timeouts")
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1m": round(os.getloadavg()[0], 2)},
        "config": {"duration_s": args.duration, "clients": args.clients, "workers": args.workers,
                   "hostile_share": args.hostile, "seed": args.seed, "answers": len(
                       list(iter_record_paths(args.data)))},
        "requests": len(samples),
        "seconds": round(seconds, 2),
        "requests_per_second": round(len(samples) / seconds, 1) if seconds else 0.0,
        "latency": latency(samples),
        "latency_normal": latency([s for s in samples if s[0] == "normal"]),
        "latency_hostile": latency([s for s in samples if s[0] == "hostile"]),
        "status_counts": dict(sorted(statuses.items())),
        "status_counts_hostile": dict(sorted(Counter(str(s[2]) for s in samples
                                                     if s[0] == "hostile").items())),
        "deliberate_503": busy,
        "unexpected_5xx": sorted(set(map(str, unexpected_5xx)))[:20],
        "connection_errors": sorted(set(map(str, errors)))[:20],
        "verdict": {"ok": not failures, "failures": failures},
    }


def render(report: dict) -> str:
    lat, cfg = report["latency"], report["config"]
    normal, hostile = report["latency_normal"], report["latency_hostile"]
    lines = [
        f"load test: {cfg['clients']} clients, {cfg['workers']} sync workers, {cfg['duration_s']:g} s, "
        f"{cfg['hostile_share']:.0%} hostile, {cfg['answers']} answers",
        f"  {report['requests']} requests, {report['requests_per_second']} req/s",
        f"  latency p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms, "
        f"max {lat['max_ms']} ms",
        f"  normal p95 {normal['p95_ms']} ms, hostile p95 {hostile['p95_ms']} ms",
        f"  statuses {report['status_counts']}",
    ]
    verdict = report["verdict"]
    lines.append("  PASS" if verdict["ok"] else "  FAIL: " + "; ".join(verdict["failures"]))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
