"""Writing a full build's segments, one process per core, in a deterministic order.

Whoosh indexes in pure Python, so a full build is CPU-bound: a million answers
take hours in one process. A rebuild therefore splits the sorted record paths
into one contiguous run per process; each process writes its run as one
segment, and the parent commits the segments in run order. Document numbers,
and so every score tie and every snippet, come out exactly as a one-process
build in the same path order would give them (Whoosh's own `MpWriter` hands
batches to whichever process is free, so its order changes from run to run).

Writers skip Whoosh's per-posting read-back of field lengths at flush time:
`FastSegmentWriter` reads each field's length column once instead.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from .progress import Meter
from .settings import load_settings

MIN_RUN = 5000  # fewer records than this per process are not worth a process
PROGRESS_EVERY = 200  # records a worker writes between updates of the shared counter

ToDocument = Callable[[Path], "dict | None"]


class FastSegmentWriter(SegmentWriter):
    """A SegmentWriter whose flush reads field lengths from memory, not one seek per posting."""

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _PreloadedLengths(pdr) if pdr else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if pdr:
            pdr.close()


class _PreloadedLengths:
    """`doc_field_length` answered from each field's whole length column, read once."""

    _LENGTHS = [byte_to_length(b) if b else None for b in range(256)]

    def __init__(self, per_doc_reader):
        self._reader = per_doc_reader
        self._columns: dict[str, bytes | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        if fieldname not in self._columns:
            self._columns[fieldname] = self._read(fieldname)
        column = self._columns[fieldname]
        if column is None:
            return default
        # As Whoosh's own reader: a zero byte (no length) gives None.
        return self._LENGTHS[column[docnum]] if docnum < len(column) else None

    def _read(self, fieldname: str) -> bytes | None:
        reader = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return None
        return bytes(reader._dbfile.get(reader._basepos, reader._count))


def default_procs() -> int:
    return load_settings().index_procs or os.cpu_count() or 1


def plan_runs(paths: Sequence[Path], procs: int) -> list[Sequence[Path]]:
    """Split `paths` into at most `procs` contiguous runs of at least MIN_RUN records."""
    if not paths:
        return [paths]
    count = max(1, min(procs, len(paths) // MIN_RUN))
    size = -(-len(paths) // count)
    return [paths[i:i + size] for i in range(0, len(paths), size)]


def write_segments(ix, paths: Sequence[Path], to_document: ToDocument, procs: int,
                   writer_options: dict) -> tuple[int, int]:
    """Index `paths` into the empty index `ix`, one segment per run; return (indexed, skipped)."""
    runs = plan_runs(paths, procs)
    writer = ix.writer(**writer_options)  # holds Whoosh's lock while the runs are written
    try:
        with Meter(len(paths), "indexing", unit="answers") as meter:
            if len(runs) == 1:
                results = [_write_run(ix.storage.folder, runs[0], to_document, writer_options,
                                      meter.add)]
            else:
                results = _write_runs_in_processes(ix.storage.folder, runs, to_document,
                                                   writer_options, meter)
        segments = [segment for segment, _, _ in results if segment is not None]
        writer._close_segment()
        writer._commit_toc(segments)
        writer._finish()
    except BaseException:
        writer.cancel()
        raise
    return sum(r[1] for r in results), sum(r[2] for r in results)


def _write_runs_in_processes(folder, runs, to_document, writer_options, meter) -> list:
    """Write each run in its own process; the first failure stops the others at once."""
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    with context.Pool(len(runs), initializer=_remember_counter, initargs=(counter,)) as pool:
        pending = [pool.apply_async(_write_run_in_worker, (folder, run, to_document, writer_options))
                   for run in runs]
        while not all(p.ready() for p in pending):
            for failed in (p for p in pending if p.ready() and not p.successful()):
                failed.get()  # raises; leaving the block terminates the other processes
            time.sleep(0.5)
            meter.set(counter.value)
        results = [p.get() for p in pending]  # in run order: document numbers follow paths
    meter.set(counter.value)
    return results


_counter = None


def _remember_counter(counter) -> None:
    global _counter
    _counter = counter


def _write_run_in_worker(folder, run, to_document, writer_options):
    def add(n: int) -> None:
        with _counter.get_lock():
            _counter.value += n
    return _write_run(folder, run, to_document, writer_options, add)


def _write_run(folder: str, run: Sequence[Path], to_document: ToDocument, writer_options: dict,
               report: Callable[[int], None]):
    """Write one run of records as one new segment; return (segment or None, indexed, skipped)."""
    ix = whoosh_index.open_dir(folder)
    options = {k: v for k, v in writer_options.items() if k != "timeout"}
    writer = FastSegmentWriter(ix, _lk=False, **options)
    indexed = skipped = pending = 0
    # No cancel() on failure: it would remove the temporary dir every run's writer
    # shares. The parent cancels its own writer, which removes that dir once, and a
    # failed build is never made live (the next rebuild prunes it).
    for path in run:
        doc = to_document(path)
        if doc is None:
            skipped += 1
        else:
            writer.add_document(**doc)
            indexed += 1
        pending += 1
        if pending == PROGRESS_EVERY:
            report(pending)
            pending = 0
    report(pending)
    if not indexed:
        return None, 0, skipped
    # The temporary dir is shared by every run's writer: the parent's commit removes it.
    return writer._finalize_segment(), indexed, skipped
