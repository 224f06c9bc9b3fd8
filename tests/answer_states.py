"""Real sample records put into the states the sample lacks: corrected, holding, withdrawn.

Each record is a bundled one with only its state fields changed, so the pages are
tested on real text. The rest of the sample is copied too, so related answers work.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from indexer import store
from indexer.index import rebuild_index

from .conftest import SAMPLE_DIR

ANDREW_MITCHELL = {"id": None, "listAs": None, "memberFrom": None, "name": "Andrew Mitchell",
                   "party": "Conservative", "partyAbbreviation": None, "partyColour": None,
                   "thumbnailUrl": None}
CORRECTED, HOLDING, WITHDRAWN, INLINE = 90000060, 90000088, 90000093, 90000035


def _corrected(value: dict) -> dict:
    """The Sudan answer corrected: the original had a wrong date and one more sentence."""
    original = value["answerText"].replace("18-20 November", "17-20 November", 1).replace(
        "</p>", " The conference was held in London.</p>", 1)
    assert original != value["answerText"]
    return {"answerIsCorrection": True, "dateAnswerCorrected": "2024-01-08T00:00:00",
            "correctingMember": ANDREW_MITCHELL, "originalAnswerText": original}


CHANGES = {
    CORRECTED: _corrected,
    HOLDING: lambda value: {"answerIsHolding": True, "dateHoldingAnswer": "2019-06-24T00:00:00",
                            "answerText": "<p>I will reply to the hon. Member as soon as possible.</p>"},
    WITHDRAWN: lambda value: {"isWithdrawn": True, "answerText": "", "dateAnswered": None,
                              "answeringMember": None},
    # An older correction: the answer marks its own change.
    INLINE: lambda value: {"answerIsCorrection": True, "answerText": value["answerText"].replace(
        "UIN 586", "UIN <del>568</del><ins>586</ins>")},
}


def build_states_index(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("states-data")
    shutil.copytree(SAMPLE_DIR / "questions", data_dir / "questions")
    for question_id, change in CHANGES.items():
        path = store.record_path(data_dir, question_id)
        record = json.loads(path.read_text(encoding="utf-8"))
        record["value"].update(change(record["value"]))
        store.write_record(data_dir, record)
    index_dir = tmp_path_factory.mktemp("states-index")
    rebuild_index(data_dir, index_dir)
    return index_dir
