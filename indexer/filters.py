"""Filters from form controls and URL parameters: resolved against the index, then applied.

Values are forgiving: a department, member, party or house is matched against
the values the index holds (`ValueIndex`), exactly, then ignoring case, accents
and punctuation, then as a department's acronym or former name
(`departments.py`), then by its words ("smyth" is "Karin Smyth"); what it
matches is an OR of those stored values. A value that matches nothing becomes a
`FilterMiss` with the closest values, for the page to say so.

Filters on a facet column (`schema.FACET_COLUMNS`) are applied by the collector
on its arrays, so each facet can be counted without its own filter; the others
are ANDed onto the query inside a `ConstantScoreQuery`, which adds the same 1.0
to every match's score (Whoosh's list matcher reads a 0.0 constant as unset), so
they never change the ranking.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

from whoosh import query

from .departments import DEPARTMENT_ACRONYMS, fold, names_for_acronym, predecessor_names
from .normalize import department_from_name
from .responses import response_key
from .schema import (
    ATTACHMENTS_FIELD,
    CHANGED_COLUMN,
    DATED_FIELD,
    DUE_COLUMN,
    FACET_COLUMNS,
    FILTER_FIELDS,
    YEAR_FIELDS,
)

FIRST_YEAR = 1900  # an open "from" starts here; older answers would need an earlier year
STATUSES = ("answered", "holding", "corrected", "withdrawn", "namedday", "unanswered", "awaiting",
            "overdue", "late")
# Judged at query time (schema.status_tags): awaiting, and due before the request's day.
OVERDUE, AWAITING = "overdue", "awaiting"
RESOLVED_FILTERS = ("house", "dept", "asker", "answerer", "party")  # matched against the index's values
MAX_VALUES = 200  # stored values one typed value may stand for ("asker=lord")
SUGGESTIONS = 3


@dataclass(frozen=True)
class FilterMiss:
    """A filter value that matches nothing in the index, with the closest values it holds."""

    name: str
    value: str
    suggestions: tuple[str, ...] = ()


@dataclass
class FilterPlan:
    """A request's filters, resolved: query clauses, facet values, date checks, misses."""

    clauses: list[query.Query] = field(default_factory=list)
    facet_values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # facet name -> stored values
    date_checks: list[tuple] = field(default_factory=list)  # (date field, first, last) datetimes
    misses: list[FilterMiss] = field(default_factory=list)
    matched: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (name, typed) -> stored


class ValueIndex:
    """The values one filter's field holds, looked up the forgiving ways (module docstring)."""

    def __init__(self, values):
        self.values = sorted(values)
        self._exact = frozenset(self.values)
        self._folded: dict[str, list[str]] = {}
        self._words: list[tuple[frozenset, str]] = []
        for value in self.values:
            folded = fold(value)
            self._folded.setdefault(folded, []).append(value)
            self._words.append((frozenset(folded.split()), value))

    def match(self, value: str, dept: bool = False) -> tuple[str, ...]:
        """The stored values `value` stands for, best kind of match only; () for none."""
        if value in self._exact:
            return (value,)
        folded = fold(value)
        if folded in self._folded:
            return tuple(self._folded[folded])
        if dept:
            named = [v for name in names_for_acronym(value) for v in self._folded.get(fold(name), ())]
            if named:
                return tuple(dict.fromkeys(named))
        words = frozenset(folded.split())
        return tuple([v for have, v in self._words if words and words <= have][:MAX_VALUES])

    def closest(self, value: str, dept: bool = False) -> tuple[str, ...]:
        """Up to SUGGESTIONS stored values most like `value` (whole names, or one of their words)."""
        keys: dict[str, list[str]] = {}
        for have, stored in self._words:
            for key in (fold(stored), *have):
                keys.setdefault(key, []).append(stored)
        if dept:
            for acronym in DEPARTMENT_ACRONYMS:
                keys.setdefault(fold(acronym), []).extend(self.match(acronym, dept=True))
        found = []
        for key in difflib.get_close_matches(fold(value), list(keys), n=SUGGESTIONS * 2, cutoff=0.6):
            found.extend(keys[key])
        return tuple(dict.fromkeys(found))[:SUGGESTIONS]


def plan_filters(request, value_index) -> FilterPlan:
    """Resolve `request`'s filters; `value_index(name)` gives a filter's ValueIndex (or None).

    Several values of one filter are ORed; date ranges match whole years in the
    query and come back as exact checks for the collector (`collecting.collect`):
    year terms are cheap postings, while a `DateRange` expands trie terms.
    """
    plan = FilterPlan()
    by_name: dict[str, list[str]] = {}
    for name, value in request.filters:
        if name not in FILTER_FIELDS:
            continue
        stored = _resolved(name, value, value_index(name) if name in RESOLVED_FILTERS else None)
        if name == "dept" and getattr(request, "predecessors", False):
            # A department the index holds no answers of may still have predecessors it holds.
            named = stored or names_for_acronym(value) or (department_from_name(value) or value,)
            stored = _with_predecessors(named, value_index(name), keep=bool(stored))
        plan.matched[(name, value)] = stored
        if not stored:
            index = value_index(name) if name in RESOLVED_FILTERS else None
            plan.misses.append(FilterMiss(name, value, index.closest(value, name == "dept") if index else ()))
        by_name.setdefault(name, []).extend(stored)
    for name, values in by_name.items():
        values = list(dict.fromkeys(values))
        if name in FACET_COLUMNS:
            plan.facet_values[name] = tuple(values)
        elif name == "status" and OVERDUE in values:
            plan.clauses.append(_status_clause(values, request, plan))
        else:
            plan.clauses.append(query.Or([query.Term(FILTER_FIELDS[name], v) for v in values]))
    if request.has_attachments is not None:
        plan.clauses.append(query.Term(ATTACHMENTS_FIELD, request.has_attachments))
    if request.dated_only:  # one term, where an open date range would OR a term per year
        plan.clauses.append(query.Term(DATED_FIELD, "1"))
    if getattr(request, "changed_between", None):  # alerts: what updates wrote since the watermark
        after, until = request.changed_between  # after < changed <= until, on the column
        plan.date_checks.append((CHANGED_COLUMN, after + dt.timedelta(microseconds=1), until))
    for date_field, start, end in date_filters(request):
        plan.clauses.append(year_clause(YEAR_FIELDS[date_field], start, end))
        plan.date_checks.append((date_field, start_of(start), end_of(end)))
    return plan


def _status_clause(values: list[str], request, plan: FilterPlan) -> query.Query:
    """Statuses ORed, "overdue" being awaiting and due before the request's day.

    Alone, the due-day bound is an exact check on the cached column (`date_checks`,
    cheap); ORed with other statuses it must be a query clause, a `DateRange`.
    """
    last_day = request_today(request) - dt.timedelta(days=1)
    if values == [OVERDUE]:
        plan.date_checks.append((DUE_COLUMN, start_of(dt.date(FIRST_YEAR, 1, 1)), end_of(last_day)))
        return query.Term(FILTER_FIELDS["status"], AWAITING)
    overdue = query.And([query.Term(FILTER_FIELDS["status"], AWAITING),
                         query.DateRange(DUE_COLUMN, start_of(dt.date(FIRST_YEAR, 1, 1)), end_of(last_day))])
    return query.Or([query.Term(FILTER_FIELDS["status"], v) for v in values if v != OVERDUE] + [overdue])


def request_today(request) -> dt.date:
    """The day a request is judged on: its own `today` (tests), else the real one."""
    return getattr(request, "today", None) or dt.date.today()


def _resolved(name: str, value: str, index: ValueIndex | None) -> tuple[str, ...]:
    """The stored values filter `name` matches for `value` (a value the index lacks: ())."""
    value = " ".join(value.split())
    if name == "dept":
        value = department_from_name(value) or value
    elif name == "status":
        value = value.lower().replace(" ", "").replace("-", "")
    elif name == "response":
        value = response_key(value)
    if index is None:  # year, status: stored as typed, once normalised
        return (value,) if value else ()
    return index.match(value, dept=name == "dept")


def _with_predecessors(names: tuple[str, ...], index: ValueIndex | None, keep: bool) -> tuple[str, ...]:
    """`names` (kept if `keep`: the index holds them) and what they came from by merger or split."""
    found = list(names) if keep else []
    for name in names:
        for before in predecessor_names(name):
            found.extend(index.match(before) if index else (before,))
    return tuple(dict.fromkeys(found))


def with_cached_filters(user_query: query.Query, plan: FilterPlan) -> query.Query:
    """AND the plan's query clauses onto the user's query (ranking unchanged: see the docstring)."""
    if not plan.clauses:
        return user_query
    return query.And([user_query, query.ConstantScoreQuery(query.And(plan.clauses))])


def date_filters(request) -> list[tuple]:
    """`(date_field, first, last)` for each date range set, open ends filled in."""
    out = []
    for date_field, start, end in (("date_answered", request.answered_from, request.answered_to),
                                   ("date_tabled", request.tabled_from, request.tabled_to)):
        if start or end:
            out.append((date_field, start or dt.date(FIRST_YEAR, 1, 1),
                        end or dt.date(dt.date.today().year + 1, 12, 31)))
    return out


def year_clause(year_field: str, start: dt.date, end: dt.date):
    """Match every year from `start` to `end`, partial years included."""
    if start > end:
        return query.NullQuery
    return query.Or([query.Term(year_field, str(year)) for year in range(start.year, end.year + 1)])


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59)
