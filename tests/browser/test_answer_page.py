"""The answer page in a real browser: the way back to the same search, and copying the citation."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import new_page

pytestmark = pytest.mark.browser

SEARCH = [("q", "sudan"), ("house", "Commons"), ("sort", "newest")]
CITATION = ("Written question UIN 6173, tabled 11 December 2023, answered 18 December 2023 "
            "(House of Commons), "
            "https://questions-statements.parliament.uk/written-questions/detail/2023-12-11/6173")


def test_back_to_results_returns_to_the_same_search(page):
    page.goto("/answers/90000060?" + "&".join(f"{k}={v}" for k, v in SEARCH))
    page.get_by_role("link", name="Back to results").click()
    assert urlsplit(page.url).path == "/search" and parse_qsl(urlsplit(page.url).query) == SEARCH
    expect(page.get_by_role("heading", level=1)).to_contain_text("sudan")
    assert page.errors == []


def test_copy_citation_writes_the_clipboard_and_says_so(browser, server_url):
    page = new_page(browser, server_url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/answers/90000060")
    page.get_by_role("button", name="Copy citation").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == CITATION
    assert page.errors == []
    page.context.close()


def test_without_javascript_the_copy_button_stays_hidden(browser, server_url):
    page = new_page(browser, server_url, java_script_enabled=False)
    page.goto("/answers/90000060")
    expect(page.locator("cite")).to_have_text(CITATION)
    expect(page.get_by_role("button", name="Copy citation")).to_be_hidden()
    page.context.close()
