"""What a first-time visitor meets: readable controls, the first result in view, the search kept.

The contrast check computes, for every visible control, the WCAG contrast of its text
colour against its effective background (the first non-transparent ancestor, with
translucent layers blended), so a colour that resolves to nothing is caught.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, new_page

pytestmark = pytest.mark.browser

FCDO = "Foreign, Commonwealth and Development Office"
FILTERED = "/search?" + "&".join(["q=sudan", "house=Commons", "sort=newest",
                                  "dept=" + FCDO.replace(" ", "+").replace(",", "%2C")])
MANY_FILTERS = ("/search?q=department&house=Commons&party=Labour&answered_from=2020-01-01"
                "&answered_to=2026-12-31&attachments=no&sort=newest")
RESULTS_PAGES = ["/search?q=Sudan", FILTERED, "/search?q=sudan+humanitarain"]
CONTRAST_PAGES = ["/", *RESULTS_PAGES, "/answers/90000001?q=criminal+gangs+smuggling", "/answers/1679416",
                  "/members/name-andrew-snowden", "/departments/department-for-work-and-pensions"]
SIZES = {"desktop": DESKTOP, "phone": PHONE}
MIN_TEXT, MIN_GRAPHIC = 4.5, 3.0  # WCAG 1.4.3 (text) and 1.4.11 (chart bars)

CONTRAST_JS = """() => {
  const parse = c => {
    const m = c.match(/^rgba?\\(([^)]+)\\)$/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const background = el => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
    }
    return layers.reverse().reduce((under, top) => over(top, under), {r: 255, g: 255, b: 255, a: 1});
  };
  const lum = c => [c.r, c.g, c.b].map(v => v / 255)
    .map(v => v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4))
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const shown = el => {
    const r = el.getBoundingClientRect();
    return el.checkVisibility({checkOpacity: true, visibilityProperty: true})
      && r.width > 1 && r.height > 1 && r.bottom + window.scrollY > 0 && !el.closest('.visually-hidden');
  };
  const name = el => (el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.getAttribute('class') ? '.' + el.getAttribute('class').trim().split(/\\s+/).join('.') : '')
    + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"');
  const found = [];
  const controls = 'a, button, input:not([type=hidden]), select, textarea, summary, .chip';
  for (const el of new Set(document.querySelectorAll(controls))) {
    if (!shown(el)) continue;
    const isField = el.matches('input, select, textarea');
    if (!isField && !(el.innerText || '').trim()) continue;  // no text of its own (the chart's bars)
    const color = parse(getComputedStyle(el).color), bg = background(el);
    found.push({what: name(el), min: 4.5, ratio: color ? ratio(over(color, bg), bg) : 0});
  }
  for (const bar of document.querySelectorAll('svg .bar')) {
    if (!shown(bar)) continue;
    const fill = parse(getComputedStyle(bar).fill);
    const bg = background(bar.closest('figure'));
    found.push({what: 'histogram bar', min: 3, ratio: fill ? ratio(fill, bg) : 0});
  }
  return found;
}"""


@pytest.mark.parametrize("size", SIZES, ids=SIZES)
def test_every_control_is_readable(browser, server_url, size, capsys, record_property):
    checked = []
    page = new_page(browser, server_url, viewport=SIZES[size])
    try:
        for url in CONTRAST_PAGES:
            page.goto(url)
            if url in RESULTS_PAGES:
                expect(page.get_by_role("button", name="Search", exact=True)).to_be_in_viewport(ratio=1)
            checked += [{**item, "page": url} for item in page.evaluate(CONTRAST_JS)]
            # Then with every disclosure open: the filter form, "Show all", the phone's panel.
            opened = page.evaluate("[...document.querySelectorAll('details:not([open])')]"
                                   ".map(d => d.open = true).length")
            if opened:
                checked += [{**item, "page": url + " (opened)"} for item in page.evaluate(CONTRAST_JS)]
    finally:
        page.context.close()
    worst = sorted(checked, key=lambda item: item["ratio"] - item["min"])
    summary = (f"contrast at {size}: {len(checked)} elements on {len(CONTRAST_PAGES)} pages, "
               f"minimum {worst[0]['ratio']:.2f}:1 ({worst[0]['what']} on {worst[0]['page']})")
    record_property("contrast", summary)
    with capsys.disabled():
        print("\n" + summary)
    seen = {item["what"] for item in checked}
    assert len(checked) > 100 and {'button "Search"', 'button "Apply filters"'} <= seen
    failing = [f"{item['ratio']:.2f}:1 < {item['min']} {item['what']} on {item['page']}"
               for item in worst if item["ratio"] < item["min"]]
    assert failing == [], "\n".join(failing[:15])


def test_the_contrast_check_sees_an_invisible_button(page):
    """The check itself works: a button whose background colour is undefined fails it."""
    page.goto("/search?q=Sudan")
    page.evaluate("""document.querySelector('.search-form button').style.setProperty(
        'background', 'var(--never-defined)')""")
    failing = [item for item in page.evaluate(CONTRAST_JS) if item["ratio"] < item["min"]]
    assert [item["what"] for item in failing] == ['button "Search"']


def first_result(page):
    return page.locator("ol.result-list > li h2 a").first


@pytest.mark.parametrize("size", SIZES, ids=SIZES)
@pytest.mark.parametrize("url", [*RESULTS_PAGES[:2], MANY_FILTERS], ids=["plain", "filtered", "5 filters"])
def test_first_result_is_on_the_first_screen_and_five_tabs_away(browser, server_url, url, size):
    page = new_page(browser, server_url, viewport=SIZES[size])
    try:
        page.goto(url)
        expect(first_result(page)).to_be_in_viewport(ratio=1)
        page.get_by_role("searchbox", name="Search written answers").focus()
        for _ in range(5):
            page.keyboard.press("Tab")
            if first_result(page).evaluate("el => el === document.activeElement"):
                break
        else:
            pytest.fail(f"the first result is not reached in 5 Tabs; focus is on "
                        f"{page.evaluate('document.activeElement.outerHTML.slice(0, 120)')}")
    finally:
        page.context.close()


def test_phone_filters_sit_behind_a_disclosure_with_chips_in_view(phone):
    phone.goto(FILTERED)
    toggle = phone.locator("summary", has_text=re.compile(r"^Filters \(2\)$"))
    expect(toggle).to_be_visible()
    expect(phone.get_by_role("link", name=re.compile(r"^Remove filter House: Commons"))).to_be_in_viewport()
    refine = phone.get_by_role("complementary", name="Refine results")
    expect(refine.get_by_role("link", name="Lords", exact=True)).to_have_count(0)  # closed
    toggle.click()
    expect(refine.get_by_role("heading", name="Party")).to_be_visible()


def test_desktop_shows_facets_beside_results_without_a_toggle(page):
    page.goto(FILTERED)
    expect(page.locator(".refine-panel > summary")).to_be_hidden()
    refine = page.get_by_role("complementary", name="Refine results")
    expect(refine.get_by_role("heading", name="Department")).to_be_in_viewport()
    results = page.locator(".results").bounding_box()
    assert refine.bounding_box()["x"] + refine.bounding_box()["width"] <= results["x"]


def sort_select(page):
    return page.get_by_role("combobox", name="Sort by")


def test_sort_sits_beside_the_count_and_submits_on_change(page):
    page.goto("/search?q=department&house=Commons")
    count = page.get_by_role("heading", level=1).bounding_box()
    select = sort_select(page).bounding_box()
    assert select["y"] < count["y"] + count["height"] and count["y"] < select["y"] + select["height"]
    with page.expect_navigation():
        sort_select(page).select_option("newest")
    assert parse_qsl(urlsplit(page.url).query) == [("q", "department"), ("house", "Commons"),
                                                   ("sort", "newest")]
    expect(sort_select(page)).to_have_value("newest")


def test_sort_works_without_javascript(browser, server_url):
    context = browser.new_context(base_url=server_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/search?q=department&house=Commons")
        sort_select(page).select_option("oldest")
        page.wait_for_timeout(200)
        assert "sort=" not in page.url
        page.get_by_role("button", name="Sort", exact=True).click()
        expect(page).to_have_url(re.compile(r"\?q=department&house=Commons&sort=oldest$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("46 answers")
    finally:
        context.close()


SEARCH_ON_PAGE_2 = "/search?q=department&house=Commons&sort=newest&page=2"


def test_a_result_link_carries_the_whole_search(page):
    page.goto(SEARCH_ON_PAGE_2)
    href = first_result(page).get_attribute("href")
    assert parse_qsl(urlsplit(href).query) == parse_qsl(urlsplit(SEARCH_ON_PAGE_2).query)
    first_result(page).click()
    expect(page).to_have_url(re.compile(r"/answers/\d+\?q=department&house=Commons&sort=newest&page=2$"))


def test_from_results_to_an_answer_and_back_keeps_the_search(page):
    page.goto(SEARCH_ON_PAGE_2)
    first_result(page).click()
    page.get_by_role("link", name="Back to results").click()
    assert urlsplit(page.url)._replace(scheme="", netloc="").geturl() == SEARCH_ON_PAGE_2
