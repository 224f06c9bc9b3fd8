"""Per-searcher tables: docnum -> small integers, read once per segment.

Whoosh reads a sortable column value with a seek, a read and a decode per
document; doing that for five facets, the group key and the sort date of every
match was two thirds of a common-word search (docs/performance.md). A segment's
documents never change, so each column of a segment is read once into an `array`
and kept (`SegmentArrays`) while that segment exists; a searcher's tables are the
concatenation of its segments' arrays, so reopening after a commit that added one
small segment reads only that segment. Deleted documents keep their slots (their
values are never looked at: they never match).
"""

from __future__ import annotations

import threading
from array import array
from functools import cached_property
from operator import itemgetter

import numpy as np

from .engine.columns import byte_values, number_values
from .errors import IndexOutdated
from .schema import (
    CHANGED_COLUMN,
    DATE_COLUMNS,
    DATED_FIELD,
    FACET_COLUMNS,
    GROUP_COLUMN,
    LIFE_COLUMN,
    PROFILE_COLUMNS,
    TAG_FACETS,
)

GROUP_PREFIX = b"group:"  # other keys ("id:123") name one question, so never collapse
# Sort key of documents without an answer date: after every dated one, in both orders.
UNDATED = (1 << 63) - 1
NUMPY_TYPES = {"I": np.uint32, "Q": np.uint64, "q": np.int64}
NO_DATE = (1 << 64) - 1  # what a date column holds for a document without that date
DAY = 86_400_000_000  # a date column counts microseconds since 1 January of year 1


def raw_day(day) -> int:
    """Midnight of `day` as the raw value a date column holds (0 for none)."""
    return (day.toordinal() - 1) * DAY if day else 0


def as_numpy(values: array) -> np.ndarray:
    """A zero-copy numpy view of one of the tables' `array`s."""
    return np.frombuffer(values, dtype=NUMPY_TYPES[values.typecode])


class FacetTable:
    """One facet column as ordinals: `values[ordinals[docnum]]`; ordinal 0 is "no value"."""

    def __init__(self, values: list[str], ordinals: array, numbers: dict[bytes, int] | None = None):
        self.values = values
        self.ordinals = ordinals
        self._numbers = numbers if numbers is not None else {v.encode(): i for i, v in enumerate(values)}

    def ordinals_of(self, values) -> np.ndarray:
        """The ordinals of `values` (those some document holds), for a membership mask."""
        found = [self._numbers.get(v.encode()) for v in values]
        return np.array([o for o in found if o], dtype=np.uint32)

    def counts_of(self, docnums: np.ndarray) -> list[tuple[str, int]]:
        """Count `docnums` by value, most first then by name, without the empty value."""
        counted = np.bincount(as_numpy(self.ordinals)[docnums])
        present = np.flatnonzero(counted)
        values, numbers = self.values, counted[present].tolist()
        # Plain ints, not numpy scalars indexed one by one: a rare word's 5 facets took 180 us, now 110.
        pairs = [(values[o], n) for o, n in zip(present.tolist(), numbers, strict=True) if o]
        pairs.sort(key=itemgetter(0))
        pairs.sort(key=itemgetter(1), reverse=True)  # stable: equal counts stay in name order
        return pairs


class SegmentArrays:
    """Per-segment arrays of one index, kept across searchers; values numbered index-wide.

    Numbers only grow (a value keeps its ordinal for the life of the process), so
    arrays of old and new segments concatenate without renumbering.
    """

    def __init__(self):
        self._values: dict[str, list[str]] = {}
        self._numbers: dict[str, dict[bytes, int]] = {}
        self._arrays: dict[tuple, array] = {}
        self._lock = threading.RLock()  # threads share the numbering; readers nest

    def values(self, column: str) -> list[str]:
        return self._values.setdefault(column, [""])

    def ordinal_of(self, column: str) -> dict[bytes, int]:
        """Stored value (bytes) -> its ordinal, for the values numbered so far."""
        return self._numbers.setdefault(column, {b"": 0})

    def ordinals(self, leaf, column: str, only_prefix: bytes = b"") -> array:
        """docnum -> ordinal of `column` in one segment (0: empty, or not `only_prefix`)."""
        return self._cached(leaf, ("ord", column), lambda: self._read_ordinals(leaf, column, only_prefix))

    def numbers(self, leaf, column: str) -> array:
        """docnum -> the raw unsigned integer of a numeric column in one segment."""
        return self._cached(leaf, ("num", column), lambda: number_values(leaf, column))

    def date_keys(self, leaf, reverse: bool, has_dated: bool) -> array:
        """One integer per document so a plain sort reproduces the (dated, date) facets.

        Undated questions ("dated" 0) sort after every dated one in both orders, as
        `MultiFacet([dated desc, date])` does; ties keep docnum order (sorts are
        stable). Raw dates are unsigned 64-bit; halved they fit a signed key and
        keep their order (they are whole days of microseconds apart).
        """
        def read():
            dates = self.numbers(leaf, "date_answered")
            sign = -1 if reverse else 1
            if not has_dated:
                return array("q", [sign * (v >> 1) for v in dates])
            dated_values = self.values(DATED_FIELD)
            dated = self.ordinals(leaf, DATED_FIELD)
            return array("q", [sign * (v >> 1) if dated_values[o] == "1" else UNDATED
                               for v, o in zip(dates, dated, strict=True)])
        return self._cached(leaf, ("key", reverse, has_dated), read)

    def forget_except(self, leaves) -> None:
        """Drop arrays of segments no searcher uses any more (merged or removed)."""
        keep = {_segment_id(leaf) for leaf, _ in leaves}
        with self._lock:
            for key in [k for k in self._arrays if k[0] not in keep]:
                del self._arrays[key]

    def _cached(self, leaf, what: tuple, read) -> array:
        key = (_segment_id(leaf), *what)
        with self._lock:
            found = self._arrays.get(key)
            if found is None or len(found) != leaf.doc_count_all():
                found = self._arrays[key] = read()
            return found

    def _read_ordinals(self, leaf, column: str, only_prefix: bytes) -> array:
        values = self.values(column)
        numbers = self.ordinal_of(column)
        out = array("I")
        for value in byte_values(leaf, column):
            number = numbers.get(value)
            if number is None:
                if not value.startswith(only_prefix):
                    number = 0
                else:
                    number = numbers[value] = len(values)
                    values.append(value.decode("utf-8"))
            out.append(number)
        return out


class SearcherTables:
    """The arrays one searcher's searches share; each is built on first use."""

    def __init__(self, reader, schema, segments: SegmentArrays | None = None):
        self._reader = reader
        self._tables: dict[str, FacetTable] = {}
        self._leaves = list(reader.leaf_readers())
        self._schema = schema
        self._segments = segments or SegmentArrays()
        self._segments.forget_except(self._leaves)
        self.doc_count_all = reader.doc_count_all()

    def warm(self, sort: str, facets, date_checks) -> None:
        """Build what a search will read, so the build is not timed as part of the search."""
        self.groups  # noqa: B018 - a cached property, read for its side effect
        if date_checks or sort != "relevance":
            self.dates  # noqa: B018
        if sort in ("slowest", "most_overdue"):
            self.slowest_keys if sort == "slowest" else self.life  # noqa: B018
        if sort == "newest":
            self.newest_keys  # noqa: B018
        elif sort == "oldest":
            self.oldest_keys  # noqa: B018
        if facets:
            self.facets  # noqa: B018
            self.tags  # noqa: B018

    @cached_property
    def tags(self) -> dict[str, dict[str, np.ndarray]]:
        """Per multi-valued facet (`TAG_FACETS`) in the schema: value -> a docnum mask of it.

        A document may hold several values, so these are counted from each value's
        postings (a handful of values), not from a one-value column.
        """
        tags = {}
        for name, field_name in TAG_FACETS.items():
            if field_name not in self._schema:
                continue
            tags[name] = {}
            for term in self._reader.lexicon(field_name):
                mask = np.zeros(self.doc_count_all, dtype=bool)
                mask[list(self._reader.postings(field_name, term).all_ids())] = True
                tags[name][term.decode("utf-8") if isinstance(term, bytes) else term] = mask
        return tags

    def tag_counts(self, name: str, docnums: np.ndarray) -> list[tuple[str, int]]:
        """Count `docnums` per value of multi-valued facet `name`, most first then by name."""
        pairs = [(value, int(mask[docnums].sum())) for value, mask in self.tags.get(name, {}).items()]
        return sorted([p for p in pairs if p[1]], key=lambda kv: (-kv[1], kv[0]))

    @cached_property
    def facets(self) -> dict[str, FacetTable]:
        """Every facet of FACET_COLUMNS present in the schema."""
        return {name: table for name in FACET_COLUMNS if (table := self.facet_table(name)) is not None}

    def facet_table(self, name: str) -> FacetTable | None:
        """One facet's table, search facets and page-only ones (`PROFILE_COLUMNS`) alike; None if absent.

        Page-only columns (month answered, asker key) are never counted for a plain
        search; `SearchIndex.warm` reads them as a worker starts.
        """
        column = FACET_COLUMNS.get(name) or PROFILE_COLUMNS.get(name)
        if column is None or column not in self._schema:
            return None
        if name not in self._tables:
            self._tables[name] = FacetTable(self._segments.values(column), self._joined_ordinals(column),
                                            self._segments.ordinal_of(column))
        return self._tables[name]

    @cached_property
    def groups(self) -> array | None:
        """docnum -> group number (0: a question of its own), or None without `group_key`."""
        if GROUP_COLUMN not in self._schema:
            return None
        return self._joined_ordinals(GROUP_COLUMN, GROUP_PREFIX)

    @cached_property
    def dates(self) -> dict[str, array]:
        """Date column -> its raw sortable integers per docnum (for range checks and sorting)."""
        return {name: self._joined(lambda leaf, name=name: self._segments.numbers(leaf, name), "Q")
                for name in (*DATE_COLUMNS, CHANGED_COLUMN) if name in self._schema}

    @cached_property
    def newest_keys(self) -> array:
        """Sort key per docnum for newest first: dated answers by date descending."""
        return self._date_keys(reverse=True)

    @cached_property
    def oldest_keys(self) -> array:
        """Sort key per docnum for oldest first: dated answers by date ascending."""
        return self._date_keys(reverse=False)

    @cached_property
    def life(self) -> dict[str, np.ndarray]:
        """Boolean masks per docnum from `LIFE_COLUMN`: answered, awaiting, withdrawn, namedday."""
        if LIFE_COLUMN not in self._schema:
            raise IndexOutdated("Timeliness, sort=slowest and sort=most_overdue")
        ordinals = as_numpy(self._joined_ordinals(LIFE_COLUMN))
        values = self._segments.values(LIFE_COLUMN)
        masks = {}
        for word in ("answered", "awaiting", "withdrawn", "namedday"):
            chosen = [o for o, value in enumerate(values) if word in value.split()]
            masks[word] = np.isin(ordinals, np.array(chosen, dtype=np.uint32))
        return masks

    @cached_property
    def live(self) -> np.ndarray:
        """docnum -> True unless deleted (tables keep deleted documents' slots)."""
        out = np.ones(self.doc_count_all, dtype=bool)
        for leaf, offset in self._leaves:
            if leaf.has_deletions():
                out[offset + np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)] = False
        return out

    @cached_property
    def slowest_keys(self) -> np.ndarray:
        """Sort key for slowest first: most days from tabling to a substantive answer; the rest last."""
        tabled, answered = (as_numpy(self.dates[c]) for c in ("date_tabled", "date_answered"))
        known = self.life["answered"] & (tabled != NO_DATE) & (answered != NO_DATE)
        keys = np.full(self.doc_count_all, UNDATED, dtype=np.int64)
        keys[known] = tabled[known].astype(np.int64) - answered[known].astype(np.int64)
        return keys

    def most_overdue_keys(self, today_raw: int) -> np.ndarray:
        """Sort key for most overdue first: awaiting and due before `today_raw`, earliest due first."""
        due = as_numpy(self.dates["date_due"])
        overdue = self.life["awaiting"] & (due < today_raw)
        keys = np.full(self.doc_count_all, UNDATED, dtype=np.int64)
        keys[overdue] = due[overdue].astype(np.int64)
        return keys

    def sort_keys(self, sort: str, today_raw: int) -> np.ndarray:
        """The key array a non-relevance sort orders by (smallest first, ties in docnum order)."""
        if sort == "slowest":
            return self.slowest_keys
        if sort == "most_overdue":
            return self.most_overdue_keys(today_raw)
        return as_numpy(self.newest_keys if sort == "newest" else self.oldest_keys)

    def _joined_ordinals(self, column: str, only_prefix: bytes = b"") -> array:
        return self._joined(lambda leaf: self._segments.ordinals(leaf, column, only_prefix), "I")

    def _joined(self, per_segment, typecode: str) -> array:
        out = array(typecode)
        for leaf, _offset in self._leaves:
            out.extend(per_segment(leaf))
        return out

    def _date_keys(self, reverse: bool) -> array:
        """Sort keys per docnum, joined from per-segment keys (`SegmentArrays.date_keys`)."""
        if "date_answered" not in self._schema:
            return array("q", bytes(8 * self.doc_count_all))  # nothing to sort by: docnum order
        has_dated = DATED_FIELD in self._schema
        return self._joined(lambda leaf: self._segments.date_keys(leaf, reverse, has_dated), "q")


def _segment_id(leaf) -> str:
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    return segment.segment_id() if segment is not None else str(id(leaf))

