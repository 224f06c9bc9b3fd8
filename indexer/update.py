"""`wrans update`: the cron job that keeps the index current while the site serves.

One run, under the run lock (a second run or `wrans index` fails at once):

1. sweep temporary files a killed run left in the data dir;
2. scrape what was answered or corrected from the last successful update minus a
   lookback (default 3 days; the first run starts at WRANS_UPDATE_FIRST_DATE) to
   today, plus every question whose indexed answer is still a holding answer and
   every question the last run could not fetch;
3. upsert the records the change journal names (what this run stored, and what
   any other run stored since the last indexing) into the live index, in one
   commit, without reading the rest of the data dir;
4. only then record the run as the last successful update.

A run that fails or is killed anywhere before step 4 leaves the previous state,
so the next run repeats the same window; a scrape stopped half-way resumes from
its finished windows. The state is `<state dir>/update.json`:

    {"last_success": "2026-11-29T05:00:03+00:00", "since": "2026-11-24",
     "until": "2026-11-29", "retry_ids": [...], "summary": "update: ..."}
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from . import store
from .errors import IndexMissing
from .index import IndexReport, ids_with_status, index_exists, update_index
from .lock import run_lock
from .normalize import answer_from_record
from .scrape import Summary, scrape
from .settings import Settings

log = logging.getLogger("wrans.update")

STATE = "update"
MAX_RETRY_IDS = 5000  # questions that failed to fetch, tried again by the next runs


@dataclass
class UpdateReport:
    since: dt.date
    until: dt.date
    scrape: Summary
    index: IndexReport
    rechecked: int = 0
    seconds: float = 0.0
    retry_ids: list[int] = field(default_factory=list)

    def line(self) -> str:
        s, ix = self.scrape, self.index
        return (f"update {self.since.isoformat()}..{self.until.isoformat()}: {s.new} new, "
                f"{s.changed} changed, {s.unchanged} unchanged, {s.failed} failed, "
                f"{self.rechecked} holding or failed re-checked, {s.requests} requests; "
                f"index: {ix.indexed} indexed, {ix.removed} removed, {ix.documents} documents; "
                f"{self.seconds:.1f} seconds")


def update(settings: Settings, since: dt.date | None = None, today: dt.date | None = None) -> UpdateReport:
    """Run one update (see the module docstring); raises IndexBusy when another run holds the lock.

    `since` overrides the first day to list (for catching up after a long outage).
    """
    with run_lock(settings.state_dir, "wrans update"):
        return _update_locked(settings, since, today or dt.date.today())


def _update_locked(settings: Settings, since: dt.date | None, today: dt.date) -> UpdateReport:
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    previous = store.read_state(settings.state_dir, STATE)
    since = min(since, today) if since else window_start(previous, settings, today)
    recheck = sorted(set(holding_ids(settings)) | set(previous.get("retry_ids", [])))
    log.info("update: listing %s..%s and re-checking %d questions", since, today, len(recheck))
    summary = scrape(settings, since, today, also_ids=recheck)
    report = update_index(settings.data_dir, settings.index_dir, last_update=started_at)
    result = UpdateReport(since, today, summary, report, rechecked=len(recheck),
                          seconds=time.monotonic() - started,
                          retry_ids=sorted(set(summary.failed_ids))[:MAX_RETRY_IDS])
    store.write_state(settings.state_dir, STATE, {
        "last_success": started_at, "since": since.isoformat(), "until": today.isoformat(),
        "retry_ids": result.retry_ids, "summary": result.line()})
    return result


def window_start(previous: dict, settings: Settings, today: dt.date) -> dt.date:
    """First day to list: the last success minus the lookback, or the configured first date."""
    last = previous.get("last_success")
    if not last:
        return min(dt.date.fromisoformat(settings.update_first_date), today)
    day = dt.datetime.fromisoformat(last).date()
    return min(day - dt.timedelta(days=settings.update_lookback_days), today)


def holding_ids(settings: Settings) -> list[int]:
    """Questions whose answer is still a holding answer: from the index, else from the store."""
    if index_exists(settings.index_dir):
        try:
            return ids_with_status(settings.index_dir, "holding")
        except IndexMissing:
            pass
    log.info("no index yet: reading the stored records to find holding answers")
    found = []
    for path in store.iter_record_paths(settings.data_dir):
        try:
            answer = answer_from_record(store.read_record(path))
        except Exception as exc:  # noqa: BLE001 - a bad record must not stop the update
            log.warning("skipped %s: %s", path, exc)
            continue
        if answer.is_holding:
            found.append(answer.id)
    return found
