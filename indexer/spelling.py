"""Did you mean: real words, from the unstemmed `exact` field, for words the index lacks."""

from __future__ import annotations

import re

from .schema import EXACT_FIELD

MAX_CORRECTIONS = 3
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def suggest_spelling(text: str, reader) -> str | None:
    """Return the query with its unknown words corrected, or None when all are known.

    Suggestions come from the unstemmed `exact` field, so they are real words; only
    plain words are touched, never field names, operators or quoted phrases. Each
    unknown word costs a walk of the lexicon, so at most MAX_CORRECTIONS are tried.
    """
    changed, tried = False, 0

    def fix(match):
        nonlocal changed, tried
        word = match.group(0)
        if (word in _OPERATORS or word.isdigit() or len(word) < 4 or tried >= MAX_CORRECTIONS
                or reader.doc_frequency(EXACT_FIELD, word.lower())):
            return word
        tried += 1
        better = _better_word(word.lower(), reader)
        changed = changed or better is not None
        return better or word

    pieces = re.split(r'("[^"]*"|\w+:\S+)', text)  # keep phrases and field:values whole
    fixed = "".join(p if i % 2 else re.sub(r"(?<![\w*])\w+(?![\w*])", fix, p)
                    for i, p in enumerate(pieces))
    return fixed if changed else None


def _better_word(word: str, reader) -> str | None:
    """The likeliest real word for an unknown `word`: close, same beginning, frequent."""
    # prefix=1: most typos keep the first letter, and it makes the lexicon walk ~20x shorter
    candidates = reader.corrector(EXACT_FIELD).suggest(word, limit=10, maxdist=2, prefix=1)
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
