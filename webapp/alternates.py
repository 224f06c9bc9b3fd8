"""Every page's data twins: the `alternates` each HTML page declares and offers for download.

One context processor works them out from the endpoint being rendered, so the
`<link rel="alternate">` tags in base.html and the download links in
`_downloads.html` always agree, and the page views need no changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from indexer.errors import QueryError

from .params import search_request_from_args


@dataclass(frozen=True)
class Alternate:
    mime: str
    href: str
    label: str
    title: str


def alternates_for_page() -> list[Alternate]:
    """The alternates of the page being rendered; none for pages without data."""
    view_args = request.view_args or {}
    if request.endpoint == "views.answer" and "question_id" in view_args:
        href = url_for("api.api_answer", question_id=view_args["question_id"])
        return [Alternate("application/json", href, "JSON", "This answer as JSON")]
    if request.endpoint == "views.search" and _shows_results():
        return search_alternates(request.args.to_dict(flat=False))
    return []


def search_alternates(args: dict[str, list[str]]) -> list[Alternate]:
    """The downloads of one search: whole set as CSV and JSON, its feed, this page as JSON."""
    whole = {key: value for key, value in args.items() if key != "page"}
    return [
        Alternate("text/csv", url_for("api.search_csv", **whole), "CSV",
                  "All results as CSV (spreadsheet)"),
        Alternate("application/json", url_for("api.search_json", **whole), "JSON",
                  "All results as JSON"),
        Alternate("application/atom+xml", url_for("feeds.search_atom", **whole), "Atom feed",
                  "Newest answers to this search (Atom feed)"),
        Alternate("application/json", url_for("api.api_search", **args), "API",
                  "This page of results from the JSON API"),
    ]


def _shows_results() -> bool:
    """True when the search page lists results (as the search view decides), not the form or an error."""
    try:
        return not search_request_from_args(request.args).is_empty
    except QueryError:
        return False


def register(app) -> None:
    app.context_processor(lambda: {"alternates": alternates_for_page() if request else []})
