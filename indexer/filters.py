"""Filters from form controls and URL parameters, as Whoosh clauses.

Filters never change scores: they are ANDed inside a `ConstantScoreQuery` (Whoosh
2.7.4 ignores `filter=` when a time limit is set, DESIGN.md). Values are
normalised the way the index stored them, so a URL with "Foreign, Commonwealth &
Development Office", "lords" or "Holding" finds what a facet link would.
"""

from __future__ import annotations

import datetime as dt

from whoosh import query

from .normalize import department_from_name

FILTER_FIELDS = {"house": "house_facet", "dept": "dept_facet", "asker": "asker_facet",
                 "answerer": "answerer_facet", "party": "party_facet", "year": "year",
                 "status": "status"}
FIRST_YEAR = 1900  # an open "from" starts here; older answers would need an earlier year
STATUSES = ("answered", "holding", "corrected", "withdrawn", "namedday", "unanswered")


def filter_value(name: str, value: str) -> str:
    """Return `value` as the index stores it for filter `name`."""
    value = " ".join(value.split())
    if name == "dept":
        return department_from_name(value) or value
    if name == "house":
        return value.capitalize()
    if name == "status":
        return value.lower().replace(" ", "").replace("-", "")
    return value


def with_filters(user_query: query.Query, request) -> query.Query:
    """AND the request's filters onto the user's query without touching its scores."""
    clauses = filter_clauses(request)
    if not clauses:
        return user_query
    return query.And([user_query, query.ConstantScoreQuery(query.And(clauses), 0.0)])


def with_cached_filters(user_query: query.Query, request) -> tuple[query.Query, list[tuple]]:
    """Like `with_filters`, but date ranges match whole years and come back as exact checks.

    Returns the query and `(date_field, first, last)` bounds to check per match
    against the searcher's cached date columns (`collecting.collect`): year terms
    are cheap postings, while a `DateRange` expands trie terms on every query.
    """
    clauses = filter_clauses(request, years_only=True)
    checks = [(date_field, _start_of(start), _end_of(end))
              for date_field, _year_field, start, end in _date_filters(request)]
    if not clauses:
        return user_query, checks
    return query.And([user_query, query.ConstantScoreQuery(query.And(clauses), 0.0)]), checks


def filter_clauses(request, years_only: bool = False) -> list[query.Query]:
    """One clause per filter; several values of one filter are ORed.

    With `years_only`, a date range becomes the years it touches (the caller checks
    the exact days).
    """
    by_name: dict[str, list[str]] = {}
    for name, value in request.filters:
        if name in FILTER_FIELDS:
            by_name.setdefault(name, []).append(filter_value(name, value))
    clauses = [query.Or([query.Term(FILTER_FIELDS[name], v) for v in values])
               for name, values in by_name.items()]
    if request.has_attachments is not None:
        clauses.append(query.Term("has_attachments", request.has_attachments))
    if request.dated_only:  # one term, where an open date range would OR a term per year
        clauses.append(query.Term("dated", "1"))
    for date_field, year_field, start, end in _date_filters(request):
        clauses.append(year_clause(year_field, start, end) if years_only
                       else date_clause(date_field, year_field, start, end))
    return clauses


def _date_filters(request) -> list[tuple]:
    """`(date_field, year_field, first, last)` for each date range set, open ends filled in."""
    out = []
    for date_field, year_field, start, end in (
            ("date_answered", "year", request.answered_from, request.answered_to),
            ("date_tabled", "year_tabled", request.tabled_from, request.tabled_to)):
        if start or end:
            out.append((date_field, year_field, start or dt.date(FIRST_YEAR, 1, 1),
                        end or dt.date(dt.date.today().year + 1, 12, 31)))
    return out


def year_clause(year_field: str, start: dt.date, end: dt.date):
    """Match every year from `start` to `end`, partial years included."""
    if start > end:
        return query.NullQuery
    return query.Or([query.Term(year_field, str(year)) for year in range(start.year, end.year + 1)])


def date_clause(date_field: str, year_field: str, start: dt.date | None, end: dt.date | None):
    """Match days from `start` to `end` (inclusive; None is open).

    A `DateRange` expands into many trie terms and costs ~180 ms a query at 100k
    answers (DESIGN.md), so whole years inside the range become cheap terms on the
    year field and only the partial years at either end use a `DateRange`.
    """
    start = start or dt.date(FIRST_YEAR, 1, 1)
    end = end or dt.date(dt.date.today().year + 1, 12, 31)
    if start > end:
        return query.NullQuery
    if start.year == end.year and (start.month, start.day, end.month, end.day) != (1, 1, 12, 31):
        return query.DateRange(date_field, _start_of(start), _end_of(end))
    parts, first_full, last_full = [], start.year, end.year
    if (start.month, start.day) != (1, 1):
        parts.append(query.DateRange(date_field, _start_of(start), _end_of(dt.date(start.year, 12, 31))))
        first_full += 1
    if (end.month, end.day) != (12, 31):
        parts.append(query.DateRange(date_field, _start_of(dt.date(end.year, 1, 1)), _end_of(end)))
        last_full -= 1
    parts.extend(query.Term(year_field, str(year)) for year in range(first_full, last_full + 1))
    return query.Or(parts) if parts else query.NullQuery


def _start_of(day: dt.date):
    return dt.datetime(day.year, day.month, day.day)


def _end_of(day: dt.date):
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59)
