"""`matcharrays` against Whoosh stepping the same matcher trees, bit for bit.

The index: 1,500 generated answers in two segments, the second rewriting 150 of
them (so the first has deleted documents). For each query, every segment's
matcher is stepped the way Whoosh's collectors step it; the arrays must hold the
same document numbers and exactly the same float scores (==, not approx), with
Whoosh's own OR matchers for small segments and with the binary unions it builds
for segments over 5,000 documents.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import formats, query

from bench import corpus
from indexer.engine import matcharrays
from indexer.engine.weighting import CachedLengthBM25F
from indexer.index import open_live_index, rebuild_index, update_index
from indexer.query import bound_expansions, parse_user_query, with_proximity
from indexer.schema import answer_from_stored
from indexer.search import WEIGHTING

SIZE, SEED = 1500, 5


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("arrays-data")
    index_dir = tmp_path_factory.mktemp("arrays-index")
    corpus.write_records(data_dir, range(SIZE), SIZE, SEED)
    rebuild_index(data_dir, index_dir, procs=1)
    update_index(data_dir, index_dir, paths=corpus.write_records(data_dir, range(0, SIZE, 10), SIZE, SEED, 1))
    return index_dir


def _words(searcher) -> list[str]:
    """Answer words in about 50 %, 20 %, 5 % and 1 % of the answers."""
    terms = [(searcher.doc_frequency("answer", t), t.decode()) for t in searcher.lexicon("answer")]
    terms = [(df, t) for df, t in terms if t.isalpha() and len(t) > 3]
    return [min(terms, key=lambda term: abs(term[0] - share * SIZE))[1] for share in (0.5, 0.2, 0.05, 0.01)]


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
        parsed = bound_expansions(parse_user_query(text, searcher.schema).query, searcher.reader())
        out.append(with_proximity(parsed, text))  # AndMaybe with a phrase for plain words
    dept = query.Term("dept_facet", next(iter(searcher.lexicon("dept_facet"))).decode())
    out.append(query.And([out[0], query.ConstantScoreQuery(dept, 0.0)]))  # a filter, as /search adds
    out.append(query.Require(out[2], query.Term("answer", common)))
    out.append(query.Or([query.Term("answer", common, boost=3.0), query.Term("heading", middle)], boost=0.5))
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


@pytest.mark.parametrize("or_matcher", [query.Or.AUTO_MATCHER, query.Or.DEFAULT_MATCHER])
@pytest.mark.parametrize("scored", [True, False])
def test_arrays_hold_exactly_what_whoosh_steps(index_dir, monkeypatch, or_matcher, scored):
    monkeypatch.setattr(query.Or, "matcher_type", or_matcher)
    ix = open_live_index(index_dir)
    weighting = CachedLengthBM25F(B=WEIGHTING.B, K1=WEIGHTING.K1)
    with ix.searcher(weighting=weighting) as searcher:
        assert len(searcher.leaf_searchers()) == 2 and searcher.reader().has_deletions()
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
        assert nonempty >= 18  # the queries match real documents


def test_an_and_reads_only_the_blocks_the_rarer_side_allows(index_dir, monkeypatch):
    """A rare word ANDed with a common one: the common word's blocks without candidates stay unread."""
    monkeypatch.setattr(query.Or, "matcher_type", query.Or.DEFAULT_MATCHER)
    read = []
    original = matcharrays._block_weights
    monkeypatch.setattr(matcharrays, "_block_weights", lambda w, n: read.append(n) or original(w, n))
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
        found = matcharrays.all_matches(searcher, both, searcher.context(), tick=lambda: None)
        assert found.ids.tolist() == _stepped(searcher, both, searcher.context())[0] != []
        anded = len(read)
        read.clear()
        alone = query.Term("answer", commonest)
        matcharrays.all_matches(searcher, alone, searcher.context(), tick=lambda: None)
    assert len(read) >= 6  # the common word alone: several blocks
    assert anded <= 3  # the rare word's block, at most the two of the common word holding its answers


def test_delta_codes_restart_at_each_block():
    deltas = np.array([3, 2, 5, 10, 1, 1, 40], dtype=np.int64)
    assert matcharrays._delta_decoded(deltas, [0, 3, 6]).tolist() == [3, 5, 10, 10, 11, 12, 40]


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


def test_position_strings_are_read_as_whoosh_decodes_them():
    """One-byte gaps read from the bytes, the rest unpickled, all in candidate order."""
    rng, fmt = random.Random(1), formats.Positions()
    for _ in range(200):
        lists = []
        for _ in range(rng.randint(0, 30)):
            n = rng.choice([1, 1, 2, 3, 10, 999, 1000, 1001, 2500])
            gap = rng.choice([3, 255, 256, 70000])
            lists.append(sorted(rng.sample(range(n * gap + n + 1), n)))
        values = [fmt.encode(p) for p in lists]
        sizes, positions = matcharrays._positions(values)
        assert sizes.tolist() == [len(fmt.decode_positions(v)) for v in values]
        assert positions.tolist() == [x for v in values for x in fmt.decode_positions(v)]
