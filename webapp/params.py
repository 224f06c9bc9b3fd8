"""Reading URL parameters into a `SearchRequest`, with friendly errors for bad values."""

from __future__ import annotations

import datetime as dt

from werkzeug.datastructures import MultiDict

from indexer.errors import BadParameter
from indexer.search import FILTER_FIELDS, MAX_PAGE, PAGE_SIZE, SORTS, STATUSES, SearchRequest

DATE_PARAMS = ("answered_from", "answered_to", "tabled_from", "tabled_to")


def search_request_from_args(args: MultiDict, page_size: int = PAGE_SIZE) -> SearchRequest:
    """Build the request a URL asks for; raise BadParameter naming the bad parameter."""
    filters = tuple(
        (name, value.strip())
        for name in FILTER_FIELDS
        for value in args.getlist(name)
        if value.strip()
    )
    for name, value in filters:
        if name == "status" and value.lower().replace(" ", "").replace("-", "") not in STATUSES:
            raise BadParameter(f"status must be one of {', '.join(STATUSES)}, not {value!r}")
    sort = args.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    dates = {name: _date(args, name) for name in DATE_PARAMS}
    return SearchRequest(
        q=args.get("q", ""),
        page=_page(args.get("page", "1")),
        page_size=page_size,
        sort=sort,
        filters=filters,
        has_attachments=_flag(args.get("attachments")),
        **dates,
    )


def _page(raw: str) -> int:
    try:
        page = int(raw or "1")
    except ValueError:
        raise BadParameter(f"page must be a whole number, not {raw!r}") from None
    if not 1 <= page <= MAX_PAGE:
        raise BadParameter(f"page must be between 1 and {MAX_PAGE}")
    return page


def _date(args: MultiDict, name: str) -> dt.date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a date like 2024-03-05, not {raw!r}") from None


def _flag(raw: str | None) -> bool | None:
    if raw in (None, ""):
        return None
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise BadParameter(f"attachments must be yes or no, not {raw!r}")
