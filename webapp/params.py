"""Reading URL parameters into a `SearchRequest`, with friendly errors for bad values.

What each parameter accepts, including its empty form, is stated once here and
described from these constants in the OpenAPI document (`openapi.py`): an empty
value (`tabled_to=`, as the HTML form submits for a field left blank) means "not
set" for every parameter.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app, has_app_context
from werkzeug.datastructures import MultiDict

from indexer.errors import BadParameter
from indexer.responses import RESPONSE_TYPES, response_key
from indexer.search import FACETS, FILTER_FIELDS, MAX_PAGE, PAGE_SIZE, SORTS, STATUSES, SearchRequest
from indexer.timeliness import TimelinessRequest

MAX_API_PAGE_SIZE = 100
HOUSES = ("Commons", "Lords")
DATE_PARAMS = ("answered_from", "answered_to", "tabled_from", "tabled_to")
YES = ("yes", "true", "1", "on")
NO = ("no", "false", "0", "off")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_NUMBER = re.compile(r"[0-9]+")


def search_request_from_args(args: MultiDict, page_size: int = PAGE_SIZE) -> SearchRequest:
    """Build the request a URL asks for; raise BadParameter naming the bad parameter."""
    filters = tuple(
        (name, value.strip())
        for name in FILTER_FIELDS
        for value in args.getlist(name)
        if value.strip()
    )
    for name, value in filters:
        if name == "status" and status_key(value) not in STATUSES:
            raise BadParameter(f"status must be one of {', '.join(STATUSES)}, not {value!r}")
        if name == "response" and response_key(value) not in RESPONSE_TYPES:
            raise BadParameter(f"response must be one of {', '.join(RESPONSE_TYPES)}, not {value[:40]!r}")
    sort = args.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    dates = {name: _date(args, name) for name in DATE_PARAMS}
    return SearchRequest(
        today=configured_today(),
        q=args.get("q", ""),
        page=whole_number(args.get("page", ""), "page", 1, MAX_PAGE, default=1),
        page_size=page_size,
        sort=sort,
        filters=filters,
        has_attachments=_flag(args.get("attachments")),
        predecessors=_flag(args.get("predecessors"), "predecessors") is True,
        **dates,
    )


def configured_today() -> dt.date:
    """The day "overdue" is judged on: the app's `TODAY` (WRANS_TODAY, for tests), else today."""
    value = current_app.config.get("TODAY") if has_app_context() else None
    return dt.date.fromisoformat(str(value)) if value else dt.date.today()


def timeliness_request_from_args(args: MultiDict) -> TimelinessRequest:
    """`/timeliness` and its twins: `from`, `to` (dates tabled), `house`, `dept` (repeatable, the chart's)."""
    first, last = _date(args, "from"), _date(args, "to")  # from after to: an empty period, as in /search
    house = (args.get("house") or "").strip().capitalize() or None
    if house and house not in HOUSES:
        raise BadParameter(f"house must be one of {', '.join(HOUSES)}, not {args.get('house')!r}")
    depts = tuple(v.strip() for v in args.getlist("dept") if v.strip())
    return TimelinessRequest(first, last, house, depts, configured_today())


def api_page_size(args: MultiDict) -> int:
    """The API's `page_size`: 1 to MAX_API_PAGE_SIZE, empty meaning the pages' PAGE_SIZE."""
    return whole_number(args.get("page_size"), "page_size", 1, MAX_API_PAGE_SIZE, default=PAGE_SIZE)


def api_facets(args: MultiDict) -> tuple[str, ...]:
    """The API's `facets`: `none`, or facet names separated by commas; empty means every facet.

    Returned in FACETS order without repeats, so `year,dept` and `dept,year` are one
    search to the result cache.
    """
    raw = ",".join(args.getlist("facets"))
    if not raw.strip(" "):
        return FACETS
    names = {name.strip(" ") for name in raw.split(",")}
    if names == {"none"}:
        return ()
    if not names <= set(FACETS):
        raise BadParameter(f"facets must be none or facet names separated by commas ({', '.join(FACETS)}), "
                           f"not {raw[:60]!r}")
    return tuple(name for name in FACETS if name in names)


def status_key(value: str) -> str:
    """A status as the index stores it: "Named day" and "named-day" are `namedday`."""
    return value.lower().replace(" ", "").replace("-", "")


def whole_number(raw: str | None, name: str, low: int, high: int, default: int) -> int:
    """Read ASCII digits from `low` to `high`; empty means `default`."""
    if not raw:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise BadParameter(f"{name} must be a whole number from {low} to {high}, not {raw[:40]!r}")
    return int(raw)


def _date(args: MultiDict, name: str) -> dt.date | None:
    """A calendar date written YYYY-MM-DD; empty means no limit."""
    raw = args.get(name) or ""
    if not raw:
        return None
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a date like 2024-03-05, not {raw[:40]!r}") from None


def _flag(raw: str | None, name: str = "attachments") -> bool | None:
    if raw in (None, ""):
        return None
    if raw.lower() in YES:
        return True
    if raw.lower() in NO:
        return False
    raise BadParameter(f"{name} must be yes or no, not {raw[:40]!r}")
