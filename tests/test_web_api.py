"""The JSON API over the real sample index, checked against its own OpenAPI document."""

import re

import pytest
from bs4 import BeautifulSoup

from indexer.search import STATUSES

from .openapi_check import refs_in, resolve, schema_errors

METHODS = {"get", "post", "put", "delete", "patch"}


@pytest.fixture(scope="module")
def openapi(app):
    with app.test_client() as client:
        return client.get("/api/openapi.json").get_json()


def assert_conforms(doc, value, name):
    assert schema_errors(doc, value, {"$ref": f"#/components/schemas/{name}"}) == []


def json_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    return response.get_json()


def test_openapi_document_is_structurally_valid(openapi):
    assert openapi["openapi"].startswith("3.0.") and openapi["info"]["title"] and openapi["info"]["version"]
    for path, item in openapi["paths"].items():
        assert path.startswith("/") and set(item) <= METHODS
        for operation in item.values():
            assert operation["summary"] and operation["responses"]
            assert all(r["description"] for r in operation["responses"].values())
            in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert in_path == set(re.findall(r"{(\w+)}", path))
            parameters = operation.get("parameters", [])
            assert all(p["in"] in ("query", "path") and "schema" in p for p in parameters)
    for ref in refs_in(openapi):
        assert ref.startswith("#/components/schemas/") and resolve(openapi, {"$ref": ref})
    for name, schema in openapi["components"]["schemas"].items():
        if schema.get("type") == "object" and "properties" in schema:
            assert set(schema["required"]) == set(schema["properties"]), name


def test_documented_paths_are_exactly_the_data_routes(app, openapi):
    def shape(rule):
        return re.sub(r"<[^>]+>", "{}", rule)

    routes = {shape(r.rule) for r in app.url_map.iter_rules()}
    documented = {re.sub(r"{\w+}", "{}", p) for p in openapi["paths"]}
    assert documented <= routes
    data_routes = {r for r in routes if r.startswith(("/api/", "/search.", "/timeliness."))}
    assert data_routes == documented


@pytest.mark.parametrize("url", ["/api/search?q=Sudan", "/api/search?q=tax&page_size=2&page=2",
                                 "/api/search?house=Lords", "/api/search", "/api/search?q=zzzzqqq"])
def test_api_search_conforms_to_its_schema(client, openapi, url):
    assert_conforms(openapi, json_of(client, url), "SearchResponse")


def test_api_search_fields_have_the_sample_values(client):
    data = json_of(client, "/api/search?q=criminal+gangs+smuggling")
    assert (data["query"], data["total"], data["page"], data["page_size"]) == (
        "criminal gangs smuggling", 1, 1, 20)
    first = data["results"][0]
    assert {k: first[k] for k in ("id", "uin", "house", "answering_body", "url", "status")} == {
        "id": 90000001, "uin": "51639", "house": "Commons", "answering_body": "Home Office",
        "url": "/answers/90000001", "status": "answered"}
    assert "<mark" in first["snippet"]
    assert {"value": "Commons", "count": 1} in data["facets"]["house"]


def test_api_search_agrees_with_the_page(client):
    page = BeautifulSoup(client.get("/search?q=Sudan").get_data(as_text=True), "html.parser")
    shown_total = int(page.h1.get_text(" ", strip=True).split()[0].replace(",", ""))
    shown_ids = [int(a["href"].split("?")[0].rsplit("/", 1)[1]) for a in page.select("li.result h2 a")]
    data = json_of(client, "/api/search?q=Sudan")
    assert data["total"] == shown_total
    assert [r["id"] for r in data["results"]] == shown_ids


def test_api_answer_is_the_full_record(client, openapi):
    record = json_of(client, "/api/answers/1679416")
    assert_conforms(openapi, record, "AnswerWithLinks")
    assert record["heading"] == "Apprentices: Employment Agencies"
    assert record["answer_html"].count("<p>") == 4 and "<" not in record["answer_text"]
    assert record["answer_text"].startswith("The department is supporting sectors")
    assert record["official_url"].endswith("/detail/2024-01-05/7926")
    assert (record["date_tabled"], record["date_answered"], record["url"]) == (
        "2024-01-05", "2024-01-10", "/answers/1679416")


@pytest.mark.parametrize("url, status", [
    ("/api/search?q=x&page=abc", 400), ("/api/search?q=x&page=0", 400),
    ("/api/search?q=x&sort=sideways", 400), ("/api/search?q=x&page_size=0", 400),
    ("/api/search?q=x&page_size=101", 400), ("/api/search?q=x&page_size=%C2%B2", 400),
    ("/api/search?answered_from=yesterday", 400), ("/api/search?attachments=maybe", 400),
    ("/api/search?q=" + "word+" * 100, 400), ("/api/answers/123", 404), ("/api/answers/abc", 404),
    ("/api/nothing-here", 404),
])
def test_api_errors_are_json_with_a_message(client, openapi, url, status):
    data = json_of(client, url, status)
    assert_conforms(openapi, data, "Error")
    assert data["error"]["status"] == status and data["error"]["message"]


def test_api_without_an_index_is_a_json_503(tmp_path, openapi):
    from webapp import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    for url in ("/api/search?q=tax", "/api/answers/1679416", "/search.json?q=tax"):
        data = json_of(client, url, 503)
        assert_conforms(openapi, data, "Error")
        assert "wrans index" in data["error"]["message"]
    assert client.get("/api/openapi.json").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE"])
@pytest.mark.parametrize("url", ["/api/search", "/api/answers/1679416", "/search.csv", "/search"])
def test_undeclared_methods_are_405_with_allow(client, method, url):
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("url", [
    "/api/search?tabled_to=&answered_from=&page=&page_size=&sort=&attachments=&status=",
    "/api/search?status=Named+day&status=corrected&status=", "/api/search?attachments=TRUE",
])
def test_empty_and_forgiving_values_are_accepted_as_described(client, openapi, url):
    assert_conforms(openapi, json_of(client, url), "SearchResponse")


def test_every_status_the_description_lists_is_accepted(client, openapi):
    status = next(p for p in openapi["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "status")
    listed = status["schema"]["enum"]
    assert set(listed) == {*STATUSES, ""}
    for value in listed:
        assert client.get(f"/api/search?status={value}").status_code == 200, value


@pytest.mark.parametrize("query", ["tabled_to=20240105", "tabled_to=2024-W01-5", "tabled_to=+2024-01-05",
                                   "answered_from=2024-02-30", "page=+2", "page=%D9%A2", "page_size=%201"])
def test_values_outside_the_description_are_refused(client, query):
    assert json_of(client, f"/api/search?{query}", 400)["error"]["message"]
