"""The results page around the hits: facets, suggestions, filter misses, forms that keep the search.

Pages come from the real sample index; where the index cannot yet produce a case (a
filter value that matches nothing, facet counts made without their own filter), the
page is rendered from hand-made `SearchResults` through the view's own renderer.
"""

from __future__ import annotations

from urllib.parse import parse_qs, parse_qsl, urlsplit

from bs4 import BeautifulSoup

from indexer.search import FilterMiss, SearchResults
from webapp.params import search_request_from_args
from webapp.views import render_results


def soup_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def rendered(app, url, **fields):
    """The results page for `url`, showing SearchResults made of `fields`."""
    with app.test_request_context(url):
        from flask import request

        search_request = search_request_from_args(request.args)
        results = SearchResults(request=search_request, total=fields.pop("total", 0), hits=[],
                                understood=search_request.q, **fields)
        return BeautifulSoup(render_results(search_request, results), "html.parser")


def facet(soup, label):
    heading = soup.find("h2", string=label)
    return heading.find_parent("section")


def values_of(section):
    return [(" ".join(a.get_text(" ").split()), a["href"]) for a in section.select("ul > li > a")]


def test_a_facet_keeps_its_other_values_and_one_click_switches(app):
    soup = rendered(app, "/search?q=sudan&house=Commons&sort=newest",
                    total=2, facets={"house": [("Commons", 2), ("Lords", 2)]})
    (commons, commons_url), (lords, lords_url) = values_of(facet(soup, "House"))
    assert commons == "Commons (chosen: remove) ×" and lords == "Lords"
    assert parse_qsl(urlsplit(lords_url).query) == [("q", "sudan"), ("house", "Lords"), ("sort", "newest")]
    assert parse_qsl(urlsplit(commons_url).query) == [("q", "sudan"), ("sort", "newest")]


def test_a_chosen_value_matches_whatever_its_case(app):
    soup = rendered(app, "/search?q=x&party=labour", total=1, facets={"party": [("Labour", 1)]})
    active = facet(soup, "Party").select_one('[aria-current="true"]')
    assert active["href"] == "/search?q=x"


def test_long_facets_show_some_values_and_the_rest_behind_show_all(app):
    depts = [(f"Department {n:02}", 20 - n) for n in range(12)]
    soup = rendered(app, "/search?q=x&dept=Department+10", total=5, facets={"dept": depts})
    section = facet(soup, "Department")
    shown = [a.get_text(" ", strip=True) for a in section.select(":scope > ul a")]
    hidden = [a.get_text(" ", strip=True) for a in section.select("details.facet-more ul a")]
    assert shown[:6] == [f"Department {n:02}" for n in range(6)]
    assert shown[6].startswith("Department 10")  # the chosen value stays in view
    assert hidden == ["Department 06", "Department 07", "Department 08", "Department 09", "Department 11"]
    assert section.select_one("details.facet-more summary").get_text(" ", strip=True) == (
        "Show all 12 department values")


def test_years_are_listed_newest_first(client):
    soup = soup_of(client, "/search?q=department")
    years = [a.get_text(strip=True) for a in facet(soup, "Year answered").select("a")]
    assert len(years) >= 5 and years == sorted(years, reverse=True)


def test_filter_inputs_suggest_the_index_values(client, sample_index):
    soup = soup_of(client, "/search?q=sudan")
    for name in ("dept", "asker", "answerer", "party"):
        box = soup.select_one(f"input#f-{name}")
        options = [o["value"] for o in soup.select(f"datalist#{box['list']} option")]
        assert options == sample_index.filter_values(name) and len(options) >= 5, name
    assert "Labour (Co-op)" in [o["value"] for o in soup.select("datalist#party-values option")]


def test_a_filter_value_that_matches_nothing_says_so_with_suggestions(app):
    miss = FilterMiss("dept", "home offce", ("Home Office", "Cabinet Office"))
    soup = rendered(app, "/search?q=visas&dept=home+offce&sort=oldest", filter_misses=[miss])
    notice = soup.select_one(".filter-miss")
    assert " ".join(notice.get_text(" ").split()) == (
        "No department matches “home offce”. Did you mean: Home Office , Cabinet Office ?")
    links = {a.get_text(): parse_qsl(urlsplit(a["href"]).query) for a in notice.select("a")}
    assert links == {"Home Office": [("q", "visas"), ("dept", "Home Office"), ("sort", "oldest")],
                     "Cabinet Office": [("q", "visas"), ("dept", "Cabinet Office"), ("sort", "oldest")]}


def test_did_you_mean_stands_out_when_little_is_found(app):
    few = rendered(app, "/search?q=migrnts&house=Lords", suggestion="migrants", total=0)
    link = few.select_one("p.suggestion.suggestion-prominent a")
    assert link.get_text() == "migrants"
    assert parse_qs(urlsplit(link["href"]).query) == {"q": ["migrants"], "house": ["Lords"]}
    many = rendered(app, "/search?q=migrnts", suggestion="migrants", total=40)
    assert many.select_one("p.suggestion") and not many.select_one(".suggestion-prominent")


def test_every_form_keeps_the_rest_of_the_search(client):
    soup = soup_of(client, "/search?q=sudan&house=Commons&year=2023&sort=newest&page=1")

    def hidden(form):
        return [(i["name"], i["value"]) for i in form.select("input[type=hidden]")]

    assert hidden(soup.select_one("form.search-form")) == [("house", "Commons"), ("year", "2023"),
                                                          ("sort", "newest")]
    assert hidden(soup.select_one("form.sort-form")) == [("q", "sudan"), ("house", "Commons"),
                                                        ("year", "2023")]
    assert hidden(soup.select_one("form.filter-form")) == [("q", "sudan"), ("year", "2023"),
                                                          ("sort", "newest")]


def test_filters_count_in_the_disclosure_and_the_panel_stays_closed(client):
    soup = soup_of(client, "/search?q=sudan&house=Commons&answered_from=2023-01-01")
    panel = soup.select_one("aside details.refine-panel")
    assert panel.summary.get_text(strip=True) == "Filters (2)" and not panel.has_attr("open")
    assert len(soup.select("aside .chips a.chip")) == 3  # two filters and "Clear all filters"


def test_a_typed_acronym_marks_the_department_it_stands_for_as_chosen(client):
    soup = soup_of(client, "/search?q=&dept=dhsc")
    active = facet(soup, "Department").select_one('[aria-current="true"]')
    assert active is not None and "Department of Health and Social Care" in active.get_text(" ")
    assert parse_qs(urlsplit(active["href"]).query).get("dept") is None  # removing it drops the typed value


def test_a_facet_of_many_values_links_the_top_ones_and_the_chosen_one(app):
    askers = [(f"Member {n:03}", 500 - n) for n in range(150)]
    soup = rendered(app, "/search?q=x&asker=Member+140", total=5, facets={"asker": askers})
    section = facet(soup, "Asked by")
    linked = [a.get_text(" ", strip=True) for a in section.select("a")]
    assert len(linked) == 101 and linked[:6] == [f"Member {n:03}" for n in range(6)]
    assert any(text.startswith("Member 140") for text in linked)  # chosen, so still there to remove
    assert "Member 120" not in linked
    summary = section.select_one("details.facet-more summary").get_text(" ", strip=True)
    assert summary == "Show the top 101 of 150 asked by values"
    assert "Asked by" in section.select_one("details.facet-more p.hint").get_text()
