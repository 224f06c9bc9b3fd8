"""What the search page shows around the results: chips, facets, the year histogram, links.

All of it is plain data built from the request's URL parameters, so the templates stay
simple and everything works without JavaScript: every chip, facet value and bar is a
link, and every form carries the rest of the search in hidden fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from indexer.responses import RESPONSE_LABELS
from indexer.search import FILTER_FIELDS

FILTER_LABELS = {"house": "House", "dept": "Department", "asker": "Asked by",
                 "answerer": "Answered by", "party": "Party", "year": "Year answered",
                 "status": "Status", "response": "Response type", "asker_key": "Asked by member",
                 "answerer_key": "Answered by member", "corrector_key": "Corrected by member"}
# How a filter is named in a sentence: "No department matches …".
FILTER_NOUNS = {"house": "house", "dept": "department", "asker": "asking member",
                "answerer": "answering member", "party": "party", "year": "year", "status": "status",
                "response": "response type", "asker_key": "asking member", "answerer_key": "answering member",
                "corrector_key": "correcting member"}
DATE_LABELS = {"answered_from": "Answered from", "answered_to": "Answered to",
               "tabled_from": "Tabled from", "tabled_to": "Tabled to"}
# Every /search parameter, in the order links write them.
SEARCH_PARAMS = ("q", *FILTER_FIELDS, *DATE_LABELS, "attachments", "predecessors", "sort", "page")
FACETS = (("dept", "Department"), ("house", "House"), ("party", "Party"),
          ("year", "Year answered"), ("asker", "Asked by"), ("response", "Response type"))
# How a facet value reads where it is not the stored value itself.
VALUE_LABELS = {"response": RESPONSE_LABELS}
FACET_SHOWN = 6  # values listed before "Show all"
# Values a facet links at most: a thousand members' names are no list to read (the filter
# box suggests them all), and each link costs a URL to build and bytes to send.
FACET_LISTED = 100
CHART_WIDTH, CHART_HEIGHT, MAX_BARS = 240, 80, 60  # about the refine column's width in px


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    url: str  # chosen: the search without it; otherwise: the search with it instead of its siblings
    chosen: bool
    label: str = ""  # what the page shows, when not the value itself (response types)

    @property
    def text(self) -> str:
        return self.label or self.value


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    shown: list[FacetValue]
    rest: list[FacetValue]
    unlisted: int = 0  # values past FACET_LISTED, most frequent first, left out


@dataclass(frozen=True)
class Bar:
    year: str
    count: int
    x: float
    y: float
    width: float
    height: float
    url: str | None


def search_fields(exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The current search's non-empty parameters as (name, value) pairs, minus `exclude`."""
    return [(name, value) for name in SEARCH_PARAMS if name not in exclude
            for value in request.args.getlist(name) if value.strip()]


def search_args() -> dict[str, list[str]]:
    """The current search's non-empty parameters, each name's values together."""
    args: dict[str, list[str]] = {}
    for name, value in search_fields():
        args.setdefault(name, []).append(value)
    return args


def answer_url(question_id) -> str:
    """Link to an answer carrying the whole search, so its "Back to results" can rebuild it."""
    return url_for("views.answer", question_id=question_id, **search_args())


def _search_url(args: dict[str, list[str]]) -> str:
    return url_for("views.search", **{k: v for k, v in args.items() if v and any(v)})


def url_with(drop: tuple[tuple[str, str | None], ...] = (), **changes) -> str:
    """The current search URL, page reset, with (name, value) pairs dropped and params set."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    for name, value in drop:
        if value is None:
            args.pop(name, None)
        else:
            args[name] = [v for v in args.get(name, []) if v.strip() != value]
    for name, value in changes.items():
        args[name] = [value]
    return _search_url(args)


def replace_url(name: str, old: str, new: str) -> str:
    """The current search URL, page reset, with filter `name`'s value `old` replaced by `new`."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    values = args.get(name, [])
    args[name] = [new if v.strip() == old else v for v in values] if old in map(str.strip, values) else [new]
    return _search_url(args)


def active_chips(search_request, names: dict[tuple[str, str], str] | None = None) -> list[Chip]:
    """One removable chip per active filter, in the order of the form.

    `names` gives what a chip shows for a value that is a key (a member key: their name).
    """
    names = names or {}
    chips = [Chip(f"{FILTER_LABELS[name]}: "
                  f"{names.get((name, value)) or VALUE_LABELS.get(name, {}).get(value, value)}",
                  url_with(drop=((name, value),)))
             for name, value in search_request.filters if name in FILTER_LABELS]
    for name, label in DATE_LABELS.items():
        day = getattr(search_request, name)
        if day:
            chips.append(Chip(f"{label} {day.day} {day:%B %Y}", url_with(drop=((name, None),))))
    if search_request.predecessors:
        chips.append(Chip("With predecessor departments", url_with(drop=(("predecessors", None),))))
    if search_request.has_attachments is not None:
        label = "With attachments" if search_request.has_attachments else "Without attachments"
        chips.append(Chip(label, url_with(drop=(("attachments", None),))))
    return chips


def facet_lists(facets: dict[str, list[tuple[str, int]]], search_request,
                matches: dict[tuple[str, str], tuple[str, ...]] | None = None) -> list[Facet]:
    """Each facet's values with counts, years newest first; a chosen value is always shown.

    Another value's link replaces the chosen one (Commons -> Lords in one click), so the
    page relies on the counts being made without the facet's own filter. `matches`
    (typed value -> stored values, `SearchResults.filter_matches`) marks what a typed
    `dhsc` or `smyth` stood for as chosen too.
    """
    chosen = {(name, value.casefold()): value for name, value in search_request.filters}
    for (name, typed), stored in (matches or {}).items():
        chosen.update({(name, value.casefold()): typed for value in stored})
    lists = []
    for name, label in FACETS:
        pairs = facets.get(name) or []
        if name == "year":
            pairs = sorted(pairs, reverse=True)
        values = []
        for i, (value, count) in enumerate(pairs):
            given = chosen.get((name, value.casefold()))
            if i >= FACET_LISTED and given is None:
                continue
            url = url_with(drop=((name, given),)) if given is not None else url_with(**{name: value})
            values.append(FacetValue(value, count, url, given is not None,
                                     VALUE_LABELS.get(name, {}).get(value, "")))
        if values:
            shown = values[:FACET_SHOWN] + [v for v in values[FACET_SHOWN:] if v.chosen]
            lists.append(Facet(name, label, shown, [v for v in values if v not in shown],
                               unlisted=len(pairs) - len(values)))
    return lists


def year_bars(years: list[tuple[str, int]]) -> list[Bar]:
    """Bars for every year from the first to the last match (empty years included)."""
    counts = {int(y): n for y, n in years if y.isdigit()}
    if not counts:
        return []
    first, last = min(counts), max(counts)
    first = max(first, last - MAX_BARS + 1)
    span = range(first, last + 1)
    width = CHART_WIDTH / len(span)
    tallest = max(counts.values())
    bars = []
    for i, year in enumerate(span):
        count = counts.get(year, 0)
        height = round(CHART_HEIGHT * count / tallest, 1) if count else 0
        bars.append(Bar(str(year), count, round(i * width + 1, 1), CHART_HEIGHT - height,
                        round(max(width - 2, 1), 1), height,
                        url_with(year=str(year)) if count else None))
    return bars
