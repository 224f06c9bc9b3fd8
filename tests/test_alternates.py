"""Every page with data declares its data twins in <head> and offers them as downloads."""

import pytest
from bs4 import BeautifulSoup


def soup_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def alternates(soup):
    return [(link["type"], link["href"]) for link in soup.head.find_all("link", rel="alternate")]


def downloads(soup):
    return [(a["type"], a["href"]) for a in soup.select("nav.downloads a")]


def test_search_page_declares_and_offers_its_twins(client):
    soup = soup_of(client, "/search?q=Sudan&house=Lords&page=1")
    assert alternates(soup) == [
        ("text/csv", "/search.csv?q=Sudan&house=Lords"),
        ("application/json", "/search.json?q=Sudan&house=Lords"),
        ("application/atom+xml", "/search.atom?q=Sudan&house=Lords"),
        ("application/json", "/api/search?q=Sudan&house=Lords&page=1"),
    ]
    assert downloads(soup) == alternates(soup)


def test_every_declared_twin_answers_with_its_type(client):
    for url in ("/search?q=Sudan", "/search?dept=Home+Office&sort=newest", "/answers/1679416"):
        for mime, href in alternates(soup_of(client, url)):
            response = client.get(href)
            assert (response.status_code, response.mimetype) == (200, mime), href


def test_answer_page_declares_its_record(client):
    soup = soup_of(client, "/answers/1679416?q=apprentices")
    assert alternates(soup) == [("application/json", "/api/answers/1679416")]
    assert downloads(soup) == alternates(soup)


@pytest.mark.parametrize("url, status", [("/", 200), ("/search", 200), ("/search?q=", 200),
                                         ("/search?q=x&page=abc", 400), ("/answers/123", 404)])
def test_pages_without_results_declare_no_twins(client, url, status):
    soup = soup_of(client, url, status)
    assert alternates(soup) == [] and downloads(soup) == []


def test_an_unavailable_index_page_declares_no_twins(tmp_path):
    from webapp import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    soup = soup_of(client, "/search?q=tax", 503)
    assert alternates(soup) == [] and downloads(soup) == []
