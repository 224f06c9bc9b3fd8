"""What a researcher does, in a real browser: search, refine, page, read, download."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

OFFICIAL_PAGE = re.compile(r"^https://questions-statements\.parliament\.uk/written-questions/detail/")


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def results_heading(page):
    return page.get_by_role("heading", level=1)


def result_links(page):
    return page.get_by_role("list").filter(has=page.get_by_role("heading", level=2)).get_by_role(
        "heading", level=2).get_by_role("link")


def test_search_from_the_home_page(page):
    page.goto("/")
    expect(page).to_have_title(re.compile("Search written answers"))
    box = page.get_by_role("searchbox", name="Search written answers")
    expect(box).to_be_focused()
    box.fill("criminal gangs smuggling")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=criminal\+gangs\+smuggling$"))
    expect(results_heading(page)).to_have_text(re.compile(r"1 answer\s+for\s+criminal gangs smuggling"))
    first = page.get_by_role("link", name="Undocumented Migrants")
    expect(first).to_be_visible()
    expect(page.locator("mark", has_text="smuggling").first).to_be_visible()
    assert page.errors == []


def test_refine_by_a_facet(page):
    page.goto("/search?q=Sudan")
    expect(results_heading(page)).to_contain_text("4 answers")
    refine = page.get_by_role("complementary", name="Refine results")
    refine.get_by_role("link", name="Lords", exact=True).click()
    expect(results_heading(page)).to_contain_text("2 answers")
    assert query_of(page)["house"] == ["Lords"]
    assert page.errors == []


def test_go_to_page_2_and_back(page):
    page.goto("/search?q=department")
    expect(results_heading(page)).to_contain_text("51 answers")  # the word, or a department's name
    pages = page.get_by_role("navigation", name="Pages of results")
    expect(pages.get_by_role("link", name="Page 1")).to_have_attribute("aria-current", "page")
    first_page_titles = result_links(page).all_inner_texts()
    assert len(first_page_titles) == 20

    pages.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    pages = page.get_by_role("navigation", name="Pages of results")
    expect(pages.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    expect(pages.get_by_role("link", name="Page 1")).not_to_have_attribute("aria-current", "page")
    second_page_titles = result_links(page).all_inner_texts()
    assert len(second_page_titles) == 20
    assert not set(second_page_titles) & set(first_page_titles)

    pages.get_by_role("link", name="Previous page").click()
    expect(page).not_to_have_url(re.compile(r"page=2"))
    assert result_links(page).all_inner_texts() == first_page_titles


def test_open_an_answer_from_the_results(page):
    page.goto("/search?q=criminal+gangs+smuggling")
    page.get_by_role("link", name="Undocumented Migrants").click()
    expect(page).to_have_url(re.compile(r"/answers/90000001\?q="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Undocumented Migrants")
    answer = page.get_by_role("region", name="Answer", exact=True)
    expect(answer).to_contain_text("Organised criminal groups (OCGs)")
    expect(page.get_by_role("region", name="Question", exact=True).locator("mark")).to_have_text(
        ["criminal", "gangs", "smuggling"])
    page.get_by_role("link", name="Back to results").click()
    expect(results_heading(page)).to_contain_text("1 answer")


def test_official_link_leads_to_the_parliament_page(page):
    page.goto("/answers/1679416")
    official = page.get_by_role("link", name="View on the UK Parliament website")
    expect(official).to_have_attribute("href", OFFICIAL_PAGE)
    official.click()  # the fixture answers it locally: no request leaves the machine
    expect(page).to_have_url(
        "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926")


def test_answer_without_a_known_date_has_no_official_link(page):
    page.goto("/answers/90000001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Undocumented Migrants")
    expect(page.get_by_role("link", name="View on the UK Parliament website")).to_have_count(0)


def focus_by_tabbing(page, locator, limit=60):
    """Press Tab until `locator` has the focus; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"{locator} never received the focus in {limit} presses of Tab")


def has_visible_focus(locator) -> bool:
    return locator.evaluate("""el => {
        const s = getComputedStyle(el);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
                && s.outlineColor !== 'rgba(0, 0, 0, 0)')
            || (s.boxShadow && s.boxShadow !== 'none');
    }""")


def test_keyboard_only_search_and_filters(page):
    page.goto("/answers/1679416")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert skip.is_visible() and has_visible_focus(skip)

    box = page.get_by_role("searchbox", name="Search written answers")
    focus_by_tabbing(page, box)
    assert has_visible_focus(box)
    page.keyboard.type("Sudan")
    page.keyboard.press("Enter")
    expect(results_heading(page)).to_contain_text("4 answers")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    lords = page.get_by_role("complementary", name="Refine results").get_by_role(
        "link", name="Lords", exact=True)
    focus_by_tabbing(page, lords)
    assert has_visible_focus(lords)
    page.keyboard.press("Enter")
    expect(results_heading(page)).to_contain_text("2 answers")
    assert query_of(page)["house"] == ["Lords"]


def test_pages_work_without_javascript(browser, server_url):
    context = browser.new_context(base_url=server_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_role("searchbox", name="Search written answers").fill("department")
        page.get_by_role("button", name="Search").click()
        expect(results_heading(page)).to_contain_text("51 answers")
        page.get_by_role("link", name="Next page").click()
        expect(page).to_have_url(re.compile(r"page=2"))
        page.get_by_role("complementary", name="Refine results").get_by_role(
            "link", name="Lords", exact=True).click()
        expect(results_heading(page)).to_contain_text("3 answers")
        result_links(page).first.click()
        expect(page.get_by_role("region", name="Answer", exact=True)).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("url", [
    "/", "/search?q=department", "/search?q=department&page=2", "/search?q=Sudan&house=Lords",
    "/answers/90000001?q=criminal+gangs", "/answers/1679416", "/answers/90000040",
])
def test_no_console_errors(page, url):
    response = page.goto(url)
    assert response.status == 200
    page.wait_for_load_state("load")
    assert page.errors == []


def test_missing_page_is_friendly(page):
    response = page.goto("/answers/1")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="start again from the home page")).to_be_visible()


# ---- flows that other branches build; the lead drops these markers after merging ----

NEEDS_MERGE = lambda test: test  # noqa: E731  (markers dropped after the merge)


@NEEDS_MERGE
def test_remove_a_filter_with_its_chip(page):
    page.goto("/search?q=Sudan")
    page.get_by_role("complementary", name="Refine results").get_by_role(
        "link", name="Lords", exact=True).click()
    expect(results_heading(page)).to_contain_text("2 answers")
    chip = page.get_by_role("link", name=re.compile(r"^Remove\b.*Lords", re.I))
    expect(chip).to_have_count(1, timeout=1000)
    chip.click()
    expect(results_heading(page)).to_contain_text("4 answers")
    assert "house" not in query_of(page)


def answered_dates(page) -> list[str]:
    return re.findall(r"Answered (\d{1,2} \w+ \d{4})", page.get_by_role("main").inner_text())


@NEEDS_MERGE
def test_change_sort_to_newest(page):
    import datetime as dt

    page.goto("/search?q=department")
    select = page.locator("select[name=sort]")
    if select.count():
        select.select_option("newest")
        form_button = page.locator("form:has(select[name=sort])").get_by_role("button").first
        try:
            page.wait_for_url(re.compile(r"sort=newest"), timeout=1500)
        except Exception:  # no script submitted it: press the form's own button
            form_button.click()
    else:
        page.get_by_role("link", name="Newest", exact=True).click(timeout=1000)
    expect(page).to_have_url(re.compile(r"sort=newest"))
    dates = [dt.datetime.strptime(d, "%d %B %Y").date() for d in answered_dates(page)]
    assert len(dates) >= 2
    assert dates == sorted(dates, reverse=True)


def test_download_csv_of_the_results(page):
    page.goto("/search?q=Sudan")
    link = page.get_by_role("link", name=re.compile("CSV"))
    expect(link).to_have_count(1, timeout=1000)
    assert urlsplit(link.get_attribute("href")).path == "/search.csv"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 4 and "," in lines[0]


def test_autosubmit_select_submits_on_pointer_but_not_on_arrow_keys(page):
    """wrans.js: <select data-autosubmit> submits its form when picked, never while arrowing."""
    page.goto("/search?q=department")
    page.get_by_role("main").evaluate("""main => main.insertAdjacentHTML('afterbegin',
        `<form action="/search"><input type="hidden" name="q" value="department">
         <label for="try-sort">Order</label>
         <select id="try-sort" name="sort" data-autosubmit>
           <option value="relevance">Relevance</option><option value="newest">Newest</option>
           <option value="oldest">Oldest</option></select>
         <button>Apply</button></form>`)""")
    select = page.get_by_label("Order")
    select.focus()
    page.keyboard.press("ArrowDown")
    expect(select).to_have_value("newest")
    page.wait_for_timeout(300)
    assert "sort=" not in page.url
    page.get_by_role("heading", level=1).click()  # back to the mouse
    with page.expect_navigation():
        select.select_option("oldest")
    assert query_of(page)["sort"] == ["oldest"]
    assert page.errors == []
