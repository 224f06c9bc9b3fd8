"""The search and answer pages' researcher features, parsed with BeautifulSoup."""

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def params(url):
    return parse_qs(urlsplit(url).query)


def test_every_form_control_has_a_label(client):
    soup = page(client, "/search?q=sudan")
    controls = soup.select("main form input:not([type=hidden]), main form select")
    assert len(controls) >= 13
    for control in controls:
        assert soup.find("label", attrs={"for": control["id"]}), control


def test_filters_from_the_url_fill_the_form_and_show_as_chips(client):
    soup = page(client, "/search?q=sudan&house=Lords&answered_from=2024-01-01")
    assert soup.select_one("#f-house option[selected]")["value"] == "Lords"
    assert soup.select_one("#f-af")["value"] == "2024-01-01"
    chips = {a.get_text(" ", strip=True).split(" ×")[0].removeprefix("Remove filter "): a["href"]
             for a in soup.select(".chips a.chip")}
    assert params(chips["House: Lords"]) == {"q": ["sudan"], "answered_from": ["2024-01-01"]}
    assert params(chips["Answered from 1 January 2024"]) == {"q": ["sudan"], "house": ["Lords"]}
    assert params(chips["Clear all filters"]) == {"q": ["sudan"]}
    assert [h["href"] for h in soup.select("li.result h2 a")] == [
        "/answers/90000024?q=sudan&house=Lords&answered_from=2024-01-01"]


def test_the_query_is_echoed_and_a_correction_offered(client):
    soup = page(client, "/search?q=sudan+humanitarain&house=Lords")
    assert soup.select_one(".understood code").get_text() == "sudan AND humanitarain"
    link = soup.select_one(".suggestion a")
    assert link.get_text() == "sudan humanitarian"
    assert params(link["href"]) == {"q": ["sudan humanitarian"], "house": ["Lords"]}


def test_histogram_bars_link_to_their_year(client):
    soup = page(client, "/search?dept=Department+for+Transport")
    links = soup.select("figure.histogram svg a")
    labels = [a["aria-label"] for a in links]
    # Transport answers: 2022 (2), 2023 (2), 2024 (3)
    assert labels == ["2022: 2 answers", "2023: 2 answers", "2024: 3 answers"]
    assert params(links[2]["href"]) == {"dept": ["Department for Transport"], "year": ["2024"]}
    assert text_of(page(client, links[2]["href"]).h1) == "3 answers"


def text_of(node):
    return " ".join(node.get_text(" ").split())


def test_an_active_facet_value_is_marked_and_its_link_removes_it(client):
    soup = page(client, "/search?q=sudan&house=Lords&sort=newest")
    active = soup.select_one('.facets [aria-current="true"]')
    assert text_of(active) == "Lords (chosen: remove) ×"
    assert params(active["href"]) == {"q": ["sudan"], "sort": ["newest"]}


def test_results_show_answerer_uin_and_badges(client):
    soup = page(client, "/search?q=flexi-job")
    meta = soup.select_one("li.result .result-meta").get_text(" ", strip=True)
    assert "UIN 7926" in meta and "Tabled 5 January 2024" in meta and "Named day" in meta


def test_sort_newest_lists_the_latest_first(client):
    soup = page(client, "/search?dept=Department+for+Transport&sort=newest")
    assert urlsplit(soup.select_one("li.result h2 a")["href"]).path == "/answers/90000028"
    assert soup.select_one("#f-sort option[selected]")["value"] == "newest"


def test_unknown_status_is_a_friendly_400(client):
    soup = page(client, "/search?q=x&status=lost", status=400)
    assert "status must be one of" in soup.select_one(".notice").get_text()


def test_answer_page_citation_dates_and_related(client):
    soup = page(client, "/answers/90000060")
    assert soup.select_one(".citation cite").get_text() == (
        "Written question UIN 6173, tabled 11 December 2023, answered 18 December 2023 (House of Commons), "
        "https://questions-statements.parliament.uk/written-questions/detail/2023-12-11/6173")
    facts = text_of(soup.select_one("dl.facts"))
    assert "Tabled 11 December 2023" in facts and "Answered 18 December 2023" in facts
    related = [a["href"] for a in soup.select(".related a")]
    assert related and "/answers/90000060" not in related
    assert "/answers/90000024" in related  # the other Sudan answer with a heading


def test_grouped_results_appear_once_with_their_uins(lifecycle_client):
    soup = page(lifecycle_client, "/search?q=coastguard+helicopters")
    results = soup.select("li.result")
    assert len(results) == 1
    assert "UIN 200001, 200002" in results[0].select_one(".uin").get_text()
    assert text_of(soup.h1) == "1 answer for coastguard helicopters"


def test_corrected_answer_page_shows_the_original_beside_it(lifecycle_client):
    soup = page(lifecycle_client, "/answers/1900002?q=lighthouses")
    assert soup.select_one(".citation cite").get_text() == (
        "Written question UIN HL2001, tabled 1 March 2024, answered 5 March 2024, corrected 12 March 2024 "
        "(House of Lords), https://questions-statements.parliament.uk/written-questions/detail/2024-03-01/HL2001")
    assert "Twenty-one" in soup.select_one("section.answer").get_text()
    assert "Twelve" in soup.select_one(".correction-diff .original-answer").get_text()
    assert text_of(soup.select_one(".correction-diff .diff")) == (
        "Twelve Twenty-one lighthouses were repainted in 2023.")
    assert soup.select_one(".original-answer mark").get_text() == "lighthouses"
    facts = text_of(soup.select_one("dl.facts"))
    assert "Corrected 12 March 2024 by Ann Minister (Labour)" in facts
    assert "Asked by Lord Tidewater (Crossbench) , Life peer" in facts  # with constituency


def test_holding_answer_page_shows_every_date(lifecycle_client):
    soup = page(lifecycle_client, "/answers/1900001")
    facts = text_of(soup.select_one("dl.facts"))
    for expected in ("Tabled 1 February 2024", "Due for answer 6 February 2024 (named day)",
                     "Holding answer 6 February 2024"):
        assert expected in facts
    badges = [b.get_text() for b in soup.select(".badge")]
    assert badges == ["Holding answer", "Named day"]


def test_attachments_are_listed_with_type_and_size(lifecycle_client):
    soup = page(lifecycle_client, "/answers/1900004")
    items = [text_of(li) for li in soup.select(".attachments li")]
    assert items == ["Museum visitors 2023 (Excel, 48 KB)", "Notes on the figures (PDF, 1.2 MB)"]


def test_grouped_answer_page_links_the_other_questions(lifecycle_client):
    soup = page(lifecycle_client, "/answers/1900005")
    links = soup.select(".grouped-list a")
    assert [a.get_text() for a in links] == ["UIN 200002"]
    assert links[0]["href"] == "/answers/1900006"  # stored: a link to its page (issue 17)


def test_withdrawn_question_page_says_so(lifecycle_client):
    soup = page(lifecycle_client, "/answers/1900003")
    assert "withdrawn" in soup.select_one(".answer-body").get_text()
    assert [b.get_text() for b in soup.select(".badge")] == ["Withdrawn"]
