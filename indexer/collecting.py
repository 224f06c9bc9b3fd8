"""Running a query once: top hits, exact total, facet counts, one hit per question group.

One pass over the matches does everything `/search` needs, reading the searcher's
cached tables (`facets.SearcherTables`) instead of Whoosh columns:

- groups collapse to the first member visited (docnum order), as Whoosh's
  `CollapseCollector` with the group key as its order did;
- the total and the facets count the kept members only, over every match: no
  block-quality skipping (it would drop matches from the counts) and no second
  pass for `len(results)`;
- date-range filters that the query covers only by whole years are checked
  exactly here, against the cached date column;
- relevance keeps the top `limit` by (score, docnum) like `TopCollector`; date
  sorts rank the kept docnums by the cached sort keys (stable, so ties keep
  index order like `SortingCollector`); a date sort of a term-only query finds its
  matches from whole posting blocks instead of stepping a matcher (`_FromSets`).

The time limit is a timer flag checked per match, plus SIGALRM on the main thread
so a slow matcher is interrupted too (Whoosh's `TimeLimitCollector` mechanism).
"""

from __future__ import annotations

import heapq
import os
import signal
import threading
from dataclasses import dataclass, field
from itertools import compress
from operator import and_, eq

from whoosh.collectors import Collector, TimeLimit

from . import matchsets
from .errors import SearchTimedOut

REPLACE_EVERY = 512  # matches between simplifications of the matcher tree (exhausted parts)


@dataclass
class Collected:
    """What one pass found: the exact total, the top docnums in order, facet counts."""

    total: int
    docnums: list[int]
    scores: list[float | None]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    limit: int = 0

    @property
    def complete(self) -> bool:
        """True when `docnums` holds every match, so any longer page is answered too."""
        return len(self.docnums) >= self.total


def collect(searcher, tables, final, limit: int, sort: str, facets, time_limit: float,
            date_checks=()) -> Collected:
    """Match `final` once; raise SearchTimedOut when it outruns `time_limit`."""
    tables.warm(sort, facets, date_checks)  # reading a new segment's columns is not the query's time
    sets = sort != "relevance" and matchsets.from_blocks(final)
    collector = (_FromSets if sets else _OnePass)(tables, limit, sort, date_checks)
    try:  # the timer starts inside: with a tiny limit it can fire before start_timer returns
        collector.start_timer(time_limit, threading.current_thread() is threading.main_thread())
        searcher.search_with_collector(final, collector)
    except TimeLimit:
        raise SearchTimedOut("That search took too long: try again in a moment, "
                             "or use fewer or more specific words.") from None
    finally:
        collector.stop_timer()
    return collector.collected(facets)


class _OnePass(Collector):
    """A Whoosh collector doing collapse, filters, count, top-N and facets in one loop."""

    def __init__(self, tables, limit: int, sort: str, date_checks):
        self.tables = tables
        self.limit = max(1, limit)
        self.sort = sort
        self.checks = [(tables.dates[column], lo, hi) for column, lo, hi in date_checks]
        self.timedout = False
        self.timer = None

    def prepare(self, top_searcher, q, context):
        """Skip scoring altogether for date sorts: only the docnums matter."""
        if self.sort != "relevance":
            context = context.set(weighting=None)
        Collector.prepare(self, top_searcher, q, context)
        self.kept: list[int] = []
        self.heap: list[tuple[float, int]] = []
        self.seen: set[int] = set()

    def collect_matches(self):
        if self.sort == "relevance":
            self._scored()
        else:
            keep = self._keep
            for sub in self.matcher.all_ids():
                if self.timedout:
                    raise TimeLimit
                keep(self.offset + sub)

    def _keep(self, docnum: int) -> bool:
        """Apply date checks and the collapse; record and return True for a kept match."""
        for values, lo, hi in self.checks:
            if not lo <= values[docnum] <= hi:
                return False
        groups = self.tables.groups
        if groups is not None:
            group = groups[docnum]
            if group:
                if group in self.seen:
                    return False
                self.seen.add(group)
        self.kept.append(docnum)
        return True

    def _scored(self):
        """Step through every match, scoring only the kept ones into a top-N heap."""
        matcher, offset, keep = self.matcher.replace(0), self.offset, self._keep
        heap, limit = self.heap, self.limit
        countdown = REPLACE_EVERY
        while matcher.is_active():
            if self.timedout:
                raise TimeLimit
            docnum = offset + matcher.id()
            if keep(docnum):
                score = matcher.score()
                if len(heap) < limit:
                    heapq.heappush(heap, (score, -docnum))
                elif score > heap[0][0]:
                    heapq.heapreplace(heap, (score, -docnum))
            matcher.next()
            countdown -= 1
            if not countdown:
                matcher, countdown = matcher.replace(0), REPLACE_EVERY

    def collect(self, sub_docnum):  # pragma: no cover - collect_matches never calls it
        raise NotImplementedError

    def sort_key(self, sub_docnum):  # pragma: no cover
        raise NotImplementedError

    def results(self):  # pragma: no cover - callers use collected()
        raise NotImplementedError

    def collected(self, facets) -> Collected:
        """The top docnums in order, the total and the counts of `facets` (names)."""
        if self.sort == "relevance":
            ranked = sorted(self.heap, reverse=True)
            docnums, scores = [-d for _, d in ranked], [s for s, _ in ranked]
        else:
            keys = self.tables.newest_keys if self.sort == "newest" else self.tables.oldest_keys
            docnums = heapq.nsmallest(self.limit, self.kept, key=keys.__getitem__)
            scores = [None] * len(docnums)
        tables = self.tables.facets
        counts = {name: tables[name].counts(self.kept) for name in facets if name in tables}
        return Collected(total=len(self.kept), docnums=docnums, scores=scores, facets=counts,
                         limit=self.limit)

    # The time limit, as in whoosh.collectors.TimeLimitCollector.

    def start_timer(self, seconds: float, use_alarm: bool) -> None:
        self.use_alarm = use_alarm and hasattr(signal, "SIGALRM")
        if self.use_alarm:
            signal.signal(signal.SIGALRM, _raise_time_limit)
        self.timer = threading.Timer(seconds, self._time_up)
        self.timer.daemon = True
        self.timer.start()

    def stop_timer(self) -> None:
        if getattr(self, "use_alarm", False):  # first: a late alarm must not interrupt what follows
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
        if self.timer:
            self.timer.cancel()
        self.timer = None

    def _time_up(self) -> None:
        self.timer = None
        self.timedout = True
        if self.use_alarm:
            os.kill(os.getpid(), signal.SIGALRM)

    def tick(self) -> None:
        if self.timedout:
            raise TimeLimit


class _FromSets(_OnePass):
    """A date-sorted search with every match found from posting blocks (`matchsets`).

    A date sort needs no scores, only the matching documents: read whole posting
    blocks and combine them with set operations, then keep (date checks, group
    collapse) and rank by the cached sort keys as `_OnePass` does. No matcher is
    built or stepped. Relevance stays with `_OnePass`: it must score matches, and
    stepping the matcher once is cheaper than finding them here and stepping it
    again (measured, and Whoosh's pruning by `replace(minquality)` dropped a
    result that belonged in the top at 20k, so it is not used).
    """

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self.kept = self._kept(matchsets.docnums(top_searcher, q, self.tick))

    def _kept(self, docnums: list[int]) -> list[int]:
        """`_keep` over all matches at once, with C-level maps instead of a Python loop."""
        for values, lo, hi in self.checks:
            days = list(map(values.__getitem__, docnums))
            docnums = list(compress(docnums, map(and_, map(lo.__le__, days), map(hi.__ge__, days))))
        groups = self.tables.groups
        if groups is None or not docnums:
            return docnums
        numbers = list(map(groups.__getitem__, docnums))
        first = dict(zip(reversed(numbers), reversed(docnums), strict=True))  # group -> first match
        first.pop(0, None)  # 0: a question of its own, always kept
        # Kept: the ungrouped (get falls back to the docnum itself) and each group's first.
        return list(compress(docnums, map(eq, docnums, map(first.get, numbers, docnums))))

    def set_subsearcher(self, subsearcher, offset):
        self.subsearcher, self.offset, self.matcher = subsearcher, offset, None  # nothing to step

    def collect_matches(self):
        pass  # every match was found in prepare()


def _raise_time_limit(signum, frame):
    raise TimeLimit
