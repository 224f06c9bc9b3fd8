"""Shedding load: a process runs at most so many searches at once; the rest get a 503.

Under gunicorn's sync workers a process serves one request at a time, so the
limit never bites there: the search time limit is what keeps a worker from being
held (a search past it is a 503 too, `SearchTimedOut`). With the threaded
development server, or any threaded server, every request would otherwise start
its own search and all of them would slow down together; instead a request
waits briefly for a slot and is then told to come back (`Overloaded`, 503 with
`Retry-After`), so no request hangs and nothing is half answered.

A threaded server also runs each request on a new thread, and the index keeps
one searcher per thread: it is closed once the response has been sent (a streamed
CSV still reads from it until then), else its open files linger until collected.
"""

from __future__ import annotations

import threading

from flask import g, request

from indexer.errors import Overloaded

# The endpoints that run a search or read the index for one answer.
SEARCH_ENDPOINTS = frozenset({
    "views.search", "views.answer", "api.api_search", "api.api_answer",
    "api.search_csv", "api.search_json", "feeds.search_atom",
})


class SearchSlots:
    """A counting semaphore that refuses instead of queueing without end."""

    def __init__(self, limit: int, wait: float):
        self.limit = max(1, int(limit))
        self.wait = max(0.0, float(wait))
        self._semaphore = threading.BoundedSemaphore(self.limit)

    def acquire(self) -> None:
        if not self._semaphore.acquire(timeout=self.wait):
            raise Overloaded(f"The server is busy: more than {self.limit} searches are running. "
                             "Please try again in a few seconds.")

    def release(self) -> None:
        self._semaphore.release()


def register(app) -> None:
    """Limit searches per process to MAX_CONCURRENT_SEARCHES (settings: WRANS_MAX_CONCURRENT_SEARCHES)."""
    slots = SearchSlots(app.config["MAX_CONCURRENT_SEARCHES"], app.config["SEARCH_QUEUE_SECONDS"])
    app.extensions["wrans_search_slots"] = slots

    @app.before_request
    def take_a_search_slot():
        if request.endpoint in SEARCH_ENDPOINTS:
            slots.acquire()
            g.holds_search_slot = True

    @app.after_request
    def close_a_request_threads_searcher(response):
        if threading.current_thread() is not threading.main_thread():
            response.call_on_close(app.extensions["wrans_index"].close)
        return response

    @app.teardown_request
    def give_back_the_search_slot(exc=None):
        if g.pop("holds_search_slot", False):
            slots.release()

