"""BM25F with each segment's field lengths read once, not once per scored match.

Whoosh's BM25F scorer looks up the document's field length for every match it
scores: a seek and a one-byte read through the column file, about a fifth of a
common-word search once facets stopped reading columns (docs/performance.md).
A segment's lengths never change, so this model reads each scored field's length
column into an array on first use and scores with the same formula and the same
decoded lengths, so scores are identical. One instance belongs to one searcher.
The lengths are kept as one float array per field and segment, which scorers
also offer as `length_array` for `matcharrays` to index by whole posting blocks.
"""

from __future__ import annotations

import weakref

import numpy as np
from whoosh import scoring
from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length

BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class CachedLengthBM25F(scoring.BM25F):
    """`scoring.BM25F` whose scorers read field lengths from per-segment lists."""

    def __init__(self, B: float = 0.75, K1: float = 1.2, **field_B: float):
        super().__init__(B=B, K1=K1, **field_B)  # `exact_B=0.5`: one field's own B, as in BM25F
        self._lengths = weakref.WeakKeyDictionary()  # segment reader -> {field: list}

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            lengths = self._field_lengths(searcher.reader(), fieldname)
            if lengths is not None:
                scorer.dfl = lengths.item  # a Python float: the formula's operations are unchanged
                scorer.length_array = lengths
        return scorer

    def warm(self, reader, fieldnames) -> None:
        """Read the lengths of `fieldnames` in every segment of `reader` ahead of scoring."""
        for leaf, _offset in reader.leaf_readers():
            for fieldname in fieldnames:
                self._field_lengths(leaf, fieldname)

    def _field_lengths(self, reader, fieldname: str) -> np.ndarray | None:
        """Decoded lengths of `fieldname` for every document of one segment, or None."""
        try:
            per_field = self._lengths.setdefault(reader, {})
        except TypeError:  # not a weak-referenceable segment reader: score the usual way
            return None
        key = ("array", fieldname)
        if key not in per_field:
            per_field[key] = _read_lengths(reader, fieldname)
        return per_field[key]


def _read_lengths(reader, fieldname: str) -> np.ndarray | None:
    """What `doc_field_length(docnum, fieldname, 1)` would answer, as floats, or None to fall back.

    Floats so whole blocks of documents can be scored at once (`matcharrays`);
    a length is a whole number well inside a float's exact range, so every score
    is the one the integer gives.
    """
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    count = reader.doc_count_all()
    if column is None:
        return np.ones(count + 1)
    raw = _raw_bytes(column)
    if raw is not None:  # one read for the whole column, decoded through a 256-entry table
        lengths = BYTE_LENGTHS[np.frombuffer(raw, dtype=np.uint8)]
        missing = np.full(count - len(lengths), BYTE_LENGTHS[0])
        return np.concatenate((lengths, missing, [1.0]))
    return np.array([byte_to_length(column[docnum]) for docnum in range(count)] + [1], dtype=np.float64)


def _raw_bytes(column) -> bytes | None:
    """The one-byte-per-document body of a lengths column, when its layout is the known one."""
    try:
        if column._fixedlen != 1:
            return None
        return bytes(column._dbfile.get(column._basepos, column._count))
    except AttributeError:
        return None
