"""Screenshots of the home, results (plain, filtered), answer, timeliness, member and department
pages and the email-alert form, desktop and phone.

`make screenshots` sets WRANS_SCREENSHOTS_DIR=docs/screenshots to refresh the README's
pictures; otherwise they go to a temp dir, so every run still renders the pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, new_page, serving

pytestmark = pytest.mark.browser

SIZES = {"desktop": DESKTOP, "phone": {"width": 360, "height": 780}}


@pytest.fixture(scope="module")
def shots_dir(tmp_path_factory) -> Path:
    target = os.environ.get("WRANS_SCREENSHOTS_DIR")
    if not target:
        return tmp_path_factory.mktemp("screenshots")
    path = Path(target)
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_results(page):
    page.goto("/search?q=Sudan")
    expect(page.get_by_role("heading", level=1)).to_contain_text("4 answers")


def open_filtered_results(page):
    page.goto("/search?q=sudan&house=Commons&sort=newest")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2 answers")


def open_home(page):
    page.goto("/")
    expect(page.get_by_role("searchbox", name="Search written answers")).to_be_focused()


def open_answer_from_search(page):
    page.goto("/")
    box = page.get_by_role("searchbox", name="Search written answers")
    box.fill("criminal gangs smuggling")
    box.press("Enter")
    page.get_by_role("link", name="Undocumented Migrants").click()
    expect(page.locator("main mark").first).to_be_visible()


def open_answer_with_links(page):
    page.goto("/answers/1679416")
    expect(page.get_by_role("link", name="View on the UK Parliament website")).to_be_visible()


def open_timeliness(page):
    page.goto("/timeliness")
    expect(page.get_by_role("heading", level=1)).to_have_text("How quickly departments answer")


def open_member(page):
    page.goto("/members/name-andrew-snowden")
    expect(page.get_by_role("heading", name="Andrew Snowden")).to_be_visible()


def open_department(page):
    page.goto("/departments/department-for-work-and-pensions")
    expect(page.get_by_role("heading", name="Answers per month")).to_be_visible()


SCENES = {"home": open_home, "results": open_results, "results-filtered": open_filtered_results,
          "answer-from-search": open_answer_from_search,
          "answer": open_answer_with_links, "timeliness": open_timeliness, "member": open_member,
          "department": open_department}


@pytest.fixture(scope="module")
def mail_server_url(sample_index_dir, tmp_path_factory) -> str:
    """The site as an operator with mail set up serves it: alert forms shown (nothing is sent)."""
    tmp = tmp_path_factory.mktemp("mail-server")
    with serving(sample_index_dir, tmp, WRANS_SMTP_HOST="127.0.0.1", WRANS_SMTP_PORT="9",
                 WRANS_ALERTS_DB=str(tmp / "alerts.sqlite3"), WRANS_SECRET_KEY="screenshots") as url:
        yield url


def open_alert_form(page):
    page.goto("/search?q=Sudan")
    form = page.get_by_label("Email me new answers to this search")
    form.scroll_into_view_if_needed()
    expect(form).to_be_in_viewport()


@pytest.mark.parametrize("size", SIZES, ids=SIZES)
def test_alert_form_screenshot(browser, mail_server_url, shots_dir, size):
    _shoot(browser, mail_server_url, shots_dir / f"alert-form-{size}.png", open_alert_form, size)


@pytest.mark.parametrize("size", SIZES, ids=SIZES)
@pytest.mark.parametrize("scene", SCENES, ids=SCENES)
def test_screenshot(browser, server_url, shots_dir, scene, size):
    _shoot(browser, server_url, shots_dir / f"{scene}-{size}.png", SCENES[scene], size)


def _shoot(browser, url: str, path: Path, scene, size: str) -> None:
    page = new_page(browser, url, viewport=SIZES[size])
    try:
        scene(page)
        page.screenshot(path=path, animations="disabled", caret="hide")
    finally:
        page.context.close()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.errors == []
