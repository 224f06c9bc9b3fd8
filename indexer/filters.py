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


def filter_clauses(request) -> list[query.Query]:
    """One clause per filter; several values of one filter are ORed."""
    by_name: dict[str, list[str]] = {}
    for name, value in request.filters:
        if name in FILTER_FIELDS:
            by_name.setdefault(name, []).append(filter_value(name, value))
    clauses = [query.Or([query.Term(FILTER_FIELDS[name], v) for v in values])
               for name, values in by_name.items()]
    if request.has_attachments is not None:
        clauses.append(query.Term("has_attachments", request.has_attachments))
    for fieldname, start, end in (("date_answered", request.answered_from, request.answered_to),
                                  ("date_tabled", request.tabled_from, request.tabled_to)):
        if start or end:
            clauses.append(query.DateRange(fieldname, _start_of(start), _end_of(end)))
    return clauses


def _start_of(day: dt.date | None):
    return dt.datetime(day.year, day.month, day.day) if day else None


def _end_of(day: dt.date | None):
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59) if day else None
