"""Search over a real on-disk index of the bundled sample.

Expected ids are written down from reading the sample records, never computed
by the code under test.
"""

import datetime as dt

import pytest

from indexer.errors import QueryTooComplex
from indexer.search import SearchRequest


def ids(results):
    return [hit.answer.id for hit in results.hits]


def search(index, q="", **kwargs):
    return index.search(SearchRequest(q=q, **kwargs))


def test_the_seed_query_finds_the_home_office_answer_first(sample_index):
    results = search(sample_index, "criminal gangs smuggling")
    assert ids(results)[0] == 90000001
    first = results.hits[0]
    assert first.answer.department == "Home Office"
    passages = " ".join(first.snippets)
    assert "Organised <mark" in passages and "criminal</mark> groups (OCGs)" in passages
    assert "<mark class=\"match term2\">smuggling</mark>" in passages or "<mark>smuggling</mark>" in passages


def test_stemming_finds_and_marks_other_forms(sample_index):
    results = search(sample_index, "smuggle")
    assert ids(results) == [90000001]
    assert ">smuggling</mark>" in " ".join(results.hits[0].snippets)


def test_an_exact_phrase_matches_the_words_as_written(sample_index):
    assert ids(search(sample_index, '"organised immigration crime"')) == [90000001]
    assert ids(search(sample_index, '"organised immigration crimes"')) == []


@pytest.mark.parametrize("q, expected", [
    ('answer:"organised immigration crime"', [90000001]),
    ('question:"organised immigration crime"', []),  # it is in the answer only
    ('question:"criminal gangs"', [90000001]),
    ('answer:"criminal gangs"', []),
    ('answer:"crime organised"', []),  # the words are there, not as this phrase
])
def test_a_phrase_in_one_field(sample_index, q, expected):
    results = search(sample_index, q)
    assert ids(results) == expected
    assert results.understood == q


def test_a_trailing_wildcard_expands_over_real_words(sample_index):
    assert sorted(ids(search(sample_index, "immigra*"))) == [90000001, 90000081]


def test_boolean_operators(sample_index):
    assert sorted(ids(search(sample_index, "migrants OR apprenticeships"))) == [1679416, 90000001, 90000081]
    assert ids(search(sample_index, "migrants NOT smuggling")) == [90000081]
    assert ids(search(sample_index, "migrants -smuggling")) == [90000081]


def test_a_hyphenated_word_is_not_a_negation(sample_index):
    assert ids(search(sample_index, "flexi-job")) == [1679416]


@pytest.mark.parametrize("q, expected", [
    ("uin:7926", [1679416]),
    ('dept:"Home Office"', [90000001, 90000034, 90000050, 90000076, 90000081]),
    ("house:lords", [90000024, 90000028, 90000036, 90000038, 90000050, 90000071, 90000078]),
])
def test_field_prefixes(sample_index, q, expected):
    assert sorted(ids(search(sample_index, q, page_size=50))) == expected


def test_filters_narrow_and_facets_count(sample_index):
    everything = search(sample_index, "Sudan")
    assert sorted(ids(everything)) == [90000024, 90000036, 90000053, 90000060]
    assert dict(everything.facets["house"]) == {"Commons": 2, "Lords": 2}
    lords = search(sample_index, "Sudan", filters=(("house", "Lords"),))
    assert sorted(ids(lords)) == [90000024, 90000036]


def test_date_filter(sample_index):
    results = search(sample_index, "Sudan", answered_from=dt.date(2024, 1, 1))
    assert ids(results) == [90000024]


def test_sorting_by_date_and_stable_totals(sample_index):
    newest = search(sample_index, "", filters=(("dept", "Home Office"),), sort="newest")
    oldest = search(sample_index, "", filters=(("dept", "Home Office"),), sort="oldest")
    assert newest.total == oldest.total == 5
    dates = [h.answer.date_answered for h in newest.hits if h.answer.date_answered]
    assert dates == sorted(dates, reverse=True)
    assert [d for d in (h.answer.date_answered for h in oldest.hits) if d] == sorted(dates)


def test_pages_hold_twenty_and_the_total_stays_the_same(sample_index):
    first = search(sample_index, "department")
    second = search(sample_index, "department", page=2)
    assert first.total == second.total > 20
    assert len(first.hits) == 20
    assert not set(ids(first)) & set(ids(second))


def test_bad_syntax_falls_back_to_the_words_with_a_notice(sample_index):
    results = search(sample_index, '(criminal AND "gangs')
    assert results.notice and 90000001 in ids(results)


def test_an_overlong_query_is_refused_with_a_reason(sample_index):
    with pytest.raises(QueryTooComplex, match="too long"):
        search(sample_index, "word " * 100)


def test_a_short_wildcard_is_refused(sample_index):
    with pytest.raises(QueryTooComplex, match="at least 3 letters"):
        search(sample_index, "im*")


def test_get_answer_returns_the_full_record(sample_index):
    answer = sample_index.get_answer(1679416)
    assert answer.heading == "Apprentices: Employment Agencies"
    assert sample_index.get_answer(1) is None


def test_marking_an_answer_marks_stemmed_forms_in_the_html(sample_index):
    marked = sample_index.mark_answer(sample_index.get_answer(90000001), "smuggle gang")
    assert "<mark>smuggling</mark>" in marked.question_html
    assert "<mark>gangs</mark>" in marked.question_html
    assert marked.answer_html.startswith("<p>")
