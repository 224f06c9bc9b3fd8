"""The answer page: its states in plain words, the correction diff, the citation, the way back.

BeautifulSoup over the Flask test client, on the real sample index and on real
sample records put into the states the sample lacks (tests/answer_states.py).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup

from .answer_states import CORRECTED, HOLDING, INLINE, WITHDRAWN, build_states_index
from .conftest import client_over

OFFICIAL = "https://questions-statements.parliament.uk/written-questions/detail/"


@pytest.fixture(scope="module")
def states_client(tmp_path_factory):
    yield from client_over(build_states_index(tmp_path_factory))


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(node):
    return " ".join(node.get_text(" ").split())


def test_corrected_answer_says_when_and_by_whom_and_shows_the_diff(states_client):
    soup = page(states_client, f"/answers/{CORRECTED}?q=conference")
    note = soup.select_one(".state-corrected")
    assert text_of(note.select_one(".state-title")) == (
        "Corrected on 8 January 2024 by Andrew Mitchell (Conservative)")
    assert note.select_one(".state-title a")["href"] == "/members/name-andrew-mitchell"  # corrector's page
    assert note.select_one("p:not(.state-title) a")["href"] == "#changes-h"
    diff = soup.select_one(".correction-diff .diff")
    assert [d.get_text() for d in diff.select("del")] == ["17-20", "The conference was held in London."]
    assert [i.get_text() for i in diff.select("ins")] == ["18-20"]
    assert {t.name for t in diff.find_all(True)} <= {"p", "br", "del", "ins"}
    assert soup.select_one(".correction-diff .diff-legend del").get_text() == "deleted text"
    # The corrected answer in full, with the search marks, and the original behind a disclosure.
    assert text_of(soup.select_one("#answer-h")) == "Corrected answer"
    answer = soup.select_one("section.answer .answer-body")
    assert "18-20 November" in answer.get_text() and not answer.select("del, ins")
    assert [m.get_text() for m in answer.select("mark")] == ["Conference"]
    assert "17-20 November" in soup.select_one("details.original-answer").get_text()


def test_the_diff_keeps_every_word_of_both_texts(states_client):
    soup = page(states_client, f"/answers/{CORRECTED}")
    diff = soup.select_one(".correction-diff .diff")
    deleted, inserted = BeautifulSoup(str(diff), "html.parser"), BeautifulSoup(str(diff), "html.parser")
    for tag in deleted.select("ins"):
        tag.decompose()
    for tag in inserted.select("del"):
        tag.decompose()
    original, corrected = text_of(soup.select_one(".original-answer .answer-body")), text_of(
        soup.select_one("section.answer .answer-body"))
    assert text_of(deleted) == original and text_of(inserted) == corrected


def test_an_older_correction_marked_in_its_text_gets_the_legend(states_client):
    soup = page(states_client, f"/answers/{INLINE}")
    answer = soup.select_one("section.answer")
    assert answer.select_one(".diff-legend") is not None
    assert [d.get_text() for d in answer.select(".answer-body del")] == ["568"]
    assert [i.get_text() for i in answer.select(".answer-body ins")] == ["586"]
    assert soup.select_one(".correction-diff") is None  # no original text to compare with
    assert text_of(soup.select_one(".state-corrected")) == (
        "Corrected The answer below is the corrected text. The changes are marked in it.")


def test_holding_answer_shows_and_cites_its_holding_date(states_client):
    soup = page(states_client, f"/answers/{HOLDING}")
    assert text_of(soup.select_one(".state-holding .state-title")) == "Holding answer given on 24 June 2019"
    assert text_of(soup.select_one("#answer-h")) == "Holding answer"
    facts = text_of(soup.select_one("dl.facts"))
    assert "Holding answer 24 June 2019" in facts and "Answered 28 June 2019" not in facts
    assert soup.select_one(".citation cite").get_text() == (
        "Written question UIN 266764, tabled 19 June 2019, holding answer 24 June 2019 "
        f"(House of Commons), {OFFICIAL}2019-06-19/266764")


def test_holding_answer_without_its_own_date_takes_the_day_it_was_given(client):
    soup = page(client, "/answers/90000049")  # real: holding, dated only by dateAnswered
    assert text_of(soup.select_one(".state-holding .state-title")) == "Holding answer given on 27 May 1977"
    assert soup.select_one(".citation cite").get_text() == (
        "Written question “Income Tax”, holding answer 27 May 1977 (House of Commons)")


def test_withdrawn_question_is_a_banner_not_just_a_badge(states_client):
    soup = page(states_client, f"/answers/{WITHDRAWN}")
    banner = soup.select_one(".state-withdrawn")
    assert banner["role"] == "note"
    assert text_of(banner.select_one(".state-title")) == "This question was withdrawn"
    assert "before it was answered" in text_of(banner)
    assert soup.select_one(".citation cite").get_text().startswith(
        "Written question UIN 118750, tabled 11 December 2017, withdrawn (House of Commons)")


def test_an_answer_without_a_heading_is_named_by_its_question(client):
    soup = page(client, "/answers/90000036")
    label = "Whether they will increase multi-year funding to support the most…"
    assert text_of(soup.h1) == label
    assert soup.title.get_text() == f"{label} · wrans"
    assert soup.select_one(".citation cite").get_text() == f"Written question “{label}” (House of Lords)"


def test_citation_names_the_written_question_with_its_url_and_a_copy_button(client):
    soup = page(client, "/answers/1679416")
    expected = ("Written question UIN 7926, tabled 5 January 2024, answered 10 January 2024 "
                f"(House of Commons), {OFFICIAL}2024-01-05/7926")
    assert soup.select_one(".citation cite").get_text() == expected
    assert soup.select_one(".citation cite a")["href"] == f"{OFFICIAL}2024-01-05/7926"
    button = soup.select_one(".citation button.copy-button")
    assert button["data-copy-text"] == expected and button.has_attr("hidden")  # shown by JS
    assert soup.select_one(".citation .copy-status")["role"] == "status"


SEARCH = [("q", "sudan"), ("house", "Commons"), ("dept", "Foreign Office"), ("dept", "DfE"),
          ("asker", "Lucas"), ("answerer", "Mitchell"), ("party", "Green"), ("year", "2023"),
          ("status", "answered"), ("answered_from", "2023-01-01"), ("answered_to", "2023-12-31"),
          ("tabled_from", "2023-01-01"), ("tabled_to", "2023-12-31"), ("attachments", "no"),
          ("sort", "newest"), ("page", "2")]


def test_back_to_results_keeps_the_whole_search_and_nothing_else(client):
    query = "&".join(f"{k}={v.replace(' ', '+')}" for k, v in SEARCH)
    soup = page(client, f"/answers/90000060?{query}&utm_source=x&id=5")
    href = soup.find("a", string="Back to results")["href"]
    assert urlsplit(href).path == "/search"
    assert sorted(parse_qsl(urlsplit(href).query)) == sorted(SEARCH)


@pytest.mark.parametrize("query", ["house=Lords", "sort=oldest", "page=3", "q=sudan"])
def test_back_to_results_appears_with_any_search_parameter(client, query):
    soup = page(client, f"/answers/90000060?{query}")
    href = soup.find("a", string="Back to results")["href"]
    assert parse_qsl(urlsplit(href).query) == parse_qsl(query)


@pytest.mark.parametrize("query", ["", "?utm_source=x", "?q="])
def test_no_back_link_without_a_search(client, query):
    soup = page(client, f"/answers/90000060{query}")
    assert soup.find("a", string="Back to results") is None


def test_related_answers_are_listed_once_each_by_their_labels(client):
    for question_id in (90000060, 90000036, 1679416):
        related = page(client, f"/answers/{question_id}").select(".related a[href^='/answers/']")
        links = [a["href"] for a in related]
        assert links and len(links) == len(set(links))
        assert f"/answers/{question_id}" not in links
        assert all(a.get_text().strip() and not a.get_text().startswith("Written question") for a in related)
    labels = [a.get_text() for a in page(client, "/answers/90000060").select(".related a")]
    assert "Whether they will increase multi-year funding to support the most…" in labels
