"""Plain words are parsed without Whoosh's parser (`query._plain_parse`): the same query, the same echo."""

from __future__ import annotations

import random

import pytest

from indexer import query as user_query
from indexer.errors import QueryTooComplex
from indexer.query import parse_user_query
from indexer.ranking import RANKING
from indexer.schema import build_schema

from .test_snippets_stable import _sample_texts

HAND_MADE = ["permaperties", "the people", "Home Office gangs", "gangs gangs", "a b c", "of the", "4 5",
             "DfE schools 2023", "NOT smuggling", "smuggling NOT", "ANDNOT boats", "REQUIRE boats",
             "boats ANDMAYBE ferries", "and or not", "x", "Ab 12 3", "covid19 vaccines"]


def _through_the_parser(text, schema, boosts, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(user_query, "_plain_parse", lambda *args: None)
        return parse_user_query(text, schema, boosts)


def _leaves(parsed) -> list[dict]:
    return [vars(leaf) for leaf in parsed.leaves()] if not parsed.is_leaf() else [vars(parsed)]


def _queries() -> list[str]:
    chooser = random.Random(7)
    words = sorted({w for text in _sample_texts() for w in text.split() if w.isascii()})
    typed = [" ".join(chooser.sample(words, chooser.randint(1, 5))) for _ in range(300)]
    return HAND_MADE + typed


@pytest.mark.parametrize("boosts", [None, RANKING.field_boosts])
def test_plain_words_are_parsed_as_the_parser_parses_them(boosts, monkeypatch):
    schema = build_schema()
    direct = 0
    for text in _queries():
        try:
            expected = _through_the_parser(text, schema, boosts, monkeypatch)
        except QueryTooComplex as refused:  # a pasted URL: too many words, refused either way
            with pytest.raises(QueryTooComplex, match=str(refused)):
                parse_user_query(text, schema, boosts)
            continue
        found = parse_user_query(text, schema, boosts)
        assert (found.query, found.understood, found.notice) == (
            expected.query, expected.understood, expected.notice), text
        assert repr(found.query) == repr(expected.query) and _leaves(found.query) == _leaves(expected.query)
        direct += user_query._plain_parse(text, schema, boosts) is not None
    assert direct > 100, "most of these queries take the direct road"


def test_what_the_parser_keeps_is_left_to_it():
    schema = build_schema()
    for text in ("smuggling NOT boats", "covid-19", "it's", "café", "www.gov.uk", "of the", "REQUIRE x"):
        assert user_query._plain_parse(text, schema, None) is None, text
