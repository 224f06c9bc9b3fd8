"""`wrans update`: the cron job that keeps the index current while the site serves.

One run, under the run lock (a second run or `wrans index` fails at once):

1. sweep temporary files a killed run left in the data dir;
2. scrape what was answered or corrected, or tabled and not yet answered, from the
   last successful update minus a lookback (default 3 days; the first run starts at
   WRANS_UPDATE_FIRST_DATE) to today, plus every question whose indexed answer is
   still a holding answer and every question the last run could not fetch; and
   re-check the questions still awaiting an answer (`open_to_recheck`) with one
   listing of what is unanswered over their tabled range: each that left it
   (answered, or gone) is fetched, the rest cost nothing more. Those open longer
   than WRANS_UPDATE_OPEN_DAYS are re-checked only once a week;
3. upsert the records the change journal names (what this run stored, and what
   any other run stored since the last indexing) into the live index, in one
   commit, without reading the rest of the data dir;
4. only then record the run as the last successful update.

A run that fails or is killed anywhere before step 4 leaves the previous state,
so the next run repeats the same window; a scrape stopped half-way resumes from
its finished windows. The state is `<state dir>/update.json`:

    {"last_success": "2026-11-29T05:00:03+00:00", "since": "2026-11-24",
     "until": "2026-11-29", "retry_ids": [...], "old_open_checked": "2026-11-27",
     "summary": "update: ..."}
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from . import store
from .errors import IndexMissing
from .index import IndexReport, awaiting_questions, ids_with_status, index_exists, update_index
from .lock import run_lock
from .normalize import answer_from_record
from .scrape import Summary, scrape
from .settings import Settings
from .timing import is_awaiting

log = logging.getLogger("wrans.update")

STATE = "update"
MAX_RETRY_IDS = 5000  # questions that failed to fetch, tried again by the next runs
OLD_OPEN_EVERY = dt.timedelta(days=7)  # how often questions open past the limit are re-checked


@dataclass
class UpdateReport:
    since: dt.date
    until: dt.date
    scrape: Summary
    index: IndexReport
    rechecked: int = 0
    open_rechecked: int = 0
    seconds: float = 0.0
    retry_ids: list[int] = field(default_factory=list)

    def line(self) -> str:
        s, ix = self.scrape, self.index
        return (f"update {self.since.isoformat()}..{self.until.isoformat()}: {s.new} new, "
                f"{s.changed} changed, {s.unchanged} unchanged, {s.failed} failed, "
                f"{self.rechecked} holding or failed re-checked, {self.open_rechecked} awaiting re-checked, "
                f"{s.requests} requests; "
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
    holding, awaiting = followed_questions(settings)
    recheck = sorted(set(holding) | set(previous.get("retry_ids", [])))
    weekly = is_weekly_due(previous.get("old_open_checked"), today)
    open_ids, open_since = open_to_recheck(awaiting, today, settings.update_open_days, weekly)
    log.info("update: listing %s..%s, re-checking %d holding or failed and %d awaiting (tabled from %s)",
             since, today, len(recheck), len(open_ids), open_since)
    summary = scrape(settings, since, today, also_ids=[*recheck, *open_ids], open_since=open_since,
                     today=today)
    report = update_index(settings.data_dir, settings.index_dir, last_update=started_at)
    result = UpdateReport(since, today, summary, report, rechecked=len(recheck), open_rechecked=len(open_ids),
                          seconds=time.monotonic() - started,
                          retry_ids=sorted(set(summary.failed_ids))[:MAX_RETRY_IDS])
    old_checked = today.isoformat() if weekly else previous.get("old_open_checked")
    store.write_state(settings.state_dir, STATE, {
        "last_success": started_at, "since": since.isoformat(), "until": today.isoformat(),
        "retry_ids": result.retry_ids, "old_open_checked": old_checked, "summary": result.line()})
    return result


def is_weekly_due(last: str | None, today: dt.date) -> bool:
    """Is it time to re-check the questions open past the limit (a week since the last time)?"""
    return not last or today - dt.date.fromisoformat(last) >= OLD_OPEN_EVERY


def open_to_recheck(awaiting, today: dt.date, limit_days: int,
                    weekly: bool) -> tuple[list[int], dt.date | None]:
    """The awaiting questions to re-check this run, and the first day of their tabled range.

    Those tabled within `limit_days` are re-checked on every run; older ones (a
    question that fell at prorogation is never answered) and undated ones only
    when `weekly` says so. The unanswered listing starts at the earliest date tabled.
    """
    cutoff = today - dt.timedelta(days=limit_days)
    chosen = [(i, day) for i, day in awaiting if weekly or (day is not None and day >= cutoff)]
    days = [day for _, day in chosen if day is not None]
    return [i for i, _ in chosen], min(days) if days else None


def window_start(previous: dict, settings: Settings, today: dt.date) -> dt.date:
    """First day to list: the last success minus the lookback, or the configured first date."""
    last = previous.get("last_success")
    if not last:
        return min(dt.date.fromisoformat(settings.update_first_date), today)
    day = dt.datetime.fromisoformat(last).date()
    return min(day - dt.timedelta(days=settings.update_lookback_days), today)


def followed_questions(settings: Settings) -> tuple[list[int], list[tuple[int, dt.date | None]]]:
    """Holding answers' ids, and (id, date tabled) of questions awaiting an answer.

    From the index, else (no index yet) from the stored records.
    """
    if index_exists(settings.index_dir):
        try:
            return ids_with_status(settings.index_dir, "holding"), awaiting_questions(settings.index_dir)
        except IndexMissing:
            pass
    log.info("no index yet: reading the stored records to find holding answers and open questions")
    holding, awaiting = [], []
    for path in store.iter_record_paths(settings.data_dir):
        try:
            answer = answer_from_record(store.read_record(path))
        except Exception as exc:  # noqa: BLE001 - a bad record must not stop the update
            log.warning("skipped %s: %s", path, exc)
            continue
        if answer.is_holding:
            holding.append(answer.id)
        elif is_awaiting(answer):
            awaiting.append((answer.id, answer.date_tabled))
    return holding, awaiting
