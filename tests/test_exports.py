"""Whole-result-set downloads, /search.csv and /search.json, parsed as a spreadsheet or script would."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from bs4 import BeautifulSoup

from indexer.export import MAX_EXPORT_ROWS, export_answers
from indexer.search import SearchRequest
from indexer.serialize import CSV_COLUMNS
from webapp.api import download_name, query_slug

from .awkward import AWKWARD
from .openapi_check import schema_errors

UTF8_BOM = b"\xef\xbb\xbf"


def csv_rows(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv" and response.mimetype_params == {"charset": "utf-8"}
    assert response.get_data().startswith(UTF8_BOM)  # Excel reads the file as UTF-8 only with it
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def page_total(client, url):
    soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return int(soup.h1.get_text(" ", strip=True).split()[0].replace(",", ""))


@pytest.mark.parametrize("query", ["q=Sudan", "q=tax", "house=Commons", "house=Lords", "dept=Home+Office",
                                   "q=government&sort=newest", "answered_from=2024-01-01"])
def test_csv_row_count_equals_the_total_on_the_page(client, query):
    rows = csv_rows(client, f"/search.csv?{query}")
    assert len(rows) == page_total(client, f"/search?{query}") > 0
    assert len({row["id"] for row in rows}) == len(rows)


def test_export_of_everything_holds_every_sample_answer(client):
    rows = csv_rows(client, "/search.csv")
    documents = client.get("/healthz").get_json()["documents"]
    assert len(rows) == documents == 73
    houses = {row["house"] for row in rows}
    assert sum(page_total(client, f"/search?house={h}") for h in houses if h) == sum(
        1 for row in rows if row["house"])


def test_csv_is_every_page_in_the_page_order(client):
    ids, page = [], 1
    while True:
        data = client.get(f"/api/search?q=government&sort=newest&page_size=7&page={page}").get_json()
        ids += [str(r["id"]) for r in data["results"]]
        if page * 7 >= data["total"]:
            break
        page += 1
    assert [row["id"] for row in csv_rows(client, "/search.csv?q=government&sort=newest&page=3")] == ids


def test_csv_row_holds_the_record(client):
    [row] = csv_rows(client, "/search.csv?q=criminal+gangs+smuggling")
    record = client.get(f"/api/answers/{row['id']}").get_json()
    expected = {key: "" if record[key] is None else json.dumps(record[key]) if isinstance(record[key], bool)
                else str(record[key])
                for key in CSV_COLUMNS if key in record and not isinstance(record[key], list)}
    assert {key: row[key] for key in expected} == expected
    assert list(row)[-7:] == ["date_due", "named_day", "days_to_answer", "days_to_holding_answer",
                              "answered_on_time", "days_overdue", "response_types"]
    assert row["response_types"] == ";".join(record["response_types"])
    assert row["asking_member"] == (record["asking_member"] or {}).get("name", "")


def test_csv_keeps_commas_quotes_and_newlines_inside_cells(awkward_client):
    rows = {row["id"]: row for row in csv_rows(awkward_client, "/search.csv")}
    assert len(rows) == len(AWKWARD)
    first = rows["91000001"]
    assert first["question_text"] == ('To ask, with commas, "double quotes" and \'single\' ones, '
                                      'about & such.')
    assert first["answer_text"] == 'First, "quoted" paragraph.\n\nSecond line, after a newline; 5 < 6 & ok.'


def test_csv_neutralises_formulas(awkward_client):
    rows = {row["id"]: row for row in csv_rows(awkward_client, "/search.csv")}
    assert rows["91000001"]["heading"].startswith("'=HYPERLINK(")
    assert rows["91000002"]["heading"] == "'+44 Telephone Numbers"
    assert rows["91000002"]["question_text"] == "'-1 is a negative number, @SUM(A1:A2) a function"
    assert rows["91000002"]["answer_text"] == "'@cmd|' /C calc'!A0"
    assert rows["91000003"]["heading"].startswith("Plain heading")


def test_exports_are_streamed_downloads_named_for_the_query_and_day(client):
    today = dt.date.today().isoformat()
    for url, name in (("/search.csv?q=Sudan", f"wrans-sudan-{today}.csv"),
                      ("/search.json?q=Sudan", f"wrans-sudan-{today}.json"),
                      ("/search.csv?house=Lords", f"wrans-search-{today}.csv"),
                      ("/search.json?q=%E2%80%99%C2%A3+", f"wrans-search-{today}.json")):
        response = client.get(url)
        assert response.is_streamed
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        assert response.headers["X-Export-Truncated"] == "false"
        assert response.headers["X-Total-Count"] == response.headers["X-Export-Rows"]
        response.close()


@pytest.mark.parametrize("q, slug", [
    ("Sudan", "sudan"), ("  Home Office: asylum  ", "home-office-asylum"),
    ('dept:"Department for Education" AND café', "dept-department-for-education-and-cafe"),
    ("../../etc/passwd", "etc-passwd"), ('a"; filename=evil.exe', "a-filename-evil-exe"),
    ("£’—", ""), ("word " * 30, "word-word-word-word-word-word-word-word-word-word"),
    ("x" * 80, "x" * 50),
])
def test_download_names_are_safe_bounded_slugs(q, slug):
    assert query_slug(q) == slug
    name = download_name(q, dt.date(2026, 11, 29), "csv")
    assert name == f"wrans-{slug or 'search'}-2026-11-29.csv"
    assert re.fullmatch(r"wrans-[a-z0-9-]{1,50}-2026-11-29\.csv", name)


def test_csv_keeps_pound_signs_and_curly_quotes_for_a_spreadsheet(client):
    data = client.get("/search.csv?q=%22Children%3A+Poverty%22").get_data()
    assert data.startswith(UTF8_BOM) and data.count(UTF8_BOM) == 1
    [row] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert row["heading"] == "Children: Poverty"
    assert "£" in row["answer_text"] and "’" in row["answer_text"]


def test_json_export_conforms_and_matches_the_csv(client):
    openapi = client.get("/api/openapi.json").get_json()
    data = client.get("/search.json?house=Lords").get_json()
    assert schema_errors(openapi, data, {"$ref": "#/components/schemas/Export"}) == []
    assert (data["query"], data["truncated"], data["max_rows"]) == ("", False, MAX_EXPORT_ROWS)
    shown = page_total(client, "/search?house=Lords")
    assert data["total"] == data["exported"] == len(data["results"]) == shown
    rows = csv_rows(client, "/search.csv?house=Lords")
    assert [str(r["id"]) for r in data["results"]] == [r["id"] for r in rows]


def test_json_export_keeps_awkward_text(awkward_client):
    data = json.loads(awkward_client.get("/search.json").get_data(as_text=True))
    headings = {r["id"]: r["heading"] for r in data["results"]}
    assert headings[91000001] == AWKWARD[91000001]["heading"]


def test_exports_stop_at_the_configured_cap(sample_index_dir):
    from webapp import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index_dir), "EXPORT_MAX_ROWS": 5})
    try:
        check_capped_exports(app.test_client())
    finally:
        app.extensions["wrans_index"].close()


def check_capped_exports(client):
    response = client.get("/search.csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + 5
    assert (response.headers["X-Total-Count"], response.headers["X-Export-Rows"],
            response.headers["X-Export-Truncated"]) == ("73", "5", "true")
    data = client.get("/search.json").get_json()
    assert (data["total"], data["exported"], data["truncated"], len(data["results"])) == (73, 5, True, 5)


def test_the_cap_never_rises_above_the_documented_maximum(sample_index):
    export = export_answers(sample_index, SearchRequest(), max_rows=10 * MAX_EXPORT_ROWS)
    assert export.max_rows == MAX_EXPORT_ROWS == 10_000
    assert (export.total, export.rows, export.truncated) == (73, 73, False)
    assert len(list(export.answers)) == 73


@pytest.mark.parametrize("url, status", [
    ("/search.csv?page=abc", 400), ("/search.csv?sort=sideways", 400),
    ("/search.json?tabled_to=soon", 400), ("/search.csv?q=" + "word+" * 100, 400),
])
def test_bad_export_parameters_are_400s_not_500s(client, url, status):
    assert client.get(url).status_code == status


def test_exports_without_an_index_are_503(tmp_path):
    from webapp import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    for url in ("/search.csv?q=tax", "/search.json", "/search.atom?q=tax"):
        assert client.get(url).status_code == 503
