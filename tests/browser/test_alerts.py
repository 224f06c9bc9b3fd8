"""Email alerts end to end: a real browser, `wrans serve`, `wrans update` over the replay API,
and a real SMTP server (aiosmtpd) on 127.0.0.1.

The mail log (to, subject and the digest's key lines, in order) is written to
`mail-log.txt` in the test's temp dir and printed (`pytest -s` shows it).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.alerting import made_record, path_of
from tests.conftest import REPO
from tests.support.replay_server import ReplayApi
from tests.support.smtp_sink import SmtpSink, links_in, log_line, text_of

from .conftest import DESKTOP, PHONE, free_port, new_page, wait_until_ready
from .test_first_sight import CONTRAST_JS
from .test_layout import BLOCKING, run_axe

pytestmark = pytest.mark.browser

TODAY = dt.date.today()
FOLLOWED, EXISTING, NEW, LATER = 1_950_001, 1_950_002, 1_950_003, 1_950_004
READER = "reader@example.org"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The replay API, an SMTP sink, an index made by `wrans update`, and `wrans serve` over it."""
    tmp = tmp_path_factory.mktemp("alerts-e2e")
    records = [made_record(FOLLOWED, "Otters: Rivers", "", None, tabled=TODAY - dt.timedelta(days=2)),
               made_record(EXISTING, "Zebrafish: Laboratories", "Zebrafish kept in laboratories.",
                           TODAY - dt.timedelta(days=1))]
    port = free_port()
    with ReplayApi(records) as api, SmtpSink() as sink:
        env = {**os.environ, **sink.env(), "WRANS_API_URL": api.url, "WRANS_DATA_DIR": str(tmp / "data"),
               "WRANS_STATE_DIR": str(tmp / "state"), "WRANS_INDEX_DIR": str(tmp / "index"),
               "WRANS_ALERTS_DB": str(tmp / "alerts.sqlite3"), "WRANS_SITE_URL": f"http://127.0.0.1:{port}",
               "WRANS_REQUESTS_PER_SECOND": "0", "WRANS_RETRY_BACKOFF": "0.01", "WRANS_PAGE_SIZE": "20",
               "WRANS_UPDATE_FIRST_DATE": (TODAY - dt.timedelta(days=10)).isoformat()}
        env.pop("WRANS_SECRET_KEY", None)  # generated beside the database, shared by serve and send
        world = World(api, sink, env, tmp)
        world.update()
        stderr_path = tmp / "serve.log"
        with stderr_path.open("wb") as stderr:
            server = subprocess.Popen([sys.executable, "-m", "indexer.cli", "serve", "--port", str(port)],
                                      cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        world.url = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(server, world.url + "/healthz", stderr_path)
            yield world
        finally:
            server.terminate()
            server.wait(timeout=10)


class World:
    def __init__(self, api, sink, env, tmp):
        self.api, self.sink, self.env, self.tmp, self.url = api, sink, env, tmp, ""

    def update(self) -> str:
        done = subprocess.run([sys.executable, "-m", "indexer.cli", "update"], cwd=REPO, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def add(self, record: dict) -> None:
        self.api.records[record["value"]["id"]] = record


def subscribe_in_browser(page, path: str, button_label: str) -> None:
    page.goto(path)
    form = page.locator("form.alert-form")
    form.get_by_label(button_label).fill(READER)
    form.get_by_role("button", name="Email me").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()


def confirm_in_browser(page, world) -> None:
    link = links_in(world.sink.messages[-1], "/alerts/confirm/")[0]
    page.goto(path_of(link))
    page.get_by_role("button", name="Confirm the alert").click()
    expect(page.get_by_role("heading", name="Alert confirmed")).to_be_visible()


def one_click_unsubscribe(message) -> int:
    """What a mail client does for RFC 8058: POST List-Unsubscribe=One-Click to the header's URL."""
    url = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_follow_a_search_and_a_question_by_email_then_unsubscribe(browser, world):
    page = new_page(browser, world.url)
    subscribe_in_browser(page, "/search?q=zebrafish", "Email me new answers to this search")
    assert [m["To"] for m in world.sink.messages] == [READER]
    confirm_in_browser(page, world)

    world.add(made_record(NEW, "Zebrafish: Research", "We fund zebrafish research in universities.", TODAY))
    world.update()
    digest = world.sink.messages[-1]
    assert len(world.sink.messages) == 2 and "new or changed answer" in digest["Subject"]
    text = text_of(digest)
    assert f"{world.url}/answers/{NEW}" in text and f"/answers/{EXISTING}" not in text
    assert "We fund [zebrafish] research" in text

    assert one_click_unsubscribe(digest) == 200
    world.add(made_record(LATER, "Zebrafish: Imports", "Zebrafish imports are licensed.", TODAY))
    world.update()
    assert len(world.sink.messages) == 2  # unsubscribed: the next update sends nothing

    subscribe_in_browser(page, f"/answers/{FOLLOWED}", "Email me when this changes")
    confirm_in_browser(page, world)
    world.update()
    assert len(world.sink.messages) == 3  # still awaiting: nothing changed
    world.api.records[FOLLOWED]["value"].update(
        answerText="<p>Otters are returning to every river in England.</p>",
        dateAnswered=f"{TODAY}T00:00:00", answeringMemberId=3985)
    world.update()
    answered = world.sink.messages[-1]
    assert len(world.sink.messages) == 4 and answered["To"] == READER
    assert f"{world.url}/answers/{FOLLOWED}" in text_of(answered)
    assert "Otters are returning" in text_of(answered) and "(answered)" in text_of(answered)
    world.update()
    assert len(world.sink.messages) == 4  # each change once

    log = "\n".join(log_line(m) for m in world.sink.messages)
    (world.tmp / "mail-log.txt").write_text(log + "\n", encoding="utf-8")
    print("\nmail log:\n" + log)
    page.context.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["/search?q=zebrafish", f"/answers/{FOLLOWED}"])
def test_the_alert_form_is_labelled_readable_and_inside_the_page(browser, world, axe_source, size, path):
    page = new_page(browser, world.url, viewport=size)
    page.goto(path)
    form = page.locator("form.alert-form")
    field, button = form.locator("input[type=email]"), form.get_by_role("button", name="Email me")
    expect(field).to_be_visible()
    expect(button).to_be_visible()
    assert form.locator("label").inner_text().startswith("Email me")
    width = page.evaluate("document.documentElement.clientWidth")
    for box in (field.bounding_box(), button.bounding_box()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    found = [c for c in page.evaluate(CONTRAST_JS) if '"Email me' in c["what"]]
    assert found and all(c["ratio"] >= c["min"] for c in found), found
    violations = run_axe(page, axe_source)
    assert [v for v in violations if v["impact"] in BLOCKING] == [], violations
    page.context.close()
