"""Writing the Whoosh index: full rebuilds beside the live index, and upserts by id.

    <index_dir>/live -> builds/<stamp>    symlink the readers follow
    <index_dir>/builds/<stamp>/           one Whoosh index per full build
    <index_dir>/state.json                the index's place in the data dir's change
                                          journal, and the last full sweep's watermark

A rebuild writes a new build directory and swaps the `live` symlink atomically
(`os.replace` of a temporary link), so readers keep answering from the old build
until the swap, and a killed rebuild leaves the old one live. Incremental runs
write in place with one writer and one commit: the ids the change journal names
since the last run (`journal.py`), or with `check`, a sweep of the whole data dir.
Every writer uses non-compound segments (DESIGN.md: compound files cost each
reader a private copy of the terms). Readers find the live index with `live.py`,
which this module re-exports.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import And, Not, Term

from . import journal, store
from .engine import building, updating
from .errors import StoreError
from .live import LIVE, STATE, index_exists, live_build, open_live_index, read_index_state
from .normalize import answer_from_record
from .schema import (
    CHANGED_COLUMN,
    ID_FIELD,
    STATUS_FIELD,
    answer_from_stored,
    build_schema,
    document_from_answer,
)

log = logging.getLogger(__name__)

BUILDS = "builds"
WRITER_OPTIONS = {"compound": False, "limitmb": 256, "timeout": 60.0}


@dataclass
class IndexReport:
    mode: str
    indexed: int = 0
    removed: int = 0
    skipped: int = 0
    documents: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"index {self.mode}: {self.indexed} indexed, {self.removed} removed, "
                f"{self.skipped} skipped, {self.documents} documents, {self.seconds:.2f}s")


def rebuild_index(data_dir: Path, index_dir: Path, procs: int | None = None, **state) -> IndexReport:
    """Build a fresh index from every stored record and make it live atomically.

    `procs` processes write it (default WRANS_INDEX_PROCS, else one per core), a
    segment per run of records (`building.plan_runs`); `state` is saved with the
    index state after the swap (e.g. `last_update`).
    """
    started = time.monotonic()
    watermark, cursor = time.time_ns(), journal.end(data_dir)
    index_dir = Path(index_dir)
    build = index_dir / BUILDS / dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    build.mkdir(parents=True)
    ix = whoosh_index.create_in(str(build), build_schema())
    report = IndexReport("rebuild")
    paths = list(store.iter_record_paths(data_dir))
    report.indexed, report.skipped = building.write_segments(
        ix, paths, _document_from_path, procs or building.default_procs(), WRITER_OPTIONS)
    report.documents = ix.doc_count()
    ix.close()
    previous = _swap_live(index_dir, build)
    _write_state(index_dir, watermark, report.documents, previous_build=previous,
                 journal=cursor.as_state(), **state)
    _prune_builds(index_dir)
    report.seconds = time.monotonic() - started
    return report


def update_index(data_dir: Path, index_dir: Path, paths: Iterable[Path] | None = None,
                 check: bool = False, **state) -> IndexReport:
    """Upsert what changed into the live index, in one commit; build it when there is none.

    What changed is what the store journaled since the last run (`journal.py`),
    plus `paths`: the cost follows the change, not the corpus. With `check`, or
    when the journal cannot say (an index from before the journal, a journal
    deleted, replaced or compacted past this index), the whole data dir is swept
    instead: every record modified since the last sweep's watermark is upserted
    and every indexed id with no record is dropped, which also catches files
    changed or removed behind wrans's back. `state` is saved with the index state
    after the commit (e.g. `last_update`).
    """
    if not index_exists(index_dir):
        return rebuild_index(data_dir, index_dir, **state)
    missing = _fields_missing(index_dir)
    if missing:  # its documents could not be written: this wrans indexes fields it lacks
        log.warning("the index predates this version's fields %s: rebuilding it beside the live one",
                    ", ".join(missing))
        return rebuild_index(data_dir, index_dir, **state)
    started = time.monotonic()
    previous = read_index_state(index_dir)
    cursor = journal.Cursor.from_state(previous.get("journal"))
    changes = journal.read_since(data_dir, cursor)
    plan = _plan_sweep(data_dir, previous, changes) if check or changes is None else _plan_journal(
        data_dir, changes, previous.get("watermark_ns", 0))
    plan.paths = sorted({*plan.paths, *map(Path, paths or ())})
    report = IndexReport("check" if plan.stored_ids is not None else "update")
    if plan.paths or plan.removals or plan.stored_ids is not None:
        _upsert(index_dir, plan, report)
    else:
        report.documents = _document_count(index_dir)
    _write_state(index_dir, plan.watermark_ns, report.documents, journal=plan.cursor.as_state(), **state)
    if plan.stored_ids is None:
        journal.compact(data_dir, plan.cursor)
    report.seconds = time.monotonic() - started
    return report


@dataclass
class _Plan:
    """What one incremental run writes, and the state it records after its commit."""

    paths: list[Path]
    removals: set[str]
    cursor: journal.Cursor
    watermark_ns: int
    stored_ids: set[str] | None = None  # a sweep: drop every indexed id not in here


def _plan_journal(data_dir: Path, changes: journal.Changes, watermark_ns: int) -> _Plan:
    """Upsert each journaled id that has a record; drop each that has none."""
    plan = _Plan([], set(), changes.end, watermark_ns)
    for question_id in changes.ids:
        path = store.record_path(data_dir, question_id)
        if os.path.lexists(path):
            plan.paths.append(path)
        else:
            plan.removals.add(str(question_id))
    return plan


def _plan_sweep(data_dir: Path, previous: dict, changes: journal.Changes | None) -> _Plan:
    """Stat every record: upsert those modified since the last sweep, drop ids with no record."""
    log.info("sweeping every record of %s for changes", data_dir)
    watermark, cursor = time.time_ns(), journal.end(data_dir)
    since = previous.get("watermark_ns", 0)
    all_paths = list(store.iter_record_paths(data_dir))
    paths = {p for p in all_paths if _mtime_ns(p) > since}
    if changes is not None:  # a check: what the journal names is upserted too, whatever its mtime
        paths |= set(_plan_journal(data_dir, changes, 0).paths)
    stored = {str(store.question_id_from_path(p)) for p in all_paths}
    return _Plan(sorted(paths), set(), cursor, watermark, stored_ids=stored)


def _upsert(index_dir: Path, plan: _Plan, report: IndexReport) -> None:
    """Replace every document the plan names, drop its removals, commit once.

    From a few hundred records a second process writes half of them as its own
    segment meanwhile (`engine.updating`); each record replaces the document
    with its id, if any.
    """
    ix = open_live_index(index_dir)
    own, second_share = updating.split_records(plan.paths, building.default_procs())
    writer = updating.UpdateSegmentWriter(ix, expected_docs=len(own), **WRITER_OPTIONS)
    _sweep_temporary_tocs(live_build(index_dir))
    written = partial(_document_from_path, changed=utc_now())
    try:
        with writer.searcher() as searcher, \
                updating.SecondSegment(ix, second_share, written, ID_FIELD, WRITER_OPTIONS) as second:
            removals = set(plan.removals)
            if plan.stored_ids is not None:
                removals |= {i.decode() for i in searcher.lexicon(ID_FIELD)} - plan.stored_ids
            segments = searcher.reader().leaf_readers()
            added = set()
            for doc in map(written, own):
                if doc is not None:
                    _delete_id(writer, segments, doc[ID_FIELD])
                    writer.add_document(**doc)
                    added.add(doc[ID_FIELD])
            if second_share:
                writer.flush_early()  # while the second process finishes its segment
            second.wait()
            for doc_id in second.ids:
                _delete_id(writer, segments, doc_id)
                added.add(doc_id)
            report.removed = sum(_delete_id(writer, segments, doc_id) for doc_id in removals - added)
    except BaseException:
        writer.cancel()
        raise
    writer.commit_with(second.segments)
    report.indexed, report.skipped = len(added), len(plan.paths) - len(added)
    report.documents = ix.doc_count()
    ix.close()


def _delete_id(writer, segments: list[tuple], doc_id: str) -> int:
    """`writer.delete_by_term(ID_FIELD, doc_id)`: delete the live documents with that id.

    Whoosh builds a query, a matcher and a context per segment for each id; this
    asks each segment's terms table whether it holds the id and reads only those
    postings (a segment's postings skip its deleted documents, as the query's do).
    """
    key = writer.schema[ID_FIELD].to_bytes(doc_id)
    deleted = 0
    for reader, offset in segments:
        if (ID_FIELD, key) in reader:
            for docnum in reader.postings(ID_FIELD, key).all_ids():
                writer.delete_document(offset + docnum)
                deleted += 1
    return deleted


def _fields_missing(index_dir: Path) -> list[str]:
    """The fields this version writes that the live index's schema lacks, sorted."""
    ix = open_live_index(index_dir)
    try:
        return sorted(set(build_schema().names()) - set(ix.schema.names()))
    finally:
        ix.close()


def _document_count(index_dir: Path) -> int:
    ix = open_live_index(index_dir)
    try:
        return ix.doc_count()
    finally:
        ix.close()


def ids_with_status(index_dir: Path, status: str) -> list[int]:
    """Ids of the indexed answers tagged with `status` (e.g. "holding"), smallest first."""
    ix = open_live_index(index_dir)
    try:
        with ix.searcher() as searcher:
            docnums = searcher.docs_for_query(Term(STATUS_FIELD, status))
            return sorted(int(searcher.stored_fields(n)[ID_FIELD]) for n in docnums)
    finally:
        ix.close()


def awaiting_questions(index_dir: Path) -> list[tuple[int, dt.date | None]]:
    """(id, date tabled) of the indexed questions awaiting an answer, holding answers left out.

    An index built before the "awaiting" tag gives none (rebuild it to re-check them).
    """
    wanted = And([Term(STATUS_FIELD, "awaiting"), Not(Term(STATUS_FIELD, "holding"))])
    ix = open_live_index(index_dir)
    try:
        with ix.searcher() as searcher:
            found = []
            for docnum in searcher.docs_for_query(wanted):
                answer = answer_from_stored(searcher.stored_fields(docnum))
                found.append((answer.id, answer.date_tabled))
            return sorted(found)
    finally:
        ix.close()


def _write_state(index_dir: Path, watermark_ns: int, documents: int, **extra) -> None:
    state = read_index_state(index_dir)
    state.update(watermark_ns=watermark_ns, documents=documents,
                 indexed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **extra)
    store.write_state(Path(index_dir), STATE, state)


def _document_from_path(path: Path, changed: dt.datetime | None = None) -> dict | None:
    """Load, normalise and convert one record; log and skip what cannot be read.

    Records come from outside, so any failure of one (deep nesting, numbers out
    of range, text the index cannot write) skips that record, never the run.
    `changed` is the update's time; a rebuild passes none and keeps the record's
    mtime, so a rebuild does not make every answer new to the email alerts.
    """
    try:
        answer = answer_from_record(store.read_record(path))
        if answer.id != store.question_id_from_path(path):
            # An incremental run keeps only ids that name a file: it would drop this one again.
            raise ValueError(f"holds question {answer.id}, not the one its file is named for")
        doc = document_from_answer(answer)
        doc[CHANGED_COLUMN] = changed or min(_utc_from_ns(_mtime_ns(path)), utc_now())
        return _writable(doc)
    except StoreError as exc:  # not JSON, not UTF-8, not a file: the message names it
        log.warning("skipped %s", exc)
    except Exception as exc:  # whatever else is wrong with one record, the run goes on
        log.warning("skipped %s: %s: %s", path, type(exc).__name__, str(exc)[:300])
    return None


def _writable(doc: dict) -> dict:
    """Return `doc` if Whoosh can write every text of it; raise ValueError otherwise."""
    for value in doc.values():
        if isinstance(value, str):
            value.encode("utf-8")  # a lone surrogate would fail inside the writer, mid-run
    return doc


def utc_now() -> dt.datetime:
    """Now in UTC, naive (Whoosh's dates are naive): the time an update writes into `changed`."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _utc_from_ns(ns: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).replace(tzinfo=None)


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def _swap_live(index_dir: Path, build: Path) -> str | None:
    """Point `live` at `build` atomically; return the name of the build it pointed at."""
    link = index_dir / LIVE
    previous = Path(os.path.realpath(link)).name if link.is_symlink() else None
    tmp = index_dir / f".{LIVE}.{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(os.path.relpath(build, index_dir), tmp)
    os.replace(tmp, link)
    return previous


def _prune_builds(index_dir: Path) -> None:
    """Delete every build but the live one and the one before it.

    Readers that opened the previous build may still be answering from it; a
    build left half-written by a killed rebuild is neither, so it goes too.
    """
    keep = {live_build(index_dir).name, read_index_state(index_dir).get("previous_build")}
    for build in (index_dir / BUILDS).iterdir():
        if build.name not in keep:
            shutil.rmtree(build, ignore_errors=True)


def _sweep_temporary_tocs(build: Path) -> None:
    """Remove TOC temp files a killed commit left; Whoosh never does (DESIGN.md).

    Called while holding Whoosh's write lock, so no commit is writing one now.
    Orphan segment files are removed by Whoosh itself at the next commit.
    """
    for tmp in build.glob("_MAIN_*.toc.*"):
        log.info("removing temporary TOC left by a killed writer: %s", tmp.name)
        tmp.unlink(missing_ok=True)
