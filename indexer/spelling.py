"""Did you mean: real words, from the unstemmed `exact` field, for words the index lacks.

The search asks only when a query found nothing or little (`search.SUGGEST_BELOW`),
so the lexicon walks below are paid by few searches.
"""

from __future__ import annotations

import re

from .schema import EXACT_FIELD

MAX_CORRECTIONS = 3
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
    """The likeliest other real word for `word`: close, same beginning, frequent."""
    # prefix=1: most typos keep the first letter, and it makes the lexicon walk ~20x shorter
    candidates = [c for c in reader.corrector(EXACT_FIELD).suggest(word, limit=10, maxdist=2, prefix=1)
                  if c != word]
    if not candidates:
        return None

    def rank(candidate):
        shared = len(_common_prefix(word, candidate))
        return (-shared, -reader.doc_frequency(EXACT_FIELD, candidate), candidate)

    return min(candidates, key=rank)


def _common_prefix(a: str, b: str) -> str:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]
