"""Per-searcher tables: docnum -> small integers, read once when a searcher opens.

Whoosh reads a sortable column value with a seek, a read and a decode per
document; doing that for five facets, the group key and the sort date of every
match was two thirds of a common-word search (docs/performance.md). A searcher's
documents never change, so each column is read once into an `array` and every
search after that counts, collapses, filters and sorts with list lookups.
The tables belong to one searcher (one index generation) and are dropped with it.
"""

from __future__ import annotations

from array import array
from collections import Counter
from functools import cached_property

# Facet name -> the sortable column it counts (the names `/search` shows).
FACET_COLUMNS = {"dept": "dept_facet", "house": "house_facet", "party": "party_facet",
                 "year": "year", "asker": "asker_facet"}
GROUP_COLUMN = "group_key"
GROUP_PREFIX = "group:"  # other keys ("id:123") name one question, so never collapse
DATE_COLUMNS = ("date_answered", "date_tabled")
# Sort key of documents without an answer date: after every dated one, in both orders.
UNDATED = (1 << 63) - 1


class FacetTable:
    """One facet column as ordinals: `values[ordinals[docnum]]`; ordinal 0 is "no value"."""

    def __init__(self, values: list[str], ordinals: array):
        self.values = values
        self.ordinals = ordinals

    def counts(self, docnums) -> list[tuple[str, int]]:
        """Count `docnums` by value, most first then by name, without the empty value."""
        counted = Counter(map(self.ordinals.__getitem__, docnums))
        counted.pop(0, None)
        pairs = [(self.values[o], n) for o, n in counted.items()]
        return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))


class SearcherTables:
    """The arrays one searcher's searches share; each is built on first use."""

    def __init__(self, reader, schema):
        self._reader = reader
        self._schema = schema
        self.doc_count_all = reader.doc_count_all()

    @cached_property
    def facets(self) -> dict[str, FacetTable]:
        """Every facet of FACET_COLUMNS present in the schema."""
        return {name: facet_table(self._reader, column) for name, column in FACET_COLUMNS.items()
                if column in self._schema}

    @cached_property
    def groups(self) -> array | None:
        """docnum -> group number (0: a question of its own), or None without `group_key`."""
        if GROUP_COLUMN not in self._schema:
            return None
        numbers: dict[bytes, int] = {}
        prefix = GROUP_PREFIX.encode()
        out = array("I", bytes(4 * self.doc_count_all))
        for docnum, value in enumerate(_column_values(self._reader, GROUP_COLUMN)):
            if value.startswith(prefix):
                out[docnum] = numbers.setdefault(value, len(numbers) + 1)
        return out

    @cached_property
    def dates(self) -> dict[str, array]:
        """Date column -> its raw sortable integers per docnum (for range checks and sorting)."""
        return {name: array("Q", _numeric_values(self._reader, name)) for name in DATE_COLUMNS
                if name in self._schema}

    @cached_property
    def newest_keys(self) -> array:
        """Sort key per docnum for newest first: dated answers by date descending."""
        return self._date_keys(reverse=True)

    @cached_property
    def oldest_keys(self) -> array:
        """Sort key per docnum for oldest first: dated answers by date ascending."""
        return self._date_keys(reverse=False)

    def _date_keys(self, reverse: bool) -> array:
        """One integer per document so a plain sort reproduces the (dated, date) facets.

        Undated questions ("dated" 0) sort after every dated one in both orders, as
        `MultiFacet([dated desc, date])` does; ties keep docnum order (sorts are stable).
        """
        dates = self.dates.get("date_answered")
        dated = (facet_table(self._reader, "dated") if "dated" in self._schema else None)
        keys = array("q", bytes(8 * self.doc_count_all))
        for docnum in range(self.doc_count_all):
            is_dated = dated.values[dated.ordinals[docnum]] == "1" if dated else True
            value = dates[docnum] >> 1 if dates is not None else 0
            keys[docnum] = (-value if reverse else value) if is_dated else UNDATED
        return keys


def facet_table(reader, column: str) -> FacetTable:
    """Read a sortable text column once into ordinals."""
    values, numbers = [""], {b"": 0}
    ordinals = []
    for value in _column_values(reader, column):
        number = numbers.get(value)
        if number is None:
            number = numbers[value] = len(values)
            values.append(value.decode("utf-8"))
        ordinals.append(number)
    return FacetTable(values, array("H" if len(values) < 1 << 16 else "I", ordinals))


def _column_values(reader, column: str):
    """Every document's raw column value in docnum order, deleted documents included.

    Read segment by segment: a multi-segment reader's own column reader leaves out
    segments without the column, which would shift every later docnum.
    """
    for leaf, _offset in reader.leaf_readers():
        yield from leaf.column_reader(column, translate=False)


_numeric_values = _column_values
