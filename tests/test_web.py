"""The pages, parsed with BeautifulSoup, over a real index of the sample."""

from bs4 import BeautifulSoup


def text(node):
    return " ".join(node.get_text(" ").split())


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_home_has_a_labelled_search_box(client):
    soup = page(client, "/")
    box = soup.select_one("form[role=search] input[name=q]")
    assert box is not None
    assert soup.find("label", attrs={"for": box["id"]}).get_text(strip=True) == "Search written answers"
    assert soup.html["lang"] == "en-GB"
    assert len(soup.find_all("h1")) == 1


def test_search_page_shows_total_and_result_details(client):
    soup = page(client, "/search?q=criminal+gangs+smuggling")
    assert text(soup.h1) == "1 answer for criminal gangs smuggling"
    result = soup.select_one("li.result")
    link = result.select_one("h2 a")
    assert link.get_text(strip=True) == "Undocumented Migrants"
    assert link["href"] == "/answers/90000001?q=criminal+gangs+smuggling"
    meta = result.select_one(".result-meta").get_text(" ", strip=True)
    assert "Home Office" in meta and "Commons" in meta
    marks = [m.get_text() for m in result.select(".snippet mark")]
    assert {"criminal", "gangs", "smuggling"} <= set(marks)


def test_result_shows_date_and_asking_member(client):
    soup = page(client, "/search?q=Sudan+humanitarian+access")
    metas = [m.get_text(" ", strip=True) for m in soup.select(".result-meta")]
    assert any("Answered 18 December 2023" in m and "Caroline Lucas" in m for m in metas)


def test_facet_links_add_a_filter(client):
    soup = page(client, "/search?q=Sudan")
    lords = soup.find("a", string="Lords")
    assert lords["href"] == "/search?q=Sudan&house=Lords"
    filtered = page(client, lords["href"])
    assert text(filtered.h1) == "2 answers for Sudan"


def test_answer_page_shows_the_whole_answer_and_official_link(client):
    soup = page(client, "/answers/1679416")
    assert soup.h1.get_text(strip=True) == "Apprentices: Employment Agencies"
    body = soup.select_one(".answer-body")
    assert len(body.find_all("p")) == 4
    assert all(a.get("rel") == ["noopener", "nofollow"] for a in body.find_all("a"))
    assert all(a.get("target") is None for a in body.find_all("a"))
    official = soup.select_one("a.official")
    assert official["href"] == (
        "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926")
    facts = soup.select_one("dl.facts").get_text(" ", strip=True)
    assert "5 January 2024" in facts and "10 January 2024" in facts


def test_answer_page_marks_the_search_terms(client):
    soup = page(client, "/answers/90000001?q=smuggle+gangs")
    assert [m.get_text() for m in soup.select(".question mark")] == ["gangs", "smuggling"]


def test_answer_without_official_link_when_date_tabled_unknown(client):
    soup = page(client, "/answers/90000001")
    assert soup.select_one("a.official") is None


def test_empty_query_is_a_friendly_page(client):
    soup = page(client, "/search?q=")
    assert "Type some words" in soup.select_one(".notice").get_text()


def test_bad_parameters_are_friendly_400s(client):
    soup = page(client, "/search?q=x&page=abc", status=400)
    assert "page must be a whole number" in soup.select_one(".notice").get_text()
    page(client, "/search?q=x&sort=sideways", status=400)
    page(client, "/search?q=x&answered_from=yesterday", status=400)


def test_too_long_query_is_a_friendly_400(client):
    soup = page(client, "/search?q=" + "word+" * 100, status=400)
    assert "too long" in soup.select_one(".notice").get_text()


def test_query_text_is_escaped(client):
    response = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_unknown_answer_is_404(client):
    soup = page(client, "/answers/123", status=404)
    assert soup.h1.get_text(strip=True) == "Page not found"


def test_healthz(client):
    response = client.get("/healthz")
    data = response.get_json()
    assert response.status_code == 200
    assert data["status"] == "ok" and data["documents"] == 73 and data["index_generation"] >= 1


def test_missing_index_is_503_with_the_command_to_build_it(tmp_path):
    from webapp import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    response = client.get("/search?q=tax")
    assert response.status_code == 503
    assert "wrans index" in response.get_data(as_text=True)
    assert client.get("/healthz").status_code == 503
    assert client.get("/").status_code == 200


def test_every_response_carries_the_security_headers(client):
    for url in ("/", "/search?q=tax", "/answers/90000001", "/answers/1", "/healthz"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_static_files_are_cached(client):
    response = client.get("/static/wrans.css")
    assert response.status_code == 200
    assert response.cache_control.max_age >= 3600
    response.close()
