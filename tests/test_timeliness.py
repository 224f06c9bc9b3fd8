"""Timeliness per department, timing fields, sorts and the answer page's timeline, on the sample.

The sample has one due date (1679416), so a copy of it gets due dates on five
real records (their tabled and answered dates are their own) and one made
awaiting; every expected figure below is computed by hand from this table:

| id       | department | tabled     | due             | answered   | days | on time |
|----------|------------|------------|-----------------|------------|------|---------|
| 1679416  | DfE        | 2024-01-05 | 2024-01-10 (nd) | 2024-01-10 | 5    | yes     |
| 90000088 | MHCLG      | 2019-06-19 | 2019-06-24      | 2019-06-28 | 9    | no      |
| 90000035 | MHCLG      | 2024-07-19 | 2024-07-29 (nd) | 2024-07-29 | 10   | yes     |
| 90000060 | FCDO       | 2023-12-11 | 2023-12-14      | 2023-12-18 | 7    | no      |
| 90000038 | DEFRA      | 2019-07-25 | none (Lords)    | 2019-08-08 | 14   | –       |
| 90000093 | DHSC       | 2017-12-11 | 2017-12-14      | awaiting   | –    | overdue |

Judged on 1 January 2025, over questions tabled in 2019-2024.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from bs4 import BeautifulSoup

from indexer import store
from indexer.index import rebuild_index
from webapp import create_app

from .conftest import SAMPLE_DIR

TODAY = "2025-01-01"
PERIOD = "from=2019-01-01&to=2024-12-31"
MHCLG = "Ministry of Housing, Communities and Local Government"
DFE, FCDO = "Department for Education", "Foreign, Commonwealth and Development Office"
DEFRA, DHSC = "Department for Environment, Food and Rural Affairs", "Department of Health and Social Care"
DUE = {90000088: ("2019-06-24", False), 90000035: ("2024-07-29", True), 90000060: ("2023-12-14", False),
       90000093: ("2017-12-14", False)}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("timeliness-data")
    shutil.copytree(SAMPLE_DIR / "questions", data_dir / "questions")
    for question_id, (due, named) in DUE.items():
        path = store.record_path(data_dir, question_id)
        record = json.loads(path.read_text(encoding="utf-8"))
        record["value"].update(dateForAnswer=due + "T00:00:00", isNamedDay=named)
        if question_id == 90000093:
            record["value"].update(answerText=None, dateAnswered=None, answeringMember=None)
        store.write_record(data_dir, record)
    index_dir = tmp_path_factory.mktemp("timeliness-index")
    rebuild_index(data_dir, index_dir)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "TODAY": TODAY})
    yield app.test_client()
    app.extensions["wrans_index"].close()


def row(department, answered=0, timed=0, on_time=0, named=(0, 0), ordinary=(0, 0), median=None, p90=None,
        overdue=0) -> dict:
    def share(part, whole):
        return part / whole if whole else None
    return {"department": department, "answered": answered, "answered_with_due_date": timed,
            "on_time": on_time, "on_time_share": share(on_time, timed),
            "named_day_answered": named[0], "named_day_on_time": named[1],
            "named_day_on_time_share": share(named[1], named[0]),
            "ordinary_answered": ordinary[0], "ordinary_on_time": ordinary[1],
            "ordinary_on_time_share": share(ordinary[1], ordinary[0]),
            "median_days_to_answer": median, "p90_days_to_answer": p90, "overdue": overdue}


HAND_COMPUTED = [
    row(MHCLG, 2, 2, 1, named=(1, 1), ordinary=(1, 0), median=9.5, p90=10),
    row(DFE, 1, 1, 1, named=(1, 1), median=5.0, p90=5),
    row(DEFRA, 1, median=14.0, p90=14),
    row(FCDO, 1, 1, 0, ordinary=(1, 0), median=7.0, p90=7),
]


def figures(client, query: str) -> dict:
    response = client.get(f"/api/timeliness?{query}")
    assert response.status_code == 200, response.data
    return response.get_json()


def without_links(rows):
    return [{k: v for k, v in r.items() if not k.endswith("_url")} for r in rows]


def test_the_figures_are_the_hand_computed_ones(client):
    body = figures(client, PERIOD)
    rows = without_links(body["departments"])
    assert rows[:4] == HAND_COMPUTED
    no_answers = next(r for r in rows if r["department"] == DHSC)  # its one question was tabled in 2017
    assert no_answers == row(DHSC)
    assert all(r == row(r["department"]) for r in rows[4:])
    assert body["chart"]["departments"] == [MHCLG, DFE, FCDO]
    months = body["chart"]["months"]
    assert (months[0], months[-1], len(months)) == ("2019-06", "2024-07", 62)
    shares = {name: {m: s for m, s in zip(months, series, strict=True) if s is not None}
              for name, series in body["chart"]["on_time_share"].items()}
    assert shares == {MHCLG: {"2019-06": 0.0, "2024-07": 1.0}, DFE: {"2024-01": 1.0}, FCDO: {"2023-12": 0.0}}


def test_overdue_counts_from_the_period_and_the_house_narrows(client):
    dhsc = next(r for r in figures(client, "from=2017-01-01")["departments"] if r["department"] == DHSC)
    assert (dhsc["overdue"], dhsc["answered"]) == (1, 0)
    lords = {r["department"]: r["answered"] for r in figures(client, PERIOD + "&house=lords")["departments"]}
    assert {name for name, answered in lords.items() if answered} == {DEFRA}


def test_department_links_find_its_overdue_and_late_questions(client):
    dhsc = next(r for r in figures(client, "from=2017-01-01")["departments"] if r["department"] == DHSC)
    found = client.get(dhsc["overdue_url"].replace("/search", "/api/search")).get_json()
    assert [r["id"] for r in found["results"]] == [90000093]
    assert found["results"][0]["status"] == "overdue"
    mhclg = figures(client, PERIOD)["departments"][0]
    late = client.get(mhclg["late_url"].replace("/search", "/api/search")).get_json()
    assert [r["id"] for r in late["results"]] == [90000088]


def test_the_csv_holds_the_same_figures(client):
    text = client.get(f"/timeliness.csv?{PERIOD}").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = [{k: "" if v is None else str(v) for k, v in r.items()} for r in HAND_COMPUTED]
    assert rows[:4] == expected


def test_the_page_shows_the_table_the_chart_and_the_definitions(client):
    soup = BeautifulSoup(client.get(f"/timeliness?{PERIOD}").data, "html.parser")
    first = soup.select("table.timeliness-table tbody tr")[0]
    assert [c.get_text(" ", strip=True) for c in first.find_all(["th", "td"])] == [
        f"{MHCLG} overdue · late answers", "2", "50% of 2", "100%", "0%", "9.5", "10", "0"]
    assert len(soup.select("svg g.series")) == 3
    assert [li.get_text(strip=True) for li in soup.select(".chart-legend li")] == [MHCLG, DFE, FCDO]
    assert "sitting days are not modelled" in soup.select_one(".definitions").get_text()


def test_sorts_by_days_to_answer_and_by_days_overdue(client):
    slowest = client.get("/api/search?sort=slowest&page_size=5").get_json()["results"]
    assert [r["id"] for r in slowest] == [90000038, 90000035, 90000088, 90000060, 1679416]
    overdue = client.get("/api/search?sort=most_overdue&status=awaiting").get_json()["results"]
    assert overdue[0]["id"] == 90000093


def test_the_record_and_the_page_state_the_timeline(client):
    record = client.get("/api/answers/90000093").get_json()
    assert {k: record[k] for k in ("status", "date_due", "days_overdue", "days_to_answer",
                                   "answered_on_time")} == {
        "status": "overdue", "date_due": "2017-12-14", "days_overdue": 2575, "days_to_answer": None,
        "answered_on_time": None}
    page = BeautifulSoup(client.get("/answers/90000093").data, "html.parser")
    assert page.select_one(".timeline").get_text() == (
        "Tabled 11 December 2017 · due 14 December · Awaiting an answer · 2575 days overdue")
    late = BeautifulSoup(client.get("/answers/90000088").data, "html.parser")
    assert late.select_one(".timeline").get_text() == (
        "Tabled 19 June 2019 · due 24 June · answered 28 June — 4 days after it was due")


def test_the_histogram_spreads_agree_with_sorting():
    import numpy as np

    from indexer.timeliness import _Columns, _sorted_spreads

    rng = np.random.default_rng(7)
    depts, days = rng.integers(1, 6, 500), rng.integers(-3, 90, 500)
    columns = _Columns.__new__(_Columns)
    columns.dept, columns.counted_days = depts, np.ones(500, dtype=bool)
    columns.tabled, columns.answered = np.zeros(500, dtype=np.int64), days * 86_400_000_000
    assert columns.day_spreads() == _sorted_spreads(depts, days)


def test_an_index_built_before_the_timing_fields_says_to_rebuild(tmp_path, monkeypatch):
    """Searches still work; the new statuses find nothing; /timeliness and the timing sorts say what to do."""
    from indexer import index as index_module
    from indexer.schema import DUE_COLUMN, LIFE_COLUMN, build_schema, document_from_answer

    def old_schema():
        schema = build_schema()
        for name in (DUE_COLUMN, LIFE_COLUMN):
            schema.remove(name)
        return schema

    def old_document(answer):
        return {k: v for k, v in document_from_answer(answer).items() if k not in (DUE_COLUMN, LIFE_COLUMN)}

    monkeypatch.setattr(index_module, "build_schema", old_schema)
    monkeypatch.setattr(index_module, "document_from_answer", old_document)
    rebuild_index(SAMPLE_DIR, tmp_path / "old", procs=1)
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "old"), "TODAY": TODAY})
    client = app.test_client()
    try:
        assert client.get("/api/search?q=sudan").get_json()["total"] == 4
        assert client.get("/api/search?status=overdue").get_json()["total"] == 0
        for url in ("/api/timeliness", "/api/search?q=sudan&sort=slowest"):
            response = client.get(url)
            assert response.status_code == 503
            assert "wrans index --rebuild" in response.get_json()["error"]["message"]
    finally:
        app.extensions["wrans_index"].close()


def test_results_mark_overdue_questions(client):
    page = BeautifulSoup(client.get("/search?status=overdue").data, "html.parser")
    [result] = page.select("li.result")
    assert result.select_one(".badge-overdue").get_text() == "Overdue"
    assert "Awaiting" not in page.select_one("li.result").get_text()
