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
from functools import lru_cache
from html import escape
from itertools import accumulate, compress

from whoosh import highlight
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token
from whoosh.lang import porter

from .schema import TOKEN

SNIPPET_CHARS = 300
SURROUND = 90  # characters of context before the first and after the last match
JOIN_GAP = 40  # passages at most this many characters apart are shown as one
MEMO_WORDS = 200_000  # distinct words remembered by `snippet_analyzer` before it starts again
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
WINDOW_BEFORE = 2 * SURROUND  # characters scanned before a sought word's first occurrence...
WINDOW_AFTER = SNIPPET_CHARS  # ...and after its last: a passage ends within SURROUND words' characters
# Non-ASCII characters common in answers that lowercasing and folding leave as they are.
TYPOGRAPHY = "’‘“”–—£€•…°½§·\xa0"
MAX_OCCURRENCES = 40  # of sought prefixes in a text, beyond which every word's term is looked up instead


def passages(scanner: SnippetScanner, question: str, answer: str, words: frozenset[str]) -> list[str]:
    """Up to one passage from the question and two from the answer, or the answer's opening."""
    found = _marked(scanner, question, words, 1) + _marked(scanner, answer, words, 2)
    if not found:
        return [opening(answer or question)] if (answer or question) else []
    return found


def _marked(scanner: SnippetScanner, text: str, words: frozenset[str], top: int) -> list[str]:
    if not text or not words:
        return []
    # As whoosh.highlight.highlight, with touching passages joined into one.
    tokens = scanner.tokens(text, words)
    if tokens is None:
        return []
    try:
        fragments = _joined(text, _context_fragments(text, tokens), 2 * SNIPPET_CHARS)
    except _NarrowWindow:  # the passages reach past the words scanned: scan them all
        fragments = _joined(text, _context_fragments(text, scanner.tokens(text, words, window=False)),
                            2 * SNIPPET_CHARS)
    fragments = highlight.top_fragments(fragments, top, _earliest_first, highlight.FIRST, (1,))
    # The chosen ones are all shown anyway: join those that touch, whatever their length.
    formatter = highlight.HtmlFormatter(tagname="mark", between="\x00")  # numbers terms afresh per text
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

    Tokens scanned from a window of the text (`_Tokens.lo`, `hi`) give the same
    fragments when the walk needs none outside it; where it might, this raises
    `_NarrowWindow`.
    """
    starts, ends, marks, n = tokens.starts, tokens.ends, tokens.marks, len(tokens.starts)
    first, countdown, tks, currentlen, i = None, -1, [], 0, 0
    following = iter(tokens.matched)
    while i < n:
        if countdown < 0:  # outside a fragment: on to the next match, with its context
            m = next((m for m in following if m >= i), None)
            if m is None:
                return
            if i == 0 and tokens.lo and (m == 0 or ends[m - 1] - surround < tokens.lo):
                raise _NarrowWindow  # its context may start before the window
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
    if tokens.hi != len(text):
        raise _NarrowWindow  # the walk went on past the window
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
    """A text's tokens: offsets, the sought term each is (or None), the indexes of those.

    The tokens of `text[lo:hi]` only: the whole text's, or a window's around the matches.
    """

    starts: list[int]
    ends: list[int]
    marks: list[str | None]
    matched: list[int]
    lo: int
    hi: int


class _NarrowWindow(Exception):
    """The passages may need tokens outside the window scanned."""


def snippet_analyzer(analyzer) -> SnippetScanner:
    """A scanner giving `analyzer`'s tokens, each word's filters run once (remembered)."""
    return SnippetScanner(analyzer)


class SnippetScanner:
    """An analyzer's tokens as (start, end, term if it is one of the words sought, else None).

    The analyzer is a regex tokenizer and filters that map one word to one term
    (lowercasing, accent folding, stop words, stemming): the tokenizer's compiled
    pattern finds the words, and what the filters make of each word is remembered.
    Stop words count like any word, as they do when Whoosh marks matches.

    With the English chain (`TOKEN`'s words, `_sought_prefixes`) a text is first searched for each
    sought term's certain prefix: one `in` per term skips a text that cannot hold
    a match. Otherwise only the words starting at a prefix's occurrences are
    looked up (the text is not split when none is sought), and only a window
    around them is split into words. Over a page most texts are passed over,
    and the rest mostly split in part.
    """

    def __init__(self, analyzer):
        tokenizer, *filters = analyzer.items
        if not isinstance(tokenizer, RegexTokenizer) or tokenizer.gaps or tokenizer.expression.groups:
            raise TypeError(f"snippets need a RegexTokenizer that finds words, not {tokenizer!r}")
        expression = tokenizer.expression
        # Split on the words kept as a group: the text between them and the words, one pass.
        self._split = re.compile(f"({expression.pattern})", expression.flags).split
        self._word_at = expression.match
        self._filters = filters
        self._memo: dict[str, str] = {}
        self._fold = _porter_chain_fold(filters) if expression.pattern == TOKEN else None
        fold = self._fold or {}
        self._unfolded = tuple(c for c in TYPOGRAPHY if self._fold and c.translate(fold) == c.lower() == c)

    def tokens(self, text: str, words: frozenset[str], window: bool = True) -> _Tokens | None:
        """Every token's start, end and term if sought; None where no sought word occurs.

        With `window`, the tokens may be those of a window around the sought
        words only (`_guided_tokens`).
        """
        prefixes = _sought_prefixes(words) if self._fold is not None else None
        if prefixes is None:
            return self._all_tokens(text, words)
        folded, aligned = self._folded(text)
        if not any(prefix in folded for prefix in prefixes):
            return None
        occurrences = _occurrences(folded, prefixes) if aligned else None
        if occurrences is None:
            return self._all_tokens(text, words)
        if not self._may_match(text, occurrences, words):
            return None
        return self._guided_tokens(text, occurrences, words, window)

    def _folded(self, text: str) -> tuple[str, bool]:
        """`text` lowercased and folded as the chain does a word, and whether it kept `text`'s offsets.

        Only the non-ASCII runs are folded (`translate` is a dict lookup a
        character); lowercasing ("İ" is two characters) or folding ("…" is three)
        can lengthen a text, and then offsets in one are not offsets in the other.
        """
        lower = text.lower()
        if text.isascii():
            return lower, True
        kept = len(lower) == len(text)
        rest = lower
        for char in self._unfolded:
            if char in rest:
                rest = rest.replace(char, "")
        if rest.isascii():  # "£20" or "‘yes’": nothing to fold (a scan for runs took 20 us in 1.7 KB)
            return lower, kept

        def fold(run) -> str:
            nonlocal kept
            folded = run.group().translate(self._fold)
            kept = kept and len(folded) == len(run.group())
            return folded

        return _NON_ASCII.sub(fold, lower), kept

    def _may_match(self, text: str, occurrences: list[int], words: frozenset[str]) -> bool:
        """Whether a sought word can start at one of `occurrences`: False only when none does.

        Just after a letter is inside a word (`TOKEN`'s words are runs of letters
        and digits, or numbers). Anywhere else a word may start, and if one does
        it is what the tokenizer matches from there; where none does (inside
        "abc1def" or "1,000"), the word matched there is one more candidate, never
        a missed one. So every word that starts at an occurrence is looked at.
        """
        for at in occurrences:
            if at and text[at - 1].isalpha():
                continue
            word = self._word_at(text, at)
            if word is not None and (self._memo.get(word.group()) or self._term(word.group())) in words:
                return True
        return False

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
        return _Tokens(ends[0:-1:2], ends[1::2], marks, matched, 0, len(text))

    def _guided_tokens(self, text: str, occurrences: list[int], words: frozenset[str],
                       window: bool) -> _Tokens | None:
        """Only the words at `occurrences` (of prefixes, in order) looked up.

        With `window`, only the text from WINDOW_BEFORE characters before the first
        occurrence to WINDOW_AFTER after the last is split into words, cut where
        it is blank (no word spans a blank, so the words in the window are the
        text's). Most passages lie well inside; `_context_fragments` tells when not.
        """
        lo, hi = (_blank_before(text, occurrences[0] - WINDOW_BEFORE),
                  _blank_after(text, occurrences[-1] + WINDOW_AFTER)) if window else (0, len(text))
        parts = self._split(text[lo:hi])  # text before the first word, a word, text after it, ...
        offsets = list(accumulate(map(len, parts), initial=lo))  # where each part starts, then the end
        starts, found = offsets[1:-1:2], parts[1::2]
        marks: list[str | None] = [None] * len(found)
        matched: set[int] = set()
        for at in occurrences:
            i = bisect_left(starts, at)
            if i < len(starts) and starts[i] == at:  # a sought word starts with its prefix
                term = self._memo.get(found[i]) or self._term(found[i])
                if term in words:
                    marks[i] = term
                    matched.add(i)
        if not matched:
            return None
        return _Tokens(starts, offsets[2::2], marks, sorted(matched), lo, hi)

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


@lru_cache(maxsize=256)  # one search asks it for each text of each hit, with the same words
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


def _occurrences(folded: str, prefixes: tuple[str, ...]) -> list[int] | None:
    """Where each prefix occurs in `folded`, in order; None past MAX_OCCURRENCES (a short prefix)."""
    found = []
    for prefix in prefixes:
        at = folded.find(prefix)
        while at >= 0:
            if len(found) == MAX_OCCURRENCES:
                return None
            found.append(at)
            at = folded.find(prefix, at + 1)
    return sorted(found)


def _blank_before(text: str, at: int) -> int:
    """The start of the blank-bounded stretch holding `at`: 0, or just after a space or line break."""
    return 0 if at <= 0 else max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1


def _blank_after(text: str, at: int) -> int:
    """The first space or line break at or after `at`, else the text's end."""
    found = [i for i in (text.find(" ", at), text.find("\n", at)) if i >= 0]
    return min(found) if found else len(text)
