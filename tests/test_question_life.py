"""Every question's life over the replay API: awaiting, overdue, answered on time or late.

The real data holds no unanswered question, so the recordings are derived from a
real one (1679416, a named-day Department for Education question tabled 5 January
2024 and due 10 January): copies with its answer removed, as the API lists a
question not yet answered (`dateAnswered` and `answerText` null). Between runs the
API changes as Parliament's does: an answer, a holding answer then an answer, a
withdrawal. Every run is a real `update` over HTTP into a real index on disk, with
its day injected (`today`), so the dates are fixed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from indexer.search import SearchIndex, SearchRequest
from indexer.serialize import answer_to_record
from indexer.settings import load_settings
from indexer.update import open_to_recheck, update

from .conftest import SAMPLE_DIR
from .support.replay_server import ReplayApi

REAL = json.loads((SAMPLE_DIR / "questions/01679/1679416.json").read_text(encoding="utf-8"))
TO_ANSWER, TO_HOLD, TO_WITHDRAW = 1_800_001, 1_800_002, 1_800_003
DAY = "T00:00:00"


def unanswered(question_id: int, uin: str) -> dict:
    """The real question as the API gives it before its answer."""
    record = copy.deepcopy(REAL)
    record["value"].update(id=question_id, uin=uin, answerText=None, dateAnswered=None,
                           answeringMemberId=None, answeringMember=None)
    record["links"] = [{"href": f"/Questions/{question_id}", "method": "GET", "rel": "self"}]
    return record


@pytest.fixture
def api():
    records = [unanswered(TO_ANSWER, "9001"), unanswered(TO_HOLD, "9002"), unanswered(TO_WITHDRAW, "9003")]
    with ReplayApi(records) as server:
        yield server


@pytest.fixture
def settings(api, tmp_path):
    return load_settings(api_url=api.url, data_dir=tmp_path / "data", state_dir=tmp_path / "state",
                         index_dir=tmp_path / "index", requests_per_second=0, retry_backoff=0.01,
                         max_tries=2, page_size=20, update_first_date="2024-01-01")


def answer(api, question_id: int, day: str, text: str = "<p>The department answers.</p>") -> None:
    api.records[question_id]["value"].update(answerText=text, dateAnswered=day + DAY, answeringMemberId=3985,
                                             answerIsHolding=False)


def record(settings, question_id: int, today: dt.date) -> dict:
    with SearchIndex(settings.index_dir) as index:
        return answer_to_record(index.get_answer(question_id), today)


def ids(settings, status: str, today: dt.date) -> set[int]:
    with SearchIndex(settings.index_dir) as index:
        found = index.search(SearchRequest(filters=(("status", status),), page_size=100, today=today))
        return {hit.answer.id for hit in found.hits}


def test_an_unanswered_question_is_stored_awaiting_then_overdue_then_answered(api, settings):
    report = update(settings, today=dt.date(2024, 1, 8))
    assert report.scrape.new == 3
    before_due = dt.date(2024, 1, 8)
    assert ids(settings, "awaiting", before_due) == {TO_ANSWER, TO_HOLD, TO_WITHDRAW}
    assert ids(settings, "overdue", before_due) == set()
    shown = record(settings, TO_ANSWER, before_due)
    assert (shown["status"], shown["date_due"], shown["named_day"], shown["days_overdue"]) == (
        "awaiting", "2024-01-10", True, None)

    past_due = dt.date(2024, 1, 12)  # no update run: overdue is judged when asked
    assert ids(settings, "overdue", past_due) == {TO_ANSWER, TO_HOLD, TO_WITHDRAW}
    assert record(settings, TO_ANSWER, past_due)["days_overdue"] == 2
    assert record(settings, TO_ANSWER, past_due)["status"] == "overdue"

    answer(api, TO_ANSWER, "2024-01-15")  # answered before the next run's window: the re-check finds it
    update(settings, today=dt.date(2024, 1, 20))
    done = record(settings, TO_ANSWER, dt.date(2024, 1, 20))
    assert (done["status"], done["days_to_answer"], done["answered_on_time"], done["days_overdue"]) == (
        "answered", 10, False, None)
    assert TO_ANSWER in ids(settings, "late", dt.date(2024, 1, 20))
    assert TO_ANSWER not in ids(settings, "overdue", dt.date(2024, 1, 20))


def test_a_holding_answer_then_the_answer_keeps_both_dates(api, settings):
    update(settings, today=dt.date(2024, 1, 8))
    api.records[TO_HOLD]["value"].update(answerIsHolding=True, dateHoldingAnswer="2024-01-09" + DAY,
                                         dateAnswered="2024-01-09" + DAY,
                                         answerText="<p>I will reply as soon as possible.</p>")
    update(settings, today=dt.date(2024, 1, 11))
    held = record(settings, TO_HOLD, dt.date(2024, 1, 11))
    assert (held["status"], held["days_to_holding_answer"], held["days_to_answer"], held["days_overdue"]) == (
        "holding", 4, None, 1)
    answer(api, TO_HOLD, "2024-01-16")
    update(settings, today=dt.date(2024, 1, 17))
    done = record(settings, TO_HOLD, dt.date(2024, 1, 17))
    assert (done["date_holding_answer"], done["date_answered"]) == ("2024-01-09", "2024-01-16")
    timing = (done["days_to_holding_answer"], done["days_to_answer"], done["answered_on_time"])
    assert timing == (4, 11, False)


def test_a_withdrawn_awaiting_question_stops_being_rechecked(api, settings):
    update(settings, today=dt.date(2024, 1, 8))
    api.records[TO_WITHDRAW]["value"]["isWithdrawn"] = True
    update(settings, today=dt.date(2024, 1, 9))
    assert record(settings, TO_WITHDRAW, dt.date(2024, 1, 9))["status"] == "withdrawn"
    assert TO_WITHDRAW not in ids(settings, "awaiting", dt.date(2024, 1, 9))
    del api.records[TO_WITHDRAW]  # gone from every listing: only a re-check by id would ask for it
    asked_before = api.count("detail", TO_WITHDRAW)
    report = update(settings, today=dt.date(2024, 1, 10))
    assert api.count("detail", TO_WITHDRAW) == asked_before
    assert report.open_rechecked == 2 and report.scrape.failed == 0


def test_the_recheck_is_one_listing_not_a_request_per_question(api, settings):
    update(settings, today=dt.date(2024, 1, 8))
    details = api.count("detail")
    lists = api.count("list")
    report = update(settings, today=dt.date(2024, 1, 9))
    assert report.open_rechecked == 3
    assert api.count("detail") == details  # nothing changed: no question fetched
    unanswered_lists = [r for r in api.requests[lists:] if r.query.get("answered") == "Unanswered"]
    assert [r.query["tabledWhenFrom"] for r in unanswered_lists] == ["2024-01-05"]


def test_questions_open_past_the_limit_are_rechecked_weekly():
    today = dt.date(2024, 6, 1)
    awaiting = [(1, dt.date(2024, 5, 20)), (2, dt.date(2023, 1, 5)), (3, None)]
    assert open_to_recheck(awaiting, today, 60, weekly=False) == ([1], dt.date(2024, 5, 20))
    assert open_to_recheck(awaiting, today, 60, weekly=True) == ([1, 2, 3], dt.date(2023, 1, 5))
