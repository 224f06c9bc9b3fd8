"""What the search page shows around the results: active-filter chips and the year histogram.

Both are plain data built from the request's URL parameters, so the templates stay
simple and everything works without JavaScript: every chip and bar is a link.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

FILTER_LABELS = {"house": "House", "dept": "Department", "asker": "Asked by",
                 "answerer": "Answered by", "party": "Party", "year": "Year answered",
                 "status": "Status"}
DATE_LABELS = {"answered_from": "Answered from", "answered_to": "Answered to",
               "tabled_from": "Tabled from", "tabled_to": "Tabled to"}
CHART_WIDTH, CHART_HEIGHT, MAX_BARS = 600, 80, 60


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


@dataclass(frozen=True)
class Bar:
    year: str
    count: int
    x: float
    y: float
    width: float
    height: float
    url: str | None


def url_with(drop: tuple[tuple[str, str | None], ...] = (), **changes) -> str:
    """The current search URL, page reset, with (name, value) pairs dropped and params set."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    for name, value in drop:
        if value is None:
            args.pop(name, None)
        else:
            args[name] = [v for v in args.get(name, []) if v != value]
    for name, value in changes.items():
        args[name] = [value]
    return url_for("views.search", **{k: v for k, v in args.items() if v and any(v)})


def active_chips(search_request) -> list[Chip]:
    """One removable chip per active filter, in the order of the form."""
    chips = [Chip(f"{FILTER_LABELS[name]}: {value}", url_with(drop=((name, value),)))
             for name, value in search_request.filters if name in FILTER_LABELS]
    for name, label in DATE_LABELS.items():
        day = getattr(search_request, name)
        if day:
            chips.append(Chip(f"{label} {day.day} {day:%B %Y}", url_with(drop=((name, None),))))
    if search_request.has_attachments is not None:
        label = "With attachments" if search_request.has_attachments else "Without attachments"
        chips.append(Chip(label, url_with(drop=(("attachments", None),))))
    return chips


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
