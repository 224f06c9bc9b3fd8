"""Running a query under a time limit, one hit per question group, with facet counts.

Whoosh 2.7.4's wrappers do not compose as documented: a `TimeLimitCollector` around
a `CollapseCollector` skips the collapsing (it drives the grandchild directly), and
a collapse that swaps a group's member miscounts totals and facets. So the time
limit sits inside the collapse and checks its clock per match, and a group is
ordered by its own key, so its first-visited member is kept and never swapped.
The total then comes from the child, which counted only the members it kept.
"""

from __future__ import annotations

import signal
import threading

from whoosh import sorting
from whoosh.collectors import CollapseCollector, TimeLimit, TimeLimitCollector

from .errors import SearchTimedOut


class _TimedMatches(TimeLimitCollector):
    """A time limit that also holds when an outer collector drives the matching."""

    def matches(self):
        for sub_docnum in self.child.matches():
            if self.timedout:
                raise TimeLimit
            yield sub_docnum


def collect(searcher, final, limit: int, sortedby, facets: dict, time_limit: float):
    """Return Whoosh results for `final`; `len()` of them is the exact, collapsed total."""
    base = searcher.collector(
        limit=limit, sortedby=sortedby,
        groupedby={name: sorting.FieldFacet(col, maptype=sorting.Count) for name, col in facets.items()},
    )
    on_main = threading.current_thread() is threading.main_thread()
    timed = _TimedMatches(base, time_limit, use_alarm=on_main)
    collector = timed
    if "group_key" in searcher.schema:  # an index built before grouping simply is not collapsed
        group = sorting.FieldFacet("group_key")
        collector = CollapseCollector(timed, group, limit=1, order=group)
    try:
        try:
            searcher.search_with_collector(final, collector)
        finally:
            if timed.timer:
                timed.timer.cancel()
            if on_main:  # a timer that fired as the search ended must not interrupt what follows
                signal.signal(signal.SIGALRM, signal.SIG_IGN)
    except TimeLimit:
        raise SearchTimedOut("That search took too long: try again in a moment, "
                             "or use fewer or more specific words.") from None
    # The child counts only the members it kept; CollapseCollector.count() would
    # subtract the collapsed ones a second time.
    return collector.results()
