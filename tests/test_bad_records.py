"""Bad stored records never stop a run: each is indexed as far as it can be, or logged and skipped.

The records are dropped into a copy of the sample as files, the real indexer
reads them (full rebuild, incremental run and the `wrans` command), and every
one that got indexed is then served: search, answer page, JSON, CSV and Atom.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.index import rebuild_index, update_index
from indexer.normalize import answer_from_record
from indexer.schema import document_from_answer
from indexer.store import record_path

from .conftest import SAMPLE_DIR, client_over

WORD = "zqhostile"  # in every indexable record's heading, so one search finds them all
SAMPLE_SIZE = 73
BIDI_AND_CONTROL = ["\x00", "\x07", "\u202e", "\u2066", "\u200b", "\ufeff"]


def record(question_id: int, **value) -> str:
    value = {"id": question_id, "house": "Commons", "heading": f"Bad record {WORD}", **value}
    return json.dumps({"value": value}, ensure_ascii=True)


# id -> file contents that can be indexed (perhaps in part)
INDEXABLE = {
    99000101: json.dumps({"value": {"id": 99000101, "questionText": f"Only an id and {WORD}"}}),
    99000102: record(99000102, answerText="<p>" + "answer words " * 80_000 + f"{WORD} end</p>"),  # ~1 MB
    99000103: record(99000103, answerText="x" * 1_000_000),  # one 1 MB "word"
    99000104: record(99000104, heading=f"Nul\x00byte {WORD}", uin="12\x003",
                     answerText="<p>nul\x00 and bell\x07 here</p>",
                     askingMember={"name": "Ms\x00 Nul", "party": "Lab\x00our"}),
    # JSON escapes of lone surrogates: json.load gives str that UTF-8 cannot encode.
    99000105: ('{"value": {"id": 99000105, "heading": "lone \\ud800 surrogate ' + WORD + '", '
               '"answerText": "<p>a \\udfff b</p>", "uin": "\\ud800", "groupedQuestions": ["\\udc00x"], '
               '"answeringBodyName": "Dept \\udc00", "askingMember": {"name": "M \\ud800"}, '
               '"attachments": [{"url": "https://x.example/\\ud800", "title": "t\\udfff"}]}}'),
    99000106: record(99000106,
                     heading=f"RTL \u202eevil\u202c zero\u200bwidth e\u0301\u0301 \U0001F600 {WORD}",
                     answerText="<p>\u2066isolate\u2069 \U0001F9D1\u200D\U0001F680 z\u0336a\u0338 "
                                "\u0645\u0631\u062d\u0628\u0627 \ufeffbom</p>"),
    99000107: json.dumps({"value": {"id": 99000107, "heading": {"a": 1}, "questionText": [WORD],
                                    "answerText": 5, "house": 7, "uin": ["x"], "dateAnswered": "9999-99-99",
                                    "dateTabled": 20240101, "attachments": [{"url": ["x"]}, "y", None],
                                    "groupedQuestions": [{"a": 1}, 5, None], "askingMember": {"name": ["x"]},
                                    "isWithdrawn": "yes", "answeringBodyId": "ten"}}),
    99000108: ('{"value": {"id": 99000108, "heading": "Out of range ' + WORD + '", '
               '"answeringBodyId": 1e400, "dateAnswered": "9999-12-31T00:00:00", '
               '"dateTabled": "0001-01-01T00:00:00", "attachments": [{"url": "https://x.example/a.pdf", '
               '"fileSizeBytes": 1e400}, {"url": "https://x.example/b.pdf", "fileSizeBytes": -1}]}}'),
    99000109: record(99000109, answerText="<ul><li>" * 3000 + "deeply nested answer" + "</li></ul>" * 3000),
    99000110: record(99000110, answerText='<p onclick="x()">hi<script>alert(1)</script>'
                                          '<a href="javascript:alert(1)">link</a><img src=x onerror=alert(1)>'
                                          "=HYPERLINK(\"https://evil.example\")</p>"),
}

# id -> file contents that cannot be indexed at all
SKIPPED = {
    99000201: b'{"value": {"id": 99000201, "heading": "cut off',
    99000202: b"",
    99000203: b"[1, 2, 3]",
    99000204: b'{"value": {"id": 99000204, "heading": "\xff\xfe not UTF-8"}}',
    99000205: b"[" * 100_000 + b"]" * 100_000,
    99000206: json.dumps({"value": {"heading": "no id"}}).encode(),
    99000207: b'{"value": {"id": 1e400}}',
    99000208: b'{"value": {"id": NaN}}',
    99000209: json.dumps({"value": {"id": 5, "heading": "filed under another id"}}).encode(),
    99000210: json.dumps({"value": "not an object"}).encode(),
}


def drop_records(data_dir) -> None:
    for question_id, text in {**INDEXABLE, **SKIPPED}.items():
        path = record_path(data_dir, question_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    (record_path(data_dir, 99000299).parent / "99000299.json").mkdir()  # a directory named like a record


def assert_skips_logged(caplog) -> None:
    warned = "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    for question_id in [*SKIPPED, 99000299]:
        assert f"{question_id}.json" in warned, question_id


@pytest.fixture(scope="module")
def bad_index_dir(tmp_path_factory):
    """A full rebuild over the sample plus every bad record."""
    data_dir = tmp_path_factory.mktemp("bad-data")
    shutil.copytree(SAMPLE_DIR / "questions", data_dir / "questions")
    drop_records(data_dir)
    index_dir = tmp_path_factory.mktemp("bad-index")
    report = rebuild_index(data_dir, index_dir)
    assert (report.indexed, report.skipped) == (SAMPLE_SIZE + len(INDEXABLE), len(SKIPPED) + 1)
    return index_dir


@pytest.fixture(scope="module")
def bad_client(bad_index_dir):
    yield from client_over(bad_index_dir)


def test_a_rebuild_indexes_what_it_can_and_logs_the_rest(data_dir, tmp_path, caplog):
    drop_records(data_dir)
    with caplog.at_level(logging.WARNING, logger="indexer.index"):
        report = rebuild_index(data_dir, tmp_path / "index")
    assert (report.indexed, report.skipped) == (SAMPLE_SIZE + len(INDEXABLE), len(SKIPPED) + 1)
    assert report.documents == SAMPLE_SIZE + len(INDEXABLE)
    assert_skips_logged(caplog)


def test_a_check_indexes_what_it_can_and_logs_the_rest(data_dir, tmp_path, caplog):
    index_dir = tmp_path / "index"
    rebuild_index(data_dir, index_dir)
    drop_records(data_dir)  # written straight into the data dir, not journaled: the check finds them
    with caplog.at_level(logging.WARNING, logger="indexer.index"):
        report = update_index(data_dir, index_dir, check=True)
    assert (report.indexed, report.skipped, report.removed) == (len(INDEXABLE), len(SKIPPED) + 1, 0)
    assert report.documents == SAMPLE_SIZE + len(INDEXABLE)
    assert_skips_logged(caplog)
    for check in (False, True):  # nothing changed: nothing lost either
        again = update_index(data_dir, index_dir, check=check)
        assert (again.indexed, again.removed, again.documents) == (0, 0, SAMPLE_SIZE + len(INDEXABLE))


def test_the_index_command_finishes_with_bad_records_and_names_them(data_dir, tmp_path):
    drop_records(data_dir)
    env = {"WRANS_DATA_DIR": str(data_dir), "WRANS_INDEX_DIR": str(tmp_path / "index"),
           "WRANS_STATE_DIR": str(tmp_path / "state"), "PATH": "/usr/bin:/bin"}
    for args in (["index"], ["index", "--rebuild"]):  # the first builds, the second rebuilds
        result = subprocess.run([sys.executable, "-m", "indexer.cli", *args], env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "Traceback" not in result.stderr
        for question_id in SKIPPED:
            assert f"skipped {record_path(data_dir, question_id)}" in result.stderr
        assert f"{len(SKIPPED) + 1} skipped, {SAMPLE_SIZE + len(INDEXABLE)} documents" in result.stderr


any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["heading", "uin", "answerText", "questionText", "answeringBodyName"]),
                       any_text),
       st.lists(any_text, max_size=3), st.lists(st.dictionaries(st.sampled_from(["url", "title"]), any_text),
                                                max_size=2))
def test_any_text_anywhere_makes_a_document_the_index_can_write(value, grouped, attachments):
    answer = answer_from_record({"value": {"id": 7, **value, "groupedQuestions": grouped,
                                           "attachments": attachments,
                                           "askingMember": {"name": value.get("heading")}}})
    for field_value in document_from_answer(answer).values():
        if isinstance(field_value, str):
            field_value.encode("utf-8")
            assert "\x00" not in field_value


def test_one_search_finds_every_indexable_record(bad_client):
    response = bad_client.get(f"/api/search?q={WORD}&page_size=100")
    assert response.status_code == 200
    found = {hit["id"] for hit in response.get_json()["results"]}
    assert found == set(INDEXABLE) - {99000107}  # its only mention of the word was in a list


def clean_body(response) -> str:
    body = response.get_data()
    text = body.decode("utf-8")  # strict: no lone surrogates reached the bytes
    if response.mimetype == "text/csv":  # the byte-order mark a spreadsheet needs, and only that
        text = text.removeprefix("\ufeff")
    for char in BIDI_AND_CONTROL:
        assert char not in text, (response.request.path, repr(char))
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize("question_id", sorted(INDEXABLE))
def test_every_indexed_bad_record_is_served_cleanly(bad_client, question_id):
    page = bad_client.get(f"/answers/{question_id}?q={WORD}")
    assert page.status_code == 200
    soup = BeautifulSoup(clean_body(page), "html.parser")
    assert len(soup.find_all("h1")) == 1
    assert not soup.find("script", src=False) and not soup.select("[onclick], [onerror]")
    assert not any(a.get("href", "").startswith("javascript:") for a in soup.find_all("a"))

    api = bad_client.get(f"/api/answers/{question_id}")
    assert api.status_code == 200
    data = json.loads(clean_body(api))
    assert data["id"] == question_id


@pytest.mark.parametrize("url", [f"/search?q={WORD}", f"/search.csv?q={WORD}", f"/search.json?q={WORD}",
                                 f"/search.atom?q={WORD}", "/search.atom?q=", "/search.csv?sort=newest",
                                 f"/search?q={WORD}&sort=oldest", "/search?q=deeply+nested"])
def test_searches_over_bad_records_are_served_cleanly(bad_client, url):
    response = bad_client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = clean_body(response)
    if url.startswith("/search.csv"):
        limit = csv.field_size_limit(2_000_000)  # the 1 MB answer is one cell
        try:
            rows = list(csv.reader(io.StringIO(text)))
        finally:
            csv.field_size_limit(limit)
        assert len(rows) > 1
        assert not any(cell.startswith(("=", "+", "@")) for row in rows[1:] for cell in row)
    elif url.startswith("/search.atom"):
        ET.fromstring(response.get_data())
    elif url.startswith("/search.json"):
        assert json.loads(text)["results"]
    else:
        assert BeautifulSoup(text, "html.parser").find("h1")


def test_marking_a_huge_answer_stops_after_a_budget_of_text():
    from indexer.answer_html import MARK_CHARS, mark_words_in_html
    from indexer.schema import english_analyzer

    huge = "<p>" + "word " * (MARK_CHARS // 2) + "</p><p>" + "word " * 1000 + "</p>"
    marked = mark_words_in_html(huge, frozenset({"word"}), english_analyzer())
    assert 0 < marked.count("<mark>") <= MARK_CHARS // 5 + 1
    assert marked.count("word") == MARK_CHARS // 2 + 1000  # nothing dropped, only left unmarked
