"""Response types: the rule set against hand-labelled real answers, and phrase by phrase."""

from __future__ import annotations

import csv
import io
import json

import pytest

from indexer import store
from indexer.normalize import answer_from_record
from indexer.responses import RESPONSE_TYPES, response_types, response_types_from_text

from .conftest import FIXTURES, SAMPLE_DIR

MIN_PRECISION = 0.9


def labelled_answers():
    """(answer, hand labels) for every answer of the sample labelled in the fixture."""
    labels = json.loads((FIXTURES / "response_labels.json").read_text(encoding="utf-8"))["labels"]
    for path in store.iter_record_paths(SAMPLE_DIR):
        answer = answer_from_record(store.read_record(path))
        if str(answer.id) in labels:
            yield answer, set(labels[str(answer.id)])


def precision_recall() -> dict[str, tuple[int, int, int]]:
    """Per type: (true positives, false positives, false negatives) over the labelled sample."""
    table = {name: [0, 0, 0] for name in RESPONSE_TYPES}
    for answer, wanted in labelled_answers():
        found = set(response_types(answer))
        for name in RESPONSE_TYPES:
            table[name][0] += name in found and name in wanted
            table[name][1] += name in found and name not in wanted
            table[name][2] += name in wanted and name not in found
    return {name: tuple(counts) for name, counts in table.items()}


def test_at_least_sixty_real_answers_are_labelled():
    assert len(list(labelled_answers())) >= 60


def test_precision_of_each_type_that_occurs_is_at_least_point_nine():
    table = precision_recall()
    occurring = {name: (tp, fp, fn) for name, (tp, fp, fn) in table.items() if tp + fn}
    assert len(occurring) >= 5  # the sample holds most kinds: the check means something
    for name, (tp, fp, _fn) in occurring.items():
        assert tp / (tp + fp or 1) >= MIN_PRECISION, (name, table[name])


def test_recall_is_reported_and_reasonable():
    table = precision_recall()
    found = sum(tp for tp, _fp, _fn in table.values())
    missed = sum(fn for _tp, _fp, fn in table.values())
    assert found / (found + missed) >= 0.8, table


PHRASES = [
    ("The information requested is not held centrally and could only be obtained at disproportionate cost.",
     ("disproportionate_cost", "not_held_centrally")),
    ("The Department does not hold this information.", ("not_held",)),
    ("Such information is not held by the Department.", ("not_held",)),
    ("No information is held on the number of visits.", ("not_held",)),
    ("I will write to the hon. Member and place a copy of my letter in the Library.", ("will_write",)),
    ("I refer the noble Lord to the answer I gave on 10 January 2024 to Question HL1234.",
     ("refers_to_earlier_answer",)),
    ("I will let the hon. Member have a reply as soon as possible.", ("holding",)),
    ("It is the long-standing policy of successive governments not to comment on security matters.",
     ("policy_not_to_comment",)),
    ("The contract is commercially sensitive.", ("policy_not_to_comment",)),
    ("We hold regular meetings and will write guidance for schools.", ()),
    ("The Government is committed to reducing costs for households.", ()),
]


@pytest.mark.parametrize(("text", "expected"), PHRASES)
def test_rules_phrase_by_phrase(text, expected):
    assert response_types_from_text(text) == expected


def test_a_holding_flag_is_a_holding_answer_whatever_its_words():
    assert response_types_from_text("Some words.", is_holding=True) == ("holding",)


def test_response_filter_on_search_api_and_exports(client):
    found = client.get("/api/search?response=disproportionate_cost").get_json()["results"]
    ids = sorted(r["id"] for r in found)
    assert ids == [90000037, 90000040, 90000090]
    text = client.get("/search.csv?response=disproportionate_cost").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "response_types"
    assert len(rows) == 4 and all("disproportionate_cost" in row[-1].split(";") for row in rows[1:])
    exported = client.get("/search.json?response=not_held_centrally").get_json()["results"]
    assert sorted(r["id"] for r in exported) == [90000040, 90000076]
    assert all("not_held_centrally" in r["response_types"] for r in exported)
    assert client.get("/api/answers/90000076").get_json()["response_types"] == ["not_held_centrally"]
    assert client.get("/api/search?response=rude").status_code == 400
    forgiving = client.get("/api/search?response=Disproportionate+cost").get_json()["results"]
    assert sorted(r["id"] for r in forgiving) == ids


def test_response_type_facet_on_the_results_page(client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/search?q=information").data, "html.parser")
    facet = next(s for s in page.select(".facet") if "Response type" in s.get_text())
    labels = [a.get_text(" ", strip=True) for a in facet.select("a")]
    assert "Information not held" in labels
    chosen = BeautifulSoup(client.get("/search?q=information&response=not_held").data, "html.parser")
    assert "Response type: Information not held" in chosen.get_text()


def test_the_word_prefilter_never_changes_what_the_rules_find():
    from indexer.responses import _COMPILED

    texts = [answer.answer_text for answer, _labels in labelled_answers()]
    texts += [text for text, _expected in PHRASES]
    for text in texts:
        plain = " ".join(text.split())
        every = {name for name, rule in _COMPILED.items() if rule.search(plain)}
        if "not_held_centrally" in every:
            every.discard("not_held")
        assert set(response_types_from_text(text)) == every, text[:80]
