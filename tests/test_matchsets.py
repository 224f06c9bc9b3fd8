"""Matches from posting blocks: the same documents, the same results as stepping matchers.

The index here is big enough for the shortcuts to act: several posting blocks per
common word, two segments and deleted documents (an incremental run rewrote
some records), so block skipping, segment offsets and deletions are all taken.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from whoosh import query

from bench import corpus
from bench.queries import build_mix, request_from_spec
from indexer import collecting, matchsets
from indexer.index import open_live_index, rebuild_index, update_index
from indexer.search import SearchIndex, SearchRequest

SIZE = 1500


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("matchsets")
    corpus.generate(root / "data", SIZE, seed=5)
    rebuild_index(root / "data", root / "index", procs=1)
    changed = corpus.write_records(root / "data", range(0, SIZE, 7), SIZE, seed=5, revision=1)
    update_index(root / "data", root / "index", paths=changed)
    return root / "index"


def _queries(searcher):
    terms = [query.Term(field, word) for field in ("heading", "question", "answer")
             for word in ("depart", "govern", "support", "school")]
    return [
        *terms,
        query.Or(terms),
        query.And([query.Or(terms[:4]), query.Term("house_facet", "Lords")]),
        query.AndNot(query.Or(terms), query.Term("answer", "govern")),
        query.AndMaybe(terms[0], query.Phrase("exact", ["the", "government"])),
        query.Phrase("exact", ["the", "government"]),
        query.And([terms[2], query.Not(query.Term("house_facet", "Commons"))]),
        query.Term("answer", "no-such-word"),
        query.NullQuery,
    ]


def test_docnums_are_the_documents_whoosh_matches(index_dir):
    ix = open_live_index(index_dir)
    try:
        with ix.searcher() as searcher:
            assert len(searcher.leaf_searchers()) == 2
            assert searcher.reader().has_deletions()
            sizes = []
            for q in _queries(searcher):
                expected = sorted(searcher.docs_for_query(q))
                assert matchsets.docnums(searcher, q) == expected, q
                sizes.append(len(expected))
            assert max(sizes) > 600  # several blocks of 128 for the common words
    finally:
        ix.close()


def test_only_term_queries_are_matched_from_blocks():
    assert matchsets.from_blocks(query.Or([query.Term("a", "x"), query.Term("b", "y")]))
    assert not matchsets.from_blocks(query.AndMaybe(query.Term("a", "x"), query.Phrase("e", ["x", "y"])))


def _run(index_dir, requests, use_sets: bool, monkeypatch) -> list:
    monkeypatch.setattr(matchsets, "from_blocks", matchsets.from_blocks if use_sets else (lambda q: False))
    monkeypatch.setattr(collecting, "_FromSets", collecting._FromSets if use_sets else collecting._OnePass)
    index = SearchIndex(index_dir, cached_matchings=0)
    try:
        out = []
        for request in requests:
            found = index.search(request)
            out.append((request.q, request.sort, request.page, found.total,
                        [(h.answer.id, h.score) for h in found.hits],
                        json.dumps(found.facets, sort_keys=True, default=str)))
        return out
    finally:
        index.close()


def test_results_are_those_of_the_one_pass_collector(index_dir, monkeypatch):
    mix = build_mix(SIZE, seed=5, per_class=4)
    requests = [SearchRequest(q=w, page_size=5) for w in ("support", "school OR hospital", "gov*")]
    for spec in mix:
        base = request_from_spec(spec)
        requests += [replace(base, sort=sort, page=page, page_size=5)
                     for sort in ("relevance", "newest") for page in (1, 3)]
    with monkeypatch.context() as m:
        before = _run(index_dir, requests, use_sets=False, monkeypatch=m)
    after = _run(index_dir, requests, use_sets=True, monkeypatch=monkeypatch)
    assert sum(total for _, _, _, total, _, _ in after) > 5000
    assert after == before


def test_a_search_past_its_time_limit_is_stopped_while_reading_blocks(index_dir):
    index = SearchIndex(index_dir, time_limit=0.000001, cached_matchings=0)
    try:
        with pytest.raises(collecting.SearchTimedOut):
            index.search(SearchRequest(q="support OR school OR government", sort="newest"))
    finally:
        index.close()
