"""A reader skips the full "has the index moved on?" check only while neither directory moved.

Before each search a reader compares the mtimes of the index directory and of the
live build with those of its last full check (`live.settled_stamp`). These tests
date both directories back past SETTLED_NS, as an index that has been serving a
while is, and then move the index on as an update and a rebuild do.
"""

from __future__ import annotations

import os
import time

from indexer import search
from indexer.index import open_live_index, rebuild_index
from indexer.live import SETTLED_NS, live_build
from indexer.search import SearchIndex, SearchRequest

WORD = SearchRequest(q="Sudan")


def _settle(index_dir) -> None:
    """Date the index and live build directories back, as if they had not changed for a while."""
    past = time.time_ns() - 5 * SETTLED_NS
    for directory in (index_dir, live_build(index_dir)):
        os.utime(directory, ns=(past, past))


def _served(data_dir, tmp_path):
    index_dir = tmp_path / "index"
    rebuild_index(data_dir, index_dir)
    _settle(index_dir)
    return index_dir


def test_a_settled_index_is_not_looked_over_again(data_dir, tmp_path, monkeypatch):
    index_dir = _served(data_dir, tmp_path)
    looked = []
    monkeypatch.setattr(search, "live_build", lambda d: looked.append(d) or live_build(d))
    with SearchIndex(index_dir) as index:
        total = index.search(WORD).total
        index.search(WORD)  # the first full check with a settled stamp
        looked.clear()
        assert [index.search(WORD).total for _ in range(3)] == [total] * 3 and total > 1
    assert looked == []


def test_a_commit_to_a_settled_build_is_seen(data_dir, tmp_path):
    """A commit renames a TOC into the build directory only: its mtime alone moves."""
    index_dir = _served(data_dir, tmp_path)
    with SearchIndex(index_dir) as index:
        first = index.search(WORD)
        index.search(WORD)
        state_before = os.stat(index_dir).st_mtime_ns
        writer = open_live_index(index_dir).writer()
        writer.delete_by_term("id", str(first.hits[0].answer.id))
        writer.commit()
        assert os.stat(index_dir).st_mtime_ns == state_before  # only the build directory moved
        assert index.search(WORD).total == first.total - 1


def test_a_rebuild_swapped_in_over_a_settled_index_is_seen(data_dir, tmp_path):
    index_dir = _served(data_dir, tmp_path)
    with SearchIndex(index_dir) as index:
        first = index.search(WORD)
        index.search(WORD)
        (path,) = [p for p in data_dir.rglob("*.json") if p.stem == str(first.hits[0].answer.id)]
        path.unlink()
        rebuild_index(data_dir, index_dir)
        assert index.search(WORD).total == first.total - 1
