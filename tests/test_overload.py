"""Overload: a search past its time limit, or one too many at once, is a 503 with Retry-After."""

from __future__ import annotations

import threading

import pytest
from bs4 import BeautifulSoup

from indexer.errors import SearchTimedOut
from indexer.search import SearchIndex, SearchRequest
from webapp import create_app

SEARCHES = ["/search?q=department", "/api/search?q=department", "/search.csv?q=department",
            "/search.json?q=department", "/search.atom?q=department"]


@pytest.fixture
def app_over(sample_index_dir):
    """Build apps over the sample index with overrides, closing their searchers afterwards."""
    apps = []

    def build(**config):
        app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index_dir), **config})
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["wrans_index"].close()


def assert_busy(response):
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    if response.mimetype == "application/json":
        assert response.get_json()["error"]["status"] == 503
    else:
        soup = BeautifulSoup(body, "html.parser")
        assert soup.h1.get_text(strip=True) == "Search is busy"
        assert "try again" in soup.select_one("[role=alert]").get_text()


def test_the_library_raises_a_timeout_past_the_time_limit(sample_index_dir):
    with SearchIndex(sample_index_dir, time_limit=0.0) as index, pytest.raises(SearchTimedOut):
        index.search(SearchRequest(q="department"))


@pytest.mark.parametrize("url", SEARCHES)
def test_a_search_past_its_time_limit_is_a_503_with_retry_after(app_over, url):
    client = app_over(SEARCH_TIME_LIMIT=0.0).test_client()
    assert_busy(client.get(url))


def test_the_same_search_within_its_time_limit_is_answered(app_over):
    client = app_over(SEARCH_TIME_LIMIT=5.0).test_client()
    for url in SEARCHES:
        assert client.get(url).status_code == 200, url


def test_a_search_beyond_the_concurrent_limit_is_a_503_not_a_wait(app_over):
    app = app_over(MAX_CONCURRENT_SEARCHES=2, SEARCH_QUEUE_SECONDS=0.05)
    client, slots = app.test_client(), app.extensions["wrans_search_slots"]
    slots.acquire()
    slots.acquire()  # two searches "running" in other threads
    try:
        for url in [*SEARCHES, "/answers/90000001", "/api/answers/90000001"]:
            assert_busy(client.get(url))
        assert client.get("/").status_code == 200  # pages that run no search still work
        assert client.get("/healthz").status_code == 200
    finally:
        slots.release()
    assert client.get("/search?q=department").status_code == 200  # one slot free again
    slots.release()


def test_slots_are_given_back_after_errors_and_refusals(app_over):
    app = app_over(MAX_CONCURRENT_SEARCHES=1, SEARCH_QUEUE_SECONDS=0.0)
    client = app.test_client()
    for url in ["/search?q=im*", "/search?page=x&q=a", "/answers/1", "/api/search?q=" + "a " * 300]:
        assert client.get(url).status_code in (400, 404)
    assert client.get("/search?q=department").status_code == 200


def test_concurrent_requests_over_a_threaded_server_get_answers_or_503s(app_over):
    """Real threads on a real server: with one slot, a burst gets 200s and 503s, never anything else."""
    import http.client

    from werkzeug.serving import make_server

    app = app_over(MAX_CONCURRENT_SEARCHES=1, SEARCH_QUEUE_SECONDS=0.0)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    statuses, start = [], threading.Barrier(8)

    def fetch():
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        start.wait()
        for _ in range(5):
            conn.request("GET", "/search?q=department+OR+government+OR+school")
            response = conn.getresponse()
            response.read()
            statuses.append((response.status, response.getheader("Retry-After")))
        conn.close()

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        conn.request("GET", "/search.csv?q=department")  # streamed after the view returns
        csv_response = conn.getresponse()
        csv_rows = csv_response.read().decode("utf-8").splitlines()
        conn.close()
    finally:
        server.shutdown()
    assert len(statuses) == 40
    assert {status for status, _ in statuses} <= {200, 503}
    assert all(retry for status, retry in statuses if status == 503)
    assert any(status == 200 for status, _ in statuses)
    assert csv_response.status == 200 and len(csv_rows) > 20


def test_a_timer_firing_after_the_search_cannot_interrupt_what_follows(sample_index):
    """Whoosh's timer sends SIGALRM; one that fires as a search ends must not raise in the page code."""
    import os
    import signal
    import time

    assert threading.current_thread() is threading.main_thread()  # the alarm path, as in gunicorn
    sample_index.search(SearchRequest(q="department"))
    os.kill(os.getpid(), signal.SIGALRM)  # what a late timer does
    time.sleep(0.01)  # the handler, if any, runs here and would raise TimeLimit
