"""`wrans alerts send`: one digest per address of what changed since each alert's watermark.

An alert's watermark is an index time (`schema.CHANGED_COLUMN`): the run takes
the latest one its searcher sees, sends each address the answers its alerts
match that the index wrote after their watermarks and not after that time, and
moves those alerts' watermarks to it only once the SMTP server accepted the
digest (committed per address). A run killed half-way has moved the watermarks
of exactly the digests that were accepted, so the next run sends the others and
nothing twice. Alerts with the same search and watermark are searched once.
One run at a time: a second exits at once (its own lock beside the database).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import IndexBusy, MailError, QueryError
from ..export import changed_hits
from ..lock import run_lock
from ..search import SearchIndex
from ..snippets import opening
from ..timing import status_on
from . import store
from .links import Links, plain_http_warning
from .mail import Item, Section, digest_message
from .smtp import Mailer, mail_from
from .targets import search_target_from_json
from .tokens import Tokens, secret_key

log = logging.getLogger("wrans.alerts")

MAX_PER_ALERT = 50
PROGRESS_EVERY = 1000  # addresses between progress lines on stderr
QUESTION_PASSAGE = 400  # characters of a followed question's answer shown in the digest
MAX_FAILURES_IN_A_ROW = 3  # the server is down or refusing us: stop, the next run retries
EPOCH = dt.datetime(1970, 1, 1)


@dataclass
class SendReport:
    addresses: int = 0
    alerts: int = 0
    sent: int = 0
    failed: int = 0
    searches: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"alerts: {self.sent} digests sent, {self.failed} failed, {self.alerts} alerts of "
                f"{self.addresses} addresses, {self.searches} searches run; {self.seconds:.1f} seconds")


def datetime_from_us(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def us_from_datetime(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def send_alerts(settings, index: SearchIndex | None = None) -> SendReport:
    """Send every due digest; raise IndexBusy when another send runs, MailError when SMTP fails."""
    db_path = Path(settings.alerts_db)
    try:
        with run_lock(db_path.parent, "wrans alerts send", name=f"{db_path.name}.lock"):
            if index is not None:
                return _send_locked(settings, index)
            with SearchIndex(settings.index_dir, settings.search_time_limit) as own:
                return _send_locked(settings, own)
    except IndexBusy:
        raise IndexBusy(f"another `wrans alerts send` is running (lock beside {db_path})") from None


def _send_locked(settings, index: SearchIndex) -> SendReport:
    started, report = time.monotonic(), SendReport()
    until = index.latest_change()
    with store.open_db(settings.alerts_db) as db:
        with store.transaction(db):
            store.prune(db)
        grouped = store.confirmed_by_address(db)
        report.addresses, report.alerts = len(grouped), sum(map(len, grouped.values()))
        if until is None:  # an empty index, or one built before `changed`: nothing to send yet
            return report
        if warning := plain_http_warning(settings.site_url):
            log.warning(warning)
        digests = Digests(index, Links(settings.site_url, Tokens(secret_key(settings))), until)
        with Mailer(settings) as mailer:
            for done, (email, alerts) in enumerate(grouped.items(), start=1):
                _send_one(db, mailer, digests, settings, email, alerts, report)
                if done % PROGRESS_EVERY == 0:
                    log.info("alerts: %d of %d addresses done, %d digests sent",
                             done, len(grouped), report.sent)
        report.searches = digests.searches
    report.seconds = time.monotonic() - started
    return report


def _send_one(db, mailer, digests, settings, email, alerts, report) -> None:
    """Send one address its digest, if anything changed; then move its alerts' watermarks."""
    due = [a for a in alerts if (a.watermark_us or 0) < digests.until_us]
    sections = [s for s in (digests.section(a) for a in due) if s is not None]
    if sections:
        links = digests.links
        message = digest_message(mail_from(settings), email, sections, links.manage(email),
                                 links.unsubscribe(email, [a.id for a in alerts]), links.site_url)
        try:
            mailer.send(message)
        except MailError as exc:
            report.failed += 1
            log.warning("digest to one address not sent (sent next run): %s", exc)
            if report.failed >= MAX_FAILURES_IN_A_ROW and report.sent == 0:
                raise MailError(f"{report.failed} digests in a row not sent, stopping: {exc}") from exc
            return
        report.sent += 1
    if due:
        with store.transaction(db):
            store.move_watermarks(db, [a.id for a in due], digests.until_us)


class Digests:
    """Builds alert sections from one index snapshot, each search run once per watermark."""

    def __init__(self, index: SearchIndex, links: Links, until: dt.datetime):
        self.index, self.links, self.until = index, links, until
        self.until_us = us_from_datetime(until)
        self.searches = 0
        self._found: dict[tuple[str, int], tuple[int, list] | None] = {}

    def section(self, alert: store.Alert) -> Section | None:
        """The alert's part of a digest, or None when nothing it watches changed."""
        after = datetime_from_us(alert.watermark_us or alert.confirmed_us or 0)
        unsubscribe = self.links.unsubscribe(alert.email, [alert.id])
        if alert.kind == "question":
            answer = self.index.changed_answer(int(alert.target), after, self.until)
            if answer is None:
                return None
            passages = [opening(answer.answer_text, QUESTION_PASSAGE)]
            return Section(f"Your question has changed: {alert.label}", [self._item(answer, passages)],
                           unsubscribe)
        found = self._changed(alert, after)
        if not found or not found[0]:
            return None
        total, hits = found
        target = search_target_from_json(alert.target)
        items = [self._item(hit.answer, hit.snippets) for hit in hits]
        return Section(f"New answers for {alert.label}", items, unsubscribe, more=total - len(items),
                       more_url=self.links.search(target.url_query))

    def _changed(self, alert: store.Alert, after: dt.datetime) -> tuple[int, list] | None:
        key = (alert.target, us_from_datetime(after))
        if key not in self._found:
            self.searches += 1
            try:
                request = search_target_from_json(alert.target).request
                self._found[key] = changed_hits(self.index, request, after, self.until, MAX_PER_ALERT)
            except QueryError as exc:  # a search this version refuses: skip it, keep the rest
                log.warning("alert %d: search not run: %s", alert.id, exc)
                self._found[key] = None
        return self._found[key]

    def _item(self, answer, passages=()) -> Item:
        when = answer.date_answered
        return Item(heading=answer.heading or "(no heading)", department=answer.department or "",
                    date=f"{when.day} {when:%B %Y}" if when else "", url=self.links.answer(answer.id),
                    passages=list(passages), status=status_on(answer, dt.date.today()))
