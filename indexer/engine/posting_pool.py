"""A build's postings gathered per term in memory, then written in term order.

Whoosh's `PostingPool` keeps one tuple per posting, spills a sorted run to disk
each time it passes `limitmb` and merges the runs back when the segment is
flushed: an external sort, in Python, of every posting. At a million answers
that was ~38 GB of runs and most of the build's time (docs/performance.md).

A build writer adds documents in number order, so each term's postings arrive
already sorted: appending them to that term's compact arrays is the whole sort.
At flush the terms are written in field and term order, each in blocks of the
codec's size handed whole to Whoosh's own posting writer, so the bytes on disk
are the ones the stock writer writes (tests/test_posting_pool.py compares them).
The price is memory: 8 bytes a posting plus its value (4 bytes, or `exact`'s
positions), about 10 KB an answer, held until the segment is written (a build's
runs are sized for it: `building.MAX_RUN`).
"""

from __future__ import annotations

from array import array


class InMemoryPostingPool:
    """Stands in for Whoosh's `PostingPool` in a writer that adds documents in order."""

    def __init__(self, schema):
        self._schema = schema
        self._fields: dict[str, dict[bytes, tuple]] = {}
        self._value_size: dict[str, int | None] = {}

    def add(self, item) -> None:
        """Append one (fieldname, term bytes, docnum, weight, value bytes) posting."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_terms(fieldname, docnum, [(tbytes, 0, weight, vbytes)])

    def add_terms(self, fieldname: str, docnum: int, items) -> int:
        """Append a document's (term bytes, frequency, weight, value bytes) postings in a field.

        Returns the sum of the frequencies: the field's length for that document.
        A term's entry is (docnums, weights, value bytes, value ends): weights are
        floats (doubles from a term's first weight a float cannot hold), and a
        fixed-size format keeps no ends, a format without values no bytes.
        """
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._start_field(fieldname)
        size = self._value_size[fieldname]
        length = 0
        for tbytes, freq, weight, vbytes in items:
            length += freq
            entry = terms.get(tbytes)
            if entry is None:
                entry = terms[tbytes] = _new_entry(size)
            ids, weights, values, ends = entry
            ids.append(docnum)
            weights.append(weight)
            if weights[-1] != weight:
                terms[tbytes] = _widen_weights(entry, weight)
            if values is not None:
                values += vbytes
                if ends is not None:
                    ends.append(len(values))
        return length

    def _start_field(self, fieldname: str) -> dict:
        self._value_size[fieldname] = self._schema[fieldname].format.fixed_value_size()
        terms = self._fields[fieldname] = {}
        return terms

    def write(self, fieldwriter, lengths, raw_below: int = 0) -> None:
        """Write every term's postings through `fieldwriter`, releasing each field as it goes.

        `lengths(fieldname)` gives the field's length per document (None where
        Whoosh's length column would), or None for a field without lengths.
        Blocks of fewer than `raw_below` postings are written uncompressed (see
        `updating`); 0, a build's choice, compresses every block as Whoosh does.
        """
        for fieldname in sorted(self._fields):
            terms = self._fields.pop(fieldname)
            fieldwriter.start_field(fieldname, self._schema[fieldname])
            field_lengths, value_size = lengths(fieldname), self._value_size[fieldname]
            for tbytes in sorted(terms):
                fieldwriter.start_term(tbytes)
                _write_blocks(fieldwriter._postwriter, terms.pop(tbytes), field_lengths, value_size,
                              raw_below)
                fieldwriter.finish_term()
            fieldwriter.finish_field()

    def iter_postings(self):
        raise NotImplementedError("postings are written with write()")

    def cleanup(self) -> None:
        self._fields.clear()


def _new_entry(value_size: int | None) -> tuple:
    values = None if value_size == 0 else bytearray()
    ends = array("I") if value_size is None or value_size < 0 else None
    return array("I"), array("f"), values, ends


def _widen_weights(entry: tuple, weight: float) -> tuple:
    ids, weights, values, ends = entry
    wide = array("d", weights[:-1])
    wide.append(weight)
    return ids, wide, values, ends


def _write_blocks(postwriter, entry: tuple, lengths: list | None, value_size: int | None,
                  raw_below: int = 0) -> None:
    """Fill the posting writer's block buffer a block at a time, as its add_posting would."""
    ids, weights, values, ends = entry
    size, count = postwriter._blocklimit, len(ids)
    level = postwriter._compression
    if ends is None and values is not None and len(values) != count * value_size:
        raise ValueError(f"values of a {value_size}-byte format are {len(values)} bytes "
                         f"for {count} postings")
    for start in range(0, count, size):
        end = min(start + size, count)
        block_ids = ids[start:end]
        block_weights = weights[start:end]
        postwriter._ids = block_ids
        postwriter._weights = array("f", block_weights)
        heaviest = max(block_weights)
        postwriter._maxweight = heaviest if heaviest > 0 else 0
        postwriter._values = _block_values(values, ends, start, end, value_size)
        if lengths is not None:
            known = [n for n in map(lengths.__getitem__, block_ids) if n]
            if known:
                postwriter._minlength, postwriter._maxlength = min(known), max(known)
        # Each block records its own compression level, and readers decompress by it.
        postwriter._compression = 0 if end - start < raw_below else level
        postwriter._write_block(last=end == count)
    postwriter._compression = level


def _block_values(values: bytearray | None, ends: array | None, start: int, end: int,
                  value_size: int | None) -> list[bytes]:
    """The non-empty value strings of postings start..end, in order.

    A fixed-size format's block stores them joined, so one slice stands for them all.
    """
    if not values:
        return []
    if ends is None:
        return [bytes(values[start * value_size:end * value_size])]
    first = ends[start - 1] if start else 0
    spans = zip([first, *ends[start:end - 1]], ends[start:end], strict=True)
    return [bytes(values[a:b]) for a, b in spans if b > a]
