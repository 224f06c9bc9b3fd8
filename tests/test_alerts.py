"""Email alerts with a real SMTP server (aiosmtpd on 127.0.0.1) and a real index on disk.

Subscribing goes through the pages' own forms (Flask test client); sending is
`send_alerts` in process, except where a run is killed, which is `wrans alerts
send` as a process.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from indexer.alerts.send import send_alerts
from indexer.alerts.tokens import Tokens
from indexer.cli import main
from indexer.index import rebuild_index, update_index
from indexer.settings import load_settings
from indexer.store import write_record
from webapp import create_app

from .alerting import alert_form_fields, made_record, path_of, subscribe
from .conftest import REPO
from .support.smtp_sink import SmtpSink, links_in, text_of

TODAY = dt.date.today()
SECRET = "test-secret-for-alerts"


@dataclass
class Site:
    client: object
    settings: object
    data_dir: Path
    index_dir: Path
    sink: SmtpSink
    env: dict

    def add_answers(self, *records) -> None:
        for record in records:
            write_record(self.data_dir, record)
        update_index(self.data_dir, self.index_dir)

    def send(self):
        return send_alerts(load_settings())

    def confirm_last(self) -> None:
        """Follow the confirmation link of the last mail: its page, then its button."""
        url = links_in(self.sink.messages[-1], "/alerts/confirm/")[0]
        assert self.client.get(path_of(url)).status_code == 200
        assert self.client.post(path_of(url)).status_code == 200


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


@pytest.fixture
def site(tmp_path, data_dir, sink, monkeypatch):
    index_dir = tmp_path / "index"
    rebuild_index(data_dir, index_dir)
    env = {**sink.env(), "WRANS_ALERTS_DB": str(tmp_path / "alerts" / "alerts.sqlite3"),
           "WRANS_SECRET_KEY": SECRET, "WRANS_SITE_URL": "https://wrans.test",
           "WRANS_INDEX_DIR": str(index_dir), "WRANS_DATA_DIR": str(data_dir)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    yield Site(app.test_client(), load_settings(), data_dir, index_dir, sink, {**os.environ, **env})
    app.extensions["wrans_index"].close()


def zebra(question_id: int, n: int = 0) -> dict:
    return made_record(question_id, f"Zebrafish: Research {n}", "Funding for zebrafish research.", TODAY)


def test_without_smtp_there_are_no_forms_and_send_says_so_in_one_line(client, monkeypatch, capsys):
    monkeypatch.delenv("WRANS_SMTP_HOST", raising=False)
    page = client.get("/search?q=apprentices").get_data(as_text=True)
    assert "alert-form" not in page
    assert client.post("/alerts", data={"email": "a@example.org"}).status_code == 404
    assert main(["alerts", "send"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "alerts: mail is not configured (set WRANS_SMTP_HOST); nothing sent"]


@pytest.mark.parametrize(("host", "flag", "sends"), [
    ("", "", False), ("", "1", False), ("mail.example.org", "", True), ("mail.example.org", "0", False),
    ("mail.example.org", "1", True)])
def test_update_sends_alerts_when_mail_is_set_unless_told_not_to(host, flag, sends):
    settings = load_settings(smtp_host=host, alerts_after_update=flag)
    assert settings.sends_after_update is sends


def test_a_search_alert_sends_only_after_confirmation_then_each_new_answer_once(site):
    response = subscribe(site.client, "/search?q=zebrafish", "reader@example.org")
    assert response.status_code == 200 and "Check your inbox" in response.get_data(as_text=True)
    [confirmation] = site.sink.messages
    assert confirmation["To"] == "reader@example.org"
    site.add_answers(zebra(1_900_001))
    assert site.send().sent == 0 and len(site.sink.messages) == 1  # unconfirmed: nothing else

    site.confirm_last()
    assert site.send().sent == 0  # what was indexed before the confirmation is not news
    site.add_answers(zebra(1_900_002))
    assert site.send().sent == 1
    digest = site.sink.messages[-1]
    text = text_of(digest)
    assert "https://wrans.test/answers/1900002" in text and "1900001" not in text
    assert "[zebrafish]" in text.lower()
    assert "<mark>zebrafish</mark>" in digest.get_body(("html",)).get_content().lower()
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digest["List-Unsubscribe"].startswith("<https://wrans.test/alerts/unsubscribe/")
    assert site.send().sent == 0  # the watermark moved: nothing twice


def test_a_followed_question_is_sent_once_when_it_is_answered(site):
    awaiting = made_record(1_900_030, "Otters: Rivers", "", None, tabled=TODAY - dt.timedelta(days=2))
    site.add_answers(awaiting)
    page = site.client.get("/answers/1900030").get_data(as_text=True)
    assert "Email me when this changes" in page
    subscribe(site.client, "/answers/1900030", "otters@example.org")
    site.confirm_last()
    site.add_answers(zebra(1_900_031))  # another answer changing: not this alert's business
    assert site.send().sent == 0
    site.add_answers(made_record(1_900_030, "Otters: Rivers", "Otters are back in every river.", TODAY,
                                 tabled=TODAY - dt.timedelta(days=2)))
    assert site.send().sent == 1
    text = text_of(site.sink.messages[-1])
    assert "Your question has changed" in text and "https://wrans.test/answers/1900030" in text
    assert "Otters are back in every river." in text and "(answered)" in text
    assert site.send().sent == 0


def test_a_rebuild_does_not_make_old_answers_new(site):
    subscribe(site.client, "/search?q=apprentices", "rebuild@example.org")
    site.confirm_last()
    rebuild_index(site.data_dir, site.index_dir)  # each answer keeps its record's time, not the rebuild's
    assert site.send().sent == 0
    site.add_answers(made_record(1_900_020, "Apprentices: Pay", "Apprentices' pay rises.", TODAY))
    assert site.send().sent == 1


def test_a_digest_lists_fifty_answers_then_and_n_more(site):
    subscribe(site.client, "/search?q=zebrafish&house=Commons", "many@example.org")
    site.confirm_last()
    site.add_answers(*(zebra(1_910_000 + n, n) for n in range(53)))
    assert site.send().sent == 1
    text = text_of(site.sink.messages[-1])
    assert text.count("https://wrans.test/answers/") == 50
    assert "... and 3 more: https://wrans.test/search?q=zebrafish&house=Commons" in text


def test_one_digest_per_address_holds_all_its_alerts(site):
    for url in ("/search?q=zebrafish", "/search?q=research"):
        subscribe(site.client, url, "both@example.org")
        site.confirm_last()
    site.add_answers(zebra(1_900_003))
    assert site.send().sent == 1
    text = text_of(site.sink.messages[-1])
    assert text.count("== New answers for") == 2


def test_one_click_unsubscribe_stops_every_alert_of_the_digest(site):
    subscribe(site.client, "/search?q=zebrafish", "stop@example.org")
    site.confirm_last()
    site.add_answers(zebra(1_900_004))
    site.send()
    url = site.sink.messages[-1]["List-Unsubscribe"].strip("<>")
    response = site.client.post(path_of(url), data="List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    site.add_answers(zebra(1_900_005))
    assert site.send().sent == 0
    assert _addresses(site) == []


def test_manage_deletes_one_alert_then_all_and_forgets_the_address(site):
    for url in ("/search?q=zebrafish", "/answers/1679416"):
        subscribe(site.client, url, "manage@example.org")
        site.confirm_last()
    manage = path_of(_manage_url(site, "manage@example.org"))
    response = site.client.get(manage)
    private = (response.headers["Cache-Control"], response.headers["Referrer-Policy"])
    assert private == ("no-store", "no-referrer")
    page = response.get_data(as_text=True)
    assert "Zebrafish" not in page and "zebrafish" in page and "Apprentices" in page
    first = _forms(page)[0]
    assert site.client.post(manage, data=MultiDict(first)).status_code == 200
    assert len(_alert_rows(site)) == 1
    forget = [f for f in _forms(site.client.get(manage).get_data(as_text=True)) if ("action", "forget") in f]
    assert "your address is not stored" in site.client.post(manage, data=MultiDict(forget[0])).get_data(
        as_text=True)
    assert _addresses(site) == []


@pytest.mark.parametrize("email", ["not an address", "a@b", "reader@example.org\r\nBcc: victim@example.org",
                                   "reader@example.org\nSubject: hi", "x" * 300 + "@example.org"])
def test_a_bad_address_gets_a_400_page_and_no_mail(site, email):
    response = subscribe(site.client, "/search?q=zebrafish", email)
    assert response.status_code == 400
    assert "email address" in response.get_data(as_text=True)
    assert site.sink.messages == [] and _alert_rows(site) == []


def test_a_post_without_or_with_a_forged_form_token_or_from_another_site_is_refused(site):
    action, fields = alert_form_fields(site.client.get("/search?q=zebrafish").get_data(as_text=True))
    without = [(n, v) for n, v in fields if n != "csrf_token"]
    forged = [*without, ("csrf_token", Tokens("another secret").make("form", "alert-form"))]
    assert site.client.post(action, data=MultiDict([*without, ("email", "a@example.org")])).status_code == 400
    assert site.client.post(action, data=MultiDict([*forged, ("email", "a@example.org")])).status_code == 400
    cross = site.client.post(action, data=MultiDict([*fields, ("email", "a@example.org")]),
                             headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert site.sink.messages == []


def test_forged_expired_and_replayed_confirmations_get_4xx_pages(site, monkeypatch):
    subscribe(site.client, "/search?q=zebrafish", "confirm@example.org")
    url = path_of(links_in(site.sink.messages[-1], "/alerts/confirm/")[0])
    assert site.client.get(url[:-3] + "abc").status_code == 400
    assert site.client.get("/alerts/confirm/" + Tokens("other").make("confirm", [1, "confirm@example.org"])
                           ).status_code == 400
    eight_days_ago = time.time() - 8 * 86400
    monkeypatch.setattr("itsdangerous.timed.TimestampSigner.get_timestamp", lambda self: int(eight_days_ago))
    old = "/alerts/confirm/" + Tokens(SECRET).make("confirm", [1, "confirm@example.org"])
    monkeypatch.undo()
    expired = site.client.post(old)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert site.client.post(url).status_code == 200
    assert site.client.post(url).status_code == 409  # replayed: harmless, and said so
    assert len(site.sink.messages) == 1


def test_three_confirmation_mails_a_day_per_address_and_ten_requests_an_hour_per_client(site):
    codes = [subscribe(site.client, f"/search?q=word{n}", "limit@example.org").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429] and len(site.sink.messages) == 3
    other = {"REMOTE_ADDR": "192.0.2.7"}
    codes = [subscribe(site.client, f"/search?q=w{n}", f"r{n}@example.org", **other).status_code
             for n in range(11)]
    assert codes == [200] * 10 + [429]
    assert "too many" in subscribe(site.client, "/search?q=x", "s@example.org", **other).get_data(
        as_text=True).lower()
    assert len(site.sink.messages) == 13


def test_a_killed_send_run_then_another_delivers_every_digest_exactly_once(site):
    addresses = [f"kill{n}@example.org" for n in range(6)]
    for n, email in enumerate(addresses):
        subscribe(site.client, "/search?q=zebrafish", email, REMOTE_ADDR=f"192.0.2.{n + 10}")
        site.confirm_last()
    site.add_answers(zebra(1_900_010))
    site.sink.messages.clear()
    site.sink.stall_after = 3
    command = [sys.executable, "-m", "indexer.cli", "alerts", "send"]
    run = subprocess.Popen(command, env=site.env, cwd=REPO, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    _wait_for(lambda: len(site.sink.messages) == 3)
    time.sleep(0.5)  # the fourth digest is now waiting for the stalled server's answer
    second = subprocess.run(command, env=site.env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1 and "another `wrans alerts send` is running" in second.stderr
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    site.sink.stall_after = None
    again = subprocess.run(command, env=site.env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert sorted(m["To"] for m in site.sink.messages) == addresses


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _manage_url(site, email: str) -> str:
    from indexer.alerts.links import Links

    return Links("https://wrans.test", Tokens(SECRET)).manage(email)


def _forms(html: str) -> list[list[tuple[str, str]]]:
    from bs4 import BeautifulSoup

    return [[(i["name"], i.get("value", "")) for i in form.select("input[type=hidden]")]
            for form in BeautifulSoup(html, "html.parser").select("main form")]


def _alert_rows(site) -> list[tuple]:
    with sqlite3.connect(site.settings.alerts_db) as db:
        return db.execute("SELECT email, kind, target FROM alerts").fetchall()


def _addresses(site) -> list[str]:
    return sorted({row[0] for row in _alert_rows(site)})


@pytest.mark.parametrize(("site_url", "warned"), [("http://wrans.example.org", True),
                                                  ("https://wrans.example.org", False),
                                                  ("http://127.0.0.1:5000", False)])
def test_a_public_site_url_without_https_is_named_in_a_warning(site_url, warned):
    """One-click unsubscribe (RFC 8058) needs an https URL: a public http one is reported."""
    from indexer.alerts.links import plain_http_warning

    warning = plain_http_warning(site_url)
    assert (warning is not None) == warned
    if warned:
        assert site_url in warning and "https" in warning


def test_the_latest_change_is_read_from_the_column_as_whooshs_sort_finds_it(sample_index):
    """Where a send run's watermark moves to: the newest `changed` of a live answer."""
    from whoosh import query

    from indexer.schema import CHANGED_COLUMN

    searcher = sample_index._searcher()
    newest_first = searcher.search(query.Every(), sortedby=CHANGED_COLUMN, reverse=True, limit=1)
    assert sample_index.latest_change() == newest_first[0][CHANGED_COLUMN] is not None


def test_changed_is_a_column_without_index_terms_compared_to_the_microsecond(sample_index):
    """Alerts ask for `after < changed <= until` on the column; `changed` has no terms to read."""
    from indexer.schema import CHANGED_COLUMN
    from indexer.search import SearchRequest

    searcher = sample_index._searcher()
    assert list(searcher.reader().lexicon(CHANGED_COLUMN)) == []
    newest = sample_index.latest_change()
    at_newest = {a.id for a in sample_index.iter_answers(SearchRequest(), 100)[1]
                 if searcher.document(id=str(a.id))[CHANGED_COLUMN] == newest}
    tick = dt.timedelta(microseconds=1)

    def changed(after, until) -> set[int]:
        total, hits = sample_index.iter_hits(SearchRequest(changed_between=(after, until)), 100)
        assert total == len(hits)
        return {hit.answer.id for hit in hits}

    assert at_newest and changed(newest - tick, newest) == at_newest
    assert changed(newest, newest + dt.timedelta(days=1)) == set()
    assert changed(newest - tick, newest - tick) == set()


def test_an_alerts_few_changed_answers_bound_what_its_search_reads(sample_index, monkeypatch):
    """The search runs among the answers changed in the window, not over every match."""
    from indexer.engine import matcharrays
    from indexer.search import SearchRequest

    seen, original = [], matcharrays.all_matches
    monkeypatch.setattr(matcharrays, "all_matches",
                        lambda *args: seen.append(args[4] if len(args) > 4 else None) or original(*args))
    newest = sample_index.latest_change()
    window = (newest, newest + dt.timedelta(hours=1))  # an hourly run with nothing new
    total, _hits = sample_index.iter_hits(SearchRequest(q="department", changed_between=window), 100)
    sample_index.iter_hits(SearchRequest(q="department"), 100)
    assert total == 0 and seen[0] is not None and len(seen[0]) == 0  # no block of any segment read
    assert seen[1] is None
