"""Did you mean: real words, from the unstemmed `exact` field, for words the index lacks.

The search asks only when a query found nothing or little (`search.SUGGEST_BELOW`),
so the lexicon walks below are paid by few searches.
"""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from .schema import EXACT_FIELD

MAX_CORRECTIONS = 3
MAX_EDITS = 2
MAX_SCAN = 50_000  # words with one first letter read per segment, to bound a correction's cost
# A word in at most RARE answers is corrected too when a close word is in at least
# FREQUENT_FACTOR times as many: real texts hold typos ("migrnts"), so a typed typo
# can be a known word that finds one answer.
RARE = 2
FREQUENT_FACTOR = 20
# Besides the texts' words, a member's name is a known word ("Smyth" is no typo).
NAME_FIELDS = ("asker", "answerer")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def suggest_spelling(text: str, reader) -> str | None:
    """Return the query with its unknown or rare words corrected, or None when none is.

    Suggestions come from the unstemmed `exact` field, so they are real words; only
    plain words are touched, never field names, operators or quoted phrases. Each
    corrected word costs a walk of the lexicon, so at most MAX_CORRECTIONS are tried.
    """
    changed, tried = False, 0

    def fix(match):
        nonlocal changed, tried
        word = match.group(0)
        if word in _OPERATORS or word.isdigit() or len(word) < 4 or tried >= MAX_CORRECTIONS:
            return word
        lower = word.lower()
        seen = reader.doc_frequency(EXACT_FIELD, lower)
        if seen > RARE or any(reader.doc_frequency(name, lower) for name in NAME_FIELDS
                              if name in reader.schema):
            return word
        tried += 1
        better = _better_word(lower, reader)
        if better is None or (seen and reader.doc_frequency(EXACT_FIELD, better) < FREQUENT_FACTOR * seen):
            return word
        changed = True
        return better

    pieces = re.split(r'("[^"]*"|\w+:\S+)', text)  # keep phrases and field:values whole
    fixed = "".join(p if i % 2 else re.sub(r"(?<![\w*])\w+(?![\w*])", fix, p)
                    for i, p in enumerate(pieces))
    return fixed if changed else None


def _better_word(word: str, reader) -> str | None:
    """The likeliest other real word for `word`: fewest edits, same beginning, most frequent."""
    close = _close_words(word, reader)
    if not close:
        return None

    def rank(candidate):
        edits, frequency = close[candidate]
        return (edits, -len(_common_prefix(word, candidate)), -frequency, candidate)

    return min(close, key=rank)


def _close_words(word: str, reader) -> dict[str, tuple[int, int]]:
    """Words of `exact` within MAX_EDITS of `word`, with its first letter: word -> (edits, frequency).

    One walk of each segment's words with that first letter (most typos keep it,
    and it makes the walk ~20x shorter), at most MAX_SCAN of them; lengths are
    checked first and edit distances computed in C (rapidfuzz).
    """
    words = set()
    for leaf, _offset in reader.leaf_readers():
        for scanned, term in enumerate(leaf.expand_prefix(EXACT_FIELD, word[:1])):
            if scanned >= MAX_SCAN:
                break
            other = term.decode() if isinstance(term, bytes) else term
            if abs(len(other) - len(word)) <= MAX_EDITS:
                words.add(other)
    words.discard(word)
    found = process.extract(word, list(words), scorer=DamerauLevenshtein.distance,
                            score_cutoff=MAX_EDITS, limit=None)
    return {other: (int(edits), reader.doc_frequency(EXACT_FIELD, other)) for other, edits, _ in found}


def _common_prefix(a: str, b: str) -> str:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]
