"""Member and department pages, their JSON twins, and department history."""

from __future__ import annotations

from bs4 import BeautifulSoup

from indexer.departments import department_links, predecessor_names
from indexer.members import member_key
from indexer.normalize import department_from_name
from indexer.records import Member
from indexer.search import SearchRequest

DWP = "department-for-work-and-pensions"


def soup_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.data, "html.parser")


def test_member_keys_are_ids_else_name_slugs_and_never_merge_two_ids():
    assert member_key(Member("Tim Farron", id=1591)) == "1591"
    assert member_key(Member("Tim Farron")) == "name-tim-farron"
    assert member_key(Member("Jane Smith", id=1)) != member_key(Member("Jane Smith", id=2))


def test_every_member_and_department_name_on_result_and_answer_pages_links_to_its_page(client):
    for url in ("/search?q=information", "/answers/90000037", "/answers/90000084"):
        page = soup_of(client, url)
        names = page.select(".result-meta, .answer-page .facts, .answer-page .kicker")
        links = [a["href"] for block in names for a in block.select("a.member-link, a.dept-link")]
        assert links, url
        for href in links:
            assert client.get(href).status_code == 200, href


def test_member_page_shows_questions_departments_and_a_scoped_search(client):
    page = soup_of(client, "/members/name-andrew-snowden")
    assert page.h1.text == "Andrew Snowden"
    assert "Conservative" in page.select_one(".profile-facts").text
    assert [a.text for a in page.select("#depts-h + ul a")] == ["Department for Work and Pensions"]
    assert [a.text for a in page.select("#types-h + ul a")] == ["Disproportionate cost"]
    form = page.select_one("form.scoped-search")
    assert form.select_one("input[name=asker_key]")["value"] == "name-andrew-snowden"
    results = soup_of(client, "/search?asker_key=name-andrew-snowden&q=cost")
    assert [a["href"].split("?")[0] for a in results.select(".result-heading a")] == ["/answers/90000037"]
    assert "Asked by member: Andrew Snowden" in results.get_text()  # the chip names them


def test_a_minister_page_lists_the_answers_they_gave(client):
    data = client.get("/api/members/name-stephen-timms").get_json()
    assert (data["asked"], data["answered"]) == (0, 2)
    assert sorted(a["id"] for a in data["latest_answered"]) == [90000037, 90000066]


def test_department_page_has_a_monthly_chart_response_types_askers_and_latest(client):
    page = soup_of(client, f"/departments/{DWP}")
    assert page.h1.text == "Department for Work and Pensions"
    bars = page.select("#months-h ~ figure svg a")
    assert bars and all("answered_from=" in a["href"] for a in bars)
    assert "Disproportionate cost" in [a.text for a in page.select("#types-h + ul a")]
    assert page.select("#askers-h + ul a.member-link")
    data = client.get(f"/api/departments/{DWP}").get_json()
    assert data["total"] == sum(m["count"] for m in data["months"]) + _undated(client)
    assert len(page.select(".profile-page .answer-list li")) == min(10, data["total"])


def _undated(client):
    """DWP answers without a date answered (they count but have no month)."""
    found = client.get("/api/search?dept=Department%20for%20Work%20and%20Pensions&page_size=100").get_json()
    return sum(1 for r in found["results"] if not r["date_answered"])


def test_unknown_member_or_department_is_a_friendly_404(client):
    for url in ("/members/999999999", "/departments/ministry-of-magic", "/api/members/name-nobody"):
        response = client.get(url)
        assert response.status_code == 404 and b"Traceback" not in response.data


def test_beis_stays_itself_and_links_its_successors_both_ways(client):
    """BEIS split in 2023: it is not filed under DBT (it was, before issue 17)."""
    beis = "Department for Business, Energy & Industrial Strategy"
    assert department_from_name(beis) == "Department for Business, Energy and Industrial Strategy"
    assert department_from_name("Department for Levelling Up, Housing and Communities") == (
        "Ministry of Housing, Communities and Local Government")  # a one-to-one rename still is one
    page = soup_of(client, "/departments/department-for-business-energy-and-industrial-strategy")
    successors = [a.text for a in page.select("#history-h + dl dt:-soup-contains('After') + dd a")]
    assert successors == ["Department for Energy Security and Net Zero",
                          "Department for Science, Innovation and Technology",
                          "Department for Business and Trade"]
    desnz = department_links("department-for-energy-security-and-net-zero")
    assert desnz.predecessors == [("Department for Business, Energy and Industrial Strategy", "split")]
    assert "Department for Business, Energy and Industrial Strategy" in predecessor_names(
        "Department for Business and Trade")


def test_predecessors_filter_brings_in_merged_and_split_departments(lifecycle_index):
    """1900002 is filed under the FCO, 1900004 under DDCMS (both since replaced, not renamed)."""
    def ids(*filters, predecessors=False):
        request = SearchRequest(filters=filters, predecessors=predecessors, page_size=50)
        return sorted(h.answer.id for h in lifecycle_index.search(request).hits)

    fcdo = ("dept", "Foreign, Commonwealth and Development Office")
    assert ids(("dept", "Foreign and Commonwealth Office")) == [1900002]
    assert ids(fcdo) == []
    assert ids(fcdo, predecessors=True) == [1900002]
    assert ids(("dept", "Department for Culture, Media and Sport"), predecessors=True) == [1900004]


def test_predecessors_parameter_on_search_pages(client):
    plain = client.get("/api/search?dept=DESNZ").get_json()["total"]
    wider = client.get("/api/search?dept=DESNZ&predecessors=1").get_json()["total"]
    assert wider >= plain >= 1
    assert client.get("/api/search?dept=DESNZ&predecessors=maybe").status_code == 400


NEW_FIELDS = ("response", "cites", "month", "asker_key", "answerer_key", "corrector_key")


def test_an_index_built_before_issue_17_still_serves_every_page(tmp_path, monkeypatch):
    """Until `wrans index --rebuild`: no response facet or links, pages still 200 (or a clean 404)."""
    import indexer.index as index_module
    from indexer.index import rebuild_index
    from indexer.schema import build_schema, document_from_answer

    from .conftest import SAMPLE_DIR, client_over

    def old_schema():
        schema = build_schema()
        for name in NEW_FIELDS:
            schema.remove(name)
        return schema

    def old_document(answer):
        return {k: v for k, v in document_from_answer(answer).items() if k not in NEW_FIELDS}
    monkeypatch.setattr(index_module, "build_schema", old_schema)
    monkeypatch.setattr(index_module, "document_from_answer", old_document)
    rebuild_index(SAMPLE_DIR, tmp_path / "old", procs=1)
    for client in client_over(tmp_path / "old"):
        assert client.get("/api/search?response=not_held").get_json()["total"] == 0
        facets = client.get("/api/search?q=information").get_json()["facets"]
        assert not facets.get("response")
        assert client.get("/answers/90000035").status_code == 200
        assert client.get("/api/answers/90000035").get_json()["refers_to"] == []
        assert client.get(f"/departments/{DWP}").status_code == 200
        assert client.get("/members/name-andrew-snowden").status_code == 404
