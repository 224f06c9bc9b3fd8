"""Cross-references: UINs cited in answer text, resolved by UIN and date, linked both ways."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from bs4 import BeautifulSoup

from indexer.index import rebuild_index
from indexer.references import Reference, link_uins_in_html, references_in
from indexer.search import SearchIndex
from indexer.store import write_record

from .conftest import SAMPLE_DIR, client_over

FAJAA = 1679416  # real: DfE, UIN 7926, tabled 5 January 2024, answered 10 January 2024
CITING, DECOY, UNDATED_CITING = 1950001, 1950002, 1950003


@pytest.mark.parametrize(("text", "expected"), [
    ("I refer the hon. Member to the answer I gave on 10 January 2024 to Question 7926.",
     [Reference("7926", dt.date(2024, 1, 10))]),
    ("See PQ 7926.", [Reference("7926", None)]),
    ("as set out in UIN HL1234 on 3 May 2023", [Reference("HL1234", dt.date(2023, 5, 3))]),
    ("I refer to my answer of 2 February 2021 to Questions 1234, 1235 and 1236.",
     [Reference(u, dt.date(2021, 2, 2)) for u in ("1234", "1235", "1236")]),
    ("the answer given to the noble Lord (HL 567) on 4 March", [Reference("HL567", dt.date(2024, 3, 4))]),
    ("There are 7926 apprentices and 44 agencies.", []),  # numbers are not references
])
def test_references_in_text(text, expected):
    assert references_in(text, on=dt.date(2024, 6, 1)) == expected


def test_a_yearless_date_is_the_latest_one_before_the_citing_answer():
    assert references_in("the answer I gave on 20 December to Question 12", on=dt.date(2024, 1, 5)) == [
        Reference("12", dt.date(2023, 12, 20))]


def test_only_uins_inside_a_reference_are_linked_and_never_inside_a_link():
    html = '<p>See Question 7926; 7926 people; <a href="/x">Question 7926</a></p>'
    linked = link_uins_in_html(html, {"7926": "/answers/1"})
    assert linked == ('<p>See Question <a class="cited" href="/answers/1">7926</a>; 7926 people; '
                      '<a href="/x">Question 7926</a></p>')


def _record(question_id, uin, answer, answered, tabled=None, house="Commons"):
    return {"value": {"id": question_id, "uin": uin, "house": house, "heading": f"Invented {question_id}",
                      "questionText": "To ask the Secretary of State for Education, what steps she takes.",
                      "answerText": f"<p>{answer}</p>", "answeringBodyName": "Department for Education",
                      "dateAnswered": f"{answered}T00:00:00",
                      "dateTabled": f"{tabled}T00:00:00" if tabled else None}}


@pytest.fixture(scope="module")
def cited_index_dir(tmp_path_factory):
    """The real FJAA answer, an invented answer citing it, a decoy with its UIN from another session."""
    data_dir = tmp_path_factory.mktemp("refs-data")
    real = json.loads(next(SAMPLE_DIR.glob(f"questions/*/{FAJAA}.json")).read_text(encoding="utf-8"))
    write_record(data_dir, real)
    write_record(data_dir, _record(
        CITING, "9001", "I refer the hon. Member to the answer I gave on 10 January 2024 to Question 7926, "
        "and to the answer of 3 March 2024 to Question 9999.", "2024-02-01"))
    write_record(data_dir, _record(DECOY, "7926", "Another session's question 7926.", "2021-06-01",
                                   "2021-05-20"))
    write_record(data_dir, _record(UNDATED_CITING, "9002", "As I said in PQ 7926, the fund continues.",
                                   "2024-03-01"))
    index_dir = tmp_path_factory.mktemp("refs-index")
    rebuild_index(data_dir, index_dir)
    return index_dir


@pytest.fixture(scope="module")
def cited_client(cited_index_dir):
    yield from client_over(cited_index_dir)


def test_a_reference_resolves_by_uin_and_date_not_uin_alone(cited_index_dir):
    with SearchIndex(cited_index_dir) as index:
        found = index.connections(index.get_answer(CITING))
        assert [a.id for a in found.refers_to] == [FAJAA]  # not the decoy with the same UIN
        assert found.unresolved == [Reference("9999", dt.date(2024, 3, 3))]
        cited = index.connections(index.get_answer(FAJAA))
        # the dateless "PQ 7926" resolves too: one 7926 of that house in the year before it
        assert [a.id for a in cited.referred_by] == [CITING, UNDATED_CITING]
        assert index.connections(index.get_answer(DECOY)).referred_by == []


def test_answer_pages_link_references_both_ways(cited_client):
    citing = BeautifulSoup(cited_client.get(f"/answers/{CITING}").data, "html.parser")
    assert [a["href"] for a in citing.select(".answer-body a.cited")] == [f"/answers/{FAJAA}"]
    assert "9999" in citing.select_one(".references .unresolved").text
    cited = BeautifulSoup(cited_client.get(f"/answers/{FAJAA}").data, "html.parser")
    assert cited.select_one("#referred-by-h").text == "Referred to by 2 answers"
    hrefs = [a["href"] for a in cited.select(".references .answer-list a[href^='/answers/']")]
    assert hrefs == [f"/answers/{CITING}", f"/answers/{UNDATED_CITING}"]


def test_the_api_gives_refers_to_and_referred_by_ids(cited_client):
    citing = cited_client.get(f"/api/answers/{CITING}").get_json()
    assert (citing["refers_to"], citing["referred_by"]) == ([FAJAA], [])
    cited = cited_client.get(f"/api/answers/{FAJAA}").get_json()
    assert (cited["refers_to"], cited["referred_by"]) == ([], [CITING, UNDATED_CITING])


def test_grouped_questions_are_linked_both_ways(lifecycle_index_dir):
    for client in client_over(lifecycle_index_dir):
        for one, other in ((1900005, 1900006), (1900006, 1900005)):
            page = BeautifulSoup(client.get(f"/answers/{one}").data, "html.parser")
            assert [a["href"] for a in page.select(".grouped-list a")] == [f"/answers/{other}"]
            assert client.get(f"/api/answers/{one}").get_json()["grouped_with"] == [other]


def test_sample_reference_counts(sample_index):
    """The bundled sample cites two questions it does not hold (UIN 586, UIN 1009)."""
    counts = sample_index.reference_counts()
    assert counts == {"resolved": 0, "unresolved": 2}
