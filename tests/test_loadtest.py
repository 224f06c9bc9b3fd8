"""The load test runs end to end (briefly), and its verdict fails on what it must fail on."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

from loadtest.run import summarise

from .conftest import REPO

ARGS = SimpleNamespace(duration=1, clients=1, workers=1, hostile=0.2, seed=1, max_503=0.05,
                       data=REPO / "scraped")


def test_a_short_load_test_passes_over_the_real_server(tmp_path):
    out = tmp_path / "loadtest.json"
    result = subprocess.run([sys.executable, "-m", "loadtest.run", "--duration", "3", "--clients", "3",
                             "--workers", "1", "--hostile", "0.5", "--out", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["requests"] > 10 and report["verdict"] == {"ok": True, "failures": []}
    assert report["status_counts"]["200"] and report["status_counts"]["400"]  # normal and refused
    assert report["latency"]["p50_ms"] <= report["latency"]["p95_ms"] <= report["latency"]["p99_ms"]
    assert "req/s" in result.stdout and "PASS" in result.stdout


def sample(status, retry_after=False, kind="normal"):
    return (kind, "/search?q=x", status, 0.01, retry_after)


def test_the_verdict_fails_on_a_500_a_bare_503_or_a_connection_error():
    ok = [sample(200)] * 99
    assert summarise(ok + [sample(400)], 1.0, ARGS, [])["verdict"]["ok"]
    assert summarise(ok + [sample(503, retry_after=True)], 1.0, ARGS, [])["verdict"]["ok"]
    for bad in (sample(500), sample(503), sample(502), sample("error:ConnectionResetError")):
        assert not summarise(ok + [bad], 1.0, ARGS, [])["verdict"]["ok"], bad


def test_the_verdict_fails_on_too_many_503s_or_server_tracebacks():
    busy = [sample(200)] * 90 + [sample(503, retry_after=True)] * 10
    assert not summarise(busy, 1.0, ARGS, [])["verdict"]["ok"]
    assert not summarise([sample(200)], 1.0, ARGS, ["Traceback"])["verdict"]["ok"]
    assert not summarise([], 1.0, ARGS, [])["verdict"]["ok"]
