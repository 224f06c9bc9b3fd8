"""Fuzzing the search parameters: whatever a URL holds, the answer is a page or JSON, never a 500.

Random values for every parameter the search pages read (and some they do not),
repeated, huge, empty, odd Unicode, markup meant to be echoed back. Each response
must be 200, a 400 that says what was wrong, or a deliberate 503 with Retry-After;
HTML must parse with no markup of ours coming from the URL, JSON must parse.
"""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MARKUP = '"><zqx onmouseover=alert(1)>'  # would become a <zqx> element if echoed unescaped
PARAMS = ["q", "page", "page_size", "sort", "dept", "house", "asker", "answerer", "party", "year",
          "status", "answered_from", "answered_to", "tabled_from", "tabled_to", "attachments",
          "format", "callback", "__proto__", "q[]", ""]
odd_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
values = st.one_of(
    odd_text,
    st.sampled_from(["", " ", "0", "-1", "1", "2", "500", "501", "99999999999999999999", "1e3", "0x10",
                     "1.5", "NaN", "relevance", "newest", "oldest", "Commons", "Lords", "Home Office",
                     "answered", "holding", "named-day", "Named Day", "2024-01-10", "2024-02-30",
                     "0001-01-01", "9999-12-31", "2024-1-1", "yes", "no", "true", "migrants", "smug*",
                     '"criminal gangs"', "*", "a" * 5000, "\u202e\u200b", "\U0001F600", MARKUP,
                     "<script>alert(1)</script>", "%00", "\x00", "../../etc/passwd"]),
)
query_strings = st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=8)
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def check(response) -> str:
    status = response.status_code
    assert status in (200, 400, 503), (status, response.request.url)
    if status == 503:
        assert response.headers.get("Retry-After")
    body = response.get_data().decode("utf-8")  # strict: valid UTF-8
    assert "Traceback" not in body
    return body


def check_html(response) -> None:
    soup = BeautifulSoup(check(response), "html.parser")
    assert soup.find("h1") is not None
    assert soup.find("zqx") is None, "a parameter was echoed unescaped"
    assert not any(name.startswith("on") for tag in soup.find_all(True) for name in tag.attrs)
    assert all(tag.get("src") for tag in soup.find_all("script")), "inline script"


def check_json(response) -> dict:
    data = json.loads(check(response))
    if response.status_code != 200:
        assert data["error"]["status"] == response.status_code and data["error"]["message"]
    return data


@SETTINGS
@given(query_strings)
def test_search_page_with_any_parameters(client, pairs):
    check_html(client.get("/search", query_string=pairs))


@SETTINGS
@given(query_strings)
def test_api_search_with_any_parameters(client, pairs):
    data = check_json(client.get("/api/search", query_string=pairs))
    if "results" in data:
        assert data["total"] >= len(data["results"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query_strings, st.sampled_from(["/search.csv", "/search.json", "/search.atom"]))
def test_downloads_and_feeds_with_any_parameters(client, pairs, path):
    from xml.etree import ElementTree as ET

    response = client.get(path, query_string=pairs)
    body = check(response)
    if response.status_code == 200 and path == "/search.atom":
        ET.fromstring(response.get_data())
    elif response.status_code == 200 and path == "/search.json":
        json.loads(body)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=60))
def test_raw_query_string_bytes(client, raw):
    """Undecodable percent-escapes, stray '&' and '=' and bare bytes in the query string."""
    escaped = "".join(f"%{b:02X}" if b > 0x7E or b < 0x21 or b in b"#%" else chr(b) for b in raw)
    check_html(client.get("/search?q=tax&" + escaped))
    check_json(client.get("/api/search?" + escaped))


def test_echoed_values_are_escaped_where_they_are_shown(client):
    """The search box, the chips and the error message all show the value typed, as text."""
    for url in [f"/search?q={MARKUP}", f"/search?q=tax&dept={MARKUP}", f"/search?sort={MARKUP}",
                f"/search?q=tax&answered_from={MARKUP}", f"/search?page={MARKUP}"]:
        response = client.get(url)
        check_html(response)
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        shown = [soup.get_text(), *(box.get("value", "") for box in soup.find_all("input"))]
        assert any(MARKUP.strip('"') in text for text in shown), url  # shown, as text


@pytest.mark.parametrize("method, url, status", [
    ("POST", "/search?q=x", 405), ("PUT", "/api/search", 405), ("DELETE", "/answers/90000001", 405),
    ("TRACE", "/", 405), ("HEAD", "/search?q=tax", 200), ("GET", "/static/..%2f..%2fpyproject.toml", 404),
    ("GET", "/static/../../pyproject.toml", 404), ("GET", "/answers/1%00", 404),
    ("GET", "/answers/99999999999999999999999", 404), ("GET", "/" + "a" * 10_000, 404),
    ("GET", "/search.csv?q=tax&" + "x=1&" * 5000, 200), ("GET", "/api/answers/90000001.json", 404),
])
def test_odd_methods_and_paths_get_a_plain_status(client, method, url, status):
    response = client.open(url, method=method)
    assert response.status_code == status
    if url.startswith("/api/") and status != 200:
        assert response.get_json()["error"]["status"] == status
