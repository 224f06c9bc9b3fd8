"""Date windows for listing questions, and the record of which ones a scrape finished.

A scrape walks its date range top-down: the whole range first, then halves of it
while it spans over 8 years, then years, then months, then days, splitting a
window only when it holds more questions than are worth paging in one go. Empty
decades cost one request, and a backfill is cut into small windows that are each
finished (listed and every detail stored) on their own.

Resume state is one JSON file per scrape (same `--since` and `--house` means the
same file) under the state dir, removed when the scrape completes:

    {"since": "2024-01-01", "house": "Commons",
     "done": [{"filter": "answered", "first": "2024-01-01", "last": "2024-01-31",
               "on": "2024-02-03", "questions": 812}, ...]}

`on` is the day a window was finished, `questions` how many it listed (so a
resumed run's progress knows what is already done). A rerun skips a finished window when the
window had already closed by then (`last < on`) or was finished today; a window
that was still open when finished (it reached that day) is listed again on a later
day, because more answers may have been published since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from . import store


@dataclass(frozen=True, order=True)
class Window:
    """An inclusive range of days."""

    first: date
    last: date

    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def split(self) -> list[Window]:
        """Cut in two at a year boundary when over 8 years, else into years, months or days."""
        years = self.last.year - self.first.year + 1
        if years > 8:
            starts = [date(self.first.year + years // 2, 1, 1)]
        elif self.first.year != self.last.year:
            starts = [date(y, 1, 1) for y in range(self.first.year + 1, self.last.year + 1)]
        elif self.first.month != self.last.month:
            starts = [date(self.first.year, m, 1) for m in range(self.first.month + 1, self.last.month + 1)]
        else:
            starts = [self.first + timedelta(days=n) for n in range(1, (self.last - self.first).days + 1)]
        bounds = [self.first, *starts]
        ends = [s - timedelta(days=1) for s in starts] + [self.last]
        return [Window(a, b) for a, b in zip(bounds, ends, strict=True)]


class ScrapeState:
    """The finished windows of one scrape, saved atomically after each window."""

    def __init__(self, state_dir, since: date, house: str | None, today: date):
        self.state_dir, self.today = state_dir, today
        self.name = f"scrape-{since.isoformat()}-{house or 'all'}"
        self.header = {"since": since.isoformat(), "house": house}
        self.done: list[dict] = list(store.read_state(state_dir, self.name).get("done", []))

    def is_done(self, filter_name: str, window: Window) -> bool:
        """Is every day of `window` inside windows finished (and still settled) for this filter?"""
        spans = sorted(
            (date.fromisoformat(d["first"]), date.fromisoformat(d["last"]))
            for d in self.done if d["filter"] == filter_name and self._settled(d)
        )
        reached = window.first - timedelta(days=1)
        for first, last in spans:
            if first > reached + timedelta(days=1):
                break
            reached = max(reached, last)
            if reached >= window.last:
                return True
        return False

    def mark_done(self, filter_name: str, window: Window, questions: int = 0) -> None:
        self.done.append({"filter": filter_name, "first": window.first.isoformat(),
                          "last": window.last.isoformat(), "on": self.today.isoformat(),
                          "questions": questions})
        self._save()

    def done_questions(self, filter_name: str, window: Window) -> int:
        """How many questions the finished windows inside `window` held (for progress)."""
        return sum(d.get("questions", 0) for d in self.done
                   if d["filter"] == filter_name and self._settled(d)
                   and window.first.isoformat() <= d["first"] and d["last"] <= window.last.isoformat())

    def finish(self) -> None:
        """Forget the windows: the scrape completed, so a later run starts afresh."""
        self.done = []
        store.remove_state(self.state_dir, self.name)

    def _settled(self, entry: dict) -> bool:
        on = date.fromisoformat(entry["on"])
        return on == self.today or date.fromisoformat(entry["last"]) < on

    def _save(self) -> None:
        store.write_state(self.state_dir, self.name, {**self.header, "done": self.done})
