"""Progress for long work: a bar on a terminal, a plain log line now and then under cron."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
log = logging.getLogger("wrans.progress")
LOG_EVERY_SECONDS = 30.0


def progress(items: Iterable[T], what: str, unit: str = "items", total: int | None = None) -> Iterator[T]:
    """Yield `items`, showing how far along the work is on stderr."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)
    if sys.stderr.isatty():
        yield from tqdm(items, desc=what, unit=f" {unit}", total=total, file=sys.stderr)
        return
    yield from _logged(items, what, unit, total)


def _logged(items: Iterable[T], what: str, unit: str, total: int | None) -> Iterator[T]:
    started = last = time.monotonic()
    count = 0
    for count, item in enumerate(items, 1):
        yield item
        now = time.monotonic()
        if now - last >= LOG_EVERY_SECONDS:
            last = now
            of = f"/{total}" if total else ""
            log.info("%s: %d%s %s (%.0f/s)", what, count, of, unit, count / (now - started))
