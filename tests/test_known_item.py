"""Relevance: wrans ranks known items at least as well as SQLite FTS5's bm25 (bench/known_item.py)."""

import pytest

from bench import fts5
from bench.known_item import evaluate, load_answers
from bench.relevance import FTS_WEIGHTS, fts_ids, known_items, rank_of, wrans_ids
from indexer.schema import EXACT_FIELD
from indexer.search import SearchIndex
from tests.conftest import SAMPLE_DIR


@pytest.fixture(scope="module")
def report():
    return evaluate(SAMPLE_DIR)["results"]


@pytest.mark.parametrize("style", ["rare", "sentence", "question", "heading"])
def test_wrans_is_at_least_as_good_as_fts5(report, style):
    wrans = report[f"wrans / {style}"]
    for engine in ("fts5 unicode61", "fts5 porter"):
        fts = report[f"{engine} / {style}"]
        assert wrans["mrr"] >= fts["mrr"] and wrans["s@1"] >= fts["s@1"], (style, wrans, fts)
    assert wrans["queries"] >= 50


@pytest.fixture(scope="module")
def question_ranks(sample_index_dir, tmp_path_factory):
    """bench/relevance.py's queries (from each question) over the sample: wrans's and FTS5's ranks."""
    answers = load_answers(SAMPLE_DIR)
    db_path = tmp_path_factory.mktemp("fts5") / "fts5.db"
    fts5.build(SAMPLE_DIR, db_path)
    db = fts5.connect(db_path)
    with SearchIndex(sample_index_dir) as index:
        searcher = index._searcher()
        items = known_items(answers, lambda w: searcher.doc_frequency(EXACT_FIELD, w), len(answers))
        ranks = {"wrans": [rank_of(wrans_ids(index, i.q), i.answer_id) for i in items],
                 "fts5": [rank_of(fts_ids(db, i.q, FTS_WEIGHTS["fts5"]), i.answer_id) for i in items]}
    return items, ranks


def test_every_rare_word_query_finds_its_answer_first(question_ranks):
    """Three of its question's rarest words are a miss only when analysis loses a word."""
    items, ranks = question_ranks
    rare = [(i.q, r) for i, r in zip(items, ranks["wrans"], strict=True) if i.kind == "rare"]
    assert len(rare) >= 60
    assert [(q, r) for q, r in rare if r != 1] == []


def test_question_words_rank_as_well_as_fts5(question_ranks):
    items, ranks = question_ranks
    for kind in ("rare", "common"):
        mrr = {engine: _mrr([r for i, r in zip(items, found, strict=True) if i.kind == kind])
               for engine, found in ranks.items()}
        assert mrr["wrans"] >= mrr["fts5"], (kind, mrr)


def _mrr(ranks) -> float:
    return sum(1 / r for r in ranks if r) / len(ranks)
