"""An update's documents analysed in worker processes, and written with the build's pool.

Upserting 500 changed answers cost ~3 s at any corpus size, all of it Python:
about half reading, normalising and analysing the records, half writing the new
segment's terms at commit. The first half needs no writer, so above
PARALLEL_MIN records `prepare_documents` farms it out to one process per core
and the writer only appends the postings it is handed (`UpdateSegmentWriter`).

The postings go to the build's in-memory pool, which needs each term's postings
in document order. An update's writer adds its own documents first, then at
commit Whoosh's merge policy (`MERGE_SMALL`) may copy small segments in after
them, each in document order, so that holds; but a merge may also be large, and
the in-memory pool holds ~10 KB an answer. So the writer asks the policy, before
the first document, how many documents it would merge (`docs_merged_at_commit`),
and keeps Whoosh's spilling pool when the total would pass MAX_IN_MEMORY.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh.writing import MERGE_SMALL

from .building import BuildSegmentWriter, FastSegmentWriter, _die_with_parent, _field_postings, plain_schema
from .posting_pool import InMemoryPostingPool

PARALLEL_MIN = 200  # fewer records are analysed in the parent: a pool costs more than it saves
MAX_IN_MEMORY = 50_000  # documents an update's in-memory pool may hold (~10 KB each)
CHUNK = 16  # records a worker analyses per task
# An update's segment is mostly terms with a few postings: zlib makes their small
# blocks little smaller and cost a fifth of the commit, so blocks this small stay
# raw (500 answers: postings 7.4 -> 7.8 MB, ~0.1 s less of the commit's ~1 s).
RAW_BELOW = 16


@dataclass
class PreparedDocument:
    """A document's fields, and each indexed field's (term bytes, frequency, weight, value bytes)."""

    fields: dict
    postings: dict[str, list]


def prepare_document(schema, doc: dict | None) -> PreparedDocument | None:
    """Analyse every indexed field of `doc` as `BuildSegmentWriter.add_document` would."""
    if doc is None:
        return None
    postings = {name: _field_postings(schema[name], value) for name, value in doc.items()
                if value is not None and name in schema and schema[name].indexed}
    return PreparedDocument(doc, postings)


def prepare_documents(paths: Sequence[Path], to_document: Callable[[Path], dict | None], schema,
                      procs: int) -> Iterator[PreparedDocument | None]:
    """Yield each path's prepared document (None for a skipped record), in path order.

    Workers are forked, so `to_document` and `schema` need no pickling, and end
    with their parent like a rebuild's (`building._die_with_parent`).
    """
    if procs < 2 or len(paths) < PARALLEL_MIN:
        for path in paths:
            yield prepare_document(schema, to_document(path))
        return
    global _job
    _job = (to_document, schema)
    context = multiprocessing.get_context("fork")
    with context.Pool(procs, initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        yield from pool.imap(_prepare_in_worker, paths, chunksize=CHUNK)


_job: tuple | None = None  # (to_document, schema), inherited by the forked workers


def _prepare_in_worker(path: Path) -> PreparedDocument | None:
    to_document, schema = _job
    return prepare_document(schema, to_document(path))


class UpdateSegmentWriter(BuildSegmentWriter):
    """An update's writer: prepared documents, in memory unless the commit's merge is large."""

    raw_below = RAW_BELOW

    def __init__(self, ix, expected_docs: int, **options):
        FastSegmentWriter.__init__(self, ix, **options)
        self._plain_schema = plain_schema(self.schema)
        self.in_memory = expected_docs + docs_merged_at_commit(self) <= MAX_IN_MEMORY
        if self.in_memory:
            self.pool = InMemoryPostingPool(self.schema)

    def add_prepared(self, doc: PreparedDocument) -> None:
        fields = doc.fields
        if not self._plain_schema or any(name.startswith("_") for name in fields):
            return FastSegmentWriter.add_document(self, **fields)
        self._add_analysed(fields, lambda _field, _value, name: doc.postings[name])

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


def docs_merged_at_commit(writer) -> int:
    """How many documents Whoosh's default policy will merge into `writer`'s segment at commit.

    The policy only reads the segment list, fixed while the writer holds the
    lock; it is run here against a probe that counts instead of copying.
    """
    probe = _MergeProbe(writer.storage, writer.schema)
    MERGE_SMALL(probe, writer.segments)
    return probe.docs


class _MergeProbe:
    def __init__(self, storage, schema):
        self.storage, self.schema, self.docs = storage, schema, 0

    def add_reader(self, reader) -> None:
        self.docs += reader.doc_count_all()
