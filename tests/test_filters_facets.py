"""Filters, facets, sorting and paging on the bundled sample.

Expected ids and counts come from reading the raw records in scraped/ (grep for
"house", "answeringBodyName", member names, dates), not from the code under test.
"""

import datetime as dt

import pytest

from indexer.search import SearchRequest

FCDO = [90000024, 90000036, 90000053, 90000060]
TRANSPORT = [90000027, 90000028, 90000041, 90000057, 90000064, 90000080, 90000082]


def run(index, q="", **kwargs):
    return index.search(SearchRequest(q=q, page_size=100, **kwargs))


def ids(results):
    return sorted(hit.answer.id for hit in results.hits)


@pytest.mark.parametrize("filters, expected", [
    ((("house", "Lords"),), [90000024, 90000028, 90000036, 90000038, 90000050, 90000071, 90000078]),
    ((("house", "lords"), ("dept", "Home Office")), [90000050]),
    # "&" and "and" spellings are one department
    ((("dept", "Foreign, Commonwealth & Development Office"),), FCDO),
    ((("dept", "Foreign, Commonwealth and Development Office"),), FCDO),
    ((("dept", "Department for Transport"),), TRANSPORT),
    ((("asker", "Caroline Lucas"),), [90000025, 90000060]),
    ((("answerer", "Huw Merriman"),), [90000027, 90000057, 90000064, 90000080]),
    ((("party", "Liberal Democrat"),),
     [90000026, 90000055, 90000056, 90000072, 90000083, 90000085, 90000086]),
    ((("party", "Liberal Democrat"), ("dept", "Department for Education")), [90000055, 90000085]),
    ((("year", "2019"),), [90000038, 90000073, 90000088]),
    # two values of one filter are alternatives
    ((("year", "2019"), ("year", "1977")), [90000038, 90000049, 90000065, 90000073, 90000088]),
])
def test_filters(sample_index, filters, expected):
    assert ids(run(sample_index, filters=filters)) == expected


def test_answered_date_range(sample_index):
    results = run(sample_index, answered_from=dt.date(2024, 3, 25), answered_to=dt.date(2024, 3, 26))
    assert ids(results) == [90000027, 90000041]
    assert ids(run(sample_index, answered_to=dt.date(1980, 1, 1))) == [90000049, 90000065]


def test_tabled_date_range(sample_index):
    results = run(sample_index, tabled_from=dt.date(2024, 1, 1), tabled_to=dt.date(2024, 12, 31))
    assert ids(results) == [1679416, 1681217, 90000035]


def test_filters_combine_with_the_query(sample_index):
    assert ids(run(sample_index, "sudan", filters=(("house", "Commons"),))) == [90000053, 90000060]
    assert ids(run(sample_index, "railways", filters=(("answerer", "Huw Merriman"),),
                   answered_from=dt.date(2024, 1, 1))) == [90000027]


def test_status_filter_on_the_sample(sample_index):
    # 1679416 is the only named-day record in the sample ("isNamedDay": true)
    assert ids(run(sample_index, filters=(("status", "namedday"),))) == [1679416]
    # 90000049 (1977) carries "answerIsHolding": true
    assert ids(run(sample_index, filters=(("status", "Holding"),))) == [90000049]


def test_facet_counts_for_a_query(sample_index):
    facets = run(sample_index, "sudan").facets
    assert dict(facets["house"]) == {"Commons": 2, "Lords": 2}
    assert dict(facets["dept"]) == {"Foreign, Commonwealth and Development Office": 4}
    assert dict(facets["year"]) == {"2023": 1, "2024": 1}
    assert dict(facets["asker"]) == {"Earl of Sandwich": 1, "Lord Bishop of Leeds": 1,
                                     "Anneliese Dodds": 1, "Caroline Lucas": 1}
    assert dict(facets["party"]) == {"Crossbench": 1, "Bishops": 1, "Labour (Co-op)": 1,
                                     "Green, Brighton, Pavilion": 1}


def test_facets_are_ordered_by_count(sample_index):
    facets = run(sample_index, filters=(("dept", "Department for Transport"),)).facets
    assert facets["asker"][0] == ("Vicky Foxcroft", 2)
    assert dict(facets["year"]) == {"2022": 2, "2023": 2, "2024": 3}
    assert run(sample_index, filters=(("dept", "Department for Transport"),)).years == [
        ("2022", 2), ("2023", 2), ("2024", 3)]


def test_sort_newest_and_oldest(sample_index):
    transport = (("dept", "Department for Transport"),)
    newest = [h.answer.id for h in run(sample_index, filters=transport, sort="newest").hits]
    oldest = [h.answer.id for h in run(sample_index, filters=transport, sort="oldest").hits]
    # 2024-09-26, 2024-03-26, 2024-03-25, 2023-09-22 (two), 2022-11-03, 2022-10-11
    assert newest[:3] == [90000028, 90000027, 90000041]
    assert set(newest[3:5]) == {90000057, 90000064}
    assert newest[5:] == [90000080, 90000082]
    assert oldest[:2] == [90000082, 90000080]
    assert set(oldest[2:4]) == {90000057, 90000064}
    assert oldest[4:] == [90000041, 90000027, 90000028]


def test_undated_answers_sort_last_both_ways(sample_index):
    for sort in ("newest", "oldest"):
        hits = run(sample_index, sort=sort).hits
        assert hits[-1].answer.date_answered is None
        assert hits[0].answer.date_answered is not None


def test_relevance_puts_the_heading_match_first(sample_index):
    results = run(sample_index, "squirrels")
    assert [h.answer.id for h in results.hits] == [90000038]


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_pages_cover_every_match_once_with_the_same_total(sample_index, sort):
    pages = [sample_index.search(SearchRequest(q="department", sort=sort, page=n)) for n in (1, 2, 3)]
    totals = {p.total for p in pages}
    assert len(totals) == 1
    seen = [h.answer.id for p in pages for h in p.hits]
    assert len(seen) == len(set(seen)) == pages[0].total
    assert [len(p.hits) for p in pages][:1] == [20]


def test_totals_are_the_same_across_sort_orders(sample_index):
    totals = {run(sample_index, "department", sort=s).total for s in ("relevance", "newest", "oldest")}
    assert len(totals) == 1


@pytest.mark.parametrize("start, end, expected", [
    # whole years become year terms, partial ones date ranges: the answers must not change
    (dt.date(2019, 1, 1), dt.date(2019, 12, 31), [90000038, 90000073, 90000088]),
    (dt.date(2019, 6, 28), dt.date(2020, 6, 29), [90000038, 90000048, 90000088]),
    (dt.date(2019, 6, 29), dt.date(2020, 6, 28), [90000038]),
    (None, dt.date(1985, 6, 27), [90000031, 90000049, 90000065, 90000075]),
    (dt.date(2026, 1, 28), None, [90000072, 90000078]),
    (dt.date(2024, 5, 1), dt.date(2024, 4, 1), []),
])
def test_answered_ranges_across_year_boundaries(sample_index, start, end, expected):
    assert ids(run(sample_index, answered_from=start, answered_to=end)) == expected


def test_tabled_open_range(sample_index):
    # dateTabled is known for 7 records; 2017-12-11, 2019-06-19 and 2019-07-25 fall before 2020
    assert ids(run(sample_index, tabled_to=dt.date(2019, 12, 31))) == [90000038, 90000088, 90000093]
    assert ids(run(sample_index, tabled_from=dt.date(2017, 12, 11), tabled_to=dt.date(2018, 12, 31))) == [
        90000093]


def test_facet_counts_go_most_first_then_by_name_without_the_empty_value():
    from array import array

    import numpy as np

    from indexer.facets import FacetTable

    # docnum -> ordinal; ordinal 0 is "no value"
    table = FacetTable(["", "Zed", "Amy", "Bob", "Cat"], array("I", [0, 1, 2, 3, 3, 1, 0, 2, 4, 0]))
    counts = table.counts_of(np.arange(10))
    assert counts == [("Amy", 2), ("Bob", 2), ("Zed", 2), ("Cat", 1)]
    assert all(type(n) is int for _, n in counts)
    assert table.counts_of(np.array([0, 6, 9])) == []
