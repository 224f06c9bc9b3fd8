"""Answer.display_heading: a record without a heading is named by its question's first words."""

from __future__ import annotations

import dataclasses

import pytest

from indexer.normalize import answer_from_record
from indexer.records import LABEL_CHARS
from indexer.store import iter_record_paths, read_record

from .conftest import SAMPLE_DIR

SAMPLE = [answer_from_record(read_record(path)) for path in iter_record_paths(SAMPLE_DIR)]
BY_ID = {a.id: a for a in SAMPLE}


@pytest.mark.parametrize(("question_id", "label"), [
    (90000036, "Whether they will increase multi-year funding to support the most…"),  # Lords formula
    (90000058, "What steps is he taking to support the steel industry"),  # whole question, no "…"
    (90000029, "Pursuant to the Answer of 27 March 2025 to Question 40390 on Data…"),
    (90000084, "I meet regularlywith Ministerial colleagues to discuss important…"),  # no question: answer
    (90000060, "Sudan: Humanitarian Aid"),  # its own heading wins
])
def test_labels_of_real_records(question_id, label):
    assert BY_ID[question_id].display_heading == label


def test_every_sample_record_gets_a_short_label_that_is_not_a_bare_number():
    for answer in SAMPLE:
        label = answer.display_heading
        assert label and not label.startswith("Written question")
        assert answer.heading or len(label) <= LABEL_CHARS + 1


def test_the_asking_formula_of_older_records_is_dropped_too():
    old = BY_ID[90000049]  # "Mr. Ralph Howellasked the Chancellor of the Exchequer what loss ..."
    assert dataclasses.replace(old, heading="").display_heading.startswith("What loss of revenue would")


def test_a_record_with_no_text_at_all_falls_back_to_its_uin_or_id():
    empty = dataclasses.replace(BY_ID[90000060], heading="", question_text="", answer_text="")
    assert empty.display_heading == "Written question 6173"
    assert dataclasses.replace(empty, uin=None).display_heading == "Written question 90000060"
