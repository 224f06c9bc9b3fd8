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
    with Meter(total, what, unit) as meter:
        for item in items:
            yield item
            meter.add(1)


class Meter:
    """Progress of work counted as it goes, here or in worker processes: `add(n)` or `set(done)`.

    A bar on a terminal; otherwise a plain log line every LOG_EVERY_SECONDS (under cron).
    """

    def __init__(self, total: int | None, what: str, unit: str = "items"):
        self.total, self.what, self.unit = total, what, unit
        self.done = 0
        self._bar = None
        self._started = self._last = time.monotonic()

    def __enter__(self) -> Meter:
        if sys.stderr.isatty():
            self._bar = tqdm(desc=self.what, unit=f" {self.unit}", total=self.total, file=sys.stderr)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()

    def add(self, n: int) -> None:
        self.set(self.done + n)

    def set(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self.done)
        self.done = done
        now = time.monotonic()
        if self._bar is None and now - self._last >= LOG_EVERY_SECONDS:
            self._last = now
            of = f"/{self.total}" if self.total else ""
            log.info("%s: %d%s %s (%.0f/s)", self.what, done, of, self.unit,
                     done / (now - self._started))
