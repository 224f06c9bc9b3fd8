"""The index under change: readers during commits, atomic rebuilds, kill -9, one run at a time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer import store
from indexer.index import BUILDS, live_build, rebuild_index, update_index
from indexer.lock import run_lock
from indexer.search import SearchIndex, SearchRequest

from .conftest import SAMPLE_DIR
from .support.large_index import SIZE, large_index


def wrans(*args, env, check=True, **popen):
    cmd = [sys.executable, "-m", "indexer.cli", *args]
    full_env = {**os.environ, **env}
    if popen:
        return subprocess.Popen(cmd, env=full_env, **popen)
    result = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def set_answer(data_dir: Path, question_id: int, text: str) -> None:
    record = store.read_record(store.record_path(data_dir, question_id))
    record["value"]["answerText"] = f"<p>{text}</p>"
    store.write_record(data_dir, record)


def add_copies(data_dir: Path, count: int) -> None:
    """Write `count` extra records (copies of the sample with new ids), fast and unsynced."""
    sample = [store.read_record(p) for p in store.iter_record_paths(SAMPLE_DIR)]
    for n in range(count):
        record = json.loads(json.dumps(sample[n % len(sample)]))
        record["value"]["id"] = 2_000_000 + n
        path = store.record_path(data_dir, 2_000_000 + n)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(store.canonical_bytes(record))


def test_a_reader_keeps_answering_while_a_writer_commits(data_dir, tmp_path):
    index_dir = tmp_path / "ix"
    rebuild_index(data_dir, index_dir)
    errors, seen = [], set()
    stop = threading.Event()

    def read():
        reader = SearchIndex(index_dir)
        while not stop.is_set():
            try:
                results = reader.search(SearchRequest(q="zeppelin OR criminal"))
                seen.add(results.total)
            except Exception as exc:  # any failure is what this test looks for
                errors.append(repr(exc))
        reader.close()

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for n, qid in enumerate((90000024, 90000025, 90000026, 90000027, 90000028), 1):
            set_answer(data_dir, qid, f"Zeppelin number {n}")
            update_index(data_dir, index_dir)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert len(seen) > 1  # the reader saw commits without a restart
    with SearchIndex(index_dir) as reader:
        assert reader.search(SearchRequest(q="zeppelin")).total == 5


def test_a_rebuild_switches_readers_to_the_new_build(data_dir, tmp_path):
    index_dir = tmp_path / "ix"
    rebuild_index(data_dir, index_dir)
    first = live_build(index_dir)
    with SearchIndex(index_dir) as reader:
        assert reader.search(SearchRequest(q="zeppelin")).total == 0
        set_answer(data_dir, 90000024, "A zeppelin")
        rebuild_index(data_dir, index_dir)
        assert live_build(index_dir) != first
        assert first.is_dir()  # kept for readers still on it
        assert reader.search(SearchRequest(q="zeppelin")).total == 1
    rebuild_index(data_dir, index_dir)
    assert not first.exists()  # two rebuilds later it is gone
    assert len(list((index_dir / BUILDS).iterdir())) == 2


@pytest.mark.slow
def test_kill_9_during_a_rebuild_leaves_a_working_index(data_dir, tmp_path):
    index_dir, state_dir = tmp_path / "ix", tmp_path / "state"
    env = {"WRANS_DATA_DIR": str(data_dir), "WRANS_INDEX_DIR": str(index_dir),
           "WRANS_STATE_DIR": str(state_dir)}
    wrans("index", env=env)
    old_build = live_build(index_dir)
    add_copies(data_dir, 3000)
    proc = wrans("index", "--rebuild", env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list((index_dir / BUILDS).iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    assert proc.poll() is None, "the rebuild finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()

    assert live_build(index_dir) == old_build
    stats = json.loads(wrans("stats", env=env).stdout)
    assert stats["documents"] == 73
    assert json.loads(wrans("search", "criminal gangs smuggling", "--json", env=env).stdout)["total"] == 1

    wrans("index", "--rebuild", env=env)
    assert json.loads(wrans("stats", env=env).stdout)["documents"] == 3073
    builds = sorted(p.name for p in (index_dir / BUILDS).iterdir())
    assert builds == sorted([old_build.name, live_build(index_dir).name])  # the half build is gone


@pytest.mark.slow
def test_kill_9_of_a_two_process_rebuild_takes_its_workers_down(tmp_path_factory):
    """`wrans index --rebuild` over SIZE records (two processes) killed with -9 once both
    workers write: they end within 2 s, nothing of it runs on, the next rebuild succeeds.

    The large index is built that way (tests/support/large_index.py); `pytest -s`
    prints what ran and how long it took to go.
    """
    large = large_index(tmp_path_factory)
    killed = large.killed
    print(f"\n{killed.describe()}\nthe next `wrans index --rebuild`: exit {large.rebuild.returncode} "
          f"in {large.rebuild_seconds:.1f}s")
    assert len(killed.workers) == 2
    assert all("indexer.cli -q index --rebuild" in cmd for cmd in killed.workers.values())
    assert killed.gone_after is not None and killed.gone_after < 2.0, killed.describe()
    assert large.rebuild.returncode == 0, large.rebuild.stderr
    assert [p.name for p in (large.index_dir / BUILDS).iterdir()] == [live_build(large.index_dir).name]
    stats = json.loads(wrans("stats", env=large.env).stdout)
    assert stats["documents"] == SIZE
    found = json.loads(wrans("search", "department", "--json", env=large.env).stdout)
    assert found["total"] > 0 and found["results"]


def test_kill_9_of_an_update_takes_its_second_process_down(tmp_path):
    """`wrans index` upserting 1,500 changed records (a second process writes half of them
    as its own segment) killed with -9 once that process is busy: it ends within 2 s,
    and the next `wrans index` upserts every change."""
    from bench import corpus
    from indexer import journal
    from indexer.normalize import answer_from_record

    from .support.large_index import kill_once_busy, wrans_command

    data_dir, count = tmp_path / "data", 1500
    env = {"WRANS_DATA_DIR": str(data_dir), "WRANS_INDEX_DIR": str(tmp_path / "ix"),
           "WRANS_STATE_DIR": str(tmp_path / "state"), "WRANS_INDEX_PROCS": "2"}
    corpus.write_records(data_dir, range(count), count, seed=3)
    wrans("index", env=env)
    corpus.write_records(data_dir, range(count), count, seed=3, revision=1)
    journal.append(data_dir, [corpus.FIRST_ID + i for i in range(count)])  # as the store does

    killed = kill_once_busy(wrans_command("-q", "index"), {**os.environ, **env}, workers=1)
    print(f"\n{killed.describe()}")
    assert len(killed.workers) == 1
    assert killed.gone_after is not None and killed.gone_after < 2.0, killed.describe()
    wrans("index", env=env)
    index = SearchIndex(tmp_path / "ix")
    assert index.stats()["documents"] == count
    for question_id in (corpus.FIRST_ID, corpus.FIRST_ID + count - 1):  # one from each half
        record = answer_from_record(store.read_record(store.record_path(data_dir, question_id)))
        assert index.get_answer(question_id).answer_text == record.answer_text
    index.close()


def test_a_second_run_exits_at_once_while_one_holds_the_lock(tmp_path):
    env = {"WRANS_DATA_DIR": str(SAMPLE_DIR), "WRANS_INDEX_DIR": str(tmp_path / "ix"),
           "WRANS_STATE_DIR": str(tmp_path / "state")}
    with run_lock(tmp_path / "state", "test"):
        started = time.monotonic()
        result = wrans("index", env=env, check=False)
        assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "another wrans run holds" in result.stderr
    wrans("index", env=env)  # free again once released


def test_a_killed_lock_holder_never_blocks_the_next_run(tmp_path):
    state_dir = tmp_path / "state"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from indexer.lock import run_lock\n"
         f"with run_lock({str(state_dir)!r}, 'holder'):\n"
         "    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    env = {"WRANS_DATA_DIR": str(SAMPLE_DIR), "WRANS_INDEX_DIR": str(tmp_path / "ix"),
           "WRANS_STATE_DIR": str(state_dir)}
    assert wrans("index", env=env, check=False).returncode == 1
    holder.kill()
    holder.wait()
    holder.stdout.close()
    assert (state_dir / "wrans.lock").exists()  # the file stays; only the kernel lock went
    wrans("index", env=env)


def test_temporary_tocs_left_by_a_killed_commit_are_swept(data_dir, tmp_path):
    index_dir = tmp_path / "ix"
    rebuild_index(data_dir, index_dir)
    leftover = live_build(index_dir) / "_MAIN_1.toc.1700000000.5"
    leftover.write_bytes(b"half a toc")
    set_answer(data_dir, 90000024, "changed")
    update_index(data_dir, index_dir)
    assert not leftover.exists()
