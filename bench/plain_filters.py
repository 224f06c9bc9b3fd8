"""Filters the plain Whoosh way: exact clauses in the query, for the test oracle and the probes.

The search itself resolves filter values against the index, applies facet
filters on its arrays and checks dates per match (`indexer.filters`,
`indexer.collecting`); these build the same filters as ordinary Whoosh clauses
(`DateRange`s for days), so tests can compare the two and `scale_probe.py` can
time what the cached way saves. Values are used as given: pass stored values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from whoosh import query

from indexer.filters import FIRST_YEAR, date_filters, end_of, plan_filters, start_of
from indexer.schema import ATTACHMENTS_FIELD, FILTER_FIELDS, YEAR_FIELDS


def with_filters(user_query: query.Query, request, skip=()) -> query.Query:
    """AND `request`'s filters, but those named in `skip`, onto `user_query` as exact clauses.

    Wrapped in a `ConstantScoreQuery` as the search wraps its own, so scores match.
    """
    by_name: dict[str, list[str]] = {}
    for name, value in request.filters:
        if name in FILTER_FIELDS and name not in skip:
            by_name.setdefault(name, []).append(value)
    clauses = [query.Or([query.Term(FILTER_FIELDS[name], v) for v in values])
               for name, values in by_name.items()]
    if request.has_attachments is not None:
        clauses.append(query.Term(ATTACHMENTS_FIELD, request.has_attachments))
    for date_field, start, end in date_filters(request):
        clauses.append(date_clause(date_field, YEAR_FIELDS[date_field], start, end))
    if not clauses:
        return user_query
    return query.And([user_query, query.ConstantScoreQuery(query.And(clauses))])


def date_clause(date_field: str, year_field: str, start: dt.date | None, end: dt.date | None):
    """Match days from `start` to `end` (inclusive; None is open).

    Whole years inside the range become terms on the year field and only the
    partial years at either end use a `DateRange` (~180 ms a query at 100k answers
    on its own, DESIGN.md).
    """
    start = start or dt.date(FIRST_YEAR, 1, 1)
    end = end or dt.date(dt.date.today().year + 1, 12, 31)
    if start > end:
        return query.NullQuery
    if start.year == end.year and (start.month, start.day, end.month, end.day) != (1, 1, 12, 31):
        return query.DateRange(date_field, start_of(start), end_of(end))
    parts, first_full, last_full = [], start.year, end.year
    if (start.month, start.day) != (1, 1):
        parts.append(query.DateRange(date_field, start_of(start), end_of(dt.date(start.year, 12, 31))))
        first_full += 1
    if (end.month, end.day) != (12, 31):
        parts.append(query.DateRange(date_field, start_of(dt.date(end.year, 1, 1)), end_of(end)))
        last_full -= 1
    parts.extend(query.Term(year_field, str(year)) for year in range(first_full, last_full + 1))
    return query.Or(parts) if parts else query.NullQuery


def plan_with_date_ranges(request, value_index):
    """`indexer.filters.plan_filters`, but dates as one `DateRange` each in the query, unchecked."""
    plan = plan_filters(replace(request, answered_from=None, answered_to=None, tabled_from=None,
                                tabled_to=None), value_index)
    plan.clauses.extend(query.DateRange(date_field, start_of(start), end_of(end))
                        for date_field, start, end in date_filters(request))
    return plan
