"""Passages for a result: the best one to three ~300-character pieces with every match marked.

Snippets are made only for the page being shown, from the record's cleaned text,
with the same English analyzer as the index so stemmed forms ("smuggling" for
`smuggle`) are marked too. Whoosh's highlighter re-analyses the whole text through
a generator chain, a Token object per word: at 10 results that was most of a
rare-word search's time (research/speed.md). `SnippetScanner` finds the same
tokens with the tokenizer's compiled pattern, looking up only the words that can
be sought ones (a sought stem's prefix starts them) and passing over texts with
none, and `_context_fragments` is Whoosh's ContextFragmenter over those plain
spans; the passages are the ones Whoosh's pipeline gives (tests/test_snippets_stable.py).
"""

from __future__ import annotations

import re
import string
from bisect import bisect_left
from dataclasses import dataclass
from html import escape
from itertools import accumulate, compress

from whoosh import highlight
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token
from whoosh.lang import porter

SNIPPET_CHARS = 300
SURROUND = 90  # characters of context before the first and after the last match
JOIN_GAP = 40  # passages at most this many characters apart are shown as one
MEMO_WORDS = 200_000  # distinct words remembered by `snippet_analyzer` before it starts again
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
GUIDING_PREFIX = 3  # shorter prefixes start too many words: every word's term is looked up instead


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

    With the English chain (`_sought_prefixes`) a text is first searched for each
    sought term's certain prefix: one `in` per term skips a text that cannot hold
    a match, and in a plain-ASCII text only the words starting with a prefix are
    looked up. Over a page most texts are passed over or only a few words are.
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
        self._fold = _porter_chain_fold(filters)

    def tokens(self, text: str, words: frozenset[str]) -> _Tokens | None:
        """Every token's start, end and term if sought; None where no sought word occurs."""
        prefixes = _sought_prefixes(words) if self._fold is not None else None
        if prefixes is None:
            return self._all_tokens(text, words)
        folded = text.lower()
        if not text.isascii():  # fold only the runs that need it: `translate` is a dict lookup a character
            folded = _NON_ASCII.sub(lambda run: run.group().translate(self._fold), folded)
        if not any(prefix in folded for prefix in prefixes):
            return None
        if min(map(len, prefixes)) < GUIDING_PREFIX or not text.isascii():
            return self._all_tokens(text, words)
        return self._guided_tokens(text, folded, prefixes, words)

    def _all_tokens(self, text: str, words: frozenset[str]) -> _Tokens | None:
        """Every word's term looked up: a list at a time (one `split`, `accumulate`, `map`)."""
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

    def _guided_tokens(self, text: str, folded: str, prefixes: tuple[str, ...],
                       words: frozenset[str]) -> _Tokens | None:
        """Only the words at a prefix's occurrences looked up; `folded` has `text`'s offsets."""
        parts = self._split(text)
        ends = list(accumulate(map(len, parts)))
        starts, found = ends[0:-1:2], parts[1::2]
        marks: list[str | None] = [None] * len(found)
        matched = set()
        for prefix in prefixes:
            at = folded.find(prefix)
            while at >= 0:
                i = bisect_left(starts, at)
                if i < len(starts) and starts[i] == at:  # a sought word starts with its prefix
                    term = self._memo.get(found[i]) or self._term(found[i])
                    if term in words:
                        marks[i] = term
                        matched.add(i)
                at = folded.find(prefix, at + 1)
        return _Tokens(starts, ends[1::2], marks, sorted(matched)) if matched else None

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


def _porter_chain_fold(filters) -> dict | None:
    """The accent-folding table when `filters` are the English chain `_sought_prefixes` knows.

    That is lowercasing, then folding, stop words (which change no text) and Whoosh's
    Porter stemmer, and a folding table that leaves lowercase ASCII alone (so an
    ASCII text folds to its lowercase, offset for offset). Anything else: None.
    """
    kinds = [type(step) for step in filters]
    if kinds != [LowercaseFilter, CharsetFilter, StopFilter, StemFilter]:
        return None
    fold, stemmer = filters[1].charmap, filters[3]
    if stemmer.stemfn is not porter.stem or stemmer.ignore:
        return None
    ascii_kept = string.ascii_lowercase + string.digits + string.punctuation + string.whitespace
    return fold if ascii_kept.translate(fold) == ascii_kept else None


def _sought_prefixes(words: frozenset[str]) -> tuple[str, ...] | None:
    """For each sought term, a prefix every word whose stem it is starts with (folded, lowercase).

    Porter's steps only rewrite a word's end, and never its first letter; a
    rewritten end differs from the word's own in at most its last two letters
    ("possibility" -> "possibl", "-biliti" -> "-ble"). So a word stemming to `term`
    starts with `term` less its last two letters, and at least its first letter.
    tests/test_snippets_stable.py checks the claim over every word of the sample
    and over Porter's suffixes. A non-ASCII term's prefix is not searched for
    (lowercasing a whole text and one word can differ there): None.
    """
    prefixes = tuple(term[:max(1, len(term) - 2)] for term in words)
    return prefixes if prefixes and all(prefix.isascii() for prefix in prefixes) else None
