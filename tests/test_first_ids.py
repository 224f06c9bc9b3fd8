"""`first_ids`: the deletions filter of a segment with deleted answers reads no block
to learn where a term starts, and stands where Whoosh's own would."""

from __future__ import annotations

import pytest
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

from indexer.engine import first_ids
from indexer.index import open_live_index

from .support.deleted_index import index_with_deletions

SIZE, SEED = 600, 7


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    """Two segments; the first with every 7th answer deleted (rewritten into the second)."""
    return index_with_deletions(tmp_path_factory, "first-ids", SIZE, SEED, every=7)


def _filtered(segment, field, text, reads: list) -> tuple[FilterMatcher, int]:
    before = len(reads)
    m = segment.postings(field, text)
    return m, len(reads) - before


def test_a_filter_reads_no_block_unless_its_terms_first_answer_is_deleted(index_dir, monkeypatch):
    reads: list = []
    read_data = W3LeafMatcher._read_data
    monkeypatch.setattr(W3LeafMatcher, "_read_data", lambda m: reads.append(m) or read_data(m))
    kept = stepped = 0
    with open_live_index(index_dir).reader() as reader:
        segment = next(leaf for leaf, _offset in reader.leaf_readers() if leaf.has_deletions())
        deleted = set(segment._perdoc.deleted_docs())
        for field, text in segment.all_terms():
            ours, read = _filtered(segment, field, text, reads)
            if not isinstance(ours, FilterMatcher) or type(ours.child) is not W3LeafMatcher:
                continue
            with monkeypatch.context() as stock:
                stock.setattr(FilterMatcher, "_find_next", first_ids.STOCK_FIND_NEXT)
                theirs, _read = _filtered(segment, field, text, reads)
            first = ours.child._wrans_first[0]
            if first in deleted:
                stepped += 1
            else:
                assert read == 0, (field, text)
                kept += 1
            assert ours.is_active() == theirs.is_active()
            assert list(ours.all_ids()) == list(theirs.all_ids()), (field, text)
    assert kept > 1000 and stepped > 10  # both roads taken


def test_a_filter_that_moved_on_is_stepped_as_whoosh_steps_it(index_dir):
    """After `reset`, or past the first block, the stock stepping answers."""
    with open_live_index(index_dir).reader() as reader:
        segment = next(leaf for leaf, _offset in reader.leaf_readers() if leaf.has_deletions())
        deleted = sorted(segment._perdoc.deleted_docs())
        field, text = max(segment.all_terms(), key=lambda term: segment.doc_frequency(*term))
        m = segment.postings(field, text)
        ids = []
        while m.is_active():
            ids.append(m.id())
            m.next()
        m.reset()
        assert m.id() == ids[0] and not set(ids) & set(deleted)
        assert len(ids) > 128  # more than one block: the later ones were stepped into
