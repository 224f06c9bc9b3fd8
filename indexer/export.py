"""Whole result sets for downloads (CSV, JSON) and feeds, capped at a documented size.

A page of search results is for reading; an export is for spreadsheets and
scripts, so it wants every match, in the request's order, without snippets or
facets. `export_answers` runs the search once and hands back a lazy stream of
answers so the web app can send rows while the rest are still being read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from .records import Answer
from .search import SearchIndex, SearchRequest

MAX_EXPORT_ROWS = 10_000
FEED_ENTRIES = 50


@dataclass
class Export:
    """The answers of one request, at most `max_rows` of them, and how many matched."""

    request: SearchRequest
    total: int
    max_rows: int
    answers: Iterator[Answer]

    @property
    def rows(self) -> int:
        return min(self.total, self.max_rows)

    @property
    def truncated(self) -> bool:
        return self.total > self.max_rows


def export_answers(index: SearchIndex, request: SearchRequest,
                   max_rows: int = MAX_EXPORT_ROWS) -> Export:
    """Match `request` as a whole (every page), keeping at most `max_rows` answers.

    The search runs here, so a bad query or a missing index raises before any
    byte of a streamed response is sent.
    """
    max_rows = max(0, min(int(max_rows), MAX_EXPORT_ROWS))
    whole = replace(request, page=1)
    total, answers = index.iter_answers(whole, max_rows)
    return Export(request=whole, total=total, max_rows=max_rows, answers=answers)


def newest_answers(index: SearchIndex, request: SearchRequest, count: int = FEED_ENTRIES) -> Export:
    """The `count` most recently answered matches of `request`, newest first, for a feed."""
    return export_answers(index, feed_request(request), count)


def changed_hits(index: SearchIndex, request: SearchRequest, after, until, count: int) -> tuple[int, list]:
    """The newest `count` matches of `request` the index wrote after `after`, up to `until`.

    The feed's request (newest first, dated answers only) narrowed to what changed,
    with passages: what an email alert sends.
    """
    return index.iter_hits(replace(feed_request(request), changed_between=(after, until)), count)


def feed_request(request: SearchRequest) -> SearchRequest:
    """`request` sorted newest first, over answers with a date answered only.

    The index sorts undated records before the newest, and a feed reader orders
    entries by date anyway. "Has a date" is one term (`dated_only`), not an open
    date range, which would OR a term for every year since year 1.
    """
    return replace(request, sort="newest", dated_only=True)
