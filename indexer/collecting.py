"""Running a query once: top hits, exact total, facet counts, one hit per question group.

Every match of the query, with its score for relevance, comes from whole posting
blocks (`matcharrays`); everything else is numpy over those arrays and the
searcher's cached tables (`facets.SearcherTables`) instead of Whoosh columns:

- date-range filters that the query covers only by whole years are checked
  exactly here, against the cached date column;
- filters on facet columns are applied here too, as masks over the facet
  ordinals, so each facet is also counted without its own filter (disjunctive
  facets: choosing Commons still lists Lords, with the count choosing it gives);
- groups collapse to their first member in docnum order (among the matches that
  pass the filters), as Whoosh's `CollapseCollector` with the group key as its
  order did;
- the total and the facets count the kept members only, over every match: no
  block-quality skipping (it would drop matches from the counts);
- relevance keeps the top `limit` by (score descending, docnum), `TopCollector`'s
  order; date sorts rank the kept docnums by the cached sort keys, ties in index
  order like `SortingCollector`.

The time limit is a deadline checked per posting block, plus SIGALRM from an
interval timer on the main thread so a long step is interrupted too (Whoosh's
`TimeLimitCollector` starts a thread per search for that: under load, starting
it cost more than a rare word's whole match).
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from whoosh.collectors import Collector, TimeLimit

from .engine import matcharrays
from .errors import SearchTimedOut
from .facets import as_numpy

UINT64_MAX = (1 << 64) - 1
SELECTIVE_CHECKS = 0.05  # date checks keeping at most this share of documents bound the matching


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
            date_checks=(), facet_filters=None, today_raw: int = 0) -> Collected:
    """Match `final` once; raise SearchTimedOut when it outruns `time_limit`.

    `facet_filters` maps a facet name to the stored values it keeps (ORed);
    `today_raw` is the request's day as a raw date value (for `most_overdue`). Only the
    `facets` named are counted: each costs a pass over the matches (two when filtered).
    """
    facet_filters = facet_filters or {}
    # reading a new segment's columns is not the query's time
    tables.warm(sort, tuple(facets) + tuple(facet_filters), date_checks)
    collector = _ArrayCollector(tables, limit, sort, date_checks, facet_filters, facets, today_raw)
    try:  # the timer starts inside: with a tiny limit it can fire before start_timer returns
        collector.start_timer(time_limit, threading.current_thread() is threading.main_thread())
        searcher.search_with_collector(final, collector)
    except TimeLimit:
        raise SearchTimedOut("That search took too long: try again in a moment, "
                             "or use fewer or more specific words.") from None
    finally:
        collector.stop_timer()
    return collector.collected()


def _in_range(days: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Which raw date values a date check keeps: lo..hi, both ends clipped to the column's type."""
    return (days >= max(lo, 0)) & (days <= min(hi, UINT64_MAX))


def _selective(dated: np.ndarray | None) -> np.ndarray | None:
    """The documents the date checks keep, when they are few enough to match among.

    An alert asks for what changed since its last run: 500 of a million
    answers after an update. Matching only among them reads only the posting
    blocks that hold one (at 1M an alert's search fell from ~150 to ~20 ms);
    a wide date range gains nothing from that and keeps the plain path.
    """
    if dated is None:
        return None
    ids = np.flatnonzero(dated)
    return ids if len(ids) <= SELECTIVE_CHECKS * len(dated) else None


class _ArrayCollector(Collector):
    """A Whoosh collector that finds every match in `prepare` and never steps a matcher."""

    def __init__(self, tables, limit: int, sort: str, date_checks, facet_filters, facets=(),
                 today_raw: int = 0):
        self.tables, self.today_raw = tables, today_raw
        self.facets = tuple(facets)
        self.limit = max(1, limit)
        self.sort = sort
        self.checks = [(tables.dates[column], lo, hi) for column, lo, hi in date_checks
                       if column in tables.dates]
        self.facet_filters = {name: tables.facets[name].ordinals_of(values)
                              for name, values in facet_filters.items() if name in tables.facets}
        # a column this index lacks matches nothing
        self.missing_facet = (any(name not in tables.facets for name in facet_filters)
                              or any(column not in tables.dates for column, _lo, _hi in date_checks))
        self.deadline = float("inf")

    def prepare(self, top_searcher, q, context):
        """Find and keep every match; a date sort skips scoring altogether."""
        if self.sort != "relevance":
            context = context.set(weighting=None)
        Collector.prepare(self, top_searcher, q, context)
        dated = self._dated()
        found = matcharrays.all_matches(top_searcher, q, self.context, self.tick, _selective(dated))
        self.kept = self._kept(found, dated)

    def _dated(self) -> np.ndarray | None:
        """Per document, whether every date check keeps it; None without date checks."""
        dated = None
        for values, lo, hi in self.checks:
            kept = _in_range(as_numpy(values), lo, hi)
            dated = kept if dated is None else dated & kept
        return dated

    def _kept(self, found: matcharrays.Matches, dated: np.ndarray | None) -> matcharrays.Matches:
        """The matches that pass every filter, each question group down to its first.

        Keeps, per filtered facet that is counted, the matches that pass the other
        filters, for its counts.
        """
        ids = found.ids
        keep = np.full(len(ids), not self.missing_facet)
        if dated is not None:
            keep &= dated[ids]
        masks = {name: np.isin(as_numpy(self.tables.facets[name].ordinals)[ids], ordinals)
                 for name, ordinals in self.facet_filters.items()}
        groups = as_numpy(self.tables.groups)[ids] if self.tables.groups is not None else None
        self.unfiltered = {}  # facet name -> the matches it is counted over
        for name in (name for name in masks if name in self.facets):
            others = [mask for other, mask in masks.items() if other != name]
            self.unfiltered[name] = ids[_first_of_groups(groups, np.logical_and.reduce([keep, *others]))]
        for mask in masks.values():
            keep &= mask
        keep = _first_of_groups(groups, keep)
        return matcharrays.Matches(ids[keep], found.scores[keep] if found.scores is not None else None)

    def set_subsearcher(self, subsearcher, offset):
        self.subsearcher, self.offset, self.matcher = subsearcher, offset, None  # nothing to step

    def collect_matches(self):
        pass  # every match was found in prepare()

    def collect(self, sub_docnum):  # pragma: no cover - collect_matches never calls it
        raise NotImplementedError

    def sort_key(self, sub_docnum):  # pragma: no cover
        raise NotImplementedError

    def results(self):  # pragma: no cover - callers use collected()
        raise NotImplementedError

    def collected(self) -> Collected:
        """The top docnums in order, the total and the counts of the facets asked for."""
        ids, limit = self.kept.ids, self.limit
        if self.sort == "relevance":
            order = _top_by_score(ids, self.kept.scores, limit)
            docnums, scores = ids[order].tolist(), self.kept.scores[order].tolist()
        else:
            keys = self.tables.sort_keys(self.sort, self.today_raw)
            docnums = ids[_first_by_key(keys[ids], limit)].tolist()
            scores = [None] * len(docnums)
        tables = {name: table for name in self.facets if (table := self.tables.facet_table(name)) is not None}
        counts = {name: table.counts_of(self.unfiltered.get(name, ids)) for name, table in tables.items()}
        tags = self.tables.tags
        counts.update({name: self.tables.tag_counts(name, ids) for name in self.facets if name in tags})
        return Collected(total=len(ids), docnums=docnums, scores=scores, facets=counts, limit=limit)

    # The time limit: a deadline, and on the main thread an alarm as well.

    def start_timer(self, seconds: float, use_alarm: bool) -> None:
        self.deadline = time.monotonic() + seconds
        if seconds <= 0:  # an interval timer of 0 would be no timer at all
            raise TimeLimit
        self.use_alarm = use_alarm and hasattr(signal, "setitimer")
        if self.use_alarm:
            signal.signal(signal.SIGALRM, _raise_time_limit)
            signal.setitimer(signal.ITIMER_REAL, seconds)

    def stop_timer(self) -> None:
        if getattr(self, "use_alarm", False):  # a late alarm must not interrupt what follows
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_IGN)

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TimeLimit


def _first_of_groups(groups: np.ndarray | None, keep: np.ndarray) -> np.ndarray:
    """`keep` without the members of each question group but its first kept one (docnum order).

    `groups` holds the matches' group numbers (0: a question of its own, always kept).
    """
    if groups is None or not len(keep):
        return keep
    grouped = np.flatnonzero(keep & (groups != 0))
    _, first = np.unique(groups[grouped], return_index=True)  # first of each, in docnum order
    out = keep & (groups == 0)
    out[grouped[first]] = True
    return out


def _top_by_score(ids: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the best `limit` by score, then docnum: `TopCollector`'s order."""
    if len(scores) > limit:
        kth = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        above = np.flatnonzero(scores > kth)
        # Ties at the cut (every match of a query without words scores the same): the
        # first in docnum order, which is the order of `ids`, with no sort of them all.
        tied = np.flatnonzero(scores == kth)[:limit - len(above)]
        candidates = np.concatenate((above, tied))
        return candidates[np.lexsort((ids[candidates], -scores[candidates]))]
    return np.lexsort((ids, -scores))


def _first_by_key(keys: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the `limit` smallest keys, ties in docnum order (a stable sort)."""
    if len(keys) > limit:
        kth = np.partition(keys, limit - 1)[limit - 1]
        candidates = np.flatnonzero(keys <= kth)
        return candidates[np.argsort(keys[candidates], kind="stable")[:limit]]
    return np.argsort(keys, kind="stable")


def _raise_time_limit(signum, frame):
    raise TimeLimit
