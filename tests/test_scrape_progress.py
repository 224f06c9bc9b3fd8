"""`wrans scrape` tells how far a backfill is, and skips details the list already holds whole.

Over the replay server (real HTTP on 127.0.0.1) serving the sample and the
lifecycle fixtures; the list is cut the way the real API cuts it.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from indexer import store
from indexer.errors import ApiError
from indexer.normalize import answer_from_record
from indexer.progress import Meter, duration
from indexer.scrape import is_complete, scrape

from .conftest import FIXTURES, SAMPLE_DIR
from .support.replay_server import ReplayApi, list_value
from .test_scrape import EVER, TODAY, served_files, settings_for, stored_files

WITHDRAWN = 90000001  # answered in the sample; withdrawn (answer text gone) in some tests below
PROGRESS = re.compile(r"scrape: (\d+)/(\d+) questions \([\d.]+/s, about [\dhms d]+ left\)")


def recorded_details() -> list[dict]:
    paths = [*store.iter_record_paths(SAMPLE_DIR), *sorted((FIXTURES / "lifecycle").glob("*.json"))]
    return [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]


@pytest.fixture
def api():
    with ReplayApi.from_sample(SAMPLE_DIR) as server:
        yield server


def withdraw(api, question_id: int) -> None:
    api.records[question_id]["value"].update(isWithdrawn=True, answerText=None, answerIsHolding=False)


# Skipping the detail

def test_a_list_item_taken_as_complete_is_the_detail_byte_for_byte():
    """Over every recorded detail: what `is_complete` accepts stores and normalises as the detail does."""
    complete = 0
    for detail in recorded_details():
        value = detail["value"]
        item = {"value": list_value(value), "links": detail["links"]}
        if is_complete(item["value"]):
            complete += 1
            assert store.canonical_bytes(item) == store.canonical_bytes(detail), value["id"]
            assert answer_from_record(item) == answer_from_record(detail)
        elif not value.get("answerText") and len(value.get("questionText") or "") < 255:
            raise AssertionError(f"{value['id']}: lost nothing in the list, yet its detail is fetched")
    assert complete >= 1  # the withdrawn lifecycle fixture


def test_the_real_recorded_list_holds_no_complete_answered_question():
    listed = json.loads((FIXTURES / "list_response_example.json").read_text())["results"]
    assert listed and not any(is_complete(item["value"]) for item in listed)  # every preview is cut HTML


def test_a_withdrawn_question_is_stored_from_its_list_item_without_a_detail_request(api, tmp_path):
    withdraw(api, WITHDRAWN)
    settings = settings_for(api, tmp_path)
    summary = scrape(settings, EVER, TODAY)
    assert stored_files(settings.data_dir) == served_files(api)  # byte-exact, as the detail would be
    assert api.count("detail", WITHDRAWN) == 0
    assert (api.count("detail"), summary.from_list, summary.new) == (72, 1, 73)


def test_refetch_fetches_the_detail_even_of_a_complete_list_item(api, tmp_path):
    withdraw(api, WITHDRAWN)
    summary = scrape(settings_for(api, tmp_path), EVER, TODAY, refetch=True)
    assert (api.count("detail", WITHDRAWN), summary.from_list) == (1, 0)


# Progress

def test_each_window_logs_questions_so_far_of_the_range_the_rate_and_the_time_left(api, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="wrans.scrape"):
        scrape(settings_for(api, tmp_path), EVER, TODAY)
    seen = [tuple(map(int, m.groups())) for m in map(PROGRESS.search, caplog.messages) if m]
    assert seen, caplog.messages[:5]
    answered = api.list_payload({"answeredWhenFrom": "1900-01-01", "answeredWhenTo": TODAY.isoformat()})
    assert seen[0][1] >= answered["totalResults"] == 73  # the range's first page announced the total
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1][0] == seen[-1][1]  # the last window finishes the count


def test_a_resumed_backfill_counts_only_what_is_left(api, tmp_path, caplog):
    api.add_fault("500", 90000078, times=100)  # answered 2026-02-12: the last year fails
    settings = settings_for(api, tmp_path, max_tries=2)
    with pytest.raises(ApiError):
        scrape(settings, EVER, TODAY)
    state = json.loads((settings.state_dir / "scrape-1900-01-01-all.json").read_text())
    finished = sum(d["questions"] for d in state["done"])
    assert finished > 0
    api.faults.clear()
    with caplog.at_level(logging.INFO, logger="wrans.scrape"):
        scrape(settings, EVER, TODAY)
    first = next(m for m in map(PROGRESS.search, caplog.messages) if m)
    assert int(first.group(2)) == 73 - finished  # the answered pass; the corrected pass adds its own later


def test_the_plain_progress_line_estimates_the_time_left():
    meter = Meter(None, "scrape", unit="questions")
    meter.expect(1_000_000)
    meter._started -= 500.0  # as if 500 seconds had passed
    meter.add(1000)
    assert meter.line() == "scrape: 1000/1000000 questions (2.0/s, about 5d 18h left)"
    meter.expect(-999_000)  # found already done on a resume
    assert meter.total == 1000 and meter.line().endswith("(2.0/s, about 0s left)")
    assert [duration(s) for s in (12, 250, 12_000, 500_000)] == ["12s", "4m 10s", "3h 20m", "5d 18h"]


def test_the_readme_backfill_time_is_what_the_default_rate_gives():
    """About a million questions, a detail request each, at the default rate: the README's figure."""
    from indexer.settings import SETTINGS

    rate = float(next(s.default for s in SETTINGS if s.name == "requests_per_second"))
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert f"about {1_000_000 / rate / 86400:.1f} days" in readme and f"{rate:g} requests/s" in readme
