"""The change journal and the index runs that read it: cost follows the change, nothing is lost.

Real parts throughout: records written through the store into a temp data dir,
a real on-disk index built from the sample, real processes killed with -9.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer import journal, store
from indexer.index import read_index_state, rebuild_index, update_index
from indexer.search import SearchIndex, SearchRequest

from .conftest import SAMPLE_DIR
from .test_update import wait_for, whoosh_writer_active

SAMPLE_SIZE = 73


def record(question_id: int, text: str = "first") -> dict:
    return {"value": {"id": question_id, "answerText": f"<p>{text}</p>"}, "links": []}


def set_answer(data_dir: Path, question_id: int, text: str) -> str:
    stored = store.read_record(store.record_path(data_dir, question_id))
    stored["value"]["answerText"] = f"<p>{text}</p>"
    return store.write_record(data_dir, stored)


def hits(index_dir: Path, q: str) -> set[int]:
    with SearchIndex(index_dir) as index:
        return {h.answer.id for h in index.search(SearchRequest(q=q, page_size=100)).hits}


@pytest.fixture
def built(data_dir, tmp_path) -> Path:
    index_dir = tmp_path / "ix"
    rebuild_index(data_dir, index_dir)
    return index_dir


# The journal itself

def test_written_ids_are_read_once_in_order_and_unchanged_writes_are_not_journaled(tmp_path):
    start = journal.end(tmp_path)
    for question_id in (5, 3, 5, 9):
        store.write_record(tmp_path, record(question_id, f"text {question_id}"))
    store.write_record(tmp_path, record(3, "text 3"))  # same bytes: not journaled again
    changes = journal.read_since(tmp_path, start)
    assert changes.ids == [5, 3, 9]
    assert journal.read_since(tmp_path, changes.end) == journal.Changes([], changes.end)
    assert changes.end == journal.end(tmp_path)
    store.write_record(tmp_path, record(3, "edited"))
    assert journal.read_since(tmp_path, changes.end).ids == [3]


def test_a_line_cut_by_a_crash_is_never_read_as_an_id(tmp_path):
    journal.append(tmp_path, [11])
    start = journal.end(tmp_path)
    with open(journal.journal_path(tmp_path), "ab") as handle:
        handle.write(b"12")  # a writer killed mid-line
    assert journal.read_since(tmp_path, start).ids == []  # incomplete: not yet
    assert journal.end(tmp_path) == start
    journal.append(tmp_path, [13])
    assert journal.read_since(tmp_path, start).ids == [12, 13]  # "12" kept apart from 13, never 1213


def test_compaction_keeps_the_unread_ids_and_sends_readers_it_passed_to_a_sweep(tmp_path):
    journal.append(tmp_path, range(1000, 1100))
    old = journal.read_since(tmp_path, journal.Cursor())
    middle = journal.Cursor(old.end.journal, 5 * 50)  # past the first 50 ids (5 bytes a line)
    assert journal.compact(tmp_path, middle, threshold=100)
    assert journal.read_since(tmp_path, middle).ids == list(range(1050, 1100))
    assert journal.read_since(tmp_path, journal.Cursor(old.end.journal, 0)) is None
    assert journal.end(tmp_path) == old.end
    assert not journal.compact(tmp_path, old.end, threshold=10_000)  # under the threshold: left alone
    header, *lines = journal.journal_path(tmp_path).read_text().splitlines()
    assert header.split()[1:] == [old.end.journal, "250"] and lines == [str(i) for i in range(1050, 1100)]


def test_a_deleted_or_foreign_journal_is_answered_with_none(tmp_path):
    journal.append(tmp_path, [1, 2])
    cursor = journal.end(tmp_path)
    journal.journal_path(tmp_path).unlink()
    assert journal.read_since(tmp_path, cursor) is None
    journal.append(tmp_path, [3, 4, 5])  # a new journal, another id, longer than the old one
    assert journal.read_since(tmp_path, cursor) is None
    assert journal.read_since(tmp_path, None) is None
    assert journal.read_since(tmp_path, journal.Cursor()).ids == [3, 4, 5]  # began after a journal-less build


def test_a_journal_whose_first_append_has_not_written_is_no_journal_yet(tmp_path):
    """Between the first append's create and its write, a reader sees an empty file."""
    path = journal.journal_path(tmp_path)
    path.touch()
    assert journal.end(tmp_path) == journal.Cursor()
    changes = journal.read_since(tmp_path, journal.Cursor())
    assert (changes.ids, changes.end) == ([], journal.Cursor())
    assert journal.compact(tmp_path, changes.end, threshold=0) is False
    path.write_bytes(f"{journal.MAGIC} 5f3a".encode())  # a header half written
    assert journal.read_since(tmp_path, journal.Cursor()).end == journal.Cursor()
    path.unlink()
    journal.append(tmp_path, [7, 8])
    assert journal.read_since(tmp_path, changes.end).ids == [7, 8]  # the reader missed nothing


def test_appends_from_many_processes_reach_a_reader_that_compacts_meanwhile(tmp_path):
    code = ("import sys; from indexer import journal\n"
            "for i in range(int(sys.argv[1]), int(sys.argv[1]) + 300): journal.append(sys.argv[2], [i])")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(n * 1000), str(tmp_path)])
             for n in range(1, 5)]
    cursor, seen, compactions = journal.Cursor(), [], 0
    try:
        while True:
            running = any(p.poll() is None for p in procs)
            changes = journal.read_since(tmp_path, cursor)
            seen += changes.ids
            cursor = changes.end
            compactions += journal.compact(tmp_path, cursor, threshold=1)
            if not running:
                break
    finally:
        for p in procs:
            p.wait(timeout=60)
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    assert sorted(seen) == [i for n in range(1, 5) for i in range(n * 1000, n * 1000 + 300)]
    assert compactions > 0


# Index runs over the journal

def test_an_update_indexes_exactly_the_journaled_ids(data_dir, built):
    assert set_answer(data_dir, 90000024, "zeppelinfields") == "changed"
    behind = store.record_path(data_dir, 90000025)
    behind.write_text(behind.read_text().replace("</p>", " quasarbridges</p>", 1))  # not journaled
    report = update_index(data_dir, built)
    assert (report.mode, report.indexed, report.removed, report.documents) == ("update", 1, 0, SAMPLE_SIZE)
    assert hits(built, "zeppelinfields") == {90000024} and hits(built, "quasarbridges") == set()
    nothing = update_index(data_dir, built)
    assert (nothing.mode, nothing.indexed, nothing.removed) == ("update", 0, 0)
    assert nothing.documents == SAMPLE_SIZE
    checked = update_index(data_dir, built, check=True)
    assert (checked.mode, checked.indexed) == ("check", 2)  # the sweep: both, modified since the build
    assert hits(built, "quasarbridges") == {90000025}


def test_a_journaled_id_whose_record_is_gone_is_dropped(data_dir, built):
    store.record_path(data_dir, 90000030).unlink()
    journal.append(data_dir, [90000030, 99999999])  # the second was never indexed: not counted
    report = update_index(data_dir, built)
    assert (report.indexed, report.removed, report.documents) == (0, 1, SAMPLE_SIZE - 1)


def test_a_write_that_dies_before_its_file_is_replaced_has_journaled_the_id(tmp_path, monkeypatch):
    """So whatever the file holds when the writer dies, the next index run reads it again."""
    store.write_record(tmp_path, record(7))
    cursor = journal.end(tmp_path)

    def killed(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        store.write_record(tmp_path, record(7, "new"))
    assert journal.read_since(tmp_path, cursor).ids == [7]


def test_an_index_run_between_the_two_appends_sees_the_id_again_next_time(tmp_path, monkeypatch):
    """A concurrent `wrans index` may read the first append while the file still holds the old bytes."""
    cursor = journal.end(tmp_path)
    replace, read = store.os.replace, []

    def index_runs_now(src, dst):
        read.append(journal.read_since(tmp_path, cursor))
        replace(src, dst)

    monkeypatch.setattr(store.os, "replace", index_runs_now)
    store.write_record(tmp_path, record(8))
    assert read[0].ids == [8]
    assert journal.read_since(tmp_path, read[0].end).ids == [8]


def test_a_record_written_but_not_journaled_after_by_a_killed_run_is_indexed(data_dir, built):
    """A run killed between replacing the file and its second append: the first append covers it."""
    stored = store.read_record(store.record_path(data_dir, 90000024))
    stored["value"]["answerText"] = "<p>marmaladeferries</p>"
    journal.append(data_dir, [90000024])
    store.write_atomic(store.record_path(data_dir, 90000024), store.canonical_bytes(stored))
    assert update_index(data_dir, built).indexed == 1
    assert hits(built, "marmaladeferries") == {90000024}


def test_a_run_killed_before_its_state_is_saved_reads_the_same_ids_again(data_dir, built, tmp_path):
    before = read_index_state(built)["journal"]
    for question_id in range(2_000_000, 2_003_000):  # enough that the commit takes a while
        value = {**store.read_record(store.record_path(SAMPLE_DIR, 90000024))["value"], "id": question_id}
        store.write_record(data_dir, {"value": value, "links": []})
    env = {**os.environ, "WRANS_DATA_DIR": str(data_dir), "WRANS_INDEX_DIR": str(built),
           "WRANS_STATE_DIR": str(tmp_path / "state")}
    victim = subprocess.Popen([sys.executable, "-m", "indexer.cli", "index"], env=env,
                              stderr=subprocess.DEVNULL)
    wait_for(lambda: whoosh_writer_active(built))
    time.sleep(0.3)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert read_index_state(built)["journal"] == before  # killed before its commit was recorded
    report = update_index(data_dir, built)
    assert report.documents == SAMPLE_SIZE + 3000


def test_an_index_from_before_the_journal_is_swept_once(data_dir, built):
    state_file = built / "state.json"
    state = json.loads(state_file.read_text())
    del state["journal"]
    store.write_state(built, "state", state)
    set_answer(data_dir, 90000024, "zeppelinfields")
    journal.journal_path(data_dir).unlink()  # as if written by a wrans without a journal
    first = update_index(data_dir, built)
    assert (first.mode, first.indexed) == ("check", 1)
    assert hits(built, "zeppelinfields") == {90000024}
    assert update_index(data_dir, built).mode == "update"
