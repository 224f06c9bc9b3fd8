"""Snippets are the same on every call, and the remembering analyzer changes nothing."""

from __future__ import annotations

import pytest

from indexer import snippets
from indexer.schema import english_analyzer

FILLER = ("The department keeps these figures under review and will publish them in the usual way "
          "once the quarterly returns have been checked by officials. ")


def _text(paragraphs: int) -> str:
    """Paragraphs each naming one ferry once, far enough apart to be separate passages."""
    return "".join(f"Ferry route number {n} is served daily. " + FILLER * 3 for n in range(paragraphs))


def test_equal_passages_go_to_the_earliest():
    """Whoosh breaks score ties by memory address; ours by position, so the first two win."""
    analyzer = english_analyzer()
    text = _text(12)
    for _ in range(20):
        found = snippets.passages(analyzer, "", text, frozenset({"ferri"}))
        assert [("number 0" in p, "number 1 " in p) for p in found] == [(True, False), (False, True)]


@pytest.mark.parametrize("words", [frozenset({"ferri"}), frozenset({"figur", "review", "the"}),
                                   frozenset({"offici", "return", "quarter", "depart"})])
def test_remembered_analyzer_gives_the_same_passages(words):
    analyzer = english_analyzer()
    remembered = snippets.snippet_analyzer(analyzer)
    text = _text(6) + " Çafé naïve ÉLITE résumé 1,000 4.5 www.gov.uk it's"
    for _ in range(2):  # the second time every word comes from the memo
        assert (snippets.passages(remembered, "Ferries: the figures", text, words)
                == snippets.passages(analyzer, "Ferries: the figures", text, words))
    assert ([(t.text, t.stopped, t.startchar) for t in remembered(text, chars=True, removestops=False)]
            == [(t.text, t.stopped, t.startchar) for t in analyzer(text, chars=True, removestops=False)])


def test_passages_cut_from_one_run_of_text_are_shown_as_one():
    """Matches ~280 characters apart make two touching passages: shown as one, the text whole."""
    text = ("Ferry crossings are monitored. " + "word " * 48 + "Ferry operators report monthly. "
            + "more " * 80 + "Ferry fares are set.")
    found = snippets.passages(english_analyzer(), "", text, frozenset({"ferri"}))
    assert len(found) == 2, found
    first = found[0].replace('<mark class="match term0">', "").replace("</mark>", "")
    assert first.startswith("Ferry crossings are monitored. word word")
    assert "word word Ferry operators report monthly. more more" in first  # the text between kept
    assert found[1].endswith("Ferry</mark> fares are set")


def test_chosen_passages_that_touch_are_joined_whatever_their_length():
    """Three touching passages: too long to join before choosing, shown as one after."""
    text = ("Ferry one. " + "word " * 44 + "Ferry two. " + "word " * 44 + "Ferry three. "
            + "more " * 80 + "Ferry four.")
    found = snippets.passages(english_analyzer(), "", text, frozenset({"ferri"}))
    assert len(found) == 1, found
    plain = found[0].replace('<mark class="match term0">', "").replace("</mark>", "")
    assert plain.startswith("Ferry one. word") and "word Ferry two. word" in plain
    assert "word Ferry three" in plain and len(plain) > 2 * snippets.SNIPPET_CHARS


def test_empty_fragments_from_whoosh_are_not_joined_in():
    """Whoosh's ContextFragmenter can yield a fragment without matches (start 0): it is dropped."""
    from whoosh import highlight

    text = "x " * 400
    match = type("Match", (), {"startchar": 600, "endchar": 601})()
    real = highlight.Fragment(text, [match], 500, 700)
    empty = highlight.Fragment(text, [], 0, 720)
    assert [(f.startchar, f.endchar) for f in snippets._joined(text, [real, empty], None)] == [(500, 700)]
