"""A small temp index whose records hold text that breaks naive CSV, XML and spreadsheets."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from indexer import store
from indexer.index import rebuild_index

from .conftest import SAMPLE_DIR

BASE_RECORD = SAMPLE_DIR / "questions" / "01679" / "1679416.json"
AWKWARD = {
    91000001: {
        "heading": '=HYPERLINK("http://evil.example","click") <b>&amp; co</b>',
        "questionText": 'To ask, with commas, "double quotes" and \'single\' ones, about <tag> & such.',
        "answerText": ('<p>First, "quoted" paragraph.</p>'
                       '<p>Second line, after a newline; 5 &lt; 6 &amp; ok.</p>'),
        "dateAnswered": "2025-03-04T00:00:00",
    },
    91000002: {
        "heading": "+44 Telephone Numbers",
        "questionText": "-1 is a negative number, @SUM(A1:A2) a function",
        "answerText": "<p>@cmd|' /C calc'!A0</p>",
        "dateAnswered": "2025-03-05T00:00:00",
    },
    91000003: {
        "heading": "Plain heading]]></title><script>alert(1)</script>",
        "questionText": "A question with a tab\there and a bell\x07 in it.",
        "answerText": "<p>Quite plain.</p>",
        "dateAnswered": "2025-03-06T00:00:00",
    },
}


def write_awkward_records(data_dir: Path) -> None:
    base = json.loads(BASE_RECORD.read_text(encoding="utf-8"))
    for question_id, changes in AWKWARD.items():
        record = copy.deepcopy(base)
        record["value"].update(changes, id=question_id, uin=str(question_id % 10000))
        store.write_record(data_dir, record)


def build_awkward_index(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("awkward-data")
    write_awkward_records(data_dir)
    index_dir = tmp_path_factory.mktemp("awkward-index")
    rebuild_index(data_dir, index_dir)
    return index_dir
