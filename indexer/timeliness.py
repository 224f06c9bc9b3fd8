"""How each department answers: counts, on-time shares, days to answer, overdue now.

Computed from the index's cached per-document arrays (`facets.SearcherTables`:
dates, department and house ordinals, the life column), with numpy over every
question at once, never by reading stored records: one pass at a million
questions is tens of milliseconds once the arrays are built.

What counts (the definitions are in `timing.py` and the README's "Timeliness"):

- the period selects questions by **date tabled** (`date_from`..`date_to`,
  inclusive); questions without a date tabled are left out;
- **answered**: questions with a substantive answer; **days to answer** needs
  both dates; its median is the middle value (mean of the two middle ones) and its
  90th percentile the nearest-rank one (the smallest value at least 90 % of
  answers reach);
- **on time**: among answered questions with a due date, answered on or before
  it; shares are given for all, named-day and ordinary questions;
- **overdue**: tabled in the period, awaiting, due before `today`.

Every department the index holds is listed, with zeros when it had no question
in the period. The chart series give the on-time share per month of tabling.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from .facets import DAY, NO_DATE, as_numpy, raw_day

CHART_DEPARTMENTS = 3  # chosen by default: the departments with most answers timed
MAX_CHART_DEPARTMENTS = 6
MAX_HISTOGRAM = 20_000_000  # cells (departments x distinct day counts) before sorting is cheaper


@dataclass(frozen=True)
class TimelinessRequest:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    house: str | None = None
    departments: tuple[str, ...] = ()  # for the chart; () picks the busiest
    today: dt.date | None = None


@dataclass
class DepartmentTimeliness:
    department: str
    answered: int = 0
    timed: int = 0  # answered with a due date: the on-time share's denominator
    on_time: int = 0
    named_day_timed: int = 0
    named_day_on_time: int = 0
    ordinary_timed: int = 0
    ordinary_on_time: int = 0
    median_days: float | None = None
    p90_days: int | None = None
    overdue: int = 0

    @property
    def on_time_share(self) -> float | None:
        return share(self.on_time, self.timed)

    @property
    def named_day_on_time_share(self) -> float | None:
        return share(self.named_day_on_time, self.named_day_timed)

    @property
    def ordinary_on_time_share(self) -> float | None:
        return share(self.ordinary_on_time, self.ordinary_timed)


@dataclass
class Timeliness:
    request: TimelinessRequest
    today: dt.date
    departments: list[DepartmentTimeliness]
    chart_departments: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)  # "2024-01", in order
    series: dict[str, list[float | None]] = field(default_factory=dict)  # department -> share per month


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def timeliness(tables, request: TimelinessRequest, today: dt.date) -> Timeliness:
    """Every department's figures over the request's period, and the chart's series."""
    cols = _Columns(tables, request, today)
    depts = tables.facets["dept"]
    rows = cols.department_rows(depts.values)
    rows.sort(key=lambda r: (-r.answered, r.department))
    chosen = _chart_choice(request.departments, rows)
    months, series = cols.monthly_shares(depts, chosen)
    return Timeliness(request, today, rows, chosen, months, series)


class _Columns:
    """The arrays of one computation, masked to the period and house."""

    def __init__(self, tables, request: TimelinessRequest, today: dt.date):
        life = tables.life  # first: an index built without it says so (IndexOutdated)
        # Signed views, no copies: only dated values are ever subtracted or compared.
        self.tabled, self.answered, self.due = (as_numpy(tables.dates[c]).view(np.int64)
                                                for c in ("date_tabled", "date_answered", "date_due"))
        self.dept = as_numpy(tables.facets["dept"].ordinals)
        tabled = as_numpy(tables.dates["date_tabled"])
        period = tables.live & (tabled != NO_DATE)
        if request.date_from:
            period &= tabled >= raw_day(request.date_from)
        if request.date_to:
            period &= tabled <= raw_day(request.date_to)
        if request.house:
            house = tables.facets["house"]
            period &= np.isin(as_numpy(house.ordinals), house.ordinals_of([request.house]))
        answered_dated = as_numpy(tables.dates["date_answered"]) != NO_DATE
        self.live = tables.live
        self.answered_mask = period & life["answered"]
        self.timed = self.answered_mask & answered_dated & (as_numpy(tables.dates["date_due"]) != NO_DATE)
        self.on_time = self.timed & (self.answered <= self.due)
        self.named = life["namedday"]
        self.counted_days = self.answered_mask & answered_dated
        self.overdue = period & life["awaiting"] & (as_numpy(tables.dates["date_due"]) < raw_day(today))

    def department_rows(self, values: list[str]) -> list[DepartmentTimeliness]:
        """One row per named department some live question has, counted with `bincount`."""
        size = len(values)

        def count(mask):
            return np.bincount(self.dept[mask], minlength=size)

        present = np.flatnonzero(count(self.live))
        answered, timed, on_time = count(self.answered_mask), count(self.timed), count(self.on_time)
        named_timed, named_on_time = count(self.timed & self.named), count(self.on_time & self.named)
        overdue = count(self.overdue)
        spreads = self.day_spreads()
        rows = []
        for o in (int(o) for o in present if o):
            median, p90 = spreads.get(o, (None, None))
            rows.append(DepartmentTimeliness(
                values[o], answered=int(answered[o]), timed=int(timed[o]), on_time=int(on_time[o]),
                named_day_timed=int(named_timed[o]), named_day_on_time=int(named_on_time[o]),
                ordinary_timed=int(timed[o] - named_timed[o]),
                ordinary_on_time=int(on_time[o] - named_on_time[o]),
                median_days=median, p90_days=p90, overdue=int(overdue[o])))
        return rows

    def day_spreads(self) -> dict[int, tuple[float | None, int | None]]:
        """Department ordinal -> (median, 90th percentile) of its days to answer.

        Days are small whole numbers, so one histogram per department (a single
        `bincount`) replaces sorting every answer: its running total finds the
        values at the median's and the 90th percentile's ranks.
        """
        counted = self.counted_days
        depts = self.dept[counted].astype(np.int64)
        days = (self.answered[counted] - self.tabled[counted]) // DAY
        if not len(days):
            return {}
        low = int(days.min())
        width, size = int(days.max()) - low + 1, int(depts.max()) + 1
        if width * size > MAX_HISTOGRAM:  # absurd dates: sort instead
            return _sorted_spreads(depts, days)
        running = np.cumsum(np.bincount(depts * width + (days - low), minlength=size * width)
                            .reshape(size, width), axis=1)
        out = {}
        for ordinal in np.flatnonzero(running[:, -1]):
            totals = running[ordinal]
            count = int(totals[-1])

            def at(rank, totals=totals):  # the value at 0-based `rank` in sorted order
                return int(np.searchsorted(totals, rank + 1)) + low
            out[int(ordinal)] = ((at((count - 1) // 2) + at(count // 2)) / 2, at(math.ceil(0.9 * count) - 1))
        return out

    def monthly_shares(self, depts, chosen: list[str]) -> tuple[list[str], dict[str, list[float | None]]]:
        """On-time share per month of tabling for each chosen department."""
        ordinals = dict(zip(chosen, (depts.ordinals_of([name]) for name in chosen), strict=True))
        timed = self.timed & np.isin(self.dept, np.concatenate([*ordinals.values(), np.array([], np.uint32)]))
        if not timed.any():
            return [], {name: [] for name in chosen}
        months = _months(self.tabled[timed])
        first, last = months.min(), months.max()
        labels = [str(np.datetime64(int(m), "M")) for m in range(int(first), int(last) + 1)]
        series = {}
        for name, ords in ordinals.items():
            mine = np.isin(self.dept[timed], ords)
            whole = np.bincount(months[mine] - first, minlength=len(labels))
            kept = np.bincount(months[mine & self.on_time[timed]] - first, minlength=len(labels))
            series[name] = [share(int(k), int(w)) for k, w in zip(kept, whole, strict=True)]
        return labels, series


def _sorted_spreads(depts: np.ndarray, days: np.ndarray) -> dict[int, tuple[float | None, int | None]]:
    """`day_spreads` by sorting, for days too spread out for a histogram."""
    order = np.lexsort((days, depts))
    depts, days = depts[order], days[order]
    starts = np.flatnonzero(np.r_[True, depts[1:] != depts[:-1]])
    ends = [*starts[1:], len(depts)]
    return {int(depts[a]): median_and_p90(days[a:b]) for a, b in zip(starts, ends, strict=True)}


def _chart_choice(asked: tuple[str, ...], rows: list[DepartmentTimeliness]) -> list[str]:
    known = {row.department for row in rows}
    chosen = [name for name in dict.fromkeys(asked) if name in known][:MAX_CHART_DEPARTMENTS]
    if chosen:
        return chosen
    busiest = sorted((r for r in rows if r.timed), key=lambda r: (-r.timed, r.department))
    return [r.department for r in busiest[:CHART_DEPARTMENTS]]


def median_and_p90(days: np.ndarray) -> tuple[float | None, int | None]:
    """The median (mean of the middle two) and nearest-rank 90th percentile of `days`."""
    if not len(days):
        return None, None
    ordered = np.sort(days)
    p90 = int(ordered[math.ceil(0.9 * len(ordered)) - 1])
    return float(np.median(ordered)), p90


def _months(raw: np.ndarray) -> np.ndarray:
    """Months since 1970 (numpy's month numbering) of raw date values."""
    days = (raw // DAY) - (dt.date(1970, 1, 1).toordinal() - 1)
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)



# Flat names, the same in /api/timeliness rows and the columns of /timeliness.csv.
TIMELINESS_COLUMNS = (
    "department", "answered", "answered_with_due_date", "on_time", "on_time_share",
    "named_day_answered", "named_day_on_time", "named_day_on_time_share",
    "ordinary_answered", "ordinary_on_time", "ordinary_on_time_share",
    "median_days_to_answer", "p90_days_to_answer", "overdue",
)


def department_to_dict(row: DepartmentTimeliness) -> dict:
    """One department's figures under `TIMELINESS_COLUMNS` (shares 0 to 1, None when nothing to share)."""
    values = (row.department, row.answered, row.timed, row.on_time, _rounded(row.on_time_share),
              row.named_day_timed, row.named_day_on_time, _rounded(row.named_day_on_time_share),
              row.ordinary_timed, row.ordinary_on_time, _rounded(row.ordinary_on_time_share),
              row.median_days, row.p90_days, row.overdue)
    return dict(zip(TIMELINESS_COLUMNS, values, strict=True))


def timeliness_to_dict(result: Timeliness) -> dict:
    """The `/api/timeliness` body, without the links the web app adds per department."""
    request = result.request
    return {
        "from": _iso(request.date_from), "to": _iso(request.date_to), "house": request.house,
        "today": result.today.isoformat(),
        "departments": [department_to_dict(row) for row in result.departments],
        "chart": {"departments": result.chart_departments, "months": result.months,
                  "on_time_share": {name: [_rounded(v) for v in values]
                                    for name, values in result.series.items()}},
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
