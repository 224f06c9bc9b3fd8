"""`wrans scrape` as a process: one summary line, clear errors, resumes after kill -9 and Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from indexer import store

from .conftest import SAMPLE_DIR
from .support.replay_server import ReplayApi
from .test_scrape import leftovers, served_files, stored_files

SUMMARY = re.compile(r"^scrape: (\d+) new, (\d+) changed, (\d+) unchanged, (\d+) failed, "
                     r"(\d+) requests, [\d.]+ seconds$")
HOLDING = 90000049


@pytest.fixture
def api():
    with ReplayApi.from_sample(SAMPLE_DIR) as server:
        yield server


def env_for(api, tmp_path, **extra) -> dict:
    return {**os.environ, "WRANS_API_URL": api.url, "WRANS_DATA_DIR": str(tmp_path / "data"),
            "WRANS_STATE_DIR": str(tmp_path / "state"), "WRANS_REQUESTS_PER_SECOND": "0",
            "WRANS_RETRY_BACKOFF": "0.01", "WRANS_PAGE_SIZE": "5", "WRANS_READ_TIMEOUT": "2", **extra}


def start(env, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "indexer.cli", "scrape", "--since", "1900-01-01", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_interruptible)


def _interruptible() -> None:
    """Let the run take Ctrl-C whoever started the tests: a script's `make test &`
    hands its children SIGINT ignored (POSIX, for background jobs without job
    control), and Python then leaves it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(process) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def stop_when_stored(process, data_dir, count: int, sig) -> None:
    """Send `sig` once `count` records are on disk; fail if the run ended first."""
    deadline = time.monotonic() + 30
    while len(list(store.iter_record_paths(data_dir))) < count:
        assert process.poll() is None, "the scrape finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(sig)


def test_prints_one_summary_line(api, tmp_path):
    code, out, err = finish(start(env_for(api, tmp_path)))
    assert code == 0, err
    assert SUMMARY.match(out.strip()) and out.count("\n") == 1
    assert SUMMARY.match(out.strip()).groups()[:5] == ("73", "0", "0", "0", str(len(api.requests)))


def test_a_killed_backfill_resumes_without_fetching_again(api, tmp_path):
    env = env_for(api, tmp_path, WRANS_REQUESTS_PER_SECOND="40")
    first = start(env)
    stop_when_stored(first, tmp_path / "data", 30, signal.SIGKILL)
    assert finish(first)[0] == -signal.SIGKILL
    had = set(stored_files(tmp_path / "data"))
    assert stored_files(tmp_path / "data") == served_files(api, had)  # whole records or none
    done = json.loads((tmp_path / "state" / "scrape-1900-01-01-all.json").read_text())["done"]
    assert done, "no window was finished before the kill"
    before = len(api.requests)

    code, out, err = finish(start(env_for(api, tmp_path)))
    assert code == 0, err
    assert stored_files(tmp_path / "data") == served_files(api)
    assert int(SUMMARY.match(out.strip()).group(1)) == 73 - len(had)
    assert all(api.count("detail", i) == 1 for i in had - {HOLDING})
    relisted = {(r.query.get("answeredWhenFrom"), r.query.get("answeredWhenTo"))
                for r in api.requests[before:]}
    assert not any((d["first"], d["last"]) in relisted for d in done)
    assert leftovers(tmp_path / "data") == []


def test_ctrl_c_stops_cleanly_and_the_rerun_completes(api, tmp_path):
    first = start(env_for(api, tmp_path, WRANS_REQUESTS_PER_SECOND="40"))
    stop_when_stored(first, tmp_path / "data", 20, signal.SIGINT)
    code, out, err = finish(first)
    assert (code, out) == (130, "") and "wrans: interrupted" in err, (code, out, err)
    code, out, err = finish(start(env_for(api, tmp_path)))
    assert code == 0, err
    assert stored_files(tmp_path / "data") == served_files(api)
    assert leftovers(tmp_path) == []


def test_giving_up_is_one_clear_line_and_a_non_zero_exit(api, tmp_path):
    api.add_fault("429", 1679416, times=100, retry_after="0")
    code, out, err = finish(start(env_for(api, tmp_path, WRANS_MAX_TRIES="3")))
    assert code == 1 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"wrans: GET {api.url}/api/writtenquestions/questions/1679416?expandMember=true")
    assert last.endswith("(question 1679416) failed after 3 tries: HTTP 429")
    assert api.count("detail", 1679416) == 3


def test_a_missing_detail_is_reported_and_exits_non_zero(api, tmp_path):
    api.hidden.add(90000093)
    code, out, err = finish(start(env_for(api, tmp_path)))
    assert code == 1
    assert SUMMARY.match(out.strip()).groups()[:4] == ("72", "0", "0", "1")
    assert "failed: GET" in err and "questions/90000093?expandMember=true (question 90000093): 404" in err


def test_bad_arguments_are_refused(api, tmp_path):
    result = subprocess.run([sys.executable, "-m", "indexer.cli", "scrape", "--since", "2024-13-01"],
                            env=env_for(api, tmp_path), capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "not a date" in result.stderr
    result = subprocess.run([sys.executable, "-m", "indexer.cli", "scrape", "--since", "2024-02-01",
                             "--until", "2024-01-01"], env=env_for(api, tmp_path), capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1 and "before --since" in result.stderr
    assert api.requests == []
