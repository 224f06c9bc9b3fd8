"""`wrans scrape`: list what was answered, corrected or tabled unanswered in a range; store full records.

For each filter (answered, corrected, then tabled and still unanswered:
`answered=Unanswered` over `tabledWhenFrom/To`) the range is walked in windows (see
`windows.py`); each window is listed completely, its questions are unioned by id
with everything already handled in this run, and the detail of every new or
changed question is fetched and stored with `store.write_record` (atomic, only
when the bytes changed). A window is recorded as finished once all its questions
are stored, so a rerun with the same arguments skips it.

What "already have" means: a stored record whose list-level view matches the list
item, so the detail is not fetched again. Every field of the list item except the
two truncated texts must equal the stored one; the question text must be the
stored one or its first 255 characters; the answer preview must match the stored
answer's text (letters and digits only, since the API strips HTML its own way),
as a prefix when the preview ends with "...". A record with a holding answer is
always fetched again. An edit that leaves all of that alone (say, a change past
the preview that sets no correction date) is not seen: `--refetch` fetches every
listed detail regardless.

A list item that is already the whole record (no answer text, a question under
255 characters: `is_complete`) is stored as it is, without its detail request.
Progress (a bar on a terminal, a log line every 30 s otherwise) counts the
questions the range's first list page announced, the rate, and the time left.

Counts: `new`/`changed`/`unchanged` as `write_record` says (a question skipped as
already stored is `unchanged`); `failed` counts questions the list names but whose
detail is 404. Their window is not marked finished, so a rerun tries them again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from . import store
from .answer_html import text_from_html
from .api import ApiClient
from .errors import NotFound, StoreError
from .progress import Meter, progress
from .settings import Settings
from .windows import ScrapeState, Window

log = logging.getLogger("wrans.scrape")

FILTERS = (("answered", "answeredWhenFrom", "answeredWhenTo"),
           ("corrected", "correctedWhenFrom", "correctedWhenTo"))
# Questions tabled in the range and not answered yet (the list's own `answered` filter).
UNANSWERED = ("unanswered", "tabledWhenFrom", "tabledWhenTo")
FIXED_PARAMS = {"unanswered": {"answered": "Unanswered"}}
LEAF_PAGES = 10  # a window holding more than this many pages of questions is split
LIST_PASSES = 3  # list a window again when paging returned fewer ids than totalResults
QUESTION_PREVIEW = 255
PREVIEW_FIELDS = frozenset({"answerText", "questionText"})


@dataclass
class Summary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    requests: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    written: list[int] = field(default_factory=list)  # ids stored new or changed, in order
    failed_ids: list[int] = field(default_factory=list)  # ids whose detail was 404
    from_list: int = 0  # stored from the list item, no detail request needed (`is_complete`)

    @property
    def failed(self) -> int:
        return len(self.failed_ids)

    def line(self) -> str:
        return (f"scrape: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.failed} failed, {self.requests} requests, {self.seconds:.1f} seconds")


def scrape(settings: Settings, since: date, until: date, house: str | None = None,
           refetch: bool = False, also_ids: Iterable[int] = (), open_since: date | None = None,
           today: date | None = None) -> Summary:
    """Store every question answered, corrected or tabled-and-unanswered from `since` to `until`.

    A stopped run resumes. `also_ids` are fetched too unless a listing already took
    them: `wrans update` passes the questions whose stored answer is still a holding
    answer or that still await one, since the answer may come after the question
    leaves the date window. `open_since` starts the unanswered listing earlier
    than `since`, over the tabled range of the questions being re-checked: one
    listing of what is still unanswered there replaces a request per question
    (only those that left it, answered or gone, are fetched one by one).
    """
    store.sweep_temporary_files(settings.data_dir)
    state = ScrapeState(settings.state_dir, since, house, today or date.today())
    unanswered_from = min(since, open_since) if open_since else since
    walks = [(f, Window(since, until)) for f in FILTERS] + [(UNANSWERED, Window(unanswered_from, until))]
    with ApiClient(settings) as client, Meter(None, "scrape", unit="questions") as meter:
        run = ScrapeRun(client, settings.data_dir, state, house, refetch, meter)
        try:
            for (filter_name, from_param, to_param), window in walks:
                run.walk(filter_name, (from_param, to_param), window, top=True)
            extra = [i for i in dict.fromkeys(also_ids) if i not in run.seen]
            for question_id in progress(extra, "re-checking", unit="questions"):
                run.seen.add(question_id)
                run.fetch(question_id)
        except BaseException:
            log.warning("stopped early: %s", run.finish_summary().line())
            raise
    state.finish()
    if run.summary.from_list:
        log.info("%d questions stored from their list item alone (no detail request)", run.summary.from_list)
    return run.finish_summary()


class ScrapeRun:
    """One run: walks windows, decides which details to fetch, stores them, counts."""

    def __init__(self, client: ApiClient, data_dir, state: ScrapeState, house: str | None, refetch: bool,
                 meter: Meter | None = None):
        self.client, self.data_dir, self.state = client, data_dir, state
        self.refetch = refetch
        self.meter = meter or Meter(None, "scrape", unit="questions")
        self.base = {"includeWithdrawn": "true", "sessionStatus": "Any", "expandMember": "true"}
        if house:
            self.base["house"] = house
        self.seen: set[int] = set()
        self.summary = Summary()
        self.started = time.monotonic()

    def finish_summary(self) -> Summary:
        self.summary.requests = self.client.requests
        self.summary.seconds = time.monotonic() - self.started
        return self.summary

    def walk(self, filter_name: str, params: tuple[str, str], window: Window, first: dict | None = None,
             top: bool = False):
        """Take `window` whole when it is small enough, else each of its parts in turn.

        The range's first page says how many questions the whole walk will meet
        (the progress total); finished parts skipped on the way take theirs off.
        """
        if self.state.is_done(filter_name, window):
            log.debug("%s %s: finished by an earlier run", filter_name, window)
            return
        if first is None:
            first = self.probe(filter_name, params, window)
        total = first["totalResults"]
        if top:
            self.meter.expect(total)
        if total > self.client.page_size * LEAF_PAGES and window.first != window.last:
            parts = []
            for part in window.split():
                if self.state.is_done(filter_name, part):
                    self.meter.expect(-self.state.done_questions(filter_name, part))
                else:
                    parts.append((part, self.probe(filter_name, params, part)))
            if sum(page["totalResults"] for _, page in parts) <= total * 1.5:
                for part, page in parts:
                    self.walk(filter_name, params, part, page)
                return
            # Disjoint parts cannot hold more than the whole: the server ignores the filter.
            log.warning("%s %s: parts add up to more than the whole; listing it in one go",
                        filter_name, window)
        self.take_window(filter_name, self.query(params, window, filter_name), window, first)

    def probe(self, filter_name: str, params: tuple[str, str], window: Window) -> dict:
        """Fetch the first list page of a window: its size decides whether to split it."""
        what = f"{filter_name} window {window}"
        return self.client.list_page(self.query(params, window, filter_name), 0, what)

    def query(self, params: tuple[str, str], window: Window, filter_name: str = "") -> dict:
        return {**self.base, **FIXED_PARAMS.get(filter_name, {}),
                params[0]: window.first.isoformat(), params[1]: window.last.isoformat()}

    def take_window(self, filter_name: str, query: dict, window: Window, first: dict) -> None:
        """List a window, store what is new or changed, and record it finished if nothing failed."""
        what = f"{filter_name} window {window}"
        items = self.list_window(query, what, first)
        failed_before = self.summary.failed
        for item in items:
            self.take(item)
            self.meter.add(1)
        # Unanswered windows are never recorded finished: a resumed run lists them again
        # (cheap), since the questions they list are what spares a detail request per
        # awaiting question re-checked (`also_ids`).
        if (self.summary.failed == failed_before and len(items) >= first["totalResults"]
                and filter_name != UNANSWERED[0]):
            self.state.mark_done(filter_name, window, len(items))
        log.info("%s: %d listed; so far %s; %s", what, len(items), self.finish_summary().line(),
                 self.meter.line())

    def list_window(self, query: dict, what: str, first: dict) -> list[dict]:
        """List every question of a window once, by id, paging again if pages shifted under us."""
        found: dict[int, dict] = {}
        for attempt in range(LIST_PASSES):
            page_one = first if attempt == 0 else None
            for item in self.client.iter_list(query, what, page_one):
                found.setdefault(item["value"]["id"], item)
            if len(found) >= first["totalResults"]:
                break
            log.warning("%s: paging gave %d distinct ids of %d; listing again", what, len(found),
                        first["totalResults"])
        return list(found.values())

    def take(self, item: dict) -> None:
        """Store one listed question unless this run or an earlier one already has it.

        Its detail is fetched unless the list item is already the whole record
        (`is_complete`), which is then stored as the detail would have been.
        """
        listed = item["value"]
        question_id = listed["id"]
        if question_id in self.seen:
            return
        self.seen.add(question_id)
        if not self.refetch and is_current(self.stored_record(question_id), listed):
            self.summary.unchanged += 1
        elif not self.refetch and is_complete(listed):
            self.summary.from_list += 1
            self.store(question_id, {"value": listed, "links": item.get("links", [])})
        else:
            self.fetch(question_id)

    def fetch(self, question_id: int) -> None:
        """Fetch one question's detail and store it; a 404 is counted as failed, not raised."""
        try:
            record = self.client.question(question_id)
        except NotFound as exc:
            self.summary.failed_ids.append(question_id)
            self.summary.failures.append(str(exc))
            log.warning("skipped: %s", exc)
            return
        self.store(question_id, record)

    def store(self, question_id: int, record: dict) -> None:
        outcome = store.write_record(self.data_dir, record)
        setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
        if outcome != "unchanged":
            self.summary.written.append(question_id)

    def stored_record(self, question_id: int) -> dict | None:
        path = store.record_path(self.data_dir, question_id)
        if not path.exists():
            return None
        try:
            return store.read_record(path)
        except StoreError as exc:
            log.warning("%s; fetching it again", exc)
            return None


def is_complete(listed: dict) -> bool:
    """Is a list item the whole record, as the detail would give it?

    The list cuts two texts: the answer becomes a plain-text preview (the detail
    has HTML), the question is cut at 255 characters. A question with no answer
    text (unanswered, or withdrawn) and a shorter question text lost nothing; the
    correction texts are required empty too, since no recording shows how the
    list gives them. Holding answers are always fetched (they have answer text).
    """
    return (not listed.get("answerText") and not listed.get("originalAnswerText")
            and not listed.get("comparableAnswerText") and not listed.get("answerIsHolding")
            and isinstance(listed.get("questionText") or "", str)
            and len(listed.get("questionText") or "") < QUESTION_PREVIEW)


def is_current(stored: dict | None, listed: dict) -> bool:
    """Does the stored record already say what the list item says (see the module docstring)?"""
    value = stored.get("value") if isinstance(stored, dict) else None
    if not isinstance(value, dict) or value.get("answerIsHolding"):
        return False
    for key, listed_field in listed.items():
        if key not in PREVIEW_FIELDS and (key not in value or value[key] != listed_field):
            return False
    return (question_matches(value.get("questionText"), listed.get("questionText"))
            and answer_matches(value.get("answerText"), listed.get("answerText")))


def question_matches(stored: str | None, listed: str | None) -> bool:
    """Is `listed` the stored question text, or its first 255 characters?"""
    if not stored or not listed:
        return not stored and not listed
    if len(listed) >= QUESTION_PREVIEW:
        return stored.startswith(listed)
    return stored == listed


def answer_matches(stored_html: str | None, listed: str | None) -> bool:
    """Does the list's plain-text preview agree with the stored answer HTML?"""
    if not stored_html or not listed:
        return not stored_html and not listed
    stored_key = _letters(text_from_html(stored_html))
    if listed.endswith("..."):
        return stored_key.startswith(_letters(listed[:-3]))
    return stored_key == _letters(listed)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())
