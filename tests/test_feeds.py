"""Atom feeds of searches, parsed as XML the way a feed reader would."""

import datetime as dt
import re
from xml.etree import ElementTree as ET

import pytest

from indexer.records import Answer
from webapp.feeds import atom_entry

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TAG_URI = re.compile(r"^tag:[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?:\S+$")


def feed_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{A}feed"
    return root


def when(element, tag):
    value = element.findtext(f"{A}{tag}")
    assert value and RFC3339.match(value), f"{tag}: {value!r}"
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def links(element):
    return {link.get("rel"): link.get("href") for link in element.findall(f"{A}link")}


def test_feed_has_ids_dates_and_links(client):
    feed = feed_of(client, "/search.atom?q=Sudan")
    assert TAG_URI.match(feed.findtext(f"{A}id"))
    assert feed.findtext(f"{A}title") == "wrans: Sudan"
    assert feed.findtext(f"{A}author/{A}name") == "wrans"
    assert links(feed) == {"self": "http://localhost/search.atom?q=Sudan",
                           "alternate": "http://localhost/search?q=Sudan"}
    entries = feed.findall(f"{A}entry")
    assert entries and len({e.findtext(f"{A}id") for e in entries}) == len(entries)
    assert when(feed, "updated") == max(when(e, "updated") for e in entries)
    for entry in entries:
        question_id = entry.findtext(f"{A}id").rsplit("/", 1)[1]
        assert TAG_URI.match(entry.findtext(f"{A}id"))
        assert entry.findtext(f"{A}title")
        when(entry, "updated")
        assert links(entry)["alternate"] == f"http://localhost/answers/{question_id}"
        record = client.get(f"/api/answers/{question_id}").get_json()
        assert links(entry).get("related") == record["official_url"]
        summary = entry.find(f"{A}summary")
        assert summary.get("type") == "text"
        assert " ".join(record["answer_text"].split()).startswith(summary.text.removesuffix(" …"))


def test_feed_lists_the_newest_50_answers_newest_first(client):
    entries = feed_of(client, "/search.atom").findall(f"{A}entry")
    assert len(entries) == 50
    published = [when(e, "published") for e in entries]
    assert published == sorted(published, reverse=True)
    newest = client.get("/api/search?sort=newest&page_size=1&answered_from=1900-01-01").get_json()
    assert entries[0].findtext(f"{A}id").endswith(f"/{newest['results'][0]['id']}")


def test_feed_ignores_the_page_and_sort_of_the_search(client):
    plain = ET.tostring(feed_of(client, "/search.atom?q=Sudan&house=Lords"))
    assert ET.tostring(feed_of(client, "/search.atom?house=Lords&sort=oldest&page=2&q=Sudan")) == plain


def test_feed_ids_are_stable_and_distinct_per_search(client):
    def feed_id(url):
        return feed_of(client, url).findtext(f"{A}id")

    assert feed_id("/search.atom?q=Sudan&house=Lords") == feed_id("/search.atom?house=Lords&q=Sudan&utm=x")
    assert feed_id("/search.atom?q=Sudan") != feed_id("/search.atom?q=Sudan&house=Lords")
    assert feed_id("/search.atom") == "tag:wrans,2024:search"


def test_feed_escapes_markup_in_titles(awkward_client):
    entries = feed_of(awkward_client, "/search.atom").findall(f"{A}entry")
    titles = [e.findtext(f"{A}title") for e in entries]
    assert titles[0] == "Plain heading]]></title><script>alert(1)</script>"
    assert titles[2].startswith('=HYPERLINK("http://evil.example","click")')


def test_entry_drops_characters_xml_cannot_carry():
    answer = Answer(id=7, uin="HL1", house="Lords", heading="Bell\x07 and \x0bvertical tab",
                    question_text="Q", answer_text="Nul\x00 here", answer_html="", answering_body=None,
                    department=None, date_answered=dt.date(2024, 2, 29))
    entry = ET.fromstring(ET.tostring(atom_entry(answer, "http://localhost/answers/7")))
    assert entry.findtext(f"{A}title") == "Bell and vertical tab"
    assert entry.findtext(f"{A}summary") == "Nul here"
    assert entry.findtext(f"{A}updated") == "2024-02-29T00:00:00Z"


@pytest.mark.parametrize("url", ["/search.atom?page=abc", "/search.atom?sort=sideways",
                                 "/search.atom?answered_to=31-12-2024"])
def test_bad_feed_parameters_are_400s(client, url):
    assert client.get(url).status_code == 400


def test_an_answer_without_a_heading_is_titled_by_its_text(client):
    feed = feed_of(client, "/search.atom?q=%22initial+evidence+interview%22")
    titles = {e.findtext(f"{A}id").rsplit("/", 1)[1]: e.findtext(f"{A}title")
              for e in feed.findall(f"{A}entry")}
    assert titles["90000073"] == "At the start of their Universal Credit claim, not all claimants will…"


def test_a_feed_filters_on_has_a_date_with_one_term():
    from whoosh import query

    from indexer.export import feed_request
    from indexer.filters import plan_filters
    from indexer.search import SearchRequest

    def clauses(request):
        return plan_filters(feed_request(request), lambda name: None).clauses

    assert clauses(SearchRequest(q="asylum")) == [query.Term("dated", "1")]
    dated_range = clauses(SearchRequest(answered_from=dt.date(2020, 1, 1)))
    assert dated_range[0] == query.Term("dated", "1") and len(dated_range) == 2  # the range still applies


@pytest.mark.parametrize("q", ["", "answer", "Sudan", "house:Lords"])
def test_a_feed_holds_what_an_open_answered_range_gave(sample_index, lifecycle_index, q):
    """The one term selects exactly the answers an `answered_from` of year 1 did, in the same order."""
    from dataclasses import replace

    from indexer.export import export_answers, newest_answers
    from indexer.search import SearchRequest

    for index in (sample_index, lifecycle_index):
        request = SearchRequest(q=q)
        before = export_answers(index, replace(request, sort="newest", answered_from=dt.date.min), 50)
        after = newest_answers(index, request)
        ids = [a.id for a in after.answers]
        assert after.total == before.total and ids == [a.id for a in before.answers]
    everything = export_answers(lifecycle_index, replace(SearchRequest(), sort="newest"), 10_000)
    assert newest_answers(lifecycle_index, SearchRequest()).total < everything.total  # undated ones left out
