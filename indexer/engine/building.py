"""Writing a full build's segments, one process per core, in a deterministic order.

Whoosh indexes in pure Python, so a full build is CPU-bound: a million answers
take hours in one process. A rebuild therefore splits the sorted record paths
into contiguous runs, at least one per process and none over MAX_RUN records;
the processes write one run each at a time as one segment, and the parent
commits the segments in run order. Document numbers, and so every score tie
and every snippet, come out exactly as a one-process build in the same path
order would give them (Whoosh's own `MpWriter` hands batches to whichever
process is free, so its order changes from run to run).

A run's postings are sorted in memory (`BuildSegmentWriter`, `posting_pool`),
about 10 KB per answer until its segment is written: MAX_RUN caps that at ~2.6 GB
a process. Writers also skip Whoosh's per-posting read-back of field lengths at
flush time: `FastSegmentWriter` reads each field's length column once instead.
Each worker watches its parent (`_die_with_parent`), so a rebuild killed with -9
takes its workers with it.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from ..progress import Meter
from ..settings import load_settings
from .analysis import MemoAnalyzer
from .posting_pool import InMemoryPostingPool

MIN_RUN = 5000  # fewer records than this per process are not worth a process
MAX_RUN = 250_000  # records whose postings one process holds in memory at once
PROGRESS_EVERY = 200  # records a worker writes between updates of the shared counter
PARENT_POLL_SECONDS = 0.5  # how often a worker checks, where Linux cannot tell it, that its parent lives
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PARENT_DEATH_SIGNAL = signal.SIGUSR1  # handled (not SIGKILL): see _on_parent_death_signal

ToDocument = Callable[[Path], "dict | None"]


class FastSegmentWriter(SegmentWriter):
    """A SegmentWriter whose flush reads field lengths from memory, not one seek per posting."""

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        self._write_postings(_PreloadedLengths(pdr) if pdr else None)
        self.fieldwriter.close()
        if pdr:
            pdr.close()

    def _write_postings(self, lengths: _PreloadedLengths | None) -> None:
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())


class BuildSegmentWriter(FastSegmentWriter):
    """A full build's writer: each term's postings kept in memory, so nothing spills.

    Only for documents added in document order, as a build does (`posting_pool`);
    an update's writer, whose commit may merge segments in, is `updating.UpdateSegmentWriter`.
    """

    _twins: dict[str, str] = {}  # twin field -> its source, for documents whose two texts are one

    def __init__(self, ix, **options):
        super().__init__(ix, **options)
        self.pool = InMemoryPostingPool(self.schema)
        self._plain_schema = plain_schema(self.schema)
        self._twins = twin_fields(self.schema) if self._plain_schema else {}
        for twin, source in self._twins.items():
            self.pool.twin(twin, source)

    def add_document(self, **fields):
        """Whoosh's `add_document`, with each field's postings handed to the pool at once.

        Whoosh passes a text through a generator per token and the pool a tuple per
        posting; a memo-analysed text field's terms and positions come back here as
        one dict (`_field_postings`). Boosts, vectors and spelling go Whoosh's way.
        """
        if not self._plain_schema or any(name.startswith("_") for name in fields):
            self._untwin(*self._twins)
            return super().add_document(**fields)
        self._add_analysed(fields, lambda field, value, _name: _field_postings(field, value))

    def add_reader(self, reader):
        self._untwin(*self._twins)  # a reader's postings come one by one, the twins' among them
        return super().add_reader(reader)

    def _untwin(self, *twins: str) -> None:
        """Add these twins' postings as any field's from now on (a document with another text)."""
        for twin in twins:
            del self._twins[twin]
            self.pool.untwin(twin, before=self.docnum)

    def _add_analysed(self, fields: dict, postings_of: Callable) -> None:
        """Add one document whose indexed fields' postings `postings_of(field, value, name)` gives."""
        self._check_state()
        schema, docnum, perdoc = self.schema, self.docnum, self.perdocwriter
        fieldnames = sorted(fields)
        self._check_fields(schema, fieldnames)
        perdoc.start_doc(docnum)
        twins, lengths = self._twins, {}
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                source = twins.get(fieldname)
                if source is not None and source in lengths and value == fields[source]:
                    length = lengths[source]  # the pool writes the twin from its source
                else:
                    if source is not None:
                        self._untwin(fieldname)
                    length = self._add_terms(fieldname, docnum, postings_of(field, value, fieldname))
                lengths[fieldname] = length
            perdoc.add_field(fieldname, field, value if field.stored else None,
                             length if field.scorable else 0)
            if field.column_type:
                perdoc.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        self._untwin(*(twin for twin, source in twins.items() if source in lengths and twin not in lengths))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_terms(self, fieldname: str, docnum: int, items) -> int:
        """Hand a document's postings in a field to the pool; return the field's length."""
        return self.pool.add_terms(fieldname, docnum, items)

    raw_below = 0  # blocks of fewer postings are written uncompressed; a build compresses all, as Whoosh

    def _write_postings(self, lengths: _PreloadedLengths | None) -> None:
        self.pool.write(self.fieldwriter, lengths.decoded if lengths else lambda _: None,
                        raw_below=self.raw_below)


def plain_schema(schema) -> bool:
    """True when no field has vectors or separate spelling: the fields `_add_analysed` writes."""
    return not any(field.vector or field.separate_spelling() for _, field in schema.items())


def twin_fields(schema) -> dict[str, str]:
    """{twin: source} for each positionless field declared a twin of a positions field.

    A schema declares one with a `twin_of` attribute on the twin's field, naming a
    field whose every document holds the same text. Taken when both are analysed by
    one `MemoAnalyzer`, neither is boosted and the twin sorts after its source: then
    each document has the same terms, counts and length in both, so a build adds
    the text once and `InMemoryPostingPool.twin` writes the twin's postings from the
    source's, in the bytes adding it would give (wrans's `exact_words`, of `exact`).
    """
    twins = {}
    for name, field in schema.items():
        source = getattr(field, "twin_of", None)
        original = schema[source] if source in schema else None
        if (original is not None and name > source and field.analyzer is original.analyzer
                and isinstance(field.analyzer, MemoAnalyzer)
                and type(field.format) is formats.Frequency and type(original.format) is formats.Positions
                and field.format.field_boost == original.format.field_boost == 1.0):
            twins[name] = source
    return twins


def _field_postings(field, value) -> list:
    """(term bytes, frequency, weight, value bytes) per distinct term, as `field.index` gives.

    A memo-analysed text with a frequency or positions format is gathered in one
    pass; weights are the format's (each token's boost is 1.0 at index time).
    """
    fmt, analyzer = field.format, field.analyzer
    if not (isinstance(value, str) and isinstance(analyzer, MemoAnalyzer)
            and type(fmt) in (formats.Frequency, formats.Positions)):
        return list(field.index(value))
    boost = fmt.field_boost
    encode = _encode_positions if type(fmt) is formats.Positions else _encode_frequency
    return [(term.encode("utf-8"), len(poses), len(poses) * boost, encode(poses))
            for term, poses in analyzer.term_positions(value).items()]


_ONE_POSITION: dict[int, bytes] = {}  # most terms occur once in a text: their encodings, by position
_COUNTS = [pack_uint(n) for n in range(256)]
_POSITIONS = formats.Positions()


def _encode_positions(positions: list[int]) -> bytes:
    """`Positions.encode`, a term found once taken from `_ONE_POSITION`."""
    if len(positions) != 1:
        return _POSITIONS.encode(positions)
    encoded = _ONE_POSITION.get(positions[0])
    if encoded is None:
        encoded = _ONE_POSITION[positions[0]] = _POSITIONS.encode(positions)
    return encoded


def _encode_frequency(positions: list[int]) -> bytes:
    count = len(positions)
    return _COUNTS[count] if count < 256 else pack_uint(count)


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

    def decoded(self, fieldname: str) -> list | None:
        """Every document's length in the field, as `doc_field_length` gives it, or None."""
        column = self._read(fieldname)
        return None if column is None else [self._LENGTHS[b] for b in column]

    def _read(self, fieldname: str) -> bytes | None:
        reader = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return None
        return bytes(reader._dbfile.get(reader._basepos, reader._count))


def default_procs() -> int:
    return load_settings().index_procs or os.cpu_count() or 1


def plan_runs(paths: Sequence[Path], procs: int) -> list[Sequence[Path]]:
    """Split `paths` into contiguous runs: one per process, more where runs would pass MAX_RUN.

    No run is below MIN_RUN records unless there are fewer than that in all.
    """
    if not paths:
        return [paths]
    count = max(1, min(procs, len(paths) // MIN_RUN), -(-len(paths) // MAX_RUN))
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
                                                   writer_options, procs, meter)
        segments = [segment for segment, _, _ in results if segment is not None]
        writer._close_segment()
        writer._commit_toc(segments)
        writer._finish()
    except BaseException:
        writer.cancel()
        raise
    return sum(r[1] for r in results), sum(r[2] for r in results)


def _write_runs_in_processes(folder, runs, to_document, writer_options, procs, meter) -> list:
    """Write each run in a fresh process, `procs` at a time; the first failure stops the rest."""
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    # One run per process, so each run's postings go back to the system with its process.
    with context.Pool(max(1, min(procs, len(runs))), initializer=_start_worker,
                      initargs=(counter, os.getpid()), maxtasksperchild=1) as pool:
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


def _start_worker(counter, parent_pid: int) -> None:
    """Pool initializer: keep the shared progress counter, and end with the parent."""
    global _counter
    _counter = counter
    _die_with_parent(parent_pid)


def _die_with_parent(parent_pid: int) -> None:
    """End this worker as soon as the rebuild that started it is gone.

    A parent killed with -9 cannot stop its pool: its workers would go on writing
    into a build directory the next rebuild deletes, holding the run lock they
    inherited, so that next rebuild could not even start. Linux signals the worker
    when its parent dies (PR_SET_PDEATHSIG); elsewhere, and for a parent that died
    before that was asked, a thread polls the parent's pid.
    """
    signal.signal(PARENT_DEATH_SIGNAL, partial(_on_parent_death_signal, parent_pid))
    _ask_for_parent_death_signal()
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="watch-parent", daemon=True).start()


def _ask_for_parent_death_signal() -> bool:
    """Ask Linux for PARENT_DEATH_SIGNAL when the parent dies; False where that cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, PARENT_DEATH_SIGNAL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _on_parent_death_signal(parent_pid: int, signum, frame) -> None:
    """Exit if the parent is gone; not if only the pool thread that forked this worker is.

    Linux sends the signal when the forking *thread* ends, and the pool forks
    replacement workers from a thread that ends with the pool. Killed then, an idle
    worker would die holding the pool's queue lock and hang the parent's cleanup.
    """
    if os.getppid() != parent_pid:
        os._exit(1)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _write_run_in_worker(folder, run, to_document, writer_options):
    def add(n: int) -> None:
        with _counter.get_lock():
            _counter.value += n
    return _write_run(folder, run, to_document, writer_options, add)


def _write_run(folder: str, run: Sequence[Path], to_document: ToDocument, writer_options: dict,
               report: Callable[[int], None], writer_class: type[BuildSegmentWriter] | None = None):
    """Write one run of records as one new segment; return (segment or None, indexed, skipped)."""
    ix = whoosh_index.open_dir(folder)
    options = {k: v for k, v in writer_options.items() if k != "timeout"}
    writer = (writer_class or BuildSegmentWriter)(ix, _lk=False, **options)
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
