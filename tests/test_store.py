"""The raw store: stable bytes, atomic writes, write only when changed."""

import json

from indexer import store


def record(qid, text="<p>A</p>"):
    return {"value": {"id": qid, "answerText": text, "heading": "Héading"}, "links": []}


def test_write_is_new_then_unchanged_then_changed(tmp_path):
    assert store.write_record(tmp_path, record(1679416)) == "new"
    assert store.write_record(tmp_path, record(1679416)) == "unchanged"
    assert store.write_record(tmp_path, record(1679416, "<p>B</p>")) == "changed"
    path = store.record_path(tmp_path, 1679416)
    assert path == tmp_path / "questions" / "01679" / "1679416.json"
    assert json.loads(path.read_text(encoding="utf-8")) == record(1679416, "<p>B</p>")


def test_bytes_are_stable_whatever_the_key_order(tmp_path):
    a = {"value": {"id": 1, "b": 1, "a": 2}, "links": []}
    b = {"links": [], "value": {"a": 2, "id": 1, "b": 1}}
    assert store.canonical_bytes(a) == store.canonical_bytes(b)
    assert store.canonical_bytes(a).endswith(b"\n")
    assert "Héading".encode() in store.canonical_bytes(record(1))


def test_no_temporary_file_is_left_behind(tmp_path):
    for i in range(5):
        store.write_record(tmp_path, record(1000 + i))
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix not in (".json", ".journal")]
    assert leftovers == []
    assert [store.question_id_from_path(p) for p in store.iter_record_paths(tmp_path)] == [
        1000, 1001, 1002, 1003, 1004]


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    store.write_record(tmp_path, record(7))
    path = store.record_path(tmp_path, 7)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(store.os, "replace", broken_replace)
    try:
        store.write_record(tmp_path, record(7, "<p>new</p>"))
    except OSError:
        pass
    assert path.read_bytes() == before
    assert list(path.parent.glob(".*.tmp")) == []


def test_sweep_removes_temporary_files(tmp_path):
    store.write_record(tmp_path, record(7))
    stray = store.record_path(tmp_path, 7).parent / ".7.json.abc.tmp"
    stray.write_text("{")
    assert store.sweep_temporary_files(tmp_path) == 1
    assert not stray.exists()


def test_state_round_trips(tmp_path):
    assert store.read_state(tmp_path, "update") == {}
    store.write_state(tmp_path, "update", {"last_success": "2024-01-01"})
    assert store.read_state(tmp_path, "update") == {"last_success": "2024-01-01"}


def test_state_can_be_removed(tmp_path):
    store.write_state(tmp_path, "scrape-x", {"done": [1]})
    assert store.read_state(tmp_path, "scrape-x") == {"done": [1]}
    store.remove_state(tmp_path, "scrape-x")
    store.remove_state(tmp_path, "scrape-x")
    assert store.read_state(tmp_path, "scrape-x") == {} and list(tmp_path.iterdir()) == []
