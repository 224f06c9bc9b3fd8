"""What an alert watches, as stored: a search (its request as JSON) or one question.

A search is kept as the `SearchRequest` fields a URL can set, so the send run
rebuilds the very search the person saw, and as the URL query of its results
page, for the "and N more" link. Stable JSON (sorted keys) makes one search one
target, so subscribing twice is one alert.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace

from ..search import SearchRequest

DATE_FIELDS = ("answered_from", "answered_to", "tabled_from", "tabled_to")
KEPT = ("q", "filters", *DATE_FIELDS, "has_attachments", "predecessors")
MAX_LABEL = 200


@dataclass(frozen=True)
class SearchTarget:
    request: SearchRequest
    url_query: str  # the results page's URL query, e.g. "q=flood&dept=Defra"


def search_target_json(request: SearchRequest, url_query: str) -> str:
    """The stored form of a search alert's target."""
    fields = {name: getattr(request, name) for name in KEPT}
    fields["filters"] = [list(pair) for pair in request.filters]
    for name in DATE_FIELDS:
        fields[name] = fields[name].isoformat() if fields[name] else None
    return json.dumps({"request": fields, "url_query": url_query}, sort_keys=True, ensure_ascii=False)


def search_target_from_json(text: str) -> SearchTarget:
    """Rebuild a stored search target (the inverse of `search_target_json`)."""
    data = json.loads(text)
    fields = dict(data["request"])
    fields["filters"] = tuple(tuple(pair) for pair in fields["filters"])
    for name in DATE_FIELDS:
        fields[name] = dt.date.fromisoformat(fields[name]) if fields[name] else None
    return SearchTarget(replace(SearchRequest(), **fields, facets=()), data["url_query"])


def search_label(request: SearchRequest) -> str:
    """A short description of a search for emails and the manage page."""
    parts = [f"“{request.q.strip()}”"] if request.q.strip() else []
    parts += [f"{name}: {value}" for name, value in request.filters]
    for name in DATE_FIELDS:
        if getattr(request, name):
            parts.append(f"{name.replace('_', ' ')} {getattr(request, name).isoformat()}")
    if request.has_attachments is not None:
        parts.append("with attachments" if request.has_attachments else "without attachments")
    label = ", ".join(parts) or "all answers"
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"


def question_label(answer) -> str:
    """A question alert's label: its UIN and heading."""
    label = " ".join(filter(None, (f"{answer.house or ''} {answer.uin or answer.id}".strip() + ":",
                                   answer.heading or "(no heading)")))
    return label[:MAX_LABEL]
