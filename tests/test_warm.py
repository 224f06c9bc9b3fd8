"""A web worker reads the index's tables before its first request, and starts without an index too."""

from __future__ import annotations

from indexer.search import SearchIndex, SearchRequest
from indexer.serve import _WransApplication

READ_AHEAD = {"facets", "groups", "dates", "newest_keys", "oldest_keys"}


def test_warm_reads_tables_and_field_lengths_before_any_search(sample_index_dir):
    with SearchIndex(sample_index_dir) as index:
        index.warm()
        tables = index._local.tables
        assert READ_AHEAD <= set(vars(tables))
        searcher = index._local.searcher
        wanted = {("array", f) for f in ("heading", "question", "answer")}
        for leaf, _ in searcher.reader().leaf_readers():
            assert wanted <= set(searcher.weighting._lengths[leaf])
        assert index.search(SearchRequest(q="criminal gangs")).total > 0
        assert index._local.tables is tables  # the search used what was warmed


def test_a_worker_starts_without_an_index(tmp_path, monkeypatch):
    monkeypatch.setenv("WRANS_INDEX_DIR", str(tmp_path / "nothing-here"))
    app = _WransApplication({"bind": "127.0.0.1:0", "workers": 1}).load()
    assert app.test_client().get("/search?q=anything").status_code == 503
