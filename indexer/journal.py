"""The change journal: the ids of the records the store wrote, so indexing costs what changed.

    <data_dir>/changes.journal

    wrans-journal <journal id> <base>\\n     header: a random id, and the position of the first line
    1679416\\n                               one question id per line, appended
    ...

`store.write_record` appends a record's id before it replaces the file and again
after, so whatever a crash or a concurrent indexer sees, an id is journaled after
its newest bytes are on disk: the first line covers a run killed between the two
(the indexer re-reads the file, old or new), the second an indexer that read the
first line before the new bytes landed. Every append holds an exclusive `flock`
on the file and is fsynced.

A reader (the index) keeps a `Cursor`: the journal's id and a position, the
number of bytes of id lines before it since the journal began. It reads the
complete lines after its position and stores the new position only after its
commit, so a run killed before that reads the same ids again. `compact` drops
lines every reader is past (the header's base moves up); a cursor from before the
base, or for another journal (deleted, or restored from a backup), is answered
with None: the caller must sweep the whole data dir instead.
"""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

JOURNAL = "changes.journal"
MAGIC = "wrans-journal"
COMPACT_BYTES = 1 << 20  # past this many consumed bytes, `compact` rewrites the journal


@dataclass(frozen=True)
class Cursor:
    """Where a reader is: the journal's id (None before any journal existed) and a position."""

    journal: str | None = None
    position: int = 0

    def as_state(self) -> dict:
        return {"journal": self.journal, "position": self.position}

    @classmethod
    def from_state(cls, state: object) -> Cursor | None:
        if not isinstance(state, dict) or not isinstance(state.get("position"), int):
            return None
        return cls(state.get("journal"), state["position"])


@dataclass(frozen=True)
class Changes:
    ids: list[int]  # distinct, in the order first journaled
    end: Cursor     # the cursor to store once these ids are indexed


def journal_path(data_dir: Path) -> Path:
    return Path(data_dir) / JOURNAL


def append(data_dir: Path, ids: Iterable[int]) -> None:
    """Journal `ids` durably (see the module docstring for when the store calls it)."""
    lines = "".join(f"{int(i)}\n" for i in ids).encode("ascii")
    path = journal_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path) as fd:
        size = os.fstat(fd).st_size
        if size == 0:
            lines = _header(uuid.uuid4().hex, 0) + lines
        elif os.pread(fd, 1, size - 1) != b"\n":
            lines = b"\n" + lines  # a line cut by a crash stays apart from the next id
        os.write(fd, lines)
        os.fsync(fd)


def end(data_dir: Path) -> Cursor:
    """The cursor just past the last complete line: where a reader that saw everything stands."""
    try:
        with open(journal_path(data_dir), "rb") as handle:
            journal, base, header = _read_header(handle)
            if journal is None:
                return Cursor()
            body = handle.seek(0, os.SEEK_END) - header
            if body and _last_byte(handle) != b"\n":
                body = _complete_length(handle, header, body)
            return Cursor(journal, base + body)
    except FileNotFoundError:
        return Cursor()


def read_since(data_dir: Path, cursor: Cursor | None) -> Changes | None:
    """The ids journaled after `cursor`, or None when this journal cannot say (sweep instead)."""
    if cursor is None:
        return None
    try:
        handle = open(journal_path(data_dir), "rb")
    except FileNotFoundError:
        return Changes([], cursor) if cursor == Cursor() else None
    with handle:
        journal, base, header = _read_header(handle)
        if journal is None:  # the first append is writing the header
            return Changes([], cursor) if cursor == Cursor() else None
        if cursor == Cursor() and base == 0:
            cursor = Cursor(journal, 0)  # the journal began after this reader last looked
        start = header + cursor.position - base
        if cursor.journal != journal or cursor.position < base or start > handle.seek(0, os.SEEK_END):
            return None
        handle.seek(start)
        data = handle.read()
    complete = data[: data.rfind(b"\n") + 1]
    return Changes(_ids_from(complete), Cursor(journal, cursor.position + len(complete)))


def compact(data_dir: Path, cursor: Cursor, threshold: int = COMPACT_BYTES) -> bool:
    """Drop the lines before `cursor` when they are over `threshold` bytes; return whether it did.

    Only the one index that reads this data dir should call it: a second index
    (another cursor, further back) would then sweep the data dir once.
    """
    path = journal_path(data_dir)
    if not path.exists():
        return False
    with _locked(path) as fd, open(fd, "rb", closefd=False) as handle:
        journal, base, header = _read_header(handle)
        if journal is None or journal != cursor.journal or not threshold <= cursor.position - base:
            return False
        handle.seek(header + cursor.position - base)
        rest = handle.read()
        tmp = path.with_name(f".{JOURNAL}.{os.getpid()}.tmp")
        with open(tmp, "wb") as out:
            out.write(_header(journal, cursor.position) + rest)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)  # appenders waiting on the old file see it replaced and reopen
    log.info("compacted the change journal: %d bytes before position %d dropped",
             cursor.position - base, cursor.position)
    return True


class _locked:
    """Open the journal (appends go to its end) and hold its flock, reopening if `compact` replaced it."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> int:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                    self.fd = fd
                    return fd
            except FileNotFoundError:
                pass
            os.close(fd)

    def __exit__(self, *exc) -> None:
        os.close(self.fd)  # closing releases the flock


def _header(journal: str, base: int) -> bytes:
    return f"{MAGIC} {journal} {base}\n".encode("ascii")


def _read_header(handle) -> tuple[str | None, int, int]:
    """Return (journal id, base, header length) of an open journal.

    The id is None while the header is not yet a whole line: the file is new and
    its first append has not written yet, so there is no journal to stand in.
    """
    line = handle.readline()
    if not line.endswith(b"\n"):
        return None, 0, 0
    parts = line.decode("ascii", "replace").split()
    if len(parts) != 3 or parts[0] != MAGIC or not parts[2].isdigit():
        return "unreadable", 0, len(line)  # matches no cursor: the reader sweeps
    return parts[1], int(parts[2]), len(line)


def _last_byte(handle) -> bytes:
    handle.seek(-1, os.SEEK_END)
    return handle.read(1)


def _complete_length(handle, header: int, body: int) -> int:
    handle.seek(header)
    data = handle.read(body)
    return data.rfind(b"\n") + 1


def _ids_from(data: bytes) -> list[int]:
    ids = {}
    for line in data.split(b"\n"):
        if line.isdigit():
            ids.setdefault(int(line), None)
        elif line:
            log.warning("change journal: ignored a line that is not an id: %r", line[:40])
    return list(ids)
