"""The `wrans` command run as a process, as cron and people run it."""

import json
import os
import subprocess
import sys

import pytest

from .conftest import SAMPLE_DIR


def wrans(*args, env_extra=None, check=True):
    env = {**os.environ, **(env_extra or {})}
    result = subprocess.run([sys.executable, "-m", "indexer.cli", *args], env=env,
                            capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_search_json_has_the_api_shape(sample_index_dir):
    out = wrans("search", "criminal gangs smuggling", "--json", "--limit", "5",
                env_extra={"WRANS_INDEX_DIR": str(sample_index_dir)}).stdout
    data = json.loads(out)
    assert data["total"] == 1
    first = data["results"][0]
    assert {"id", "uin", "heading", "answering_body", "house", "date_answered", "snippet"} <= set(first)
    assert (first["id"], first["uin"], first["answering_body"]) == (90000001, "51639", "Home Office")
    assert "<mark" in first["snippet"] and "criminal</mark> groups (OCGs)" in first["snippet"]


def test_index_builds_then_skips_when_up_to_date(tmp_path):
    env = {"WRANS_DATA_DIR": str(SAMPLE_DIR), "WRANS_INDEX_DIR": str(tmp_path / "ix")}
    first = wrans("index", env_extra=env)
    assert "73 indexed" in first.stderr and "rebuild" in first.stderr
    second = wrans("index", env_extra=env)
    assert "index update: 0 indexed, 0 removed" in second.stderr
    rebuilt = wrans("index", "--rebuild", env_extra=env)
    assert "73 documents" in rebuilt.stderr
    stats = json.loads(wrans("stats", env_extra=env).stdout)
    assert stats["documents"] == 73


def test_errors_are_one_line_and_non_zero(tmp_path):
    result = wrans("search", "tax", env_extra={"WRANS_INDEX_DIR": str(tmp_path)}, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"wrans: no search index at {tmp_path}: build it with `wrans index`"]


@pytest.mark.parametrize(("variable", "value", "kind"), [("WRANS_PAGE_SIZE", "abc", "a whole number"),
                                                        ("WRANS_SEARCH_TIME_LIMIT", "2s", "a number")])
@pytest.mark.parametrize("command", [["stats"], ["search", "tax"], ["index"], ["update"],
                                     ["scrape", "--since", "2024-01-01"]])
def test_a_bad_setting_is_one_line_and_exit_1(tmp_path, command, variable, value, kind):
    env = {variable: value, "WRANS_INDEX_DIR": str(tmp_path / "ix"), "WRANS_DATA_DIR": str(tmp_path / "data"),
           "WRANS_STATE_DIR": str(tmp_path / "state"), "WRANS_API_URL": "http://127.0.0.1:9"}
    result = wrans(*command, env_extra=env, check=False)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [f"wrans: {variable} must be {kind}, not {value!r}"]
    assert not (tmp_path / "ix").exists() and not (tmp_path / "state").exists()  # nothing was started


def test_a_changed_record_is_reindexed_and_drift_waits_for_the_check(data_dir, tmp_path):
    from indexer import store

    env = {"WRANS_DATA_DIR": str(data_dir), "WRANS_INDEX_DIR": str(tmp_path / "ix")}
    wrans("index", env_extra=env)
    record = store.read_record(store.record_path(data_dir, 90000001))
    record["value"]["answerText"] = "<p>Zeppelins are now used by Border Force.</p>"
    store.write_record(data_dir, record)  # journaled: the next `wrans index` takes it
    store.record_path(data_dir, 90000093).unlink()  # behind wrans's back: only --check sees it
    out = wrans("index", env_extra=env)
    assert "index update: 1 indexed, 0 removed" in out.stderr
    found = json.loads(wrans("search", "zeppelins", "--json", env_extra=env).stdout)
    assert [r["id"] for r in found["results"]] == [90000001]
    assert json.loads(wrans("stats", env_extra=env).stdout)["documents"] == 73
    checked = wrans("index", "--check", env_extra=env)
    assert "index check: 1 indexed, 1 removed" in checked.stderr  # modified since the last sweep, and gone
    assert json.loads(wrans("stats", env_extra=env).stdout)["documents"] == 72
    assert "index update: 0 indexed, 0 removed" in wrans("index", env_extra=env).stderr


def test_serve_with_gunicorn_workers_answers_searches(sample_index_dir):
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "WRANS_INDEX_DIR": str(sample_index_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "indexer.cli", "serve", "--port", str(port),
                             "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.loads(r.read())
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert health["documents"] == 73
        url = f"http://127.0.0.1:{port}/search?q=criminal+gangs+smuggling"
        with urllib.request.urlopen(url, timeout=5) as r:
            assert "Undocumented Migrants" in r.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
