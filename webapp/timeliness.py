"""`/timeliness`: how each department answers, with its data twins and a server-side chart.

`/api/timeliness` (JSON) and `/timeliness.csv` hold the same figures as the page,
read from the same `TimelinessRequest` (`from`, `to`, `house`, `dept`). The chart
is an SVG drawn here (no script): the on-time share per month of tabling for the
chosen departments, one line each.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from indexer.timeliness import TIMELINESS_COLUMNS, department_to_dict, timeliness_to_dict

from .params import timeliness_request_from_args
from .views import _stats_or_none, search_index

bp = Blueprint("timeliness", __name__)
# Line colours, each at least 4.5:1 against white, told apart by shape too (markers).
COLOURS = ("#1d4f91", "#b3261e", "#1b6e3a", "#7a3e9d", "#8a5a00", "#0f6e76")
MARKERS = ("circle", "square", "diamond", "circle", "square", "diamond")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 260, 48, 16, 12, 36


@bp.get("/timeliness")
def page():
    result = _result()
    rows = [{**department_to_dict(row), **links(row.department, result.request)}
            for row in result.departments]
    return render_template("timeliness.html", result=result, rows=rows, chart=chart(result),
                           csv_url=url_for("timeliness.as_csv", **request.args.to_dict(flat=False)),
                           json_url=url_for("timeliness.as_json", **request.args.to_dict(flat=False)),
                           stats=_stats_or_none())


@bp.get("/api/timeliness")
def as_json():
    result = _result()
    body = timeliness_to_dict(result)
    for row in body["departments"]:
        row.update(links(row["department"], result.request))
    return jsonify(body)


@bp.get("/timeliness.csv")
def as_csv():
    result = _result()
    buffer = io.StringIO("\ufeff")
    buffer.seek(0, io.SEEK_END)
    writer = csv.writer(buffer)
    writer.writerow(TIMELINESS_COLUMNS)
    for row in result.departments:
        writer.writerow(["" if v is None else v for v in department_to_dict(row).values()])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="wrans-timeliness-{result.today}.csv"'
    return response


def _result():
    return search_index().timeliness(timeliness_request_from_args(request.args))


def links(department: str, timeliness_request) -> dict:
    """Searches for a department's overdue questions and its late answers, over the same period."""
    common = {"dept": department, "tabled_from": timeliness_request.date_from,
              "tabled_to": timeliness_request.date_to, "house": timeliness_request.house}
    common = {k: v for k, v in common.items() if v}
    return {"overdue_url": url_for("views.search", status="overdue", sort="most_overdue", **common),
            "late_url": url_for("views.search", status="late", sort="slowest", **common)}


@dataclass
class Line:
    department: str
    colour: str
    marker: str
    points: list[tuple[float, float, str]]  # x, y, title ("January 2024: 80% on time")

    @property
    def path(self) -> str:
        """Polyline segments, broken where a month has no answers to judge."""
        return " ".join(f"{'M' if i == 0 or self.points[i - 1] is None else 'L'}{p[0]:.1f},{p[1]:.1f}"
                        for i, p in enumerate(self.points) if p is not None)


def chart(result) -> dict | None:
    """The chart's geometry: lines, month ticks and percentage gridlines, in SVG units."""
    months = result.months
    if not months:
        return None
    span = max(1, len(months) - 1)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i):
        return LEFT + inner_w * (i / span if len(months) > 1 else 0.5)

    def y(share):
        return TOP + inner_h * (1 - share)

    lines = []
    for n, name in enumerate(result.chart_departments):
        points = [None if share is None else (x(i), y(share), f"{_month(months[i])}: {share:.0%} on time")
                  for i, share in enumerate(result.series.get(name, []))]
        lines.append(Line(name, COLOURS[n % len(COLOURS)], MARKERS[n % len(MARKERS)], points))
    step = max(1, len(months) // 8)
    ticks = [(x(i), _month(months[i])) for i in range(0, len(months), step)]
    grid = [(y(share), f"{share:.0%}") for share in (0, 0.25, 0.5, 0.75, 1)]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "bottom": HEIGHT - BOTTOM,
            "lines": lines, "ticks": ticks, "grid": grid}


def _month(label: str) -> str:
    """"2024-01" as "Jan 2024"."""
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    year, month = label.split("-")
    return f"{names[int(month) - 1]} {year}"
