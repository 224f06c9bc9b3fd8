"""`matcharrays` against Whoosh stepping the same matcher trees, bit for bit.

The indexes: 1,500 generated answers in two segments, the second rewriting 150
of them (so the first has deleted documents); and the session's large index
(tests/support/large_index.py: 10,002 answers written by a two-process rebuild,
then an update of 201 answers, which two processes write as two segments: four
segments, two of them over 5,000 documents). For each query, every segment's
matcher is stepped the way Whoosh's collectors step it; the arrays must hold the
same document numbers and exactly the same float scores (==, not approx), with
Whoosh's own OR matchers for small segments and with the binary unions it builds
for segments over 5,000 documents.
"""

from __future__ import annotations

import datetime as dt
import pickle
import random
import shutil
import struct
import zlib
from functools import partial
from itertools import accumulate, pairwise

import numpy as np
import pytest
from whoosh import formats, query
from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermInfo
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound

from bench.plain_filters import with_filters
from indexer.engine import matcharrays, term_ranges
from indexer.engine.weighting import CachedLengthBM25F
from indexer.index import open_live_index
from indexer.query import bound_expansions, parse_user_query
from indexer.ranking import RANKING
from indexer.schema import answer_from_stored
from indexer.search import SearchRequest

from .support.deleted_index import index_with_deletions
from .support.large_index import large_index
from .support.whoosh_oracle import fix_stepping

SIZE, SEED = 1500, 5


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return index_with_deletions(tmp_path_factory, "arrays", SIZE, SEED, every=10)


@pytest.fixture(scope="module")
def large_index_dir(tmp_path_factory):
    large = large_index(tmp_path_factory)
    assert large.rebuild.returncode == 0, large.rebuild.stderr
    return large.index_dir


@pytest.fixture(params=["c", "numpy"])
def block_reader(request, monkeypatch):
    """Blocks decoded by the C reader, or (as where no compiler built it) by numpy."""
    if request.param == "c":
        if matcharrays.read_blocks is None and not shutil.which("cc"):
            pytest.skip("no C compiler here to build the block reader with")
        assert matcharrays.read_blocks is not None, "the C block reader was not built (see setup.py)"
    else:
        for name in ("read_blocks", "read_term", "read_positions"):
            monkeypatch.setattr(matcharrays, name, None)
    return request.param


def _words(searcher, field: str = "answer") -> list[str]:
    """Words of `field` in about 50 %, 20 %, 5 % and 1 % of the answers."""
    terms = [(searcher.doc_frequency(field, t), t.decode()) for t in searcher.lexicon(field)]
    terms = [(df, t) for df, t in terms if t.isalpha() and len(t) > 3]
    size = searcher.doc_count()
    return [min(terms, key=lambda term: abs(term[0] - share * size))[1] for share in (0.5, 0.2, 0.05, 0.01)]


def _phrases(searcher) -> list[str]:
    """Phrases from an answer's text (in order, out of order, with slop), with stop words."""
    words = answer_from_stored(searcher.stored_fields(3)).answer_text.lower().split()[4:8]
    return [f'"{" ".join(words[:3])}"', f'"{" ".join(words)}"', '"of the"', '"the the"',
            f'"{words[0]} {words[2]}"~2', f'"{words[0]} {words[2]}"', f'"{words[2]} {words[0]}"~3',
            f'"of the {words[1]}"~3']


def _queries(searcher) -> list[query.Query]:
    common, middle, rare, rarest = _words(searcher)
    typed = [common, f"{common} {middle}", f"{middle} OR {rare} OR {rarest}", f"{common} -{middle}",
             f"{common} NOT ({rare} OR {rarest})", f"{common[:4]}*", f'"{common} {middle}"', "",
             f"heading:{middle} answer:{common}", f"{rarest} {common} {middle}", *_phrases(searcher)]
    out = []
    for text in typed:
        parsed = bound_expansions(parse_user_query(text, searcher.schema, RANKING.field_boosts).query,
                                  searcher.reader())
        out.append(RANKING.ranked(parsed, text))  # AndMaybe: words in `exact`, a phrase for plain words
    dept = query.Term("dept_facet", next(iter(searcher.lexicon("dept_facet"))).decode())
    out.append(query.And([out[0], query.ConstantScoreQuery(dept, 0.0)]))  # a filter, as /search adds
    out.append(query.Require(out[2], query.Term("answer", common)))
    out.append(query.Or([query.Term("answer", common, boost=3.0), query.Term("heading", middle)], boost=0.5))
    out.append(query.Or([query.ConstantScoreQuery(query.Term("answer", middle), 2.5),
                         query.Term("answer", rare)]))
    out.append(query.Require(query.Term("answer", middle), query.Not(query.Term("answer", rare))))
    for text in (f"NOT {middle}", f"{middle} AND NOT {common}"):  # Whoosh's InverseMatcher, stepped
        out.append(parse_user_query(text, searcher.schema).query)
    for request in (SearchRequest(filters=(("house", "Lords"),)),  # filters alone, as plain Whoosh clauses
                    SearchRequest(filters=(("dept", dept.text), ("year", "2019"), ("year", "2020"))),
                    SearchRequest(answered_from=dt.date(2016, 3, 14), answered_to=dt.date(2018, 8, 2))):
        out.append(with_filters(query.Every(), request))
    return out


def _stepped(searcher, q, context) -> tuple[list[int], list[float | None]]:
    ids, scores = [], []
    for sub, offset in searcher.leaf_searchers():
        m = q.matcher(sub, context)
        while m.is_active():
            ids.append(offset + m.id())
            scores.append(m.score() if context.weighting is not None else None)
            m.next()
    return ids, scores


# The served model, and one with every parameter moved (a field's own B included).
WEIGHTINGS = {"served": RANKING.cached_weighting,
              "moved": lambda: CachedLengthBM25F(B=0.6, K1=1.7, exact_B=0.35, heading_B=0.2)}


@pytest.mark.parametrize("or_matcher", [query.Or.AUTO_MATCHER, query.Or.DEFAULT_MATCHER])
@pytest.mark.parametrize(("weighting", "scored"), [("served", True), ("served", False), ("moved", True)])
def test_arrays_hold_exactly_what_whoosh_steps(index_dir, monkeypatch, or_matcher, scored, weighting):
    """Unscored matching is the same whatever the weighting: only the served one runs it."""
    monkeypatch.setattr(query.Or, "matcher_type", or_matcher)
    fix_stepping(monkeypatch)
    segments, matching = _compare_with_stepping(index_dir, scored, WEIGHTINGS[weighting]())
    assert segments == 2 and matching >= 25  # of 28 queries: they match real documents


@pytest.mark.slow
@pytest.mark.parametrize(("scored", "reader"), [(True, "c"), (False, "c"), (True, "numpy")])
def test_arrays_hold_exactly_what_whoosh_steps_on_a_large_index(large_index_dir, monkeypatch, scored, reader):
    """Whoosh's own choice of matchers, which for segments over 5,000 documents are unions;
    blocks read by the C reader, and by numpy as where it is not built."""
    if reader == "numpy":
        for name in ("read_blocks", "read_term", "read_positions"):
            monkeypatch.setattr(matcharrays, name, None)
    fix_stepping(monkeypatch)
    segments, matching = _compare_with_stepping(large_index_dir, scored)
    assert segments == 4 and matching >= 25  # two of the rebuild, two of the update


def _compare_with_stepping(index_dir, scored: bool, weighting=None) -> tuple[int, int]:
    """Compare every query's arrays with Whoosh's stepping; return (segments, queries matching)."""
    ix = open_live_index(index_dir)
    weighting = weighting or RANKING.cached_weighting()
    with ix.searcher(weighting=weighting) as searcher:
        assert searcher.reader().has_deletions()
        context = searcher.context() if scored else searcher.context(weighting=None)
        nonempty = 0
        for q in _queries(searcher):
            expected_ids, expected_scores = _stepped(searcher, q, context)
            found = matcharrays.all_matches(searcher, q, context, tick=lambda: None)
            assert found.ids.tolist() == expected_ids, q
            if scored:
                assert found.scores.tolist() == expected_scores, q  # exact, not approximately
            else:
                assert found.scores is None
            nonempty += len(expected_ids) > 0
        return len(searcher.leaf_searchers()), nonempty


def test_whoosh_lets_the_first_match_of_an_and_not_through(index_dir):
    """Stock 2.7.4 stepping of `a -b` keeps `a`'s first match in a segment when `b` starts
    earlier and holds it (tests/support/whoosh_oracle.py); the arrays leave it out."""
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        first_segment = searcher.leaf_searchers()[0][0]
        words = [t.decode() for t in searcher.lexicon("answer") if t.isalpha()
                 and 20 < searcher.doc_frequency("answer", t) < 500]
        docs = {w: sorted(query.Term("answer", w).docs(first_segment)) for w in words[:80]}
        a, b = next((a, b) for a in docs for b in docs
                    if docs[b][0] < docs[a][0] and docs[a][0] in docs[b])
        q = query.AndNot(query.Term("answer", a), query.Term("answer", b))
        with_a, with_b = (set(query.Term("answer", w).docs(searcher)) for w in (a, b))
        truth = sorted(with_a - with_b)
        stepped = _stepped(searcher, q, searcher.context())[0]
        found = matcharrays.all_matches(searcher, q, searcher.context(), tick=lambda: None)
    assert docs[a][0] in stepped and docs[a][0] not in truth
    assert found.ids.tolist() == truth


def test_whoosh_returns_a_deleted_document_for_a_not_alone(index_dir):
    """Stock 2.7.4 stepping of `NOT x` returns the deleted document right after `x`'s last
    match (tests/support/whoosh_oracle.py); the arrays leave it out."""
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        reader = searcher.reader()
        first_segment = searcher.leaf_searchers()[0][0]
        last = {t.decode(): max(query.Term("answer", t.decode()).docs(first_segment), default=-2)
                for t in searcher.lexicon("answer") if t.isalpha()}
        word = next(w for w, n in last.items() if 0 <= n < first_segment.doc_count_all() - 1
                    and reader.is_deleted(n + 1))
        q = query.Not(query.Term("answer", word))
        stepped = _stepped(searcher, q, searcher.context())[0]
        found = matcharrays.all_matches(searcher, q, searcher.context(), tick=lambda: None)
        with_word = set(query.Term("answer", word).docs(searcher))
        truth = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n) and n not in with_word]
    assert last[word] + 1 in stepped and last[word] + 1 not in truth
    assert found.ids.tolist() == truth


def test_an_and_reads_only_the_blocks_the_rarer_side_allows(index_dir, monkeypatch):
    """A rare word ANDed with a common one: the common word's blocks without candidates stay unread."""
    monkeypatch.setattr(query.Or, "matcher_type", query.Or.DEFAULT_MATCHER)
    read = []
    for module in (zlib, matcharrays):  # every block read is decompressed, by Whoosh or in one piece
        original = module.decompress
        monkeypatch.setattr(module, "decompress",
                            lambda data, original=original: read.append(len(data)) or original(data))
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        frequency = {t.decode(): searcher.doc_frequency("answer", t) for t in searcher.lexicon("answer")}
        commonest = max(frequency, key=frequency.get)
        second_segment = searcher.leaf_searchers()[1][1]
        spans = {}  # words in two answers of the first segment -> how far apart
        for t, n in frequency.items():
            docs = sorted(query.Term("answer", t).docs(searcher))
            if n == 2 and len(docs) == 2 and docs[1] < second_segment:
                spans[t] = docs[1] - docs[0]
        twice = max(spans, key=spans.get)
        assert spans[twice] > 3 * 128  # blocks of the common word lie between its two answers
        both = query.And([query.Term("answer", commonest), query.Term("answer", twice)])
        read.clear()
        found = matcharrays.all_matches(searcher, both, searcher.context(), tick=lambda: None)
        anded = len(read)
        assert found.ids.tolist() == _stepped(searcher, both, searcher.context())[0] != []
        read.clear()
        alone = query.Term("answer", commonest)
        matcharrays.all_matches(searcher, alone, searcher.context(), tick=lambda: None)
    assert len(read) >= 6  # the common word alone: several blocks
    assert anded <= 3  # the rare word's block, at most the two of the common word holding its answers


def test_an_and_keeps_matches_at_the_ends_of_blocks(index_dir, monkeypatch):
    """Candidates that are exactly the last documents of a common word's posting blocks:
    the blocks holding them are read, not skipped as empty."""
    monkeypatch.setattr(query.Or, "matcher_type", query.Or.DEFAULT_MATCHER)  # the ids first
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        common = _words(searcher)[0]
        m = query.Term("answer", common).matcher(searcher.leaf_searchers()[0][0], searcher.context())
        m = m.child if isinstance(m, FilterMatcher) else m  # the segment's deletions left out
        ends = []
        while m.is_active():
            ends.append(m._maxid)  # the block's last document
            m._next_block()
        ends = [n for n in ends[1::2] if not searcher.reader().is_deleted(n)]
        ids = [searcher.stored_fields(n)["id"] for n in ends]
        q = query.And([query.Term("answer", common), query.Or([query.Term("id", i) for i in ids])])
        found = matcharrays.all_matches(searcher, q, searcher.context(), tick=lambda: None)
        assert found.ids.tolist() == _stepped(searcher, q, searcher.context())[0] == ends
    assert len(ends) >= 3


def test_delta_codes_restart_at_each_block():
    deltas = np.array([3, 2, 5, 10, 1, 1, 40], dtype=np.int64)
    assert matcharrays._delta_decoded(deltas, [0, 3, 6]).tolist() == [3, 5, 10, 10, 11, 12, 40]


@pytest.mark.parametrize("needles, among, top", [(5, 8, 40), (2_000, 150_000, 250_000),
                                                  (150_000, 2_000, 250_000), (60_000, 60_000, 250_000)])
def test_membership_by_table_or_search_is_the_same(needles, among, top):
    rng = np.random.default_rng(needles)
    theirs = np.unique(rng.integers(0, top, among))
    ours = np.unique(np.concatenate([rng.choice(theirs, needles // 2), rng.integers(0, top, needles // 2)]))
    assert (matcharrays._member(ours, theirs) == np.isin(ours, theirs)).all()
    present = ours[np.isin(ours, theirs)]
    assert len(present) and (theirs[matcharrays._indexes(present, theirs)] == present).all()
    assert (matcharrays._indexes(present, theirs) == theirs.searchsorted(present)).all()


def test_large_sets_are_matched_by_table_small_ones_by_search():
    assert matcharrays._table_cheaper(150_000, 2_000, 250_000)
    assert matcharrays._table_cheaper(60_000, 60_000, 250_000)
    assert not matcharrays._table_cheaper(2_000, 150_000, 250_000)
    assert not matcharrays._table_cheaper(5, 8, 40)


def _raw_blocks(leaf) -> tuple[list[bytes], list[int]]:
    """A term's blocks as `_blocks_at_once` reads them: each one's pickle, and its size."""
    blocks, counts = [], []
    while leaf.is_active():
        data = leaf._postfile.get(leaf._dataoffset, leaf._nextoffset - leaf._dataoffset)
        blocks.append(zlib.decompress(data) if leaf._compression else data)
        counts.append(leaf._blocklength)
        leaf._next_block()
    return blocks, counts


def test_posting_blocks_read_from_their_bytes_are_what_unpickling_gives(large_index_dir, monkeypatch,
                                                                        block_reader):
    """Every block of every term of the large index with more than one (its weights
    too, and a phrase field's position strings), and of one in 20 of the others, by
    both roads, each walked through in one piece as Whoosh walks it."""
    plain = positional = from_bytes = single = 0
    monkeypatch.setattr(matcharrays, "PLAIN_VALUES_BLOCKS", matcharrays.PLAIN_READ_BLOCKS)  # few have 64
    unpickled = []
    monkeypatch.setattr(matcharrays, "loads", lambda data: unpickled.append(data) or pickle.loads(data))
    with open_live_index(large_index_dir).reader() as reader:
        for segment, _offset in reader.leaf_readers():
            for field, text in segment.all_terms():
                leaf = segment._terms.matcher(field, text, segment.schema[field].format)  # deletions kept
                if not isinstance(leaf, W3LeafMatcher) or leaf._byteids:
                    continue
                postings = matcharrays._first_block_postings(leaf)
                assert postings is not None
                walked = matcharrays._walked_blocks(leaf, postings, None, tick=lambda: None)
                blocks, counts = _raw_blocks(leaf)
                single += len(blocks) == 1
                if len(blocks) == 1 and single % 20:  # most terms: one in 20 of them is enough
                    continue
                assert matcharrays._block_headers(postings) is not None  # every header at once
                ours = matcharrays._posting_blocks(leaf, postings, None, tick=lambda: None)
                data = [pickle.loads(block) for block in blocks]
                for found in (ours, walked):
                    assert found[0] == counts and [  # the first block may have been read
                        block if type(block) is tuple else pickle.loads(block) for block in found[1]] == data
                deltas, weights, starts, _none = matcharrays._block_arrays(blocks, counts, scored=True)
                assert deltas.tolist() == [d for block in data for d in block[0]], (field, text)
                assert weights.tolist() == [w for block, count in zip(data, counts, strict=True)
                                            for w in matcharrays._block_weights(block[1], count)]
                assert starts == list(accumulate([0, *counts]))[:-1]
                if type(segment.schema[field].format) is formats.Positions:
                    unpickled.clear()
                    strings = matcharrays._block_arrays(blocks, counts, scored=True, with_values=True)[3]
                    assert [strings[i] for i in range(len(strings))] == [
                        value for block in data for value in block[2]], (field, text)
                    positional += 1
                    from_bytes += len(blocks) >= matcharrays.PLAIN_READ_BLOCKS and not unpickled
                if len(blocks) >= matcharrays.PLAIN_READ_BLOCKS:
                    plain += int(_layouts(blocks, counts)[0].sum())
    # the road from bytes is taken, not only the one through pickle
    assert plain > 500 and positional > 500 and from_bytes > 20


def test_a_term_read_at_once_in_c_is_what_the_blocks_read_in_python_give(large_index_dir):
    """`_read_term` (C: headers, the blocks wanted, inflated, decoded) against
    `_posting_blocks`, `_block_arrays` by numpy and `_delta_decoded`, for every term of
    the large index with more than one block, and one in 20 of the others: all of
    it, and among candidates (the blocks that can hold one)."""
    if matcharrays.read_term is None:
        pytest.skip("the C block reader is not built here")
    rng = np.random.default_rng(3)
    compared = among = single = 0
    with open_live_index(large_index_dir).reader() as reader, pytest.MonkeyPatch.context() as patch:
        patch.setattr(matcharrays, "read_blocks", None)
        for segment, _offset in reader.leaf_readers():
            for field, text in segment.all_terms():
                leaf = segment._terms.matcher(field, text, segment.schema[field].format)
                if not isinstance(leaf, W3LeafMatcher) or leaf._byteids:
                    continue
                single += leaf._lastblock
                if leaf._lastblock and single % 20:
                    continue
                postings = matcharrays._first_block_postings(leaf)
                with_values = type(segment.schema[field].format) is formats.Positions
                count = segment.doc_count_all()
                some = np.sort(rng.choice(count, min(count, 40), replace=False)).astype(np.int64)
                for within in (None, some):
                    ids, weights, strings = matcharrays._read_term(leaf, postings, within, True, with_values,
                                                                   lambda: None)
                    counts, blocks = matcharrays._posting_blocks(leaf, postings, within, lambda: None)
                    deltas, expected_weights, starts, expected_strings = matcharrays._block_arrays(
                        blocks, counts, True, with_values)
                    expected = matcharrays._delta_decoded(deltas, starts) if len(deltas) else deltas
                    assert ids.tolist() == expected.tolist(), (field, text)
                    assert weights.tolist() == expected_weights.tolist(), (field, text)
                    if with_values:
                        assert [strings[i] for i in range(len(strings))] == [
                            expected_strings[i] for i in range(len(expected_strings))], (field, text)
                    compared += 1
                    among += within is not None and 0 < len(ids) < segment.doc_frequency(field, text)
    assert compared > 1000 and among > 100  # candidates left blocks unread in many terms


def test_whoosh_reads_a_block_inflated_by_isal_as_its_own_reader_does(large_index_dir):
    """`W3LeafMatcher._read_data` is ISA-L's; every block of one term in 50 gives the tuple
    Whoosh's own `_read_data` gives."""
    assert W3LeafMatcher._read_data is matcharrays._read_data_by_isal
    compressed = 0
    with open_live_index(large_index_dir).reader() as reader:
        for segment, _offset in reader.leaf_readers():
            for number, (field, text) in enumerate(segment.all_terms()):
                if number % 50:
                    continue
                ours = segment._terms.matcher(field, text, segment.schema[field].format)
                stock = segment._terms.matcher(field, text, segment.schema[field].format)
                if not isinstance(ours, W3LeafMatcher):
                    continue
                while ours.is_active():
                    ours._read_data()
                    matcharrays._stock_read_data(stock)
                    assert ours._data == stock._data, (field, text)
                    compressed += bool(ours._compression)
                    ours._next_block()
                    stock._next_block()
    assert compressed > 100


def _layouts(blocks: list[bytes], counts: list[int]):
    """`_plain_layouts` of these blocks, found for all at once and one by one: the same."""
    lengths = np.array([len(block) for block in blocks])
    offsets = np.cumsum(lengths) - lengths
    buf = np.frombuffer(b"".join(blocks), dtype=np.uint8)
    found = []
    for at_once in (1, 1 << 30):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(matcharrays, "LAYOUTS_AT_ONCE_BLOCKS", at_once)
            laid_out, firsts, seconds = matcharrays._plain_layouts(blocks, buf, offsets, lengths,
                                                                   np.array(counts))
        found.append((laid_out.tolist(), firsts[laid_out].tolist(), seconds[laid_out].tolist()))
    assert found[0] == found[1]
    return laid_out, firsts, seconds


def test_a_block_with_a_large_gap_or_weight_is_unpickled(block_reader):
    ids = (70_000, *range(1, 128))  # the first delta code needs "J"
    gap = (300, 1, 300, *([1] * 125))  # a later one "M": not the plain layout after all
    heavy = (1, 1, 1, *([2] * 124), 500)  # a weight of 500
    blocks = [pickle.dumps(data, 3) for data in ((ids, None, b""), (gap, heavy, b""), (ids, heavy, b""))]
    blocks *= matcharrays.PLAIN_READ_BLOCKS
    wide_first = pickle.dumps(((300, *([1] * 127)), None, b""), 3)
    laid_out, firsts, seconds = _layouts([blocks[0], wide_first, blocks[1]], [128] * 3)
    assert laid_out.tolist() == [True, True, False]  # later "M" items move the ids' "t"
    assert firsts[:2].tolist() == [70_000, 300] and seconds[:2].tolist() == [8, 6]  # "J" 4, "M" 2
    deltas, weights, _starts, _none = matcharrays._block_arrays(blocks, [128] * len(blocks), scored=True)
    assert deltas.tolist() == [*ids, *gap, *ids] * matcharrays.PLAIN_READ_BLOCKS
    assert weights.tolist() == [*([1.0] * 128), *heavy, *heavy] * matcharrays.PLAIN_READ_BLOCKS


def test_a_block_with_a_long_or_repeated_value_is_unpickled(block_reader):
    """Values pickled otherwise than as short bytes, each its own object, are taken
    from the unpickled block; the blocks around them are still read from bytes."""
    ids, short = (5, *range(1, 128)), [bytes([i % 256]) * (i % 40 + 1) for i in range(128)]
    long, same = [b"x" * 300, *short[1:]], [short[0]] * 128  # "B" and a 4-byte length; "h" memo gets
    values = (short, long, short, same, short)
    blocks = [pickle.dumps((ids, None, tuple(v)), 3) for v in values]
    deltas, _weights, _starts, strings = matcharrays._block_arrays(blocks, [128] * len(blocks), scored=True,
                                                                 with_values=True)
    assert deltas.tolist() == list(ids) * len(blocks)
    assert [strings[i] for i in range(len(strings))] == [value for v in values for value in v]
    plain = matcharrays._plain_values(np.frombuffer(blocks[0], dtype=np.uint8), np.array([263]),
                                      np.array([128]))
    assert blocks[0][263:265] == b"(C" and plain[0].tolist() == [True]


def test_phrases_are_matched_over_arrays_not_stepped(index_dir, monkeypatch):
    stepped, near = [], []
    original_stepped, original_near = matcharrays._Evaluator._stepped, matcharrays._Evaluator._near
    monkeypatch.setattr(matcharrays._Evaluator, "_stepped",
                        lambda self, m, within: stepped.append(m) or original_stepped(self, m, within))
    monkeypatch.setattr(matcharrays._Evaluator, "_near",
                        lambda self, m, within: near.append(m) or original_near(self, m, within))
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        phrases = _phrases(searcher)
        for text in phrases:
            q = bound_expansions(parse_user_query(text, searcher.schema).query, searcher.reader())
            matcharrays.all_matches(searcher, q, searcher.context(), tick=lambda: None)
    assert len(near) >= len(phrases) and not stepped


def test_a_small_segments_preloaded_or_is_read_over_arrays_not_stepped(index_dir, monkeypatch):
    """Whoosh preloads an Or of three fields or more in a segment of at most 5,000
    documents (an update's), stepping its children as it builds it: here its
    children are read a block at a time, and the preloading matcher is never built."""
    from whoosh.matching import ArrayUnionMatcher

    stepped, summed, preloaded = [], [], []
    evaluator = matcharrays._Evaluator
    original_stepped, original_sums = evaluator._stepped, evaluator._preloaded_sums
    monkeypatch.setattr(evaluator, "_stepped",
                        lambda self, m, within: stepped.append(m) or original_stepped(self, m, within))
    monkeypatch.setattr(evaluator, "_preloaded_sums",
                        lambda self, *args: summed.append(args) or original_sums(self, *args))
    original_read = ArrayUnionMatcher._read_part
    monkeypatch.setattr(ArrayUnionMatcher, "_read_part", lambda m: preloaded.append(m) or original_read(m))
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        assert min(sub.doc_count_all() for sub, _ in searcher.leaf_searchers()) <= 5000
        common, middle, _rare, _rarest = _words(searcher)
        for text in (common, f"{common} {middle}"):  # an Or; an And of Ors under an AndMaybe
            q = RANKING.ranked(parse_user_query(text, searcher.schema, RANKING.field_boosts).query, text)
            stepped.clear(), summed.clear(), preloaded.clear()
            found = matcharrays.all_matches(searcher, q, searcher.context(), tick=lambda: None)
            assert len(found) and summed and not preloaded and not stepped, text
            assert (found.ids.tolist(), found.scores.tolist()) == _stepped(searcher, q, searcher.context())
            assert preloaded  # Whoosh's own stepping (the oracle) built it


def test_position_strings_are_read_as_whoosh_decodes_them(block_reader):
    """One-byte gaps read from the bytes, the rest unpickled (numpy), or all read in C
    but strings pickled otherwise (here protocol 4), all in candidate order."""
    rng, fmt = random.Random(1), formats.Positions()
    for _ in range(200):
        lists = []
        for _ in range(rng.randint(0, 30)):
            n = rng.choice([1, 1, 2, 3, 10, 999, 1000, 1001, 2500])
            gap = rng.choice([3, 255, 256, 70000])
            lists.append(sorted(rng.sample(range(n * gap + n + 1), n)))
        values = [fmt.encode(p) if rng.random() < 0.9 else
                  struct.pack("!I", len(p)) + pickle.dumps([b - a for a, b in pairwise([0, *p])], 4)
                  for p in lists]
        sizes, positions = matcharrays._positions(matcharrays._Strings.of(values))
        assert sizes.tolist() == [len(fmt.decode_positions(v)) for v in values]
        assert positions.tolist() == [x for v in values for x in fmt.decode_positions(v)]


def test_a_phrase_reads_its_third_word_only_where_the_first_two_meet(index_dir, monkeypatch, block_reader):
    """Two adjacent words from one answer, then "the": "the"'s position blocks are
    read only around the documents where the two words chain, not wherever both occur
    (read one by one by Whoosh, or at once by the C reader)."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    blocks: list[tuple] = []
    original = W3LeafMatcher._read_data
    monkeypatch.setattr(W3LeafMatcher, "_read_data", lambda m: blocks.append(m._term) or original(m))
    inflated, inflate, read_term = [], matcharrays.decompress, matcharrays._read_term
    monkeypatch.setattr(matcharrays, "decompress", lambda data: inflated.append(data) or inflate(data))

    def read_counted(m, *args):
        before = len(inflated)
        found = read_term(m, *args)
        blocks.extend([m._term] * (len(inflated) - before))
        return found

    monkeypatch.setattr(matcharrays, "_read_term", read_counted)
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        met, occur, first, second = _rarely_adjacent(searcher)
        blocks.clear()
        phrase = query.Phrase("exact", [first, second, "the"])
        found = matcharrays.all_matches(searcher, phrase, searcher.context(), tick=lambda: None)
        the_blocks = sum(term == ("exact", b"the") for term in blocks)
        stepped = searcher.search(phrase, limit=None)
    assert sorted(found.ids.tolist()) == sorted(hit.docnum for hit in stepped)
    assert met < occur / 4, (first, second, met, occur)  # the test's premise
    assert 0 < the_blocks <= met


@pytest.mark.parametrize("shape", ["proximity clause", "phrase in an and"])
def test_a_phrase_reads_its_words_only_where_the_rest_of_the_search_matched(index_dir, monkeypatch, shape):
    """The run of typed words is optional (`AndMaybe`), and a phrase ANDed with a
    rarer word is evaluated within that word's answers (an intersection's
    `is_active` is never asked, which would find the phrase in every document, as
    Whoosh steps it): its words' positions are decoded only there, not wherever
    both words occur."""
    decoded: list[int] = []
    original = matcharrays._positions
    monkeypatch.setattr(matcharrays, "_positions",
                        lambda values: decoded.append(len(values)) or original(values))
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        rarest = _words(searcher)[3]
        common, middle = _words(searcher, "exact")[:2]
        rare, phrase = query.Term("answer", rarest), query.Phrase("exact", [middle, common], slop=3)
        q = query.AndMaybe(rare, phrase) if shape == "proximity clause" else query.And([phrase, rare])
        found = matcharrays.all_matches(searcher, q, searcher.context(), tick=lambda: None)
        assert (found.ids.tolist(), found.scores.tolist()) == _stepped(searcher, q, searcher.context())
        both = len(list(query.And([query.Term("exact", middle), query.Term("exact", common)]).docs(searcher)))
        answers = len(list(rare.docs(searcher)))
    assert 0 < answers and both > 4 * answers  # the test's premise: the rest of the search is far narrower
    assert sum(decoded) <= 2 * answers  # each word's positions, where the rest matched only
    if shape == "proximity clause":
        assert len(found) == answers and sum(decoded)  # the clause was read, in each of them


def _rarely_adjacent(searcher) -> tuple[int, int, str, str]:
    """Two adjacent words of an answer that are together in many answers, next to each other in few."""
    words = answer_from_stored(searcher.stored_fields(3)).answer_text.lower().split()
    pairs = []
    for first, second in pairwise(words):
        if not (first.isalpha() and second.isalpha()):
            continue
        both = query.And([query.Term("exact", first), query.Term("exact", second)])
        occur = len(searcher.search(both, limit=None))
        if occur >= 100:
            met = len(searcher.search(query.Phrase("exact", [first, second]), limit=None))
            pairs.append((met / occur, met, occur, first, second))
    return min(pairs)[1:]


def test_matching_among_candidates_is_matching_all_then_keeping_them(index_dir, monkeypatch):
    """`within` (an alert's few changed answers) gives exactly the full matches it holds, bit for bit."""
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        total = searcher.doc_count_all()
        within = np.sort(np.random.default_rng(1).choice(total, 60, replace=False)).astype(np.int64)
        for q in _queries(searcher):
            full = matcharrays.all_matches(searcher, q, searcher.context(), tick=lambda: None)
            among = matcharrays.all_matches(searcher, q, searcher.context(), tick=lambda: None, within=within)
            keep = np.isin(full.ids, within)
            assert among.ids.tolist() == full.ids[keep].tolist(), q
            assert among.scores.tolist() == full.scores[keep].tolist(), q


def test_a_word_whose_first_answers_are_deleted_is_still_read_in_one_piece(index_dir, monkeypatch):
    """A `FilterMatcher` steps its word past deleted answers as it is built; the
    word's postings are read in one piece from their start all the same (the
    deleted answers left out after), positions too, not block by block through
    Whoosh, and the matches and scores are what stepping gives."""
    one_by_one = []
    monkeypatch.setattr(matcharrays, "VALUES_AT_ONCE_BYTES", 0)  # this index's words are all short
    original = matcharrays._Evaluator._blocks_one_by_one
    monkeypatch.setattr(matcharrays._Evaluator, "_blocks_one_by_one",
                        lambda self, m, *args: one_by_one.append(m) or original(self, m, *args))
    ix = open_live_index(index_dir)
    with ix.searcher(weighting=CachedLengthBM25F()) as searcher:
        first_segment = searcher.reader().leaf_readers()[0][0]
        stepped_past = {"answer": [], "exact": []}  # words whose first answer is deleted
        for field, words in stepped_past.items():
            for text in first_segment.lexicon(field):
                m = first_segment.postings(field, text)
                if len(words) < 6 and type(m) is FilterMatcher and m.child._i and m.child.is_active():
                    words.append(text.decode())
        assert all(len(words) == 6 for words in stepped_past.values())  # the test's premise
        queries = [query.Term("answer", word) for word in stepped_past["answer"]]
        queries += [query.Phrase("exact", [word, word], slop=50) for word in stepped_past["exact"]]
        for q in queries:
            found = matcharrays.all_matches(searcher, q, searcher.context(), tick=lambda: None)
            assert (found.ids.tolist(), found.scores.tolist()) == _stepped(searcher, q, searcher.context()), q
    assert not one_by_one


def test_terms_readers_remember_their_lookups_and_answer_as_whoosh_does(index_dir):
    """Present and absent terms (and an unknown field): the same answers as Whoosh's own methods,
    and asked again, from memory without a probe of the on-disk table."""
    stock = term_ranges.STOCK
    with open_live_index(index_dir).reader() as reader:
        for segment, _offset in reader.leaf_readers():
            terms = segment._terms
            keys = [key for i, key in enumerate(segment.all_terms()) if i % 7 == 0][:300]
            keys += [("answer", b"zzznotaword"), ("nofield", b"gang"), ("heading", b"")]
            stock_info = partial(stock["term_info"], terms)
            stock_range = partial(stock["_range_for_key"], terms)
            expected = [(stock["__contains__"](terms, key), _outcome(stock_info, *key),
                         _outcome(stock_range, *key)) for key in keys]
            assert any(found[0] for found in expected) and not all(found[0] for found in expected)
            probes = []
            terms._tindex.range_for_key = partial(_counted, terms._tindex.range_for_key, probes)
            for attempt in range(2):
                assert [(key in terms, _outcome(terms.term_info, *key), _outcome(terms._range_for_key, *key))
                        for key in keys] == expected
                assert len(probes) == (len(keys) if attempt == 0 else 0)  # one probe a key, then none
                probes.clear()
                assert [segment.doc_frequency(*key) for key in keys if key in terms] == [
                    stock_info(*key).doc_frequency() for key in keys if stock["__contains__"](terms, key)]


TERM_INFO = ("_weight", "_df", "_minlength", "_maxlength", "_maxweight", "_minid", "_maxid",
             "_offset", "_length", "_inlined")


def _counted(lookup, probes: list, key):
    probes.append(key)
    return lookup(key)


def _outcome(method, field, text):
    """What a lookup returned (a term info as its attributes) or the type of what it raised."""
    try:
        found = method(field, text)
    except (KeyError, TermNotFound) as exc:
        return type(exc)
    if isinstance(found, W3TermInfo):
        return tuple(getattr(found, name) for name in TERM_INFO)
    return found
