"""Every page's skeleton: landmarks, one h1, a skip link, no inline script or style,
and static assets with versioned, long-cached URLs. Parsed, no browser needed."""

from __future__ import annotations

import hashlib
import re

import pytest
from bs4 import BeautifulSoup

PAGES = ["/", "/search?q=department", "/search?q=department&page=2", "/search?q=",
         "/answers/90000001?q=gangs", "/answers/1679416", "/answers/1", "/search?q=x&page=abc"]


def soup_of(client, url):
    response = client.get(url)
    assert response.status_code in (200, 400, 404)
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.mark.parametrize("url", PAGES)
def test_page_has_landmarks_one_h1_and_a_skip_link(client, url):
    soup = soup_of(client, url)
    assert soup.html["lang"] == "en-GB"
    assert len(soup.find_all("h1")) == 1
    assert [len(soup.find_all(tag)) for tag in ("header", "main", "footer")] == [1, 1, 1]
    assert soup.find("nav", attrs={"aria-label": "Site"}) is not None
    skip = soup.body.find("a")
    assert skip.get_text(strip=True) == "Skip to main content"
    assert soup.find(id=skip["href"].lstrip("#")).name == "main"


@pytest.mark.parametrize("url", PAGES)
def test_page_needs_no_inline_script_or_style(client, url):
    soup = soup_of(client, url)
    assert all(script.get("src") and not script.string for script in soup.find_all("script"))
    assert soup.find_all("style") == []
    inline = [(tag.name, attr) for tag in soup.find_all(True) for attr in tag.attrs
              if attr == "style" or attr.startswith("on")]
    assert inline == []


@pytest.mark.parametrize("url", PAGES)
def test_form_controls_are_labelled(client, url):
    soup = soup_of(client, url)
    for control in soup.select("input:not([type=hidden]), select, textarea"):
        labelled = (control.get("aria-label") or control.get("aria-labelledby")
                    or (control.get("id") and soup.find("label", attrs={"for": control["id"]})))
        assert labelled, control


def test_pagination_marks_the_current_page(client):
    soup = soup_of(client, "/search?q=department&page=3")  # the last of 51 answers
    nav = soup.find("nav", attrs={"aria-label": "Pages of results"})
    current = nav.find_all(attrs={"aria-current": "page"})
    assert [a.get_text(" ", strip=True) for a in current] == ["Page 3"]
    assert nav.find("a", rel="prev")["href"] == "/search?q=department&page=2"
    assert nav.find("a", rel="next") is None


def test_static_urls_name_a_content_hash(client):
    soup = soup_of(client, "/")
    assets = [soup.find("link", rel="stylesheet")["href"], soup.find("script")["src"],
              soup.find("link", rel="icon")["href"]]
    assert all(re.fullmatch(r"/static/\w+\.[0-9a-f]{12}\.(css|js|svg)", url) for url in assets), assets
    for url in assets:
        response = client.get(url)
        plain = client.get(re.sub(r"\.[0-9a-f]{12}\.", ".", url))
        assert response.status_code == 200 and response.get_data() == plain.get_data()
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.immutable
        digest = hashlib.sha256(plain.get_data()).hexdigest()[:12]
        assert url.split(".")[-2] == digest
        response.close()
        plain.close()


def test_old_versioned_urls_stay_immutable(client):
    with client.get("/static/wrans.css") as plain:
        css = plain.get_data()
    response = client.get("/static/wrans.css?v=" + hashlib.sha256(css).hexdigest()[:12])
    assert response.status_code == 200 and response.cache_control.immutable
    response.close()


def test_unversioned_or_stale_static_urls_get_the_default_lifetime(client):
    for url in ("/static/wrans.css", "/static/wrans.css?v=000000000000", "/static/wrans.000000000000.css"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age == 86400 and not response.cache_control.immutable
        response.close()


def test_unknown_hashed_static_names_are_404s(client):
    for url in ("/static/nothing.0123456789ab.css", "/static/..%2fassets.0123456789ab.py"):
        assert client.get(url).status_code == 404
