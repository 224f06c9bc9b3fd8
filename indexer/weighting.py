"""BM25F with each segment's field lengths read once, not once per scored match.

Whoosh's BM25F scorer looks up the document's field length for every match it
scores: a seek and a one-byte read through the column file, about a fifth of a
common-word search once facets stopped reading columns (docs/performance.md).
A segment's lengths never change, so this model reads each scored field's length
column into a list on first use and scores with the same formula and the same
decoded lengths, so scores are identical. One instance belongs to one searcher.
Scorers also offer the lengths as one float array (`length_array`), which
`matcharrays` indexes by whole blocks of document numbers.
"""

from __future__ import annotations

import weakref
from functools import partial

import numpy as np
from whoosh import scoring
from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length


class CachedLengthBM25F(scoring.BM25F):
    """`scoring.BM25F` whose scorers read field lengths from per-segment lists."""

    def __init__(self, B: float = 0.75, K1: float = 1.2):
        super().__init__(B=B, K1=K1)
        self._lengths = weakref.WeakKeyDictionary()  # segment reader -> {field: list}

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            lengths = self._field_lengths(searcher.reader(), fieldname)
            if lengths is not None:
                scorer.dfl = lengths.__getitem__
                scorer.length_array = partial(self._length_array, searcher.reader(), fieldname)
        return scorer

    def warm(self, reader, fieldnames) -> None:
        """Read the lengths of `fieldnames` in every segment of `reader` ahead of scoring."""
        for leaf, _offset in reader.leaf_readers():
            for fieldname in fieldnames:
                if self._field_lengths(leaf, fieldname) is not None:
                    self._length_array(leaf, fieldname)

    def _length_array(self, reader, fieldname: str) -> np.ndarray:
        """The same lengths as floats in one array, for scoring whole posting blocks."""
        key = ("array", fieldname)
        per_field = self._lengths[reader]
        if key not in per_field:
            per_field[key] = np.array(per_field[fieldname], dtype=np.float64)
        return per_field[key]

    def _field_lengths(self, reader, fieldname: str):
        """Decoded lengths of `fieldname` for every document of one segment, or None."""
        try:
            per_field = self._lengths.setdefault(reader, {})
        except TypeError:  # not a weak-referenceable segment reader: score the usual way
            return None
        if fieldname not in per_field:
            per_field[fieldname] = _read_lengths(reader, fieldname)
        return per_field[fieldname]


def _read_lengths(reader, fieldname: str):
    """The list `doc_field_length(docnum, fieldname, 1)` would answer, or None to fall back."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    count = reader.doc_count_all()
    if column is None:
        return [1] * (count + 1)
    raw = _raw_bytes(column)
    if raw is not None:  # one read for the whole column instead of one per document
        lengths = list(map(byte_to_length, raw))
        return lengths + [byte_to_length(0)] * (count - len(lengths)) + [1]
    return [byte_to_length(column[docnum]) for docnum in range(count)] + [1]


def _raw_bytes(column) -> bytes | None:
    """The one-byte-per-document body of a lengths column, when its layout is the known one."""
    try:
        if column._fixedlen != 1:
            return None
        return bytes(column._dbfile.get(column._basepos, column._count))
    except AttributeError:
        return None
