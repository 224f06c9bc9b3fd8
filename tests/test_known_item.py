"""Relevance: wrans ranks known items at least as well as SQLite FTS5's bm25 (bench/known_item.py)."""

import pytest

from bench.known_item import evaluate
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
