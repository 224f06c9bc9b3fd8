"""The API client's pure parts and its rate limit, retry and validation rules."""

from __future__ import annotations

import time
from datetime import date

import pytest

from indexer.api import (
    ApiClient,
    RateLimiter,
    Retryable,
    check_detail,
    check_list_page,
    payload_from_body,
    seconds_from_retry_after,
)
from indexer.scrape import answer_matches, is_current, question_matches
from indexer.windows import ScrapeState, Window

from .conftest import SAMPLE_DIR
from .support.replay_server import ReplayApi, list_value
from .test_scrape import settings_for


def test_retry_after_in_seconds_or_as_a_date():
    assert seconds_from_retry_after("3") == 3.0
    assert seconds_from_retry_after(None) is None and seconds_from_retry_after("soon") is None
    now = 1_700_000_000.0
    assert seconds_from_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now=now) == 0.0
    assert seconds_from_retry_after("Tue, 14 Nov 2023 22:14:00 GMT", now=now) == 40.0


def test_the_rate_limiter_spaces_request_starts():
    clock = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(2, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert slept == [0.5, 0.5]
    unlimited = RateLimiter(0, clock=lambda: clock[0], sleep=sleep)
    unlimited.wait(), unlimited.wait()
    assert slept == [0.5, 0.5]


def test_the_rate_limit_holds_over_real_http(tmp_path):
    with ReplayApi.from_sample(SAMPLE_DIR) as api, ApiClient(
            settings_for(api, tmp_path, requests_per_second=20.0)) as client:
        started = time.monotonic()
        for question_id in list(api.records)[:11]:
            client.question(question_id)
        assert time.monotonic() - started >= 0.5
        assert client.requests == 11 and client.session.headers["User-Agent"].startswith("wrans/")


@pytest.mark.parametrize("body", [b"<html><body>busy</body></html>", b'{"totalResults": 2, "resu', b"",
                                  b"\xff\xfe{"])
def test_a_body_that_is_not_json_is_retryable(body):
    with pytest.raises(Retryable, match="not JSON"):
        payload_from_body(body)


@pytest.mark.parametrize("payload", [
    {"totalResults": 1}, {"results": []}, [], {"totalResults": "1", "results": []},
    {"totalResults": 1, "results": [{"value": {}}]},
    {"totalResults": 1, "results": [{"value": {"id": True}}]},
])
def test_a_list_page_without_its_shape_is_retryable(payload):
    with pytest.raises(Retryable):
        check_list_page(payload)


def test_a_detail_must_be_the_question_asked_for():
    record = {"value": {"id": 7}, "links": []}
    assert check_detail(record, 7) is record
    for bad in ({"links": []}, {"value": None}, {"value": {"id": 8}}):
        with pytest.raises(Retryable):
            check_detail(bad, 7)


def test_windows_split_into_halves_years_months_days():
    assert [str(w) for w in Window(date(1900, 1, 1), date(2026, 11, 28)).split()] == [
        "1900-01-01..1962-12-31", "1963-01-01..2026-11-28"]
    assert [str(w) for w in Window(date(2023, 6, 5), date(2024, 2, 9)).split()] == [
        "2023-06-05..2023-12-31", "2024-01-01..2024-02-09"]
    months = Window(date(2024, 1, 15), date(2024, 3, 2)).split()
    assert [str(w) for w in months] == ["2024-01-15..2024-01-31", "2024-02-01..2024-02-29",
                                        "2024-03-01..2024-03-02"]
    assert len(Window(date(2024, 2, 1), date(2024, 2, 29)).split()) == 29
    assert Window(date(2024, 2, 1), date(2024, 2, 1)).split() == [Window(date(2024, 2, 1), date(2024, 2, 1))]


def test_finished_windows_cover_only_what_they_cover(tmp_path):
    today = date(2024, 6, 1)
    state = ScrapeState(tmp_path, date(2024, 1, 1), None, today)
    state.mark_done("answered", Window(date(2024, 1, 1), date(2024, 1, 31)))
    state.mark_done("answered", Window(date(2024, 2, 1), date(2024, 2, 29)))
    again = ScrapeState(tmp_path, date(2024, 1, 1), None, today)
    assert again.is_done("answered", Window(date(2024, 1, 10), date(2024, 2, 20)))
    assert not again.is_done("answered", Window(date(2024, 2, 1), date(2024, 3, 1)))
    assert not again.is_done("corrected", Window(date(2024, 1, 1), date(2024, 1, 31)))
    assert not ScrapeState(tmp_path, date(2024, 1, 1), "Lords", today).is_done(
        "answered", Window(date(2024, 1, 1), date(2024, 1, 31)))


def test_a_window_still_open_when_finished_is_listed_again_another_day(tmp_path):
    ScrapeState(tmp_path, date(2024, 6, 1), None, date(2024, 6, 3)).mark_done(
        "answered", Window(date(2024, 6, 1), date(2024, 6, 3)))
    assert ScrapeState(tmp_path, date(2024, 6, 1), None, date(2024, 6, 3)).is_done(
        "answered", Window(date(2024, 6, 1), date(2024, 6, 3)))
    assert not ScrapeState(tmp_path, date(2024, 6, 1), None, date(2024, 6, 4)).is_done(
        "answered", Window(date(2024, 6, 1), date(2024, 6, 3)))


def test_a_stored_record_is_current_when_the_list_item_agrees():
    with ReplayApi.from_sample(SAMPLE_DIR) as api:
        records = api.records
    for record in records.values():
        assert is_current(record, list_value(record["value"])) is not record["value"]["answerIsHolding"]
    record = records[1679416]
    listed = list_value(record["value"])
    assert not is_current(None, listed)
    assert not is_current(record, {**listed, "isWithdrawn": True})
    assert not is_current(record, {**listed, "someNewField": 1})
    assert not is_current(record, {**listed, "answerText": "Something else entirely..."})


def test_text_previews_match_by_prefix_or_whole():
    assert question_matches("x" * 300, "x" * 255) and not question_matches("x" * 300, "y" * 255)
    assert question_matches("Short?", "Short?") and not question_matches("Short? Longer.", "Short?")
    assert question_matches(None, "") and not question_matches(None, "Asked")
    assert answer_matches("<p>Yes &amp; no.</p><p>Then</p>", "Yes & no.Then")
    assert answer_matches("<p>" + "word " * 100 + "</p>", ("word " * 51)[:255] + "...")
    assert not answer_matches("<p>Yes.</p>", "Yes. And more.")
    assert not answer_matches("<p>Yes.</p>", "")
