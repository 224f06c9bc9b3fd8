"""Telling a damaged index from a bug: what reading broken index files raises.

A truncated TOC, a deleted or overwritten segment file surface from Whoosh as
whatever its reader tripped on: `OSError`, `struct.error`, `EOFError`, its own
`FileFormatError`, even a bare `Exception("Block tag error")` or a `TypeError`.
Callers turn them into `IndexCorrupt`, whose message names the command that
rebuilds the index from the stored records, instead of a traceback or a 500.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.filedb.filetables import FileFormatError
from whoosh.index import IndexError as WhooshIndexError

from .errors import IndexCorrupt, WransError

READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError,
               FileFormatError, WhooshIndexError)


@contextmanager
def opening_index(index_dir: Path) -> Iterator[None]:
    """Report any failure to open the index (no query involved yet) as IndexCorrupt."""
    try:
        yield
    except WransError:
        raise
    except Exception as exc:
        raise IndexCorrupt(index_dir, _describe(exc)) from exc


def corrupt_index_error(exc: BaseException, index_dir: Path) -> IndexCorrupt | None:
    """Return IndexCorrupt if `exc` came from reading damaged index files, else None."""
    bare = type(exc) is Exception  # Whoosh's block readers raise plain Exception
    if (isinstance(exc, READ_ERRORS) or bare) and _raised_in_whoosh(exc):
        return IndexCorrupt(index_dir, _describe(exc))
    return None


def _raised_in_whoosh(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and "whoosh" in Path(tb.tb_frame.f_code.co_filename).parts


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"
