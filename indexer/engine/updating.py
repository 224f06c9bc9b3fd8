"""An update's records written as one or two new segments, with the build's pool.

Upserting 500 changed answers costs ~3 s of Python at any corpus size: about
half reading, normalising and analysing the records, half writing the new
segment's ~65,000 terms at commit. From SPLIT_MIN records, with a second core,
a forked process writes the second half of them as a segment of its own
(`SecondSegment`, as a rebuild's workers write their runs) while the parent
writes the first half into its writer's segment; the parent then deletes the
old versions of every id either wrote and commits both segments in one table
of contents (`UpdateSegmentWriter.commit_with`). When that commit merges no
small segment in, the parent writes its segment while the second process is still
finishing (`flush_early`). Analysis and the postings' write both run on both
cores. (Workers that only analysed, feeding one writer, left the commit's second
on one core: 500 answers at 1M took 2.8-3.2 s; now 2.3 s, docs/performance.md.)

The postings go to the build's in-memory pool, which needs each term's postings
in document order. An update's writer adds its own documents first, then at
commit the merge policy (`merge_policy`) may copy small segments in after
them, each in document order, so that holds; but a merge may also be large, and
the in-memory pool holds ~10 KB an answer. So the writer asks the policy, before
the first document, how many documents it would merge (`docs_merged_at_commit`),
and keeps Whoosh's spilling pool when the total would pass MAX_IN_MEMORY. The
second segment merges nothing, and is written only when its half fits in memory.

Every update adds a segment or two, and a search pays a fixed cost per segment
(its terms looked up, its matchers built: a rare word's search at 1M answers took
6.4 ms over 6 segments, 7.4 over 12). Whoosh's own policy (`MERGE_SMALL`) merges
only segments of a few documents, so daily updates of a few hundred answers
would pile up hundreds; and a segment whose documents have all been replaced
stays listed, searched for nothing. `merge_policy` drops those, and merges the
small segments of one size tier (a power of ten) once there are MERGE_FANOUT of
them, so their number grows with the logarithm of what updates add, each
document is copied a few times at most, and a rebuild's large segments are never
merged by an update.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from whoosh.reading import SegmentReader

from .building import BuildSegmentWriter, FastSegmentWriter, _die_with_parent, _write_run, plain_schema
from .posting_pool import InMemoryPostingPool

SPLIT_MIN = 200  # records from which a second process writes half of them: below, a fork costs more
MAX_IN_MEMORY = 50_000  # documents an update's in-memory pool may hold (~10 KB each)
# An update's segment is mostly terms with a few postings: zlib makes their small
# blocks little smaller and cost a fifth of the commit, so blocks this small stay
# raw (500 answers: postings 7.4 -> 7.8 MB, ~0.1 s less of the commit's ~1 s).
RAW_BELOW = 16
MERGE_FANOUT = 5  # segments of one size tier that an update's commit merges into its own
MERGE_BELOW = 50_000  # documents: a segment this large is never merged by an update


def split_records(paths: Sequence[Path], procs: int) -> tuple[list[Path], list[Path]]:
    """The records the parent writes and those a second process writes (none: one process)."""
    paths = list(paths)
    if procs < 2 or len(paths) < SPLIT_MIN or len(paths) // 2 > MAX_IN_MEMORY:
        return paths, []
    half = (len(paths) + 1) // 2
    return paths[:half], paths[half:]


class SecondSegment:
    """Records written as a new segment by a forked process while the parent writes its own.

    A context manager: leaving it stops the process, whether or not it finished.
    The process ends with its parent (`building._die_with_parent`), so an update
    killed with -9 leaves nothing running; the segment it may have written is in
    no table of contents, and the next commit deletes its files.
    """

    def __init__(self, ix, paths: Sequence[Path], to_document: Callable[[Path], dict | None],
                 id_field: str, writer_options: dict):
        self._pool = self._pending = None
        self.segments: list = []
        self.ids: list[str] = []
        if paths:
            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(1, initializer=_die_with_parent, initargs=(os.getpid(),))
            self._pending = self._pool.apply_async(
                _write_second, (ix.storage.folder, list(paths), to_document, id_field, writer_options))

    def wait(self) -> None:
        """Wait for the segment; set `segments` (it, or none when every record was skipped) and `ids`."""
        if self._pending is not None:
            segment, self.ids = self._pending.get()
            self.segments = [segment] if segment is not None else []

    def __enter__(self) -> SecondSegment:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


def _write_second(folder: str, paths: list[Path], to_document, id_field: str, writer_options: dict):
    """In the forked process: write `paths` as one segment; (segment or None, the ids written)."""
    ids: list[str] = []

    def document(path: Path) -> dict | None:
        doc = to_document(path)
        if doc is not None:
            ids.append(doc[id_field])
        return doc

    segment, _indexed, _skipped = _write_run(folder, paths, document, writer_options, lambda _n: None,
                                             _SecondSegmentWriter)
    return segment, ids


class _SecondSegmentWriter(BuildSegmentWriter):
    """A build's writer whose small blocks stay raw, as the update's own writer's do."""

    raw_below = RAW_BELOW


class UpdateSegmentWriter(BuildSegmentWriter):
    """An update's writer: its postings in memory unless the commit's merge is large."""

    raw_below = RAW_BELOW

    def __init__(self, ix, expected_docs: int, **options):
        FastSegmentWriter.__init__(self, ix, **options)
        self.mergetype = merge_policy
        self._plain_schema = plain_schema(self.schema)
        self._merged_at_commit = docs_merged_at_commit(self)
        self._flushed: list | None = None  # this writer's segment once `flush_early` wrote it
        self.in_memory = expected_docs + self._merged_at_commit <= MAX_IN_MEMORY
        if self.in_memory:
            self.pool = InMemoryPostingPool(self.schema)

    def flush_early(self) -> bool:
        """Write this writer's segment now, while the second process finishes its own.

        Only when the commit will merge no segment in: a merge copies every
        document it finds, so it must come after the second's old versions are
        deleted, which is once the second is done. Returns whether it wrote.
        """
        if self._merged_at_commit:
            return False
        self._check_state()
        if self._added:
            self._flushed = [self._finalize_segment()]
        else:
            self._close_segment()
            self._flushed = []
        return True

    def _add_terms(self, fieldname: str, docnum: int, items) -> int:
        if self.in_memory:
            return super()._add_terms(fieldname, docnum, items)
        add, length = self.pool.add, 0
        for tbytes, freq, weight, vbytes in items:
            length += freq
            add((fieldname, tbytes, docnum, weight, vbytes))
        return length

    def _write_postings(self, lengths) -> None:
        if self.in_memory:
            return super()._write_postings(lengths)
        return FastSegmentWriter._write_postings(self, lengths)

    def commit_with(self, segments: list) -> None:
        """`commit()`, listing `segments` (written beside this writer) after its own.

        As `SegmentWriter.commit`: merge what the policy (`merge_policy`) picks,
        flush this writer's segment if it has documents, write the table of
        contents (which deletes the files of segments no longer listed).
        """
        self._check_state()
        final = self._merge_segments(None, None, None)  # after `flush_early`, merges nothing
        if self._flushed is not None:
            final += self._flushed
        elif self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(final + list(segments))
        self._finish()


def merge_policy(writer, segments: list) -> list:
    """The merge policy of an update's commit (a Whoosh `mergetype`): copy the
    segments `merge_plan` picks into `writer`'s own; return those kept as they are."""
    merged, kept = merge_plan(segments)
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return kept


def merge_plan(segments: list) -> tuple[list, list]:
    """The segments to merge, and those to keep, of `segments`; the rest are dropped.

    A segment with no live document is dropped (nothing to copy). The others of
    under MERGE_BELOW documents are grouped into tiers by the power of ten of
    their size; from the smallest tier up, a tier is merged while it holds
    MERGE_FANOUT segments, counting the one the tiers below merge into when its
    size falls in that tier. Sizes count deleted documents too, so the plan made
    at commit merges no segment the plan made when the writer opened did not:
    deletions done between can only drop segments from it.
    """
    live = [segment for segment in segments if segment.doc_count()]
    small = [segment for segment in live if segment.doc_count_all() < MERGE_BELOW]
    merged: list = []
    for tier in sorted({_tier(segment.doc_count_all()) for segment in small}):
        in_tier = [segment for segment in small if _tier(segment.doc_count_all()) == tier]
        below = sum(segment.doc_count_all() for segment in merged)
        if len(in_tier) + (bool(merged) and _tier(below) == tier) < MERGE_FANOUT:
            break
        merged += in_tier
    return merged, [segment for segment in live if segment not in merged]


def _tier(documents: int) -> int:
    return len(str(documents))


def docs_merged_at_commit(writer) -> int:
    """How many documents the merge policy will merge into `writer`'s segment at commit.

    The plan only reads the segment list, fixed while the writer holds the lock.
    """
    merged, _kept = merge_plan(writer.segments)
    return sum(segment.doc_count_all() for segment in merged)
