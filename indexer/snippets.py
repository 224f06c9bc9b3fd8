"""Passages for a result: the best one to three ~300-character pieces with every match marked.

Snippets are made only for the page being shown, from the record's cleaned text,
with the same English analyzer as the index so stemmed forms ("smuggling" for
`smuggle`) are marked too. Whoosh's highlighter re-analyses the whole text through
a generator chain, a Token object per word: at 10 results that was most of a
rare-word search's time (research/speed.md). `SnippetScanner` finds the same
tokens with the tokenizer's compiled pattern and one dict lookup per word, and
`_context_fragments` is Whoosh's ContextFragmenter over those plain spans; the
passages are the ones Whoosh's pipeline gives (tests/test_snippets_stable.py).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from html import escape
from itertools import accumulate, compress

from whoosh import highlight
from whoosh.analysis import RegexTokenizer, Token

SNIPPET_CHARS = 300
SURROUND = 90  # characters of context before the first and after the last match
JOIN_GAP = 40  # passages at most this many characters apart are shown as one
MEMO_WORDS = 200_000  # distinct words remembered by `snippet_analyzer` before it starts again


def passages(scanner: SnippetScanner, question: str, answer: str, words: frozenset[str]) -> list[str]:
    """Up to one passage from the question and two from the answer, or the answer's opening."""
    found = _marked(scanner, question, words, 1) + _marked(scanner, answer, words, 2)
    if not found:
        return [opening(answer or question)] if (answer or question) else []
    return found


def _marked(scanner: SnippetScanner, text: str, words: frozenset[str], top: int) -> list[str]:
    if not text or not words:
        return []
    formatter = highlight.HtmlFormatter(tagname="mark", between="\x00")
    # As whoosh.highlight.highlight, with touching passages joined into one.
    tokens = scanner.tokens(text, words)
    if tokens is None:
        return []
    fragments = _joined(text, _context_fragments(text, tokens), 2 * SNIPPET_CHARS)
    fragments = highlight.top_fragments(fragments, top, _earliest_first, highlight.FIRST, (1,))
    # The chosen ones are all shown anyway: join those that touch, whatever their length.
    marked = formatter(text, _joined(text, fragments, None))
    return [part.strip() for part in marked.split("\x00") if "<mark" in part]


def _context_fragments(text: str, tokens: _Tokens, maxchars: int = SNIPPET_CHARS,
                       surround: int = SURROUND):
    """Whoosh 2.7.4's `ContextFragmenter.fragment_tokens` (no charlimit), stepping only near matches.

    Whoosh walks every token; outside a fragment, all an unmatched token does is
    keep the starts of the tokens within `surround` characters before the next
    one. So from wherever a fragment ended this jumps to the next match and finds
    that context with one bisection; inside a fragment it steps token by token as
    Whoosh does. Same state, same steps, same fragments (the tests compare).
    """
    starts, ends, marks, n = tokens.starts, tokens.ends, tokens.marks, len(tokens.starts)
    first, countdown, tks, currentlen, i = None, -1, [], 0, 0
    following = iter(tokens.matched)
    while i < n:
        if countdown < 0:  # outside a fragment: on to the next match, with its context
            m = next((m for m in following if m >= i), None)
            if m is None:
                return
            before = bisect_left(starts, ends[m - 1] - surround, i, m) if m > i else m
            context, i = (starts[before] if before < m else None), m
        start, end, term = starts[i], ends[i], marks[i]
        length = end - start
        if currentlen + length > maxchars:
            countdown = 0
        elif term is not None:
            countdown = surround
            if first is None:
                first = context
                if first is None:
                    first, countdown = start, countdown + surround
            tks.append(_matched_token(term, start, end))
        if countdown >= 0:
            currentlen += length
            countdown -= length
            if countdown <= 0:
                yield highlight.mkfrag(text, tks, startchar=first, endchar=end)
                first, tks, currentlen, context = None, [], 0, None
        i += 1
    if tks:
        yield highlight.mkfrag(text, tks, startchar=first, endchar=ends[-1])


def _matched_token(term: str, start: int, end: int) -> Token:
    token = Token(positions=False, chars=True, removestops=False, mode="query")
    token.text, token.startchar, token.endchar, token.matched, token.boost = term, start, end, True, 1.0
    return token


def _joined(text: str, fragments, longest: int | None) -> list:
    """Join passages (in text order) that touch or are a few characters apart.

    Two passages cut from one run of text would read as two separate quotations,
    the first ending mid-sentence and the second starting mid-sentence. Before the
    best are chosen (a joined passage scores its matches together) a join stops
    at `longest` characters; None joins whatever touches.
    """
    out = []
    for fragment in fragments:
        if not fragment.matches:  # Whoosh's fragmenter can yield empty ones, starting at 0
            continue
        last = out[-1] if out else None
        if (last is not None and fragment.startchar - last.endchar <= JOIN_GAP
                and (longest is None or fragment.endchar - last.startchar <= longest)):
            out[-1] = highlight.Fragment(text, last.matches + fragment.matches,
                                         last.startchar, max(last.endchar, fragment.endchar))
        else:
            out.append(fragment)
    return out


def _earliest_first(fragment) -> tuple:
    """Whoosh's passage score, ties going to the earlier passage.

    Whoosh breaks ties between equally good passages by comparing the objects'
    memory addresses (`Fragment.__lt__`), so the same answer could show different
    passages from one call to the next; with the position in the key it never
    compares fragments. Compared with `minscore=(1,)`, exactly the passages whose
    score reaches 1 are kept, as before.
    """
    return highlight.BasicFragmentScorer()(fragment), -fragment.startchar


def opening(text: str, chars: int = SNIPPET_CHARS) -> str:
    """The first ~`chars` characters of `text`, escaped, cut at a word."""
    text = " ".join(text.split())
    cut = text[:chars].rsplit(" ", 1)[0] + " …" if len(text) > chars else text
    return escape(cut)


@dataclass
class _Tokens:
    """A text's tokens: offsets, the sought term each is (or None), the indexes of those."""

    starts: list[int]
    ends: list[int]
    marks: list[str | None]
    matched: list[int]


def snippet_analyzer(analyzer) -> SnippetScanner:
    """A scanner giving `analyzer`'s tokens, each word's filters run once (remembered)."""
    return SnippetScanner(analyzer)


class SnippetScanner:
    """An analyzer's tokens as (start, end, term if it is one of the words sought, else None).

    The analyzer is a regex tokenizer and filters that map one word to one term
    (lowercasing, accent folding, stop words, stemming): the tokenizer's compiled
    pattern finds the words, and what the filters make of each word is remembered.
    Stop words count like any word, as they do when Whoosh marks matches.
    """

    def __init__(self, analyzer):
        tokenizer, *filters = analyzer.items
        if not isinstance(tokenizer, RegexTokenizer) or tokenizer.gaps or tokenizer.expression.groups:
            raise TypeError(f"snippets need a RegexTokenizer that finds words, not {tokenizer!r}")
        expression = tokenizer.expression
        # Split on the words kept as a group: the text between them and the words, one pass.
        self._split = re.compile(f"({expression.pattern})", expression.flags).split
        self._filters = filters
        self._memo: dict[str, str] = {}

    def tokens(self, text: str, words: frozenset[str]) -> _Tokens | None:
        """Every token's start, end and term if sought; None where no sought word occurs.

        The words, the text between them, their offsets and their terms are found
        a list at a time (one `split`, `accumulate`, `map`), not a word at a time:
        most texts of a page hold no sought word in one of their fields, and the
        fragmenter only steps near the matches of the others.
        """
        parts = self._split(text)  # text before the first word, a word, text after it, ...
        found = parts[1::2]
        terms = list(map(self._memo.get, found))
        if None in terms:
            terms = [self._term(word) if term is None else term
                     for word, term in zip(found, terms, strict=True)]
        marks = list(map({word: word for word in words}.get, terms))
        if not any(marks):
            return None
        matched = list(compress(range(len(marks)), marks))  # terms are never empty strings
        ends = list(accumulate(map(len, parts)))  # of each part: a word starts where the text before it ends
        return _Tokens(ends[0:-1:2], ends[1::2], marks, matched)

    def _term(self, word: str) -> str:
        if len(self._memo) >= MEMO_WORDS:
            self._memo.clear()
        token = Token(positions=False, chars=False, removestops=False, mode="query")
        token.text, token.stopped = word, False
        stream = iter([token])
        for step in self._filters:
            stream = step(stream)
        out = list(stream)
        if len(out) != 1:  # the analyzer's filters map one word to one token
            raise ValueError(f"filters changed the number of tokens for {word!r}")
        self._memo[word] = out[0].text
        return out[0].text
