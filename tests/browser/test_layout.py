"""Pages fit a 360 px phone, and axe-core finds nothing serious or critical on them."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, new_page

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "results": "/search?q=department",
    "filtered results": "/search?q=Sudan&house=Lords",
    "answer with marks": "/answers/90000001?q=criminal+gangs+smuggling",
    "answer with links": "/answers/1679416",
    "long answer with a list": "/answers/90000040",
    "not found": "/answers/1",
    "timeliness": "/timeliness",
    "member": "/members/name-stephen-timms",
    "department": "/departments/department-for-work-and-pensions",
}
AXE_PAGES = {name: PAGES[name] for name in ("home", "results", "answer with marks", "answer with links",
                                            "timeliness", "member", "department")}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}


@pytest.mark.parametrize("url", PAGES.values(), ids=PAGES.keys())
def test_no_horizontal_scroll_at_360px(phone, url):
    phone.goto(url)
    widths = phone.evaluate("({page: document.documentElement.scrollWidth, view: window.innerWidth})")
    assert widths["view"] == PHONE["width"]
    assert widths["page"] <= widths["view"], f"{url} is {widths['page']} px wide at 360 px"
    wider = phone.evaluate("""() => [...document.querySelectorAll('main *, header *, footer *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter(el => !el.closest('table, .visually-hidden'))
        .map(el => el.tagName + '.' + el.className)""")
    assert wider == []


def test_phone_header_keeps_the_search_box_usable(phone):
    phone.goto("/answers/1679416")
    box = phone.get_by_role("searchbox", name="Search written answers")
    assert box.bounding_box()["width"] >= 200
    expect(phone.get_by_role("button", name="Search")).to_be_in_viewport()


def run_axe(page, axe_source: str) -> list[dict]:
    """Run axe-core on the page; return its violations, reduced to what a reader needs."""
    page.evaluate(axe_source)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [", ".join(map(str, node["target"])) for node in v["nodes"]]}
            for v in result["violations"]]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("url", AXE_PAGES.values(), ids=AXE_PAGES.keys())
def test_axe_finds_nothing_serious(browser, server_url, axe_source, url, viewport, record_property):
    page = new_page(browser, server_url, viewport=viewport)
    try:
        page.goto(url)
        violations = run_axe(page, axe_source)
    finally:
        page.context.close()
    record_property("axe_violations", json.dumps(violations))
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert blocking == [], json.dumps(violations, indent=1)


def test_axe_reports_a_known_violation(page, axe_source):
    """The harness itself works: an image without alt text is reported as critical."""
    page.goto("/")
    page.evaluate("""document.querySelector('main')
        .insertAdjacentHTML('beforeend', '<img src="/static/favicon.svg">')""")
    assert {"id": "image-alt", "impact": "critical"} in [
        {"id": v["id"], "impact": v["impact"]} for v in run_axe(page, axe_source)]
