"""Member and department pages (`/members/<key>`, `/departments/<slug>`) and their JSON twins."""

from __future__ import annotations

import calendar

from flask import Blueprint, abort, jsonify, render_template, url_for

from indexer.profiles import department_profile, member_profile, profile_to_dict

from .refine import CHART_HEIGHT, CHART_WIDTH, Bar
from .views import search_index

bp = Blueprint("people", __name__)
MAX_MONTHS = 240  # bars in a department's monthly chart: its last twenty years


@bp.get("/members/<key>")
def member(key: str):
    profile = get_or_404(member_profile, key)
    bars = chart_bars(profile.years, lambda year: url_for("views.search", asker_key=key, year=year))
    return render_template("member.html", profile=profile, bars=bars)


@bp.get("/departments/<slug>")
def department(slug: str):
    profile = get_or_404(department_profile, slug)
    months = every_month(profile.months)[-MAX_MONTHS:]
    bars = chart_bars(months, lambda month: _month_search(profile.name, month))
    return render_template("department.html", profile=profile, bars=bars)


@bp.get("/api/members/<key>")
def api_member(key: str):
    return jsonify(profile_to_dict(get_or_404(member_profile, key)))


@bp.get("/api/departments/<slug>")
def api_department(slug: str):
    return jsonify(profile_to_dict(get_or_404(department_profile, slug)))


def get_or_404(build, key: str):
    """The profile `build(index, key)` makes, or a 404 page when there is none."""
    found = build(search_index(), key)
    if found is None:
        abort(404)
    return found


def chart_bars(counts: list[tuple[str, int]], url_of) -> list[Bar]:
    """Bars for (label, count) pairs, oldest first, scaled to the chart; each links to `url_of(label)`."""
    if not counts:
        return []
    width = CHART_WIDTH / len(counts)
    tallest = max(count for _label, count in counts) or 1
    bars = []
    for i, (label, count) in enumerate(counts):
        height = round(CHART_HEIGHT * count / tallest, 1)
        bars.append(Bar(label, count, round(i * width + (1 if width > 3 else 0), 1), CHART_HEIGHT - height,
                        round(max(width - (2 if width > 3 else 0), 0.5), 1), height, url_of(label)))
    return bars


def every_month(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """("2024-01", n) pairs for every month from the first to the last counted, empty ones as 0."""
    if not counts:
        return []
    have = dict(counts)
    year, month = map(int, counts[0][0].split("-"))
    last_year, last_month = map(int, counts[-1][0].split("-"))
    out = []
    while (year, month) <= (last_year, last_month):
        label = f"{year:04d}-{month:02d}"
        out.append((label, have.get(label, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _month_search(department: str, month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    last = calendar.monthrange(year, number)[1]
    return url_for("views.search", dept=department, answered_from=f"{month}-01",
                   answered_to=f"{month}-{last:02d}")
