"""Names, UINs and departments from the box; forgiving filters; disjunctive facets; did you mean.

On the bundled sample (and the lifecycle records for a Lords UIN). Expected ids
come from reading the raw records in scraped/ (member names, answering bodies,
parties, UINs), not from the code under test.
"""

from __future__ import annotations

from collections import Counter

import pytest

from indexer.departments import DEPARTMENT_ACRONYMS, fold, names_for_acronym
from indexer.search import FilterMiss, SearchRequest

SMYTH = [90000042, 90000047, 90000068]  # answered by Karin Smyth
BENYON_SUDAN = [90000024, 90000036]  # Lord Benyon on Sudan
DFE = [1679416, 90000055, 90000067, 90000085, 90000092]  # answered by the Department for Education
DHSC = [90000042, 90000047, 90000068, 90000079, 90000093]
MOD = [90000059, 90000077, 90000083]
FCDO = [90000024, 90000036, 90000053, 90000060]
HOME_OFFICE = [90000001, 90000034, 90000050, 90000076, 90000081]
LABOUR = [90000027, 90000029, 90000039, 90000040, 90000041, 90000042, 90000043, 90000045, 90000047,
          90000057, 90000061, 90000063, 90000064, 90000067, 90000069, 90000079, 90000082, 90000090,
          90000091]


def run(index, q="", **kwargs):
    return index.search(SearchRequest(q=q, page_size=100, **kwargs))


def ids(results):
    return sorted(hit.answer.id for hit in results.hits)


@pytest.mark.parametrize("q, expected", [
    ("Karin Smyth", SMYTH),
    ("karin smyth", SMYTH),
    ("Lord Benyon sudan", BENYON_SUDAN),
    ('"Department for Education"', DFE),  # a quoted phrase also matches the department
    ('dept:"Department for Education"', DFE),
    ("dept:DfE", DFE),
    ("dept:FCDO", FCDO),
    ("dept:fco", FCDO),  # a former name's acronym: its answers are stored under the successor
    ("dept:DHSC", DHSC),
    ("dept:MoD", MOD),
    ("dept:HO", HOME_OFFICE),
    ("party:labour", sorted(LABOUR + [90000053, 90000054, 90000062, 90000092])),  # words: Labour (Co-op) too
    ("Party:Labour sudan", [90000053]),
])
def test_names_departments_and_parties_from_the_box(sample_index, q, expected):
    assert ids(run(sample_index, q)) == expected


@pytest.mark.parametrize("word", ["transport", "pensions", "foreign", "science", "environment"])
def test_names_weigh_less_than_the_texts(sample_index, word):
    """Answers with the word only in their department's name come after those with it in their texts."""
    in_text = [word in " ".join((h.answer.heading, h.answer.question_text, h.answer.answer_text)).lower()
               for h in run(sample_index, word).hits]
    assert not all(in_text) and in_text == sorted(in_text, reverse=True)


@pytest.mark.parametrize("q", ["51639", "uin 51639", "UIN: 51639", "uin:51639", "hc 51639", "HC51639"])
def test_a_uin_puts_its_question_first(sample_index, q):
    results = run(sample_index, q)
    assert results.hits[0].answer.id == 90000001
    assert "uin:51639" in results.understood


@pytest.mark.parametrize("q", ["HL2001", "hl 2001", "uin hl2001", "2001"])
def test_a_lords_uin_with_or_without_hl(lifecycle_index, q):
    assert lifecycle_index.search(SearchRequest(q=q)).hits[0].answer.uin == "HL2001"


def test_a_uin_query_still_searches_the_words(sample_index):
    """A number that is no UIN of the index is searched as a word; with other words it is just a word."""
    assert ids(run(sample_index, "2019")) == ids(run(sample_index, '"2019"')) != []
    assert run(sample_index, "sudan 51639").total == 0


@pytest.mark.parametrize("filters, expected", [
    ((("answerer", "smyth"),), SMYTH),
    ((("answerer", "KARIN SMYTH"),), SMYTH),
    ((("party", "labour"),), LABOUR),  # one value equal but for case: that value alone
    ((("dept", "home office"),), HOME_OFFICE),
    ((("dept", "FCDO"),), FCDO),
    ((("dept", "fco"),), FCDO),
    ((("dept", "DfID"),), FCDO),
    ((("dept", "dhsc"),), DHSC),
    ((("dept", "MoD"),), MOD),
    ((("dept", "DfE"),), DFE),
    ((("dept", "education"),), DFE),
    ((("house", "LORDS"), ("dept", "fcdo")), [90000024, 90000036]),
])
def test_filters_match_forgivingly(sample_index, filters, expected):
    results = run(sample_index, filters=filters)
    assert (ids(results), results.filter_misses) == (expected, [])


def test_results_tell_what_each_typed_value_matched(sample_index):
    results = run(sample_index, filters=(("dept", "dhsc"), ("house", "commons"), ("dept", "nowhere")))
    assert results.filter_matches == {("dept", "dhsc"): ("Department of Health and Social Care",),
                                      ("house", "commons"): ("Commons",), ("dept", "nowhere"): ()}


def test_accents_do_not_matter(sample_index):
    assert ids(run(sample_index, filters=(("answerer", "Karin Smÿth"),))) == SMYTH


def test_a_filter_that_matches_nothing_says_so_with_the_closest_values(sample_index):
    results = run(sample_index, filters=(("dept", "Departmnt for Educaton"),))
    assert results.total == 0
    assert results.filter_misses[0].suggestions[0] == "Department for Education"
    results = run(sample_index, filters=(("answerer", "Karin Smith"), ("house", "Commons")))
    assert results.filter_misses == [FilterMiss("answerer", "Karin Smith", ("Karin Smyth",))]
    assert run(sample_index, filters=(("party", "Labour"),)).filter_misses == []


def test_filter_values_are_the_index_own(sample_index):
    values = sample_index.filter_values("dept")
    assert "Home Office" in values and values == sorted(values)
    assert sample_index.filter_values("nonsense") == []


def test_facets_count_each_field_without_its_own_filter(sample_index):
    """Choosing Commons still lists Lords with the count choosing Lords gives; totals stay filtered."""
    everything = dict(run(sample_index).facets["house"])
    commons = run(sample_index, filters=(("house", "Commons"),))
    assert dict(commons.facets["house"]) == everything == {"Commons": 63, "Lords": 7}
    assert commons.total == 63 and len(commons.hits) == 63
    # other facets are counted over the filtered answers
    depts = Counter(h.answer.department for h in commons.hits if h.answer.department)
    assert dict(commons.facets["dept"]) == depts
    lords = run(sample_index, filters=(("house", "Lords"),))
    assert dict(lords.facets["dept"]) != dict(commons.facets["dept"])
    both = run(sample_index, "sudan", filters=(("house", "Commons"), ("dept", "fcdo")))
    assert (both.total, dict(both.facets["house"])) == (2, {"Commons": 2, "Lords": 2})


@pytest.mark.parametrize("q, suggestion", [("migrnts", "migrants"), ("asylym", "asylum"), ("sudna", "sudan")])
def test_did_you_mean_when_nothing_is_found(sample_index, q, suggestion):
    assert run(sample_index, q).suggestion == suggestion


def test_no_suggestion_for_names_or_for_queries_that_find_plenty(sample_index):
    assert run(sample_index, "Karin Smyth").suggestion is None
    assert run(sample_index, "department").suggestion is None


def test_every_acronym_names_departments_and_folds():
    assert all(names for names in DEPARTMENT_ACRONYMS.values())
    assert names_for_acronym("D.f.E.") == names_for_acronym("dfe") == ("Department for Education",)
    assert "Department for Business and Trade" in names_for_acronym("BEIS")
    assert names_for_acronym("Home Office") == ()
    assert fold("Foreign, Commonwealth & Development Office") == "foreign commonwealth and development office"


def test_related_lists_each_answer_once_and_the_same_subject_first(sample_index):
    """Two questions answered by one text are one answer; the same heading outranks a closer score."""
    from dataclasses import replace

    from indexer.related import ranked_related

    source, other, same_heading = (sample_index.get_answer(i) for i in (90000060, 90000001, 90000053))
    twin = replace(other, id=other.id + 1000, uin="99999")  # another question, answered by the same text
    same_heading = replace(same_heading, heading=source.heading)
    related = ranked_related(source, [(10.0, other), (9.0, twin), (6.0, same_heading), (1.0, source)], 5)
    assert [a.id for a in related] == [same_heading.id, other.id]


def test_related_answers_on_the_sample_are_distinct(sample_index):
    for answer_id in (90000053, 90000024, 90000042):
        related = sample_index.related(sample_index.get_answer(answer_id))
        assert related and answer_id not in [a.id for a in related]
        assert len({a.answer_text for a in related}) == len(related)


def test_did_you_mean_when_a_typo_in_the_texts_finds_one_answer(data_dir, tmp_path):
    """Real answers hold typos: a word in one answer, close to one in twenty or more, gets a suggestion."""
    import json

    from indexer.index import rebuild_index
    from indexer.search import SearchIndex

    path = next(data_dir.rglob("90000001.json"))
    record = json.loads(path.read_text(encoding="utf-8"))
    record["value"]["answerText"] += "<p>The goverment will respond.</p>"
    path.write_text(json.dumps(record), encoding="utf-8")
    rebuild_index(data_dir, tmp_path / "index")
    with SearchIndex(tmp_path / "index") as index:
        results = index.search(SearchRequest(q="goverment"))
        assert (results.total, results.suggestion) == (1, "government")
        assert index.search(SearchRequest(q="migrants")).suggestion is None  # rare, but no close common word
