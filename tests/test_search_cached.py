"""The array collector, the per-searcher tables and the result cache against an oracle.

The index: 300 synthetic answers (bench.corpus) with a few question groups made
by hand, updated once so it has two segments and deleted documents; and the
session's large index (tests/support/large_index.py: 10,002 answers in three
segments, two of them over 5,000 documents, with deleted documents). The oracle
asks Whoosh for every match with its plain unlimited collector (no tables, no
cache, exact `DateRange` filters), then applies the facet filters, collapses
groups, counts facets (each without its own filter) and sorts from the stored
records in Python, so a wrong facet count, total, filter, sort order or a stale
cache shows up as a difference. (Whoosh's `a -b` lets a
wrong first match through; the oracle steps it with that fixed:
tests/support/whoosh_oracle.py.)
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from functools import partial

import pytest
from isal.isal_zlib import decompress as isal_decompress
from whoosh import query
from whoosh.codec.whoosh3 import STORED_COLUMN

from bench import corpus
from bench.plain_filters import with_filters
from indexer.collecting import collect
from indexer.facets import SearcherTables
from indexer.index import open_live_index, rebuild_index, update_index
from indexer.query import bound_expansions, parse_user_query
from indexer.ranking import RANKING
from indexer.responses import response_types
from indexer.schema import EXACT_FIELD, EXACT_WORDS_FIELD, FACET_COLUMNS, answer_from_stored, group_key
from indexer.search import FACETS, SORTS, WEIGHTING, SearchIndex, SearchRequest
from indexer.store import canonical_bytes, record_path

from .support.large_index import large_index
from .support.whoosh_oracle import fix_stepping

SIZE, SEED = 300, 3
GROUPS = ((10, 11), (50, 51, 52), (120, 121), (200, 201))  # record indices asked as one group


def _record(i: int, revision: int = 0) -> dict:
    """Corpus record `i`, with the members of GROUPS made into real question groups."""
    record = corpus.make_record(i, SIZE, SEED, revision)
    for members in GROUPS:
        if i in members:
            first = corpus.make_record(members[0], SIZE, SEED)["value"]
            uins = [str(5000 + m) for m in members]
            record["value"].update(house="Commons", uin=str(5000 + i), dateAnswered=first["dateAnswered"],
                                   groupedQuestions=[u for u in uins if u != str(5000 + i)])
    return record


def _write(data_dir, indices, revision=0):
    paths = []
    for i in indices:
        record = _record(i, revision)
        path = record_path(data_dir, record["value"]["id"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(canonical_bytes(record))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    """(data_dir, index_dir): two segments, the second rewriting 40 answers (so 40 deleted docs)."""
    data_dir = tmp_path_factory.mktemp("cached-data")
    index_dir = tmp_path_factory.mktemp("cached-index")
    _write(data_dir, range(SIZE))
    rebuild_index(data_dir, index_dir)
    update_index(data_dir, index_dir, paths=_write(data_dir, [*range(0, SIZE, 7)[:40], 50, 51, 52], 1))
    return data_dir, index_dir


def _words(index_dir) -> list[str]:
    """Answer words found in about 60 %, 30 %, 15 %, 5 % and 2 % of the answers."""
    ix = open_live_index(index_dir)
    with ix.searcher() as searcher:
        terms = [(searcher.doc_frequency("answer", t), t.decode()) for t in searcher.lexicon("answer")]
        size = searcher.doc_count()
    terms = [(df, t) for df, t in terms if t.isalpha() and len(t) > 3]
    shares = (0.6, 0.3, 0.15, 0.05, 0.02)
    return [min(terms, key=lambda term: abs(term[0] - share * size))[1] for share in shares]


FACET_VALUES = {"dept": lambda a: a.department, "house": lambda a: a.house,
                "party": lambda a: a.asking_member.party if a.asking_member else None,
                "asker": lambda a: a.asking_member.name if a.asking_member else None,
                "year": lambda a: str(a.date_answered.year) if a.date_answered else None}


def _oracle(index_dir, request: SearchRequest) -> dict:
    """Total, facets and every hit id in order, from Whoosh's plain search and the records."""
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=WEIGHTING) as searcher:
        return _ordered(*_stock(searcher, _plain_query(searcher, request)), request.sort, _wanted(request))


def _plain_query(searcher, request: SearchRequest):
    """The request as one stock Whoosh query: every filter but the facet ones (`_wanted`)."""
    parsed = parse_user_query(request.q, searcher.schema, RANKING.field_boosts)
    return with_filters(RANKING.ranked(bound_expansions(parsed.query, searcher.reader()), request.q),
                        request, skip=FACET_COLUMNS)


def _wanted(request: SearchRequest) -> dict[str, set]:
    """The request's facet filters: facet name -> the values it keeps."""
    wanted = {}
    for name, value in request.filters:
        if name in FACET_COLUMNS:
            wanted.setdefault(name, set()).add(value)
    return wanted


def _stock(searcher, final, answers: dict | None = None) -> tuple[dict, list]:
    """Every match's score from Whoosh's plain collector, and every match (docnum order)
    with its record; `answers` (docnum -> Answer) saves decoding stored records."""
    results = searcher.search(final, limit=None)
    scores = {results.docnum(n): results.score(n) for n in range(results.scored_length())}
    record = answers.__getitem__ if answers else (lambda d: answer_from_stored(searcher.stored_fields(d)))
    return scores, [(docnum, record(docnum)) for docnum in sorted(scores)]


def _ordered(scores: dict, matches: list, sort: str, wanted: dict | None = None,
             today: dt.date | None = None) -> dict:
    """What a search sorted by `sort` must answer, from `_stock`'s matches and the facet filters.

    `today` is the day most_overdue judges on (default: the real one).
    """
    wanted = wanted or {}
    today = today or dt.date.today()

    def kept_without(skip):
        """The matches passing every facet filter but `skip`'s, one per group, in docnum order."""
        kept, seen = [], set()
        for docnum, answer in matches:
            if all(FACET_VALUES[n](answer) in values for n, values in wanted.items() if n != skip):
                if group_key(answer) not in seen:
                    seen.add(group_key(answer))
                    kept.append((docnum, answer))
        return kept

    kept = kept_without(None)
    if sort == "relevance":
        kept.sort(key=lambda da: (-scores[da[0]], da[0]))
    elif sort in ("slowest", "most_overdue"):
        kept.sort(key=lambda da: (*_timing_key(da[1], sort, today), da[0]))
    else:
        sign = -1 if sort == "newest" else 1
        kept.sort(key=lambda da: (da[1].date_answered is None,
                                  sign * (da[1].date_answered or dt.date.min).toordinal(), da[0]))
    answers = [a for _, a in kept]
    ranked_scores = [scores[docnum] for docnum, _ in kept]
    facets = {name: sorted(((k, n) for k, n in Counter(f(a) for _, a in kept_without(name)).items() if k),
                           key=lambda kv: (-kv[1], kv[0])) for name, f in FACET_VALUES.items()}
    # Response types: several per answer, counted over every kept match (no response filter here).
    facets["response"] = sorted(Counter(t for a in answers for t in response_types(a)).items(),
                                key=lambda kv: (-kv[1], kv[0]))
    return {"total": len(answers), "ids": [a.id for a in answers], "facets": facets, "scores": ranked_scores,
            "docnums": [docnum for docnum, _ in kept]}


def _timing_key(a, sort: str, today: dt.date) -> tuple:
    """slowest: most days from tabling to a substantive answer first; most_overdue: earliest due
    date among questions awaiting an answer past it; every other question after, in docnum order."""
    answered = bool(a.answer_text) and not a.is_holding and not a.is_withdrawn
    if sort == "slowest":
        known = answered and a.date_tabled and a.date_answered
        return (0, (a.date_tabled - a.date_answered).days) if known else (1, 0)
    overdue = not a.is_withdrawn and not answered and a.date_for_answer and a.date_for_answer < today
    return (0, a.date_for_answer.toordinal()) if overdue else (1, 0)


def _requests(index_dir):
    common, second, third, rare, rarer = _words(index_dir)
    data = open_live_index(index_dir)
    with data.searcher() as searcher:
        some = answer_from_stored(searcher.document(id=str(corpus.FIRST_ID + 77)))
    base = [SearchRequest(q=common), SearchRequest(q=f"{common} {second}"), SearchRequest(q=rare),
            SearchRequest(q=f"{second} OR {rarer}"), SearchRequest(q=f"{common[:3]}*"),
            SearchRequest(q=""), SearchRequest(q=third, filters=(("dept", some.department),)),
            SearchRequest(q="", filters=(("house", "Lords"),)),
            # partial years at both ends, and within one year
            SearchRequest(q=common, answered_from=dt.date(2016, 3, 14), answered_to=dt.date(2021, 8, 2)),
            SearchRequest(q="", answered_from=some.date_answered, answered_to=some.date_answered),
            SearchRequest(q=second, tabled_from=dt.date(2019, 6, 1)),
            SearchRequest(q="", answered_to=dt.date(2015, 12, 31),
                          filters=(("party", some.asking_member.party),)),
            # two facet filters (each facet counted without its own) and a filter in the query
            SearchRequest(q=common, filters=(("house", "Commons"), ("dept", some.department),
                                             ("answerer", some.answering_member.name))),
            SearchRequest(q="", filters=(("year", str(some.date_answered.year)), ("status", "answered")))]
    return [replace(r, sort=sort, page_size=9) for r in base for sort in ("relevance", "newest", "oldest")]


def _page(results) -> list[int]:
    return [hit.answer.id for hit in results.hits]


@pytest.mark.parametrize("or_matcher", [query.Or.AUTO_MATCHER, query.Or.DEFAULT_MATCHER])
def test_totals_facets_and_pages_match_the_oracle(corpus_index, monkeypatch, or_matcher):
    """With Whoosh's own choice of OR matchers (preloaded in segments this small) and with
    the binary unions it builds over 5,000 documents, which `matcharrays` evaluates itself."""
    monkeypatch.setattr(query.Or, "matcher_type", or_matcher)
    fix_stepping(monkeypatch)
    _, index_dir = corpus_index
    index = SearchIndex(index_dir)
    matched = 0
    try:
        for request in _requests(index_dir):
            expected = _oracle(index_dir, request)
            matched += expected["total"] > 2 * request.page_size  # enough for pages 2 and 3
            for page in (1, 2, 3, 2):  # pages 2 and 3 come from the cached matching, then page 2 again
                got = index.search(replace(request, page=page))
                start = (page - 1) * request.page_size
                assert (got.total, _page(got)) == (expected["total"],
                                                   expected["ids"][start:start + request.page_size]), request
                assert got.facets == expected["facets"], request
                if request.sort == "relevance":  # the very same floats as Whoosh's own search
                    assert [h.score for h in got.hits] == expected["scores"][start:start + request.page_size]
    finally:
        index.close()
    assert matched >= 24  # of 42: most requests page through real results


def test_groups_collapse_to_one_hit(corpus_index):
    _, index_dir = corpus_index
    with SearchIndex(index_dir) as index:
        everything = index.search(SearchRequest(page_size=500))
    ids = {hit.answer.id for hit in everything.hits}
    assert everything.total == SIZE - sum(len(g) - 1 for g in GROUPS) == len(ids)
    for members in GROUPS:
        assert len(ids & {corpus.FIRST_ID + m for m in members}) == 1


def test_a_new_commit_is_seen_at_once(corpus_index):
    """The cached matching and tables belong to one generation: a commit invalidates them."""
    data_dir, index_dir = corpus_index
    with SearchIndex(index_dir) as index:
        request = SearchRequest(q="zyxwvutsrq")
        assert index.search(request).total == 0
        assert index.search(request).total == 0  # now cached
        record = _record(299)
        record["value"].update(id=corpus.FIRST_ID + SIZE, heading="Zyxwvutsrq", uin="99999",
                               dateAnswered="2024-02-29T00:00:00", groupedQuestions=[])
        # a value no older segment holds: numbered after the ones the cached segments use
        record["value"]["askingMember"] = {**record["value"]["askingMember"], "name": "Ada Newmember"}
        path = record_path(data_dir, corpus.FIRST_ID + SIZE)
        path.write_bytes(canonical_bytes(record))
        before = index.search(SearchRequest(sort="newest", answered_from=dt.date(2024, 2, 29),
                                            answered_to=dt.date(2024, 2, 29)))
        update_index(data_dir, index_dir, paths=[path])
        after = index.search(request)
        assert (after.total, _page(after)) == (1, [corpus.FIRST_ID + SIZE])
        assert after.facets["asker"] == [("Ada Newmember", 1)]
        dated = index.search(SearchRequest(sort="newest", answered_from=dt.date(2024, 2, 29),
                                           answered_to=dt.date(2024, 2, 29)))
        assert dated.total == before.total + 1
        assert dict(dated.facets["year"]) == {"2024": before.total + 1}


def test_exports_use_the_same_pass(corpus_index):
    _, index_dir = corpus_index
    request = SearchRequest(q="", sort="oldest", answered_from=dt.date(2017, 5, 5))
    expected = _oracle(index_dir, request)
    with SearchIndex(index_dir) as index:
        total, answers = index.iter_answers(request, limit=50)
        assert (total, [a.id for a in answers]) == (expected["total"], expected["ids"][:50])


@pytest.mark.parametrize("in_thread", [False, True])
def test_a_slow_search_is_stopped_by_the_time_limit(corpus_index, monkeypatch, in_thread):
    """On the main thread and in a worker thread: the timer flag is checked every
    `TICK_BLOCKS` posting blocks (here every block), by the C reader too."""
    import threading
    import time

    from indexer.engine import matcharrays
    from indexer.errors import QueryTooComplex

    _, index_dir = corpus_index
    words = " OR ".join(_words(index_dir))
    inflate = matcharrays.decompress
    outcome = {}

    def slow_inflate(data):
        time.sleep(0.05)  # a dozen blocks or more: 0.6 s, well past the limit
        return inflate(data)

    def run():
        with SearchIndex(index_dir, time_limit=0.1, cached_matchings=0) as index:
            started = time.monotonic()
            try:
                index.search(SearchRequest(q=words))
            except QueryTooComplex as exc:
                outcome["error"] = str(exc)
            outcome["seconds"] = time.monotonic() - started
            monkeypatch.setattr(matcharrays, "decompress", inflate)
            outcome["after"] = index.search(SearchRequest(q=words)).total  # the next search is unharmed

    monkeypatch.setattr(matcharrays, "decompress", slow_inflate)
    monkeypatch.setattr(matcharrays, "TICK_BLOCKS", 1)
    # Unions of term matchers, as Whoosh builds them for segments over 5,000 documents
    # (smaller ones preload ORs in Whoosh's own `ArrayUnionMatcher`).
    monkeypatch.setattr(query.Or, "matcher_type", query.Or.DEFAULT_MATCHER)
    if in_thread:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(10)
    else:
        run()
    assert "too long" in outcome["error"]
    assert outcome["seconds"] < 0.5
    assert outcome["after"] > 0


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """The session's 10,002-answer index (tests/support/large_index.py) and its records by docnum."""
    large = large_index(tmp_path_factory)
    assert large.rebuild.returncode == 0, large.rebuild.stderr
    with open_live_index(large.index_dir).searcher() as searcher:
        answers = {docnum: answer_from_stored(fields) for docnum, fields in searcher.reader().iter_docs()}
    return large.index_dir, answers


@pytest.mark.slow
def test_searches_match_the_oracle_on_a_large_index(large, monkeypatch):
    """Three segments, two over 5,000 documents: plain words, AND, OR, NOT in each form the
    box takes, a prefix, and filters alone, each in every sort, pages 1 and 3."""
    fix_stepping(monkeypatch)
    index_dir, answers = large
    common, second, third, rare, rarer = _words(index_dir)
    requests = [SearchRequest(q=common), SearchRequest(q=f"{common} {second}"),
                SearchRequest(q=f"{second} OR {rarer}"), SearchRequest(q=f"{second} -{third}"),
                SearchRequest(q=f"NOT {third}"), SearchRequest(q=f"{third} AND NOT {common}"),
                SearchRequest(q=f"{common[:3]}*", filters=(("status", "namedday"),)),
                SearchRequest(filters=(("house", "Lords"),)),
                SearchRequest(answered_from=dt.date(2016, 3, 14), answered_to=dt.date(2019, 8, 2))]
    ix = open_live_index(index_dir)
    with SearchIndex(index_dir) as index, ix.searcher(weighting=WEIGHTING) as searcher:
        for request in requests:
            stock = _stock(searcher, _plain_query(searcher, request), answers)
            assert len(stock[1]) > 2 * 20, request  # enough for page 3
            for sort in SORTS:
                expected = _ordered(*stock, sort, _wanted(request))
                for page in (1, 3):
                    got = index.search(replace(request, sort=sort, page=page))
                    start = (page - 1) * got.request.page_size
                    shown = slice(start, start + got.request.page_size)
                    assert (got.total, _page(got)) == (expected["total"], expected["ids"][shown]), request
                    assert got.facets == expected["facets"], request
                    if sort == "relevance":
                        assert [h.score for h in got.hits] == expected["scores"][shown], request


@pytest.mark.slow
def test_the_collector_matches_whoosh_for_query_objects_on_a_large_index(large, monkeypatch):
    """Clauses the search box never writes: Require (an AndNot in Whoosh 2.7.4), constant
    scores, a NOT of a filter alone, filters alone, all in every sort."""
    fix_stepping(monkeypatch)
    index_dir, answers = large
    common, second, third, rare, _ = _words(index_dir)
    term = partial(query.Term, "answer")
    queries = [query.Require(query.Or([term(second), term(rare)]), term(third)),
               query.Or([query.ConstantScoreQuery(term(second), 2.5), term(third)]),
               query.And([term(common), query.ConstantScoreQuery(query.Term("house_facet", "Lords"), 0.0)]),
               query.Not(query.Term("house_facet", "Lords")),
               query.And([query.Every(), query.ConstantScoreQuery(
                   query.Or([query.Term("year", "2019"), query.Term("year", "2021")]), 0.0)])]
    ix = open_live_index(index_dir)
    stock_searcher = ix.searcher(weighting=WEIGHTING)
    searcher = ix.searcher(weighting=RANKING.cached_weighting())
    tables = SearcherTables(searcher.reader(), searcher.schema)
    try:
        for q in queries:
            stock = _stock(stock_searcher, q, answers)
            assert len(stock[1]) > 50, q
            for sort in SORTS:
                expected = _ordered(*stock, sort, today=dt.date.min)  # collect without a day: none overdue
                got = collect(searcher, tables, q, limit=50, sort=sort, facets=FACETS, time_limit=60)
                assert (got.total, got.docnums) == (expected["total"], expected["docnums"][:50]), q
                assert got.facets == expected["facets"], q
                if sort == "relevance":
                    assert got.scores == expected["scores"][:50], q
    finally:
        stock_searcher.close()
        searcher.close()


@pytest.mark.parametrize("fixture", ["corpus_index", "large"])
def test_exact_words_scores_as_exact_on_every_segment(request, fixture):
    """`exact_words` (no positions) holds `exact`'s words with the same counts and lengths, so stock
    Whoosh scores every word, and every expansion of a prefix, the same in both, bit for bit,
    over builds, updates (deleted documents) and several segments."""
    index_dir = request.getfixturevalue(fixture)[1 if fixture == "corpus_index" else 0]
    with open_live_index(index_dir).searcher(weighting=WEIGHTING) as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) >= 2 and (reader.has_deletions() or fixture == "large")
        assert not reader.schema[EXACT_WORDS_FIELD].format.supports("positions")
        words = [w.decode() for w in reader.lexicon(EXACT_WORDS_FIELD)]
        assert words == [w.decode() for w in reader.lexicon(EXACT_FIELD)]
        compared = 0
        # every word of the small index (its corpus, dated up to today, changes by the day),
        # a sample of the large one's
        for word in words[:: 1 if fixture == "corpus_index" else max(1, len(words) // 150)]:
            in_exact, in_twin = (searcher.search(query.Term(field, word), limit=None)
                                 for field in (EXACT_FIELD, EXACT_WORDS_FIELD))
            assert [(h.docnum, h.score) for h in in_exact] == [(h.docnum, h.score) for h in in_twin], word
            compared += len(in_exact)
        assert compared > 500


def test_stored_fields_inflated_by_isal_are_whooshs_own(corpus_index, monkeypatch):
    """Every document's stored fields, through a served searcher (ISA-L), equal stock Whoosh's."""
    _data_dir, index_dir = corpus_index
    served = SearchIndex(index_dir)
    searcher = served._searcher()
    leaves = searcher.reader().leaf_readers()
    stored = [leaf._perdoc._cached_reader("_stored", STORED_COLUMN)._child for leaf, _ in leaves]
    assert len(leaves) >= 2 and all(child._decompress is isal_decompress for child in stored)
    monkeypatch.delattr(STORED_COLUMN._child, "reader")  # the stock side reads with Whoosh's own reader
    with open_live_index(index_dir).searcher() as stock:
        assert stock.doc_count_all() == searcher.doc_count_all()
        for docnum in range(stock.doc_count_all()):
            assert searcher.stored_fields(docnum) == stock.stored_fields(docnum)
    served.close()
