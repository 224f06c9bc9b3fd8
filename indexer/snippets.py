"""Passages for a result: the best one to three ~300-character pieces with every match marked.

Snippets are made only for the page being shown (highlighting re-analyses text),
from the record's cleaned text, with the same English analyzer as the index so
stemmed forms ("smuggling" for `smuggle`) are marked too.
"""

from __future__ import annotations

from html import escape

from whoosh import highlight

SNIPPET_CHARS = 300


def passages(analyzer, question: str, answer: str, words: frozenset[str]) -> list[str]:
    """Up to one passage from the question and two from the answer, or the answer's opening."""
    found = _marked(analyzer, question, words, 1) + _marked(analyzer, answer, words, 2)
    if not found:
        return [opening(answer or question)] if (answer or question) else []
    return found


def _marked(analyzer, text: str, words: frozenset[str], top: int) -> list[str]:
    if not text or not words:
        return []
    # charlimit=None: matches past Whoosh's default 32 KB would give empty snippets.
    fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=90, charlimit=None)
    formatter = highlight.HtmlFormatter(tagname="mark", between="\x00")
    marked = highlight.highlight(text, words, analyzer, fragmenter, formatter, top=top)
    return [part.strip() for part in marked.split("\x00") if "<mark" in part]


def opening(text: str) -> str:
    """The first ~300 characters of `text`, escaped, cut at a word."""
    text = " ".join(text.split())
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …" if len(text) > SNIPPET_CHARS else text
    return escape(cut)
