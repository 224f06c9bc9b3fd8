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

    A bar on a terminal; otherwise a plain log line every LOG_EVERY_SECONDS (under
    cron) with the rate and, when the total is known, the time left. `expect(n)`
    moves the total as work is found (or, negative, found already done).
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

    def expect(self, n: int) -> None:
        """Count `n` more items to do (negative: `-n` of those counted need no work after all)."""
        self.total = max(self.done, (self.total or 0) + n)
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.refresh()

    def add(self, n: int) -> None:
        self.set(self.done + n)

    def set(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self.done)
        self.done = done
        now = time.monotonic()
        if self._bar is None and now - self._last >= LOG_EVERY_SECONDS:
            self._last = now
            log.info("%s", self.line(now))

    def line(self, now: float | None = None) -> str:
        """`what: done/total unit (rate/s, about T left)`, the plain form of the bar."""
        elapsed = max(1e-9, (now or time.monotonic()) - self._started)
        rate = self.done / elapsed
        of = f"/{self.total}" if self.total else ""
        left = ""
        if self.total and rate > 0:
            left = f", about {duration((self.total - self.done) / rate)} left"
        return f"{self.what}: {self.done}{of} {self.unit} ({rate:.1f}/s{left})"


def duration(seconds: float) -> str:
    """A rough span for people: `5d 18h`, `3h 20m`, `4m 10s`, `12s`."""
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"
