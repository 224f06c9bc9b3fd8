"""An update's writer (`engine.updating`) must write what stock Whoosh writes.

The update sorts postings in memory, its commit may merge small segments in
after its own documents, and from `SPLIT_MIN` records a second process writes
half of them as a segment of its own. Each test takes the real path: a segment
list Whoosh's merge policy merges, so the in-memory pool gets merged postings
too; once with the pool forced back to Whoosh's spilling one; and more records
than `SPLIT_MIN`, so the second process runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from bench import corpus
from indexer.engine import updating
from indexer.index import _document_from_path, open_live_index, rebuild_index, update_index
from indexer.schema import ID_FIELD, build_schema

SMALL_SEGMENTS = 5  # of 5 documents each: the merge policy merges them at the next commit
UPDATED = updating.SPLIT_MIN + 50


def _index_with_small_segments(index_dir: Path, docs: list[dict]) -> None:
    """One 100-document segment, then SMALL_SEGMENTS segments of 5, none merged."""
    index_dir.mkdir()
    ix = whoosh_index.create_in(str(index_dir), build_schema())
    batches = [docs[:100], *(docs[100 + 5 * i:105 + 5 * i] for i in range(SMALL_SEGMENTS))]
    for batch in batches:
        writer = ix.writer(compound=False)
        for doc in batch:
            writer.add_document(**doc)
        writer.commit(merge=False)
    assert len(ix._segments()) == 1 + SMALL_SEGMENTS


def _stock_update(index_dir: Path, docs: list[dict]) -> None:
    ix = whoosh_index.open_dir(str(index_dir))
    writer = SegmentWriter(ix, compound=False)
    for doc in docs:
        writer.delete_by_term(ID_FIELD, doc[ID_FIELD])
        writer.add_document(**doc)
    writer.commit(mergetype=updating.merge_policy)


def _fast_update(index_dir: Path, paths: list[Path], procs: int = 1) -> bool:
    """As `indexer.index._upsert` writes an update: its own writer, and a second segment from 2 procs."""
    ix = whoosh_index.open_dir(str(index_dir))
    own, second_share = updating.split_records(paths, procs)
    writer = updating.UpdateSegmentWriter(ix, expected_docs=len(own), compound=False)
    with writer.searcher() as searcher, updating.SecondSegment(
            ix, second_share, _document_from_path, ID_FIELD, {"compound": False}) as second:
        for doc in map(_document_from_path, own):
            if doc is not None:
                writer.delete_by_term(ID_FIELD, doc[ID_FIELD], searcher=searcher)
                writer.add_document(**doc)
        if second_share:
            writer.flush_early()
        second.wait()
        for doc_id in second.ids:
            writer.delete_by_term(ID_FIELD, doc_id, searcher=searcher)
    writer.commit_with(second.segments)
    return writer.in_memory


def _postings(index_dir: Path) -> list[dict]:
    """Every segment's postings of every text field, with the lengths its blocks record."""
    ix = whoosh_index.open_dir(str(index_dir))
    out = []
    with ix.searcher() as searcher:
        for reader, _base in searcher.reader().leaf_readers():
            segment = {}
            for field in ("heading", "question", "answer", "exact", "people_dept"):
                for term in reader.lexicon(field):
                    m = reader.postings(field, term)
                    segment[field, term] = (list(m.all_items()), m.block_min_length(),
                                            m.block_max_length())
            out.append(segment)
    return out


def _stored(index_dir: Path) -> list[dict]:
    ix = whoosh_index.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        return [dict(searcher.stored_fields(n)) for n in searcher.reader().all_doc_ids()]


@pytest.mark.parametrize("in_memory", [True, False])
def test_an_update_writes_the_postings_stock_whoosh_writes(tmp_path, monkeypatch, in_memory):
    data = tmp_path / "data"
    size = 100 + 5 * SMALL_SEGMENTS + UPDATED
    original = corpus.write_records(data, range(size), size, seed=7)
    _index_with_small_segments(tmp_path / "base", [_document_from_path(p) for p in original])
    # The update: the last 25 stored documents change, and UPDATED - 25 are new.
    changed = corpus.write_records(data, range(size - UPDATED - 25, size - 25), size, seed=7, revision=1)
    for name in ("stock", "fast"):
        shutil.copytree(tmp_path / "base", tmp_path / name)
    if not in_memory:
        monkeypatch.setattr(updating, "MAX_IN_MEMORY", 0)

    probe = SegmentWriter(whoosh_index.open_dir(str(tmp_path / "base")), _lk=False)
    assert updating.docs_merged_at_commit(probe) == 5 * SMALL_SEGMENTS
    probe.cancel()
    _stock_update(tmp_path / "stock", [_document_from_path(p) for p in changed])
    assert _fast_update(tmp_path / "fast", changed) is in_memory

    segments = [s.doc_count_all() for s in whoosh_index.open_dir(str(tmp_path / "fast"))._segments()]
    assert len(segments) < 1 + SMALL_SEGMENTS + 1, "the commit merged the small segments"
    expected = _postings(tmp_path / "stock")
    assert sum(map(len, expected)) > 3000
    assert _postings(tmp_path / "fast") == expected
    assert _stored(tmp_path / "fast") == _stored(tmp_path / "stock")


def _by_id(index_dir: Path) -> dict:
    """Every live document's postings in the text fields, keyed by its id: segment-free."""
    ix = whoosh_index.open_dir(str(index_dir))
    out: dict = {}
    with ix.searcher() as searcher:
        for reader, _base in searcher.reader().leaf_readers():
            ids = {n: reader.stored_fields(n)[ID_FIELD] for n in reader.all_doc_ids()}
            for field in ("heading", "question", "answer", "exact", "people_dept"):
                for term in reader.lexicon(field):
                    m = reader.postings(field, term)
                    while m.is_active():
                        if m.id() in ids:
                            out.setdefault((field, term), []).append((ids[m.id()], m.weight(), m.value()))
                        m.next()
    return {key: sorted(found) for key, found in out.items()}


@pytest.mark.parametrize("merging", [True, False])
def test_a_second_process_writes_half_the_records_as_its_own_segment(tmp_path, merging):
    """Merging small segments in, the parent writes its segment at commit; merging
    none, while the second process finishes (`flush_early`). Either way as stock."""
    data = tmp_path / "data"
    size = 100 + 5 * SMALL_SEGMENTS + UPDATED
    original = corpus.write_records(data, range(size), size, seed=7)
    documents = [_document_from_path(p) for p in original]
    if merging:
        _index_with_small_segments(tmp_path / "base", documents)
    else:
        (tmp_path / "base").mkdir()
        writer = whoosh_index.create_in(str(tmp_path / "base"), build_schema()).writer(compound=False)
        for doc in documents:
            writer.add_document(**doc)
        writer.commit()
    # Answers after the small segments': those stay live, so a commit merges them.
    changed = corpus.write_records(data, range(size - UPDATED, size), size, seed=7, revision=1)
    changed[3].write_text("{not json", encoding="utf-8")  # one bad record in each half: skipped
    changed[-3].write_text("{not json", encoding="utf-8")
    good = [p for i, p in enumerate(changed) if i not in (3, len(changed) - 3)]
    for name in ("stock", "fast"):
        shutil.copytree(tmp_path / "base", tmp_path / name)
    _stock_update(tmp_path / "stock", [_document_from_path(p) for p in good])
    _fast_update(tmp_path / "fast", changed, procs=2)

    counts = [s.doc_count_all() for s in whoosh_index.open_dir(str(tmp_path / "fast"))._segments()]
    half = (len(changed) + 1) // 2
    assert counts[-1] == len(changed) - half - 1, "the last segment is the second process's half"
    assert len(counts) == (2 + 1 if merging else 1 + 2), counts  # merged small ones, or none to merge
    expected = _by_id(tmp_path / "stock")
    assert sum(map(len, expected.values())) > 3000
    assert _by_id(tmp_path / "fast") == expected
    assert sorted(map(str, _stored(tmp_path / "fast"))) == sorted(map(str, _stored(tmp_path / "stock")))


def test_few_records_are_written_by_the_parent_alone(tmp_path, monkeypatch):
    paths = corpus.write_records(tmp_path, range(3), 3, seed=7)
    monkeypatch.setattr(updating.multiprocessing, "get_context", _no_processes)
    assert updating.split_records(paths, procs=2) == (paths, [])
    with updating.SecondSegment(None, [], _document_from_path, ID_FIELD, {}) as second:
        second.wait()
    assert second.segments == [] and second.ids == []


def _no_processes(*_args):
    raise AssertionError("a process was started for a handful of records")


def test_an_index_older_than_the_schema_is_rebuilt_by_an_update(tmp_path, monkeypatch):
    """New fields cannot be written into an index without them: an update rebuilds it, not crashes."""
    from indexer import index as indexing

    data = tmp_path / "data"
    paths = corpus.write_records(data, range(30), 30, seed=7)
    newest, documents = indexing.build_schema, indexing.document_from_answer

    def without_party():
        old = newest()
        old.remove("party")
        return old

    monkeypatch.setattr(indexing, "build_schema", without_party)
    monkeypatch.setattr(indexing, "document_from_answer",
                        lambda answer: {k: v for k, v in documents(answer).items() if k != "party"})
    indexing.rebuild_index(data, tmp_path / "index", procs=1)
    monkeypatch.setattr(indexing, "build_schema", newest)
    monkeypatch.setattr(indexing, "document_from_answer", documents)
    corpus.write_records(data, range(3), 30, seed=7, revision=1)

    report = indexing.update_index(data, tmp_path / "index", paths=paths[:3])
    assert report.mode == "rebuild" and report.documents == 30
    ix = indexing.open_live_index(tmp_path / "index")
    assert "party" in ix.schema.names()
    ix.close()


class _Sized:
    """A segment as the merge plan sees it: its documents, and how many are live."""

    def __init__(self, documents: int, live: int | None = None):
        self.documents, self.live = documents, documents if live is None else live

    def doc_count_all(self) -> int:
        return self.documents

    def doc_count(self) -> int:
        return self.live


def test_the_merge_plan_drops_dead_segments_and_merges_a_tier_once_it_is_full():
    rebuilt = [_Sized(250_000, 249_000) for _ in range(4)]
    dead = _Sized(250, live=0)  # every document replaced by a later update
    updates = [_Sized(250) for _ in range(updating.MERGE_FANOUT - 1)]
    assert updating.merge_plan([*rebuilt, dead, *updates]) == ([], [*rebuilt, *updates])
    fifth = _Sized(400, live=10)
    assert updating.merge_plan([*rebuilt, dead, *updates, fifth]) == ([*updates, fifth], rebuilt)
    # Five of 250 merge into one of 1,250, a fifth segment in the tier of thousands: all merge.
    thousands = [_Sized(3_000) for _ in range(updating.MERGE_FANOUT - 1)]
    assert updating.merge_plan([*rebuilt, *thousands, *updates, fifth]) == (
        [*updates, fifth, *thousands], rebuilt)
    assert updating.merge_plan([*rebuilt, *thousands])[0] == []  # four of them: not yet
    large = [_Sized(updating.MERGE_BELOW) for _ in range(updating.MERGE_FANOUT)]
    assert updating.merge_plan(large) == ([], large)  # never merged by an update


def test_updates_keep_few_segments_and_none_without_live_documents(tmp_path):
    """Ten updates of answers no other update touches: the small segments merge
    as they come, so the index holds a few segments, not eleven. Then one that
    rewrites the last update's answers: its commit drops the segment it emptied.
    No answer is lost or doubled throughout."""
    data, index_dir = tmp_path / "data", tmp_path / "index"
    size = 150
    corpus.write_records(data, range(size), size, seed=3)
    rebuild_index(data, index_dir, procs=1)
    counts = []
    for revision in range(1, 12):
        start = 12 * (revision - 1) if revision < 11 else 12 * 9  # the last: the tenth's answers again
        update_index(data, index_dir, paths=corpus.write_records(data, range(start, start + 12), size, 3,
                                                                 revision))
        ix = open_live_index(index_dir)
        segments = ix._segments()
        assert all(segment.doc_count() for segment in segments), revision
        counts.append(len(segments))
        with ix.searcher() as searcher:
            assert searcher.doc_count() == size
        ix.close()
    assert max(counts) <= 1 + updating.MERGE_FANOUT < len(counts) and counts[-1] == counts[-2], counts
