"""A build's postings gathered per term in memory, then written in term order.

Whoosh's `PostingPool` keeps one tuple per posting, spills a sorted run to disk
each time it passes `limitmb` and merges the runs back when the segment is
flushed: an external sort, in Python, of every posting. At a million answers
that was ~38 GB of runs and most of the build's time (docs/performance.md).

A build writer adds documents in number order, so each term's postings arrive
already sorted: appending them to that term's compact arrays is the whole sort.
At flush the terms are written in field and term order, each in blocks of the
codec's size handed whole to Whoosh's own posting writer, or, for the many terms
that fit one block, encoded here in one go (`_OneBlockTerms`); either way the
bytes on disk are the ones the stock writer writes (tests/test_posting_pool.py
compares them).
Blocks are written compact (`use_compact_blocks`), by this module and, from its
import on, by Whoosh's own writer too (an update's merges, stock writers), in
two ways Whoosh 2.7.4's reader takes as it is (any Whoosh on Python 3 reads both):
- pickled with protocol 3, not 2. Protocol 2 pickles each position string of
  `exact` as a call to `_codecs.encode` on a latin-1 text: at 100k answers a
  block of "many" took 43 us to unpickle and 1,818 bytes compressed; at
  protocol 3, 7 us and 1,000 bytes, and a quarter of the time to pickle.
- weights that are whole numbers (term counts, nearly all of them) as ints: a
  float is 9 bytes of pickle, a small int 2. On a 20k index a positionless
  block went from 10.3 to 6.9 us to decompress and unpickle, 315 to 258 bytes.
  Whoosh hands the weight to BM25F as it is read, and an int scores exactly as
  the float of the same value (`tf * (K1 + 1)` and `tf + ...` convert it first).
- deflated with fixed Huffman codes (`block_compress`), not codes of their own:
  a block is some 1.7 KB inflated, and building its own code tables was most of
  inflating it. On 6,092 real blocks of the 1M index, ISA-L inflated them in 2.5
  us against 4.5, for 13 % more bytes; compressing costs the same.
A positionless twin of a positions field (`twin`: wrans's `exact_words` of `exact`)
is not added at all: its postings are the source's ids and weights, made at write
time, in the bytes adding them would give.
The price is memory: 8 bytes a posting plus its value (4 bytes, or `exact`'s
positions), about 10 KB an answer, held until the segment is written (a build's
runs are sized for it: `building.MAX_RUN`).
"""

from __future__ import annotations

import sys
import zlib
from array import array
from functools import partial
from pickle import dumps
from types import SimpleNamespace

from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.util.numlists import delta_encode

BLOCK_PROTOCOL = 3  # the lowest protocol that pickles bytes as bytes


def block_dumps(obj, protocol: int = BLOCK_PROTOCOL) -> bytes:
    """Pickle a posting block's info or data (or inlined postings) at `BLOCK_PROTOCOL` or above."""
    return dumps(obj, max(protocol, BLOCK_PROTOCOL))


def block_compress(data: bytes, level: int) -> bytes:
    """`zlib.compress(data, level)` with fixed Huffman codes (`zlib.Z_FIXED`): any zlib
    inflates it, faster than a stream with code tables of its own (see above)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, zlib.Z_FIXED)
    return packer.compress(data) + packer.flush()


def compact_weights(weights):
    """A block's minified weights (None, one float, or a tuple of floats) with a tuple
    of whole numbers as ints."""
    if type(weights) is tuple and all(w.is_integer() for w in weights):
        return tuple(map(int, weights))
    return weights


_stock_mini_weights = whoosh3.W3PostingsWriter._mini_weights


def _compact_mini_weights(postwriter):
    return compact_weights(_stock_mini_weights(postwriter))


def use_compact_blocks() -> None:
    """Make Whoosh's postings writer write blocks as this module does (see above).

    `whoosh.codec.whoosh3` calls its module's `dumps` for exactly three things, a
    block's data, its info and a term's inlined postings, each with protocol 2;
    `W3PostingsWriter._mini_weights` gives a block's weights as floats; and its
    module's `zlib.compress` is called for a block's data only (`_write_block`).
    """
    whoosh3.dumps = block_dumps
    whoosh3.zlib = SimpleNamespace(compress=block_compress, decompress=zlib.decompress)
    whoosh3.W3PostingsWriter._mini_weights = _compact_mini_weights


use_compact_blocks()


class InMemoryPostingPool:
    """Stands in for Whoosh's `PostingPool` in a writer that adds documents in order."""

    def __init__(self, schema):
        self._schema = schema
        self._fields: dict[str, dict[bytes, tuple]] = {}
        self._value_size: dict[str, int | None] = {}
        self._twins: dict[str, str] = {}  # twin field -> the field whose postings it copies

    def add(self, item) -> None:
        """Append one (fieldname, term bytes, docnum, weight, value bytes) posting."""
        fieldname, tbytes, docnum, weight, vbytes = item
        if fieldname in self._twins:
            raise ValueError(f"{fieldname} is written as {self._twins[fieldname]}'s twin: untwin it first")
        self.add_terms(fieldname, docnum, [(tbytes, 0, weight, vbytes)])

    def twin(self, fieldname: str, source: str) -> None:
        """Write `fieldname`'s postings as `source`'s, their values each posting's count.

        For a positionless field whose every document has the same terms and counts
        as `source`'s (`building.twin_fields`): the writer then adds nothing for it,
        and its postings are made at write time from `source`'s ids and weights.
        """
        if fieldname <= source or fieldname in self._fields:
            raise ValueError(f"{fieldname} must sort after {source} and have no postings yet")
        self._start_field(fieldname)
        self._twins[fieldname] = source

    def untwin(self, fieldname: str, before: int) -> None:
        """Give a twin its own postings from document `before` on, copying its source's before it."""
        source = self._twins.pop(fieldname, None)
        if source is not None:
            terms = self._fields[fieldname]
            for tbytes, entry in self._fields.get(source, {}).items():
                kept = len(entry[0]) - (entry[0][-1] >= before)  # documents come in order
                if kept:
                    terms[tbytes] = _twin_entry(entry, kept)

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
        kept: dict[str, dict] = {}  # a source's terms, kept for its twin (which sorts after it)
        sources = set(self._twins.values())
        for fieldname in sorted(self._fields):
            terms = self._fields.pop(fieldname)
            entry_of = terms.pop
            if fieldname in self._twins:
                terms = kept.pop(self._twins[fieldname], {})
                entry_of = partial(_popped_twin_entry, terms)
            elif fieldname in sources:
                kept[fieldname] = terms
                entry_of = terms.get
            if not terms:  # as Whoosh's writer, no field without postings
                continue
            fieldwriter.start_field(fieldname, self._schema[fieldname])
            field_lengths, value_size = lengths(fieldname), self._value_size[fieldname]
            one_block = _OneBlockTerms(fieldwriter, field_lengths, value_size, raw_below)
            for tbytes in sorted(terms):
                entry = entry_of(tbytes)
                if len(entry[0]) <= one_block.limit:
                    one_block.write(tbytes, entry)
                    continue
                fieldwriter.start_term(tbytes)
                _write_blocks(fieldwriter._postwriter, entry, field_lengths, value_size, raw_below)
                fieldwriter.finish_term()
            fieldwriter.finish_field()

    def iter_postings(self):
        raise NotImplementedError("postings are written with write()")

    def cleanup(self) -> None:
        self._fields.clear()


def _twin_entry(entry: tuple, count: int | None = None) -> tuple:
    """A twin's entry from its source's: the same ids and weights, each value the posting's count.

    The weights are the counts (`building.twin_fields` takes unboosted fields only),
    and Whoosh's `Frequency` format stores a count as `pack_uint`, a big-endian uint.
    With `count`, a copy of the first `count` postings, the source's left as they are.
    """
    ids, weights, _values, _ends = entry
    if count is not None:
        ids, weights = ids[:count], weights[:count]
    counts = array("I", map(int, weights))
    if sys.byteorder == "little":
        counts.byteswap()
    return ids, weights, bytearray(counts.tobytes()), None


def _popped_twin_entry(terms: dict, tbytes: bytes) -> tuple:
    return _twin_entry(terms.pop(tbytes))


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
            postwriter._minlength, postwriter._maxlength = _length_range(lengths, block_ids)
        # Each block records its own compression level, and readers decompress by it.
        postwriter._compression = 0 if end - start < raw_below else level
        postwriter._write_block(last=end == count)
    postwriter._compression = level


class _OneBlockTerms:
    """Writes a term whose postings fit one block, as start_term, _write_blocks and
    finish_term would, without their per-posting and per-call bookkeeping.

    Most terms of a segment are short (an update's 500 answers have ~65,000 terms,
    most with one posting), and the stock calls cost ~20 us a term. The bytes are
    the ones `W3PostingsWriter._write_block` and `W3FieldWriter.finish_term` write:
    the postings (the header, the block's info and its pickled data) and the terms
    table's row (`W3TermInfo.to_bytes` of a term not inlined).
    """

    def __init__(self, fieldwriter, lengths: list | None, value_size: int | None, raw_below: int):
        postwriter = fieldwriter._postwriter
        self.limit = postwriter._blocklimit
        self.postfile, self.level = postwriter._postfile, postwriter._compression
        self.tindex, self.field_key = fieldwriter._tindex, pack_ushort(fieldwriter._fieldid)
        self.lengths, self.value_size, self.raw_below = lengths, value_size, raw_below

    def write(self, tbytes: bytes, entry: tuple) -> None:
        ids, weights, values, ends = entry
        count, postfile = len(ids), self.postfile
        if count == 1:
            weight_sum, mini_weights, maxweight, minlength, maxlength, mini_values = self._one(entry)
        else:
            weight_sum, mini_weights, maxweight, minlength, maxlength, mini_values = self._many(entry)
        data = block_dumps((tuple(delta_encode(ids)), mini_weights, mini_values))
        level = 0 if count < self.raw_below else self.level
        if level:
            data = block_compress(data, level)
        last, min_byte, max_byte = ids[-1], length_to_byte(minlength), length_to_byte(maxlength)
        info = block_dumps((count, last, maxweight, level, min_byte, max_byte))
        postings = WHOOSH3_HEADER_MAGIC + pack_int(-(len(info) + len(data))) + info + data
        start = postfile.tell()
        postfile.write(postings)
        row = W3TermInfo._struct.pack(False, weight_sum, count, min_byte, max_byte,
                                      maxweight, ids[0], last)
        self.tindex.add(self.field_key + tbytes, row + pack_long(start) + pack_int(len(postings)))

    def _many(self, entry: tuple) -> tuple:
        """(weight sum, minified weights, max weight, min and max length, minified values)."""
        ids, weights, values, ends = entry
        stored = array("f", weights)  # the block holds float32s, as add_posting's array does
        heaviest = max(weights)
        minlength, maxlength = _length_range(self.lengths, ids) if self.lengths is not None else (None, 0)
        if all(w == 1.0 for w in stored):
            mini_weights = None
        elif all(w == stored[0] for w in stored):
            mini_weights = stored[0]
        else:
            mini_weights = compact_weights(tuple(stored))
        block_values = _block_values(values, ends, 0, len(ids), self.value_size)
        if self.value_size is None or self.value_size < 0:
            mini_values = tuple(block_values)
        else:
            mini_values = None if self.value_size == 0 else b"".join(block_values)
        return (0 + sum(stored), mini_weights, heaviest if heaviest > 0 else 0, minlength, maxlength,
                mini_values)

    def _one(self, entry: tuple) -> tuple:
        """`_many` for a term with one posting, most of an update's terms."""
        ids, weights, values, _ends = entry
        heaviest = weights[0]
        stored = heaviest if weights.typecode == "f" else array("f", weights)[0]
        length = self.lengths[ids[0]] if self.lengths is not None else None
        size = self.value_size
        if size is None or size < 0:
            mini_values = (bytes(values),) if values else ()
        else:
            mini_values = None if size == 0 else bytes(values or b"")
        return (0 + stored, None if stored == 1.0 else stored, heaviest if heaviest > 0 else 0,
                length or None, length or 0, mini_values)


def _length_range(lengths: list, ids) -> tuple[int | None, int]:
    """The shortest and longest known field length of `ids`, or (None, 0) as a fresh block has."""
    known = [n for n in map(lengths.__getitem__, ids) if n]
    return (min(known), max(known)) if known else (None, 0)


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
