"""Finding and opening the live index: all a reader needs, none of the build code.

    <index_dir>/live -> builds/<stamp>    symlink the readers follow
    <index_dir>/state.json                watermark of the last indexing run

Web workers import this (through `search.py`), not `index.py`, so they never load
the write path (`indexer.engine.building`, multiprocessing). `index.py` writes
what this reads.
"""

from __future__ import annotations

import mmap
import os
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from . import store
from .errors import IndexCorrupt, IndexMissing

LIVE = "live"
STATE = "state"
SETTLED_NS = 2_000_000_000  # a directory unchanged this long cannot change again without its mtime moving


def live_build(index_dir: Path) -> Path:
    """Return the build directory the live symlink points at, or raise IndexMissing."""
    link = Path(index_dir) / LIVE
    target = Path(os.path.realpath(link))
    if not link.is_symlink() or not target.is_dir():
        raise IndexMissing(index_dir)
    return target


def settled_stamp(index_dir: Path, build: Path) -> tuple[int, int] | None:
    """The mtimes of the index directory and of `build`, if neither changed lately; else None.

    A reader asks before every search whether the index moved on: resolving the
    `live` link and listing the build for its newest TOC took 0.15 ms at a
    million answers. Both moves rename an entry into one of these directories,
    which sets its mtime to the (coarse-grained) clock. So once an mtime is
    SETTLED_NS old, any later move gives it a new value, and an equal stamp
    means nothing moved. A directory changed lately gives None: check in full.
    """
    try:
        stamp = (os.stat(index_dir).st_mtime_ns, os.stat(build).st_mtime_ns)
    except OSError:
        return None
    return stamp if time.time_ns() - max(stamp) >= SETTLED_NS else None


def open_live_index(index_dir: Path, tries: int = 3):
    """Open the live index, retrying briefly because a commit may be renaming its TOC."""
    build = live_build(index_dir)
    for attempt in range(tries):
        try:
            return MappedTermsStorage(str(build)).open_index()
        except whoosh_index.EmptyIndexError as exc:
            raise IndexCorrupt(build, exc) from exc
        except (OSError, ValueError, EOFError) as exc:
            if attempt == tries - 1:
                raise IndexCorrupt(build, exc) from exc
            time.sleep(0.05)
    raise AssertionError("unreachable")


def index_exists(index_dir: Path) -> bool:
    try:
        live_build(index_dir)
    except IndexMissing:
        return False
    return True


def read_index_state(index_dir: Path) -> dict:
    return store.read_state(Path(index_dir), STATE)


class MappedTermsStorage(FileStorage):
    """A segment directory whose term dictionaries are read through `mmap`.

    Finding a term's postings walks the `.trm` hash table: a handful of small
    reads at scattered offsets, each a `seek` and `read` through Python's
    buffered file (about 0.3 ms of a rare word's 6 ms at a million answers,
    for four fields in six segments). A mapped file answers each with a slice.
    The mapping shares the page cache with every other worker, unlike the
    private copy of the terms a compound segment makes (DESIGN.md). Every other
    file is a `PreadFile`.
    """

    def open_file(self, name, **kwargs):
        path = os.path.join(self.folder, name)
        if not name.endswith(W3Codec.TERMS_EXT) or not os.path.getsize(path):  # mmap refuses 0 bytes
            return PreadFile(open(path, "rb"), name=name, **kwargs)
        with open(path, "rb") as f:
            return MappedFile(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ), name=name, **kwargs)


class MappedFile(StructFile):
    """A read-only `StructFile` over a mapped file: `get` is a slice, no seek."""

    def get(self, position: int, length: int) -> bytes:
        return self.file[position:position + length]


class PreadFile(StructFile):
    """A read-only `StructFile` whose `get` is one `os.pread`: no seek, no 8 KB buffer refilled.

    Postings and stored fields are read with `get` at scattered offsets: a rare
    word's page makes some 50 such reads, 2.5 us each through the buffered file,
    0.9 by `pread`. They are not mapped as the term dictionaries are: mapped, the
    pages a worker touches count in its resident size (one bench mix at 1M took
    VmHWM 570 -> 836 MB), and every hit of every search touches new ones. Like
    `MappedFile.get`, this `get` leaves the file's position where it was: Whoosh
    seeks before every read by position.
    """

    def get(self, position: int, length: int) -> bytes:
        return os.pread(self.fileno(), length, position)
