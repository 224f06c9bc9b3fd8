"""Each segment's terms reader remembers where the terms it was asked for are.

A search looks each of its terms up several times per segment: whether the
segment has it, its document frequency (for the idf), its term info (to open the
matcher), again for each ranking clause and each field that holds it. Every
lookup is an MD5 hash and a probe of the segment's on-disk hash table, 3-4 us;
a two-word search at 100k answers made about 430 of them for some 60 distinct
(segment, field, term) keys. A segment never changes once written, so the
answer to "where is this key's row" is kept in a dict per terms reader, bounded
by MAX_REMEMBERED: later lookups of a key, in the same search or the next, are
one dict probe. What each method returns or raises is Whoosh's own.

Private Whoosh names relied on: `W3TermsReader`'s `_tindex` (an
`OrderedHashReader`: `range_for_key`, raising KeyError for a key it lacks),
`_dbfile`, `_keycoder`, and its methods `__contains__`, `term_info`,
`_range_for_key` (which `frequency` and `doc_frequency` call), replaced here.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3TermInfo, W3TermsReader
from whoosh.reading import TermNotFound

STOCK = {name: getattr(W3TermsReader, name) for name in ("__contains__", "term_info", "_range_for_key")}

MAX_REMEMBERED = 50_000  # keys per terms reader (a few MB) before it starts again
_ABSENT = None  # remembered for a key the segment does not hold


def _remembered_range(reader: W3TermsReader, key: bytes) -> tuple[int, int] | None:
    """(data position, length) of `key`'s row in the terms table, or None when absent."""
    ranges = reader.__dict__.get("_wrans_ranges")
    if ranges is None:
        ranges = reader._wrans_ranges = {}
    try:
        return ranges[key]
    except KeyError:
        pass
    try:
        found = reader._tindex.range_for_key(key)
    except KeyError:
        found = _ABSENT
    if len(ranges) >= MAX_REMEMBERED:
        ranges.clear()
    ranges[key] = found
    return found


def _contains(self: W3TermsReader, term) -> bool:
    return _remembered_range(self, self._keycoder(*term)) is not None


def _term_info(self: W3TermsReader, fieldname: str, tbytes: bytes) -> W3TermInfo:
    found = _remembered_range(self, self._keycoder(fieldname, tbytes))
    if found is None:
        raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
    return W3TermInfo.from_bytes(self._dbfile.get(*found))


def _range_for_key(self: W3TermsReader, fieldname: str, tbytes: bytes) -> tuple[int, int]:
    key = self._keycoder(fieldname, tbytes)
    found = _remembered_range(self, key)
    if found is None:
        raise KeyError(key)
    return found


def remember_term_ranges() -> None:
    """Make every `W3TermsReader` remember its lookups (see above)."""
    W3TermsReader.__contains__ = _contains
    W3TermsReader.term_info = _term_info
    W3TermsReader._range_for_key = _range_for_key


remember_term_ranges()
