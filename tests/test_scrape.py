"""`scrape()` over real HTTP against the replay server: complete, byte-exact, fault-tolerant."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from indexer import store
from indexer.errors import ApiError
from indexer.scrape import scrape
from indexer.settings import load_settings

from .conftest import SAMPLE_DIR
from .support.replay_server import ReplayApi

EVER = date(1900, 1, 1)
TODAY = date.today()


@pytest.fixture
def api():
    with ReplayApi.from_sample(SAMPLE_DIR) as server:
        yield server


def settings_for(api, tmp_path, **overrides):
    """Fast settings: no rate limit, tiny backoff, short read timeout, small pages (so windows split)."""
    values = dict(data_dir=tmp_path / "data", state_dir=tmp_path / "state", api_url=api.url,
                  requests_per_second=0.0, retry_backoff=0.01, connect_timeout=2.0, read_timeout=0.5,
                  max_tries=4, page_size=5)
    return load_settings(**{**values, **overrides})


def stored_files(data_dir) -> dict[int, bytes]:
    return {store.question_id_from_path(p): p.read_bytes() for p in store.iter_record_paths(data_dir)}


def served_files(api, ids=None) -> dict[int, bytes]:
    return {i: store.canonical_bytes(r) for i, r in api.records.items() if ids is None or i in ids}


def leftovers(tmp_path) -> list[str]:
    return sorted(str(p) for p in tmp_path.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp")


def test_a_backfill_stores_every_record_in_full_and_byte_exact(api, tmp_path):
    settings = settings_for(api, tmp_path)
    summary = scrape(settings, EVER, TODAY)
    assert stored_files(settings.data_dir) == served_files(api)
    assert (summary.new, summary.changed, summary.unchanged, summary.failed) == (73, 0, 0, 0)
    assert summary.requests == len(api.requests)
    assert api.count("detail") == 73
    listed = [r.query for r in api.requests if r.kind == "list"]
    assert all(q["includeWithdrawn"] == "true" and q["sessionStatus"] == "Any"
               and q["expandMember"] == "true" for q in listed)
    assert {"answeredWhenFrom", "correctedWhenFrom"} <= {k for q in listed for k in q}
    assert leftovers(tmp_path) == []


def test_the_list_preview_is_truncated_so_details_matter(api):
    long_answer = api.list_payload({"answeredWhenFrom": "1900-01-01", "take": "100"})["results"]
    previews = {item["value"]["id"]: item["value"]["answerText"] for item in long_answer}
    assert previews[1679416].endswith("...") and len(previews[1679416]) == 258
    assert "<p>" not in previews[1679416]
    assert len(api.records[1679416]["value"]["answerText"]) == 1514


def test_a_second_run_fetches_no_detail_it_already_has(api, tmp_path):
    settings = settings_for(api, tmp_path)
    scrape(settings, EVER, TODAY)
    before = len(api.requests)
    summary = scrape(settings, EVER, TODAY)
    holding = {i for i, r in api.records.items() if r["value"]["answerIsHolding"]}
    assert holding == {90000049}  # "I will let the hon. Member have a reply as soon as possible."
    assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 73)
    assert {r.question_id for r in api.requests[before:] if r.kind == "detail"} == holding


def test_a_corrected_answer_is_fetched_again_and_only_it(api, tmp_path):
    settings = settings_for(api, tmp_path)
    scrape(settings, EVER, TODAY)
    value = api.records[90000030]["value"]
    value.update(answerText=value["answerText"].replace("</p>", " (corrected)</p>", 1),
                 answerIsCorrection=True, dateAnswerCorrected="2026-03-02T00:00:00")
    before = api.count("detail")
    summary = scrape(settings, date(2026, 3, 1), date(2026, 3, 31))
    assert (summary.new, summary.changed, summary.unchanged) == (0, 1, 0)
    assert api.count("detail") - before == 1
    assert stored_files(settings.data_dir)[90000030] == store.canonical_bytes(api.records[90000030])


def test_a_changed_preview_alone_triggers_a_fetch(api, tmp_path):
    settings = settings_for(api, tmp_path)
    scrape(settings, EVER, TODAY)
    value = api.records[90000075]["value"]
    value["answerText"] = "<p>A completely different short answer.</p>"
    summary = scrape(settings, date(1985, 1, 1), date(1985, 12, 31))
    assert (summary.changed, summary.unchanged) == (1, 1)


def test_holding_answers_are_fetched_every_run(api, tmp_path):
    api.records[90000031]["value"]["answerIsHolding"] = True
    settings = settings_for(api, tmp_path)
    scrape(settings, date(1985, 6, 27), date(1985, 6, 27))
    scrape(settings, date(1985, 6, 27), date(1985, 6, 27))
    assert api.count("detail", 90000031) == 2
    assert api.count("detail", 90000075) == 1


def test_one_house_only(api, tmp_path):
    settings = settings_for(api, tmp_path)
    scrape(settings, EVER, TODAY, house="Lords")
    lords = {i for i, r in api.records.items() if r["value"]["house"] == "Lords"}
    assert set(stored_files(settings.data_dir)) == lords and len(lords) == 7


def test_every_fault_is_retried_and_nothing_bad_is_stored(api, tmp_path):
    for kind, target in [("500", "list"), ("drop", "list"), ("html", "list"), ("no_value", "list"),
                         ("500", 1679416), ("429", 1679416), ("slow", 1679416), ("truncated", 1679416),
                         ("html", 90000001), ("no_value", 90000001), ("drop", 90000001),
                         ("truncated", "list")]:
        api.add_fault(kind, target)
    settings = settings_for(api, tmp_path, max_tries=6)
    started = time.monotonic()
    summary = scrape(settings, EVER, TODAY)
    assert stored_files(settings.data_dir) == served_files(api)
    assert summary.new == 73
    served = [(r.fault, r.question_id) for r in api.requests if r.fault]
    assert len(served) == 12 and all(f.times == 0 for f in api.faults)
    assert api.count("detail", 1679416) == 5 and api.count("detail", 90000001) == 4
    assert time.monotonic() - started >= 1.0
    tries = [r for r in api.requests if r.question_id == 1679416]
    assert [r.fault for r in tries] == ["500", "429", "slow", "truncated", None]
    assert tries[2].at - tries[1].at >= 1.0  # Retry-After: 1 was honoured
    assert leftovers(tmp_path) == []


def test_retries_are_bounded_and_the_error_names_url_and_question(api, tmp_path):
    api.add_fault("500", 90000040, times=100)
    settings = settings_for(api, tmp_path, max_tries=3)
    with pytest.raises(ApiError) as failure:
        scrape(settings, EVER, TODAY)
    message = str(failure.value)
    assert "question 90000040" in message and "after 3 tries" in message
    assert f"{api.url}/api/writtenquestions/questions/90000040?expandMember=true" in message
    assert api.count("detail", 90000040) == 3
    assert not store.record_path(settings.data_dir, 90000040).exists()
    assert leftovers(tmp_path) == []


def test_a_failing_list_names_its_window(api, tmp_path):
    api.add_fault("html", "list", times=100)
    settings = settings_for(api, tmp_path, max_tries=2)
    with pytest.raises(ApiError, match=r"answered window 1900-01-01\.\.\S+ failed after 2 tries"):
        scrape(settings, EVER, TODAY)
    assert api.count("list") == 2 and stored_files(settings.data_dir) == {}


def test_a_missing_detail_is_counted_as_failed_and_tried_again_next_run(api, tmp_path):
    api.hidden.add(90000093)
    settings = settings_for(api, tmp_path)
    summary = scrape(settings, EVER, TODAY)
    assert (summary.new, summary.failed) == (72, 1)
    assert "90000093" in summary.failures[0] and "404" in summary.failures[0]
    assert api.count("detail", 90000093) == 1
    api.hidden.clear()
    again = scrape(settings, EVER, TODAY)
    assert (again.new, again.failed, again.unchanged) == (1, 0, 72)
    assert stored_files(settings.data_dir) == served_files(api)


def test_a_stopped_backfill_skips_finished_windows(api, tmp_path):
    api.add_fault("500", 90000078, times=100)  # answered 2026-02-12: the last year fails
    settings = settings_for(api, tmp_path, max_tries=2)
    with pytest.raises(ApiError):
        scrape(settings, EVER, TODAY)
    state = json.loads((settings.state_dir / "scrape-1900-01-01-all.json").read_text())
    assert state["done"] and all(d["filter"] == "answered" for d in state["done"])
    fetched = {r.question_id for r in api.requests if r.kind == "detail"}
    api.faults.clear()
    before = len(api.requests)
    summary = scrape(settings, EVER, TODAY)
    assert stored_files(settings.data_dir) == served_files(api)
    refetched = [r.question_id for r in api.requests[before:] if r.kind == "detail"]
    assert set(refetched).isdisjoint(fetched - {90000078})
    assert summary.new == 73 - len(fetched - {90000078})
    windows = {(r.query.get("answeredWhenFrom"), r.query.get("answeredWhenTo"))
               for r in api.requests[before:]}
    assert not any((d["first"], d["last"]) in windows for d in state["done"])
    assert not (settings.state_dir / "scrape-1900-01-01-all.json").exists()


def test_a_date_filter_the_server_ignores_does_not_explode_into_days(api, tmp_path):
    api.ignored = {"correctedWhenFrom", "correctedWhenTo"}
    settings = settings_for(api, tmp_path)
    summary = scrape(settings, EVER, TODAY)
    assert stored_files(settings.data_dir) == served_files(api) and summary.new == 73
    corrected = [r for r in api.requests if "correctedWhenFrom" in r.query]
    assert len(corrected) == 3 + 14  # whole range, its two halves, then pages 2-15 of 73 questions
