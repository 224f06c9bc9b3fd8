"""`wrans update` end to end: real processes, the replay API on 127.0.0.1, a real index.

The API data changes between runs the way Parliament's does (a holding answer
replaced, a correction, a new answer, a withdrawal) and the next run must make
all of it searchable and visible on the pages, touching only what changed. Last,
a real gunicorn (`wrans serve --workers 2`) keeps answering while updates commit,
sees each commit without a restart, and its workers hold one searcher each.
"""

from __future__ import annotations

import copy
import datetime as dt
import fcntl
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.run import free_port, worker_pids
from indexer import store
from indexer.index import live_build
from indexer.search import SearchIndex, SearchRequest
from indexer.settings import load_settings
from indexer.update import window_start

from .conftest import SAMPLE_DIR, client_over
from .support.replay_server import ReplayApi

SUMMARY = re.compile(
    r"^update (\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d): (\d+) new, (\d+) changed, (\d+) unchanged, "
    r"(\d+) failed, (\d+) holding or failed re-checked, \d+ awaiting re-checked, \d+ requests; "
    r"index: (\d+) indexed, (\d+) removed, (\d+) documents; [\d.]+ seconds$")
HOLDING = 90000049      # the sample's holding answer (answered 1977: outside any lookback)
TO_WITHDRAW = 90000001  # made a holding answer before the first run, withdrawn before the second
TO_CORRECT = 90000029
NEW_ID = 1_700_001
TODAY = dt.date.today().isoformat() + "T09:30:00"
OLD_DAY = "2021-03-04T00:00:00"


@pytest.fixture
def api():
    with ReplayApi.from_sample(SAMPLE_DIR) as server:
        value = server.records[TO_WITHDRAW]["value"]
        value.update(answerIsHolding=True, dateHoldingAnswer=OLD_DAY, dateAnswered=OLD_DAY)
        yield server


@pytest.fixture
def env(api, tmp_path) -> dict:
    return {**os.environ, "WRANS_API_URL": api.url, "WRANS_DATA_DIR": str(tmp_path / "data"),
            "WRANS_STATE_DIR": str(tmp_path / "state"), "WRANS_INDEX_DIR": str(tmp_path / "index"),
            "WRANS_REQUESTS_PER_SECOND": "0", "WRANS_RETRY_BACKOFF": "0.01", "WRANS_MAX_TRIES": "2",
            "WRANS_PAGE_SIZE": "20", "WRANS_READ_TIMEOUT": "5", "WRANS_UPDATE_FIRST_DATE": "1900-01-01"}


def run_update(env, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer.cli", "update", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def start_update(env, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "indexer.cli", "update", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def summary_of(result) -> re.Match:
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    match = SUMMARY.match(lines[0])
    assert match, lines[0]
    return match


def update_state(env) -> dict:
    return store.read_state(env["WRANS_STATE_DIR"], "update")


def search_ids(env, q: str, status: str | None = None) -> set[int]:
    filters = (("status", status),) if status else ()
    with SearchIndex(env["WRANS_INDEX_DIR"]) as index:
        results = index.search(SearchRequest(q=q, page_size=100, filters=filters))
        return {hit.answer.id for hit in results.hits}


def index_stats(env) -> dict:
    with SearchIndex(env["WRANS_INDEX_DIR"]) as index:
        return index.stats()


def stored_answer(env, question_id: int):
    with SearchIndex(env["WRANS_INDEX_DIR"]) as index:
        return index.get_answer(question_id)


def change_the_api(api) -> None:
    """A holding answer replaced, a correction, a new answer and a withdrawal, as Parliament does."""
    holding = api.records[HOLDING]["value"]
    holding.update(answerIsHolding=False, answerText="<p>The substantive answer mentions zeppelinfields.</p>",
                   dateHoldingAnswer=holding["dateAnswered"], dateAnswered=TODAY)
    corrected = api.records[TO_CORRECT]["value"]
    corrected.update(answerIsCorrection=True, originalAnswerText=corrected["answerText"],
                     answerText="<p>Corrected text naming quasarbridges.</p>", dateAnswerCorrected=TODAY)
    new = copy.deepcopy(api.records[TO_CORRECT])
    new["value"].update(id=NEW_ID, uin="999999", answerIsCorrection=False, originalAnswerText=None,
                        dateAnswerCorrected=None, dateAnswered=TODAY, heading="Brand new",
                        answerText="<p>A new answer about marmaladeferries.</p>")
    api.records[NEW_ID] = new
    api.records[TO_WITHDRAW]["value"].update(isWithdrawn=True, answerIsHolding=False, answerText=None)


def test_first_run_stores_indexes_and_records_the_state_quietly(api, env):
    result = run_update(env)
    match = summary_of(result)
    assert result.stderr == ""  # no terminal: one line on stdout, nothing else
    assert match.group(1) == "1900-01-01" and int(match.group(3)) == len(api.records)
    assert int(match.group(10)) == len(api.records)
    state = update_state(env)
    stats = index_stats(env)
    assert stats["documents"] == len(api.records)
    assert stats["last_update"] == state["last_success"]
    assert stored_answer(env, TO_WITHDRAW).status == "holding"


def test_second_run_makes_every_kind_of_change_searchable(api, env, tmp_path):
    summary_of(run_update(env))
    first = update_state(env)
    change_the_api(api)
    api.requests.clear()
    match = summary_of(run_update(env))

    assert match.group(1) == window_start(first, load_settings(update_first_date="1900-01-01"),
                                          dt.date.today()).isoformat()
    assert int(match.group(3)) == 1 and int(match.group(4)) == 3  # new; holding, correction, withdrawal
    assert int(match.group(7)) == 2  # both holding answers re-checked
    assert int(match.group(8)) == 4 and int(match.group(10)) == len(api.records)
    fetched = {r.question_id for r in api.requests if r.kind == "detail"}
    assert fetched == {HOLDING, TO_WITHDRAW, TO_CORRECT, NEW_ID}  # nothing else fetched again

    assert search_ids(env, "zeppelinfields") == {HOLDING}
    assert search_ids(env, "quasarbridges") == {TO_CORRECT}
    assert search_ids(env, "marmaladeferries") == {NEW_ID}
    assert TO_WITHDRAW in search_ids(env, "", status="withdrawn")
    assert TO_CORRECT in search_ids(env, "", status="corrected")
    assert HOLDING not in search_ids(env, "", status="holding")

    with contextmanager(client_over)(tmp_path / "index") as client:
        corrected_page = client.get(f"/answers/{TO_CORRECT}").get_data(as_text=True)
        assert "quasarbridges" in corrected_page and "Original answer" in corrected_page
        holding_page = client.get(f"/answers/{HOLDING}").get_data(as_text=True)
        assert "Holding answer" in holding_page and "zeppelinfields" in holding_page
        assert "withdrawn" in client.get(f"/answers/{TO_WITHDRAW}").get_data(as_text=True).lower()
        health = client.get("/healthz").get_json()
        assert health["last_update"] == update_state(env)["last_success"]
        assert health["documents"] == len(api.records)


def test_a_run_with_nothing_new_fetches_no_detail_and_indexes_nothing(api, env):
    summary_of(run_update(env))
    api.records[TO_WITHDRAW]["value"]["answerIsHolding"] = False  # nothing holding: nothing to re-check
    api.records[HOLDING]["value"]["answerIsHolding"] = False
    summary_of(run_update(env))  # stores the two, now substantive
    generation = index_stats(env)["index_generation"]
    api.requests.clear()
    match = summary_of(run_update(env))
    assert [int(match.group(n)) for n in (3, 4, 7, 8, 9)] == [0, 0, 0, 0, 0]
    assert not [r for r in api.requests if r.kind == "detail"]
    assert index_stats(env)["index_generation"] <= generation + 1


def test_since_overrides_the_window(api, env):
    summary_of(run_update(env))
    match = summary_of(run_update(env, "--since", "2020-01-01"))
    assert match.group(1) == "2020-01-01"


def test_window_starts_at_the_last_success_minus_the_lookback():
    settings = load_settings(update_lookback_days=3, update_first_date="2014-05-01")
    today = dt.date(2026, 11, 29)
    assert window_start({}, settings, today) == dt.date(2014, 5, 1)
    last = {"last_success": "2026-11-20T23:59:00+00:00"}
    assert window_start(last, settings, today) == dt.date(2026, 11, 17)


def test_a_failing_api_fails_the_run_and_changes_nothing(api, env):
    summary_of(run_update(env))
    before_state = update_state(env)
    before_files = {p: p.read_bytes() for p in store.iter_record_paths(env["WRANS_DATA_DIR"])}
    generation = index_stats(env)["index_generation"]
    change_the_api(api)
    api.add_fault("500", target="list", times=50)
    result = run_update(env)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines()[-1].startswith("wrans: ")
    assert update_state(env) == before_state  # the state moves only after a successful run
    assert index_stats(env)["index_generation"] == generation
    assert {p: p.read_bytes() for p in store.iter_record_paths(env["WRANS_DATA_DIR"])} == before_files
    api.faults.clear()
    summary_of(run_update(env))  # the next run repeats the same window and catches up
    assert search_ids(env, "marmaladeferries") == {NEW_ID}


def test_a_detail_that_vanished_is_reported_and_retried_next_run(api, env):
    summary_of(run_update(env))
    change_the_api(api)
    api.hidden.add(NEW_ID)
    result = run_update(env)
    assert summary_of(result).group(6) == "1"
    assert str(NEW_ID) in result.stderr  # a warning names it
    assert update_state(env)["retry_ids"] == [NEW_ID]
    api.hidden.clear()
    api.requests.clear()
    summary_of(run_update(env))
    assert search_ids(env, "marmaladeferries") == {NEW_ID}
    assert update_state(env)["retry_ids"] == []


def test_a_second_update_or_index_exits_at_once_while_one_runs(api, env):
    summary_of(run_update(env))
    change_the_api(api)
    api.add_fault("slow", target=NEW_ID, delay=4.0)
    first = start_update(env)
    wait_for_request(api, NEW_ID)
    for command in (["update"], ["index"]):
        started = time.monotonic()
        second = subprocess.run([sys.executable, "-m", "indexer.cli", *command], env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and time.monotonic() - started < 3.5
        assert len(second.stderr.strip().splitlines()) == 1 and "another wrans run" in second.stderr
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert search_ids(env, "marmaladeferries") == {NEW_ID}


@pytest.mark.parametrize("stage", ["scrape", "index", "commit"])
def test_kill_9_anywhere_then_the_next_run_completes(api, env, stage, tmp_path):
    if stage == "commit":  # an incremental run killed while its Whoosh writer is open
        summary_of(run_update(env))
        add_api_copies(api, 2000, dated=TODAY)
        victim = start_update(env)
        wait_for(lambda: whoosh_writer_active(tmp_path / "index"))
        time.sleep(0.3)
    elif stage == "scrape":
        api.add_fault("slow", target=TO_CORRECT, delay=30.0)
        victim = start_update(env)
        wait_for_request(api, TO_CORRECT)
    else:
        add_api_copies(api, 2000)  # a first run that spends seconds building the index
        victim = start_update(env)
        builds = tmp_path / "index" / "builds"
        wait_for(lambda: builds.is_dir() and any(builds.iterdir()))
        time.sleep(0.5)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=10)  # reaps it and closes its pipes
    if stage == "commit":
        assert update_state(env)["until"]  # the first run's state, untouched by the killed one
        update_state_file(env).unlink()  # so the check below holds for every stage
    assert update_state(env) == {}  # killed before success: nothing recorded
    api.faults.clear()
    match = summary_of(run_update(env, timeout=300))
    assert int(match.group(10)) == len(api.records)
    assert not list((tmp_path / "data").rglob("*.tmp*"))
    assert search_ids(env, "zeppelinfields") == set() and live_build(tmp_path / "index").is_dir()


def add_api_copies(api, count: int, dated: str | None = None) -> None:
    sample = list(api.records.values())
    for n in range(count):
        record = json.loads(json.dumps(sample[n % len(sample)]))
        record["value"]["id"] = 3_000_000 + n
        if dated:
            record["value"]["dateAnswered"] = dated
        api.records[3_000_000 + n] = record


def update_state_file(env) -> Path:
    return Path(env["WRANS_STATE_DIR"]) / "update.json"


def whoosh_writer_active(index_dir: Path) -> bool:
    """Is a Whoosh writer open on the live build? (Its write lock is a flock: try it.)"""
    lock_file = index_dir / "live" / "MAIN_WRITELOCK"
    if not lock_file.exists():
        return False
    with open(lock_file, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def wait_for_request(api, question_id: int) -> None:
    wait_for(lambda: api.count("detail", question_id) > 0)


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


# The site during updates

def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_serving(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def open_index_files(pid: int, index_dir: Path) -> list[str]:
    """What one process holds open under `index_dir` (deleted files end in " (deleted)")."""
    targets = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(index_dir)):
            targets.append(target)
    return targets


@pytest.fixture
def served(env, tmp_path):
    summary_of(run_update(env))  # the first update builds the index the server starts on
    port = free_port()
    command = [sys.executable, "-m", "indexer.cli", "serve", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(port, server)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_site_serves_through_updates_and_finds_what_they_add(api, env, served, tmp_path):
    port, master = served
    statuses: list[int] = []
    stop = threading.Event()

    def search_all_the_while():
        while not stop.is_set():
            statuses.append(get(port, "/search?q=answer")[0])

    clients = [threading.Thread(target=search_all_the_while) for _ in range(2)]
    for client in clients:
        client.start()
    try:
        before = json.loads(get(port, "/healthz")[1])
        change_the_api(api)
        summary_of(run_update(env))
        for n in range(3):  # more commits: each replaces the workers' searchers
            api.records[NEW_ID]["value"]["answerText"] = f"<p>marmaladeferries revision {n}</p>"
            api.records[NEW_ID]["value"]["dateAnswered"] = f"{time.strftime('%Y-%m-%d')}T0{n}:00:00"
            summary_of(run_update(env))
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=60)

    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    for _ in range(6):  # every worker, not just one, must see the last commit
        status, body = get(port, "/search?q=marmaladeferries")
        assert status == 200 and b"revision 2" in body
    after = json.loads(get(port, "/healthz")[1])
    assert after["index_generation"] > before["index_generation"]
    assert after["last_update"] >= before["last_update"]
    live_files = sum(1 for f in (tmp_path / "index" / "live").resolve().iterdir() if f.is_file())
    for pid in worker_pids(master):  # one searcher each: no deleted files held, no pile of old ones
        held = open_index_files(pid, tmp_path / "index")
        assert not [t for t in held if t.endswith("(deleted)")], held
        assert len(held) <= live_files, (len(held), live_files)
