"""Each element of the query language, on the bundled sample.

Expected ids come from reading the raw records in scraped/ (grep), not from the
code under test.
"""

import pytest

from indexer.search import SearchRequest


def ids(q, index, **kwargs):
    return sorted(hit.answer.id for hit in index.search(SearchRequest(q=q, page_size=100, **kwargs)).hits)


SUDAN = [90000024, 90000036, 90000053, 90000060]
MERRIMAN = [90000027, 90000057, 90000064, 90000080]


@pytest.mark.parametrize("q, expected", [
    # terms are ANDed: "humanitarian" alone also finds 90000084
    ("sudan humanitarian", SUDAN),
    ("humanitarian", SUDAN + [90000084]),
    ("sudan AND humanitarian", SUDAN),
    # parentheses group an OR inside an AND
    ("(migrants OR apprenticeships) smuggling", [90000001]),
    ("humanitarian NOT (sudan OR gangs)", [90000084]),
    ("humanitarian -sudan", [90000084]),
    # an exact phrase keeps its words and order
    ('"criminal gangs"', [90000001]),
    ('"gangs criminal"', []),
    # case does not matter anywhere
    ("SUDAN", SUDAN),
    ("Sudan OR Squirrels", [90000024, 90000036, 90000038, 90000053, 90000060]),
    # operators are capitals only: a lower-case "or" is an ignored common word
    ("sudan or squirrels", []),
])
def test_operators_phrases_and_case(sample_index, q, expected):
    assert ids(q, sample_index) == expected


@pytest.mark.parametrize("q, expected", [
    ("heading:sudan", [90000024, 90000060]),
    ("HEADING:Sudan", [90000024, 90000060]),
    ("question:humanitarian", [90000053, 90000060]),
    ("answer:humanitarian", SUDAN + [90000084]),
    ("dept:transport", [90000027, 90000028, 90000041, 90000057, 90000064, 90000080, 90000082]),
    # Caroline Lucas asked two, Ian C. Lucas one
    ("asker:lucas", [90000025, 90000060, 90000069]),
    ("Asker:Lucas sudan", [90000060]),
    ("answerer:merriman", MERRIMAN),
    ('answerer:"huw merriman" heading:coronavirus', [90000057, 90000064]),
    ("uin:7926", [1679416]),
    ("UIN:7926", [1679416]),
    ("House:LORDS sudan", [90000024, 90000036]),
])
def test_field_prefixes_are_case_insensitive(sample_index, q, expected):
    assert ids(q, sample_index) == expected


def test_stemming_matches_other_forms_both_ways(sample_index):
    assert ids("squirrel", sample_index) == [90000038]
    assert ids("railway", sample_index) == ids("railways", sample_index)
    assert 90000027 in ids("railway", sample_index)


def test_trailing_wildcard_and_its_bound(sample_index):
    assert ids("humanitar*", sample_index) == SUDAN + [90000084]
    assert ids("Sudan*", sample_index) == SUDAN


@pytest.mark.parametrize("q, understood", [
    ("criminal gangs smuggling", "criminal AND gangs AND smuggling"),
    ('"organised crime" OR migrants', '("organised crime" OR migrants)'),
    ("migrants -smuggling", "migrants NOT smuggling"),
    ("HEADING:Sudan", "heading:sudan"),
    ('dept:"Home Office" asker:lucas', 'dept:"home office" AND asker:lucas'),
    ("immigra*", "immigra*"),
])
def test_the_query_is_echoed_in_the_words_typed(sample_index, q, understood):
    assert sample_index.search(SearchRequest(q=q)).understood == understood


def test_bad_syntax_is_searched_as_words_with_a_notice(sample_index):
    results = sample_index.search(SearchRequest(q='heading:(sudan OR "armed'))
    assert results.notice
    assert {hit.answer.id for hit in results.hits} >= {90000024}


@pytest.mark.parametrize("q, suggestion", [
    ("sudan humanitarain", "sudan humanitarian"),
    ("immigraton", "immigration"),
    ("apprentiships OR sudan", "apprenticeships OR sudan"),
])
def test_did_you_mean_corrects_unknown_words(sample_index, q, suggestion):
    assert sample_index.search(SearchRequest(q=q)).suggestion == suggestion


def test_no_suggestion_when_every_word_is_known(sample_index):
    assert sample_index.search(SearchRequest(q="criminal gangs smuggling")).suggestion is None


def test_a_pasted_long_passage_is_cut_to_twenty_words_not_refused(sample_index):
    # the opening of 90000060's answer: 23 words that count, under the 256-character limit
    passage = ("UK continues press warring parties enable humanitarian access across Sudan, including "
               "challenging bureaucratic administrative impediments; coordinates vital issue international "
               "partners international fora")
    results = sample_index.search(SearchRequest(q=passage))
    assert results.notice == "Only the first 20 words of your query were searched."
    assert [hit.answer.id for hit in results.hits][:1] == [90000060]


def test_too_many_terms_with_operators_is_still_refused(sample_index):
    from indexer.errors import QueryTooComplex

    with pytest.raises(QueryTooComplex, match="too many terms"):
        sample_index.search(SearchRequest(q=" OR ".join(f"word{i}" for i in range(25))))
