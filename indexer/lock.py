"""The run lock: one `wrans update` or `wrans index` at a time (the index writers).

`wrans scrape` does not take it: it only writes records atomically, so a backfill
can run while cron keeps updating; the next `wrans index` or update picks up what
it stored (the ids the change journal names).

It is a kernel `flock` (through the filelock library) on a file that is never
deleted, so it dies with its process: a run killed with -9 never blocks the next.
A second run does not wait; it fails at once with IndexBusy.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import IndexBusy

LOCK_NAME = "wrans.lock"


@contextmanager
def run_lock(state_dir: Path, what: str, name: str = LOCK_NAME):
    """Hold the run lock for the duration of the block, or raise IndexBusy at once.

    `name` picks another lock file (`wrans alerts send` has its own beside its database).
    """
    Path(state_dir).mkdir(parents=True, exist_ok=True)
    path = Path(state_dir) / name
    lock = FileLock(str(path), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusy(f"another wrans run holds {path}; {what} not started") from None
    try:
        yield
    finally:
        lock.release()
