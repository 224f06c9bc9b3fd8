"""Citations in the style used for written questions, on real sample records."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from indexer.citation import citation, citation_text, holding_date
from indexer.normalize import answer_from_record
from indexer.records import Member
from indexer.store import read_record, record_path

from .conftest import SAMPLE_DIR

URL = "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926"


def real(question_id):
    return answer_from_record(read_record(record_path(SAMPLE_DIR, question_id)))


@pytest.fixture(scope="module")
def apprentices():
    return real(1679416)  # UIN 7926, tabled 5 January 2024, answered 10 January 2024


def test_an_answered_commons_question(apprentices):
    assert citation(apprentices) == (
        "Written question UIN 7926, tabled 5 January 2024, answered 10 January 2024 "
        f"(House of Commons), {URL}")


def test_a_holding_answer_is_cited_by_its_holding_date_not_as_answered(apprentices):
    holding = dataclasses.replace(apprentices, is_holding=True, date_holding_answer=dt.date(2024, 1, 9))
    assert citation_text(holding) == (
        "Written question UIN 7926, tabled 5 January 2024, holding answer 9 January 2024 (House of Commons)")
    assert holding_date(holding) == dt.date(2024, 1, 9)


def test_an_earlier_holding_answer_comes_before_the_answer(apprentices):
    later = dataclasses.replace(apprentices, date_holding_answer=dt.date(2024, 1, 8))
    assert citation_text(later) == (
        "Written question UIN 7926, tabled 5 January 2024, "
        "holding answer 8 January 2024, answered 10 January 2024 (House of Commons)")


def test_a_correction_adds_its_date(apprentices):
    corrected = dataclasses.replace(apprentices, is_correction=True, date_corrected=dt.date(2024, 1, 12),
                                    correcting_member=Member("Luke Hall"))
    assert citation(corrected) == (
        "Written question UIN 7926, tabled 5 January 2024, answered 10 January 2024, "
        f"corrected 12 January 2024 (House of Commons), {URL}")


def test_lords_questions_name_their_house_even_when_only_the_uin_says_so(apprentices):
    lords = dataclasses.replace(apprentices, uin="HL1234", house=None, date_tabled=None)
    assert citation(lords) == "Written question UIN HL1234, answered 10 January 2024 (House of Lords)"


def test_what_the_record_does_not_know_is_left_out():
    headless = real(90000084)  # no heading, UIN, house, dates or question text
    assert citation(headless) == (
        "Written question “I meet regularlywith Ministerial colleagues to discuss important…”")
    assert "HC Deb" not in citation(real(90000060)) and "Deb" not in citation(real(90000036))
