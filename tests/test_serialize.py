"""The serialisers on their own: formula neutralising, CSV and streamed JSON."""

import csv
import io
import json

import pytest

from indexer.records import Answer, Member
from indexer.serialize import CSV_COLUMNS, answer_summary, csv_lines, json_lines, neutralise_formula


@pytest.mark.parametrize("cell, safe", [
    ("=1+2", "'=1+2"), ("+44", "'+44"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=b", "a=b"), ("", ""), (None, ""), (-5, -5), (7, 7),
])
def test_neutralise_formula(cell, safe):
    assert neutralise_formula(cell) == safe


def answer(n, text):
    return Answer(id=n, uin=str(n), house="Commons", heading=f"H{n}", question_text="Q, \"q\"",
                  answer_text=text, answer_html="", answering_body="HM Treasury",
                  department="HM Treasury", asking_member=Member("A Member", party="Green Party"))


def test_csv_lines_stream_in_chunks_and_parse_back():
    answers = [answer(n, f"line one, {n}\nline \"two\"") for n in range(1, 251)]
    chunks = list(csv_lines(iter(answers), flush_rows=100))
    assert len(chunks) == 3
    rows = list(csv.DictReader(io.StringIO("".join(chunks), newline="")))
    assert len(rows) == 250 and list(rows[0]) == list(CSV_COLUMNS)
    assert rows[249]["answer_text"] == 'line one, 250\nline "two"'
    assert (rows[0]["asking_member"], rows[0]["asking_member_party"]) == ("A Member", "Green Party")


def test_csv_of_nothing_is_the_header():
    assert list(csv.reader(io.StringIO("".join(csv_lines([]))))) == [list(CSV_COLUMNS)]


def test_json_lines_is_one_valid_document():
    for records in ([], [{"a": 1}], [{"a": "x\n\"y\""}, {"b": None}]):
        text = "".join(json_lines({"total": len(records)}, iter(records)))
        assert json.loads(text) == {"total": len(records), "results": records}


def test_answer_summary_cuts_at_a_word():
    assert answer_summary(answer(1, "short")) == "short"
    long = answer(1, "word " * 100)
    assert answer_summary(long, chars=22) == "word word word word …"


def test_a_cell_longer_than_a_spreadsheet_holds_is_cut_and_says_so():
    from indexer.serialize import SPREADSHEET_CELL_MAX

    text = "word " * 100_000  # a 500,000-character answer
    out = "".join(csv_lines([answer(1, text), answer(2, "short")]))
    rows = list(csv.reader(io.StringIO(out, newline="")))
    cell = rows[1][CSV_COLUMNS.index("answer_text")]
    assert len(cell) == SPREADSHEET_CELL_MAX and cell.endswith("answer page]")
    assert rows[2][CSV_COLUMNS.index("answer_text")] == "short"
