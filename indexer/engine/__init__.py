"""The code that reaches inside Whoosh 2.7.4, kept behind one door.

wrans beats SQLite FTS5 at a million answers by reading Whoosh's posting blocks
and columns directly and by writing builds its own way (docs/performance.md).
That speed rests on names Whoosh does not publish, so every module that uses
them lives here, importing this package refuses any Whoosh but the one they were
written and tested against (`WhooshVersionError`, one line from the CLI), and
nothing outside this package touches them. Upgrading Whoosh means checking each
name below against the new version and running tests/test_matcharrays.py,
test_posting_pool.py, test_building.py and test_search_cached.py, which compare
the results with stock Whoosh bit for bit.

    matcharrays   every match and its score from whole posting blocks
    weighting     BM25F reading each segment's field lengths once
    building      a full build's segments, one process per run
    updating      an update's records written as one or two segments, its postings in memory
    posting_pool  a build's postings sorted in memory
    analysis      `MemoAnalyzer`, each distinct word analysed once
    columns       a segment's whole column read at once; stored fields inflated by ISA-L
    term_ranges   each segment's terms reader remembers where the terms asked for are
    first_ids     a deletions filter that reads no block to learn a term's first document
    _block_reader posting blocks decoded in C (optional: numpy does it where no compiler is)

Private Whoosh names relied on, by module:

- matcharrays: `codec.whoosh3.W3LeafMatcher`'s block state `_data` (the raw
  (ids, weights, values) of a block), `_read_data`, `_read_ids`, `_read_weights`,
  `_read_values`, `_ids`, `_weights`, `_values`, `_i`, `_maxid`, `_byteids`,
  `_blocklength`, `_length` (bytes of postings, sometimes a 1-tuple) and
  `_next_block` (and `_read_data` is replaced, reading `_postfile`, `_dataoffset`,
  `_nextoffset` and `_compression`, to inflate with ISA-L); `ListMatcher._ids`, `_i`,
  `_weights`, `_all_weights`, `_scorer`;
  `FilterMatcher._ids`, `_exclude`; `ConstantScoreWrapperMatcher._score`;
  `ArrayUnionMatcher`'s `_a`, `_offset`, `_limit`, `_docnum`, `_doccount`,
  `_partsize`, `_submatchers`, `_boost` (its parts, as `_read_part` fills them),
  and `Or._matcher`'s choice of `PreloadedOr` (replayed by `_preloads`: 5,000
  documents, `TOO_MANY_CLAUSES`, `needs_current`, `scale`);
  `InverseMatcher.missing` (to drop the deleted document 2.7.4 lets through);
  the segment reader's `_perdoc.deleted_docs()` (`Every` listed with numpy);
  `IntersectionMatcher`, `AndNotMatcher` and `AndMaybeMatcher` built with
  `__new__` and `BiMatcher.__init__` alone (`_unstepped`: their constructors'
  `_find_first` / `_first_b` skipped), and `CompoundQuery._tree_matcher`;
  `BM25FScorer`'s `idf`, `avgfl`, `B`, `K1`; `_Near` and `_near_mask` redo
  `SpanNear2Matcher` (its `ms`, `slop`, `mindist`, `child` and the span logic of
  its `_get_spans`); and the bytes of `formats.Positions.encode` (a 4-byte count,
  then the position deltas pickled with protocol 2: "K", "M" or "J" items), which
  `_positions` reads without unpickling. A `FilterMatcher`'s `_ids` and
  `_exclude` also tell it which documents the filter's constructor stepped its
  leaf past (`_skipped_only_filtered`). Its block reading (`_posting_blocks`,
  `_block_arrays`) also relies on `W3LeafMatcher`'s `_postfile`, `_startoffset`, `_baseoffset`,
  `_nextoffset` and `_compression`, on the postings layout
  `W3PostingsWriter._write_block` writes (per block a 4-byte length, negative for
  the last; the header (count, last id, max weight, compression, shortest and
  longest length bytes) pickled; the data, zlib-compressed), and on the pickle of
  a block's data, (delta codes, weights, values), whose one-byte ints, and
  value strings pickled as short bytes (protocol 3), it reads without unpickling
  (`_plain_values`); the C reader (`_block_reader.c`) reads ints and floats of
  every width and short and long value strings, and hands back any other opcode.
- weighting: `BM25FScorer.dfl` (replaced), the segment reader's `_perdoc`, the
  per-document reader's `_cached_reader`, `codec.whoosh3._lenfield` and
  `LENGTHS_COLUMN`, and a lengths column reader's `_fixedlen`, `_dbfile`,
  `_basepos`, `_count`.
- building: `SegmentWriter._flush_segment` (overridden), `_check_state`,
  `_check_fields`, `_added`, `docnum`, `pool`, `perdocwriter`, `fieldwriter`,
  `per_document_reader`; a build commits by hand with `_close_segment`,
  `_commit_toc` and `_finish`, workers end with `_finalize_segment` and open
  their writers with `_lk=False`; the lengths column as weighting reads it.
- updating: what building relies on, and `SegmentWriter.segments`, `storage`
  and `mergetype` (its own `merge_policy`: a segment it returns neither merged
  nor kept leaves the table of contents); its commit
  redoes `SegmentWriter.commit` (`_check_state`, `_merge_segments`, `_added`,
  `_finalize_segment`, `_close_segment`, `_commit_toc`, `_finish`) to list the
  second process's segment too.
- posting_pool: stands in for `whoosh.writing.PostingPool` (`add`,
  `iter_postings`, `cleanup`); fills `W3PostingsWriter`'s block buffer
  (`_ids`, `_weights`, `_values`, `_maxweight`, `_minlength`, `_maxlength`,
  `_blocklimit`, `_compression`) and calls its `_write_block`, through `fieldwriter._postwriter`;
  a term that fits one block is written without them, as the bytes `_write_block`
  and `W3FieldWriter.finish_term` write: `WHOOSH3_HEADER_MAGIC`, the block's
  pickled info and data, and the terms table row (`W3TermInfo._struct`, then the
  postings' offset and length) added to `fieldwriter._tindex` under `_fieldid`;
  the postings writer's `_postfile`; and `codec.whoosh3.dumps`, the module global
  its writer pickles blocks with, and `W3PostingsWriter._mini_weights`, both
  replaced when posting_pool is imported (by building and updating, so by every
  writer here): protocol 3, not 2, and whole-number weights as ints.
- columns: `VarBytesColumn.Reader`'s `_dbfile`, `_basepos`, `_lengths`;
  `NumericColumn.Reader`'s `_dbfile`, `_basepos`, `_count`, `_doccount`,
  `_typecode`, `_default`; for stored fields, `codec.whoosh3.STORED_COLUMN`'s
  `_child` (its `reader` replaced) and `CompressedBytesColumn.Reader._decompress`.
- term_ranges: `W3TermsReader`'s `_tindex` (`range_for_key`), `_dbfile`,
  `_keycoder`; its `__contains__`, `term_info` and `_range_for_key` are replaced.
- first_ids: `W3TermsReader.matcher` (replaced), its `_codec` and `_postfile`;
  `W3TermInfo._minid`; `FilterMatcher._find_next` (replaced), `_ids`, `_exclude`;
  `W3LeafMatcher`'s `_data`, `_i`, `_dataoffset`, `_byteids`.
- analysis: `CompositeAnalyzer.items`, the tokenizer's compiled `expression`,
  `StopFilter.renumber` and `Token`'s attributes. `MemoAnalyzer` is pickled into
  every index's table of contents under the name `indexer.analysis.MemoAnalyzer`
  (see `indexer/analysis.py`): that module path is part of the on-disk format.

`facets` and `collecting` use only Whoosh's public reader and collector API and
this package's `matcharrays` and `columns` (which reads the columns Whoosh's
public `column_reader` opens).
"""

from __future__ import annotations

import whoosh

from ..errors import WhooshVersionError

WHOOSH_VERSION = (2, 7, 4)


def check_whoosh_version(found=None) -> None:
    """Raise `WhooshVersionError` unless the installed Whoosh is `WHOOSH_VERSION`."""
    found = tuple(whoosh.__version__ if found is None else found)
    if found != WHOOSH_VERSION:
        wanted, got = (".".join(map(str, v)) for v in (WHOOSH_VERSION, found))
        raise WhooshVersionError(
            f"Whoosh {got} is installed, but wrans reads Whoosh's internals and needs "
            f"exactly {wanted}: run `pip install Whoosh=={wanted}`")


check_whoosh_version()
