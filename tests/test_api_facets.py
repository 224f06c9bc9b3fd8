"""`/api/search?facets=`: only the facets asked for are counted (less work, not just less output)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from indexer import collecting
from indexer.facets import FacetTable, SearcherTables
from indexer.search import FACETS, SearchIndex, SearchRequest

from .test_web_api import json_of

SEARCHES = ["q=tax", "q=Sudan&house=Lords", "house=Commons&dept=Home+Office", "q=zzzzqqq"]


@pytest.fixture
def counted(monkeypatch) -> list[int]:
    """How many matches each facet count walked, call by call (spies on the real counters:
    one-value columns, and multi-valued tags such as response types)."""
    calls = []
    real_counts, real_tags = FacetTable.counts_of, SearcherTables.tag_counts

    def counts_spy(self, docnums):
        calls.append(len(docnums))
        return real_counts(self, docnums)

    def tags_spy(self, name, docnums):
        calls.append(len(docnums))
        return real_tags(self, name, docnums)

    monkeypatch.setattr(FacetTable, "counts_of", counts_spy)
    monkeypatch.setattr(SearcherTables, "tag_counts", tags_spy)
    return calls


@pytest.mark.parametrize("search", SEARCHES)
def test_the_response_has_only_the_facets_asked_for_and_the_same_total(client, search):
    every = json_of(client, f"/api/search?{search}")
    assert set(every["facets"]) == set(FACETS)
    for asked in ("dept", "year,dept", "house, party", "none"):
        data = json_of(client, f"/api/search?{search}&facets={asked}")
        wanted = set() if asked == "none" else {name.strip() for name in asked.split(",")}
        assert set(data["facets"]) == wanted, asked
        assert {name: every["facets"][name] for name in wanted} == data["facets"], asked
        assert (data["total"], data["results"]) == (every["total"], every["results"]), asked


def test_an_empty_facets_parameter_means_every_facet(client):
    assert set(json_of(client, "/api/search?q=tax&facets=")["facets"]) == set(FACETS)


@pytest.mark.parametrize("value", ["colour", "dept,colour", "none,dept", "Dept", ",", "dept,"])
def test_unknown_facet_names_are_a_400_naming_the_valid_ones(client, value):
    message = json_of(client, f"/api/search?q=tax&facets={value}", 400)["error"]["message"]
    assert all(name in message for name in (*FACETS, "none")), message
    assert repr(value) in message


@pytest.fixture
def index(sample_index_dir):
    """A fresh SearchIndex, so no other test's cached search is reused."""
    with SearchIndex(sample_index_dir) as index:
        yield index


def test_facets_not_asked_for_are_not_counted(index, counted, monkeypatch):
    """The collector skips the counting, filtered facets' extra pass included."""
    passes = []
    real = collecting._first_of_groups
    monkeypatch.setattr(collecting, "_first_of_groups", lambda *args: passes.append(1) or real(*args))
    request = SearchRequest(filters=(("house", "Commons"),))
    total = index.search(replace(request, facets=())).total
    assert counted == [] and len(passes) == 1  # the filter's pass; no pass to count Lords too
    index.search(replace(request, facets=("dept",)))
    assert counted == [total] and len(passes) == 2
    counted.clear()
    passes.clear()
    full = index.search(request)
    assert len(counted) == len(FACETS) and len(passes) == 2
    assert max(counted) > full.total  # house counted over every House, not just the Commons filter


def test_a_search_with_every_facet_serves_the_same_search_with_fewer(index, counted):
    full = index.search(SearchRequest(q="Sudan"))
    assert len(counted) == len(FACETS)
    counted.clear()
    fewer = index.search(SearchRequest(q="Sudan", facets=("year",)))
    assert counted == []  # reused from the cache, not counted again
    assert fewer.facets == {"year": full.facets["year"]} and fewer.total == full.total


def test_the_page_keeps_every_facet_whatever_the_url_says(client):
    def facets_shown(url):
        page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
        return {section["aria-labelledby"] for section in page.select("section.facet")}

    assert len(facets_shown("/search?q=tax")) >= 3
    assert facets_shown("/search?q=tax&facets=none") == facets_shown("/search?q=tax")
