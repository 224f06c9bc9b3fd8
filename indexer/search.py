"""Search: a `SearchRequest` in, plain `SearchResults` out.

`SearchIndex` is the one object a process keeps. It holds one Whoosh searcher per
thread and opens a fresh one when the index changed (a new commit, or a rebuild
that moved the `live` symlink), closing the old one; `Searcher.refresh()` is never
used (DESIGN.md). Callers never see Whoosh objects.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from html import escape
from pathlib import Path

from whoosh import query

from .answer_html import mark_words_in_html
from .cache import GenerationCache
from .collecting import Collected, collect
from .damage import opening_index
from .engine.weighting import CachedLengthBM25F
from .errors import IndexOutdated, QueryError
from .facets import NO_DATE, SearcherTables, SegmentArrays, as_numpy, raw_day
from .filters import (
    STATUSES,
    FilterMiss,
    FilterPlan,
    ValueIndex,
    plan_filters,
    request_today,
    with_cached_filters,
)
from .live import live_build, open_live_index, read_index_state, settled_stamp
from .query import (
    bound_expansions,
    highlight_words,
    parse_user_query,
    typed_uins,
    uin_query,
)
from .ranking import RANKING, Ranking
from .records import Answer
from .references import REF, Connections, answer_references, find_connections
from .related import ranked_related
from .schema import (
    CHANGED_COLUMN,
    CITES_FIELD,
    FACET_COLUMNS,
    FILTER_FIELDS,
    PROFILE_COLUMNS,
    TAG_FACETS,
    answer_from_stored,
    english_analyzer,
)
from .snippets import SNIPPET_CHARS, passages, snippet_analyzer
from .spelling import suggest_spelling
from .timeliness import Timeliness, TimelinessRequest, timeliness

__all__ = ["FACETS", "FILTER_FIELDS", "STATUSES", "SNIPPET_CHARS", "SearchIndex", "SearchRequest",
           "SearchResults", "Hit", "MarkedAnswer", "FilterMiss"]

PAGE_SIZE = 20
MAX_PAGE = 500
SORTS = ("relevance", "newest", "oldest", "slowest", "most_overdue")
FACETS = (*FACET_COLUMNS, *TAG_FACETS)  # one-value columns, then multi-valued (response types)
# Matchings kept per process (keyed without the page) and how many hits each keeps:
# pages 1-5 of a search come from one matching.
CACHED_MATCHINGS = 256
CACHED_HITS = 5 * PAGE_SIZE
RELATED = 5
MAX_CONNECTIONS = 500  # answers read per cross-reference lookup, at most
# Stock Whoosh's model for the served ranking: what the engine's scores are checked against.
WEIGHTING = RANKING.weighting()
SUGGEST_BELOW = 5  # a query finding fewer answers than this gets a spelling suggestion, if any


@dataclass(frozen=True)
class SearchRequest:
    """What a person asked for: query text, filters, sort and page."""

    q: str = ""
    page: int = 1
    page_size: int = PAGE_SIZE
    sort: str = "relevance"
    filters: tuple[tuple[str, str], ...] = ()
    answered_from: dt.date | None = None
    answered_to: dt.date | None = None
    tabled_from: dt.date | None = None
    tabled_to: dt.date | None = None
    has_attachments: bool | None = None
    dated_only: bool = False  # only answers with a date answered (feeds); not a URL parameter
    today: dt.date | None = None  # the day "overdue" is judged on; None: the real today (tests set it)
    # The facets to count (names of FACETS): fewer is less work, () none (`/api/search?facets=`).
    facets: tuple[str, ...] = FACETS
    predecessors: bool = False  # a department filter also keeps the departments it was merged or split from
    # (after, until): only answers the index wrote after the first moment and not after the second
    # (UTC, naive): what an email alert sends. Not a URL parameter.
    changed_between: tuple[dt.datetime, dt.datetime] | None = None

    def with_page(self, page: int) -> SearchRequest:
        return replace(self, page=page)

    @property
    def is_empty(self) -> bool:
        return not (self.q.strip() or self.filters or self.answered_from or self.answered_to
                    or self.tabled_from or self.tabled_to or self.has_attachments is not None)


@dataclass
class Hit:
    answer: Answer
    snippets: list[str]
    score: float | None = None


@dataclass(frozen=True)
class MarkedAnswer:
    """Safe HTML of an answer's texts with the searched words in `<mark>`."""

    question_html: str
    answer_html: str
    original_answer_html: str


@dataclass
class SearchResults:
    request: SearchRequest
    total: int
    hits: list[Hit]
    understood: str
    notice: str | None = None
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    seconds: float = 0.0
    suggestion: str | None = None
    # Filter values that matched nothing (e.g. a misspelt department), for the page to say so.
    filter_misses: list[FilterMiss] = field(default_factory=list)
    # What each filter value typed matched: ("dept", "dhsc") -> ("Department of Health and Social Care",)
    filter_matches: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.page_size))

    @property
    def years(self) -> list[tuple[str, int]]:
        """Matches per year answered, oldest first, for the histogram."""
        return sorted(self.facets.get("year", ()))


class SearchIndex:
    """The index as seen by one process: searches, single answers, statistics."""

    def __init__(self, index_dir: Path, time_limit: float = 2.0, cached_matchings: int = CACHED_MATCHINGS,
                 ranking: Ranking = RANKING):
        self.index_dir = Path(index_dir)
        self.ranking = ranking  # another only to measure it (bench/relevance.py)
        self.time_limit = time_limit
        self._local = threading.local()
        self._analyzer = english_analyzer()
        self._snippet_analyzer = snippet_analyzer(self._analyzer)
        self._matchings = GenerationCache(cached_matchings)
        self._segments = SegmentArrays()

    def search(self, request: SearchRequest) -> SearchResults:
        """Run one search; raise QueryError subclasses for queries we refuse.

        `request.facets` names the counts wanted: /search's, fewer (`/api/search?facets=`),
        or a page's own (`PROFILE_COLUMNS`).
        """
        started = time.monotonic()
        searcher = self._searcher()
        matching = self._matching(searcher, request)
        start = (request.page - 1) * request.page_size
        hits = [self._hit(searcher, docnum, score, matching.words) for docnum, score in
                zip(matching.found.docnums[start:start + request.page_size],
                    matching.found.scores[start:start + request.page_size], strict=True)]
        return SearchResults(
            request=request, total=matching.found.total, hits=hits,
            understood=matching.understood, notice=matching.notice,
            facets={name: matching.found.facets.get(name, []) for name in request.facets},
            seconds=time.monotonic() - started, suggestion=matching.suggestion,
            filter_misses=list(matching.plan.misses), filter_matches=dict(matching.plan.matched),
        )

    def _matching(self, searcher, request: SearchRequest) -> _Matching:
        """Match `request` (any page) or reuse the matching cached for this generation."""
        identity = (self._local.build, searcher.reader().generation())
        key = replace(request, page=1, today=request_today(request))  # overdue moves at midnight
        needed = request.page * request.page_size
        cached = self._cached_matching(identity, key)
        if cached is not None and (needed <= len(cached.found.docnums) or cached.found.complete):
            return cached
        parsed, user_query, plan = self._prepared(searcher, request)
        sort = _sort_name(request.sort)
        # The ranking's clauses only reorder by score: a date sort needs none, and they
        # would still read postings (and positions) for every match.
        ranked = (self.ranking.ranked(user_query, request.q, searcher.schema) if sort == "relevance"
                  else user_query)
        found = self._collect(searcher, with_cached_filters(ranked, plan), plan, max(needed, CACHED_HITS),
                              sort, request.facets, key.today)
        suggestion = None
        if request.q.strip() and found.total < SUGGEST_BELOW:  # only then: each unknown word walks a lexicon
            suggestion = suggest_spelling(request.q, searcher.reader())
        matching = _Matching(found=found, understood=parsed.understood, notice=parsed.notice,
                             words=highlight_words(user_query, self._analyzer), suggestion=suggestion,
                             plan=plan)
        self._matchings.put(identity, key, matching)
        return matching

    def _cached_matching(self, identity, key: SearchRequest) -> _Matching | None:
        """The cached matching of `key`, or of the same search with every facet (a superset)."""
        cached = self._matchings.get(identity, key)
        if cached is None and key.facets != FACETS:
            cached = self._matchings.get(identity, replace(key, facets=FACETS))
        return cached

    def _prepared(self, searcher, request: SearchRequest):
        """The parsed query, the query to run (prefixes bounded, a UIN first) and the filters."""
        uins = typed_uins(request.q)  # `uin 51639`: the number is still searched as a word, "uin" not
        parsed = parse_user_query(" ".join(uins) if uins else request.q, searcher.schema,
                                  self.ranking.field_boosts)
        user_query = bound_expansions(parsed.query, searcher.reader())
        if uins:
            user_query = query.Or([user_query, uin_query(uins)])
            parsed = replace(parsed, understood=" OR ".join([parsed.understood, *(f"uin:{u}" for u in uins)]))
        return parsed, user_query, plan_filters(request, partial(self._value_index, searcher))

    def _collect(self, searcher, final, plan: FilterPlan, limit: int, sort: str, facets, today=None):
        return collect(searcher, self._tables(searcher), final, limit=limit, sort=sort, facets=facets,
                       time_limit=self.time_limit, date_checks=_raw_checks(plan.date_checks, searcher.schema),
                       facet_filters=plan.facet_values, today_raw=raw_day(today))

    def warm(self) -> None:
        """Read what a first search would (tables, field lengths) now, e.g. as a worker starts.

        At a million answers that is seconds of column reading, which would
        otherwise land on the first searches a fresh web worker serves.
        """
        searcher = self._searcher()
        tables = self._tables(searcher)
        for sort in ("newest", "oldest"):
            tables.warm(sort, FACETS, date_checks=())
        for name in PROFILE_COLUMNS:  # member and department pages: a second of reading at 1M
            tables.facet_table(name)
        if isinstance(searcher.weighting, CachedLengthBM25F):
            searcher.weighting.warm(searcher.reader(), self.ranking.scored_fields(searcher.schema))
        try:  # its columns: the first /timeliness in a worker took 5.6 s at 1M answers, then 24 ms
            self.timeliness(TimelinessRequest())
        except IndexOutdated:  # an index built before them: /timeliness says to rebuild
            pass

    def related(self, answer: Answer, limit: int = RELATED) -> list[Answer]:
        """Answers most like this one (its heading, question and answer as the example).

        Each answer once, those on the same subject first (`related.ranked_related`).
        """
        searcher = self._searcher()
        docnum = searcher.document_number(id=str(answer.id))
        text = " ".join(filter(None, (answer.heading, answer.question_text, answer.answer_text)))
        if docnum is None or not text.strip():
            return []
        similar = searcher.more_like(docnum, "answer", text=text, top=limit * 4, numterms=25)
        pairs = ((hit.score, answer_from_stored(hit.fields())) for hit in similar)
        return ranked_related(answer, pairs, limit)

    def connections(self, answer: Answer) -> Connections:
        """The answers `answer` cites, those citing it, and its grouped questions (references.py)."""
        searcher = self._searcher()
        if CITES_FIELD not in searcher.schema:  # an index built before cross-references
            return Connections()

        def answers_for(q) -> list[Answer]:
            docnums = sorted(searcher.docs_for_query(q))[:MAX_CONNECTIONS]
            return [answer_from_stored(searcher.stored_fields(d)) for d in docnums]
        return find_connections(
            answer, lambda uin: answers_for(query.Term("uin", uin.lower())),
            lambda terms: answers_for(query.Or([query.Term(CITES_FIELD, t) for t in terms])) if terms else [])

    def reference_counts(self) -> dict[str, int]:
        """How many UIN references in answer texts resolve to a stored answer, and how many do not.

        Reads every citing answer: for `wrans stats --references`, not for pages.
        """
        searcher = self._searcher()
        if CITES_FIELD not in searcher.schema:
            return {"resolved": 0, "unresolved": 0}
        terms = list(searcher.reader().expand_prefix(CITES_FIELD, REF))
        citing = query.Or([query.Term(CITES_FIELD, t) for t in terms])
        docnums = searcher.docs_for_query(citing) if terms else []
        counts = {"resolved": 0, "unresolved": 0}
        for docnum in sorted(docnums):
            answer = answer_from_stored(searcher.stored_fields(docnum))
            unresolved = len(self.connections(answer).unresolved)
            counts["unresolved"] += unresolved
            counts["resolved"] += len(answer_references(answer)) - unresolved
        return counts

    def iter_answers(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Answer]]:
        """Match `request` once; return the total and up to `limit` answers in its order.

        For exports and feeds, which want a whole result set: no facets and no
        highlighting, and stored records are decoded only as the caller consumes
        them, so a capped export streams in one pass instead of page by page.
        Raises like `search` before returning, so callers can still pick a status.
        """
        searcher = self._searcher()
        _parsed, user_query, plan = self._prepared(searcher, request)
        found = self._collect(searcher, with_cached_filters(user_query, plan), plan, max(1, limit),
                              _sort_name(request.sort), (), request_today(request))
        docnums = found.docnums[:max(0, limit)]
        return found.total, (answer_from_stored(searcher.stored_fields(d)) for d in docnums)

    def iter_hits(self, request: SearchRequest, limit: int) -> tuple[int, list[Hit]]:
        """Like `iter_answers`, with each answer's passages: the total and up to `limit` hits."""
        searcher = self._searcher()
        _parsed, user_query, plan = self._prepared(searcher, request)
        found = self._collect(searcher, with_cached_filters(user_query, plan), plan, max(1, limit),
                              _sort_name(request.sort), (), request_today(request))
        words = highlight_words(user_query, self._analyzer)
        return found.total, [self._hit(searcher, d, None, words) for d in found.docnums[:max(0, limit)]]

    def changed_answer(self, question_id: int, after: dt.datetime, until: dt.datetime) -> Answer | None:
        """The answer `question_id` if the index wrote it after `after` and not after `until`."""
        stored = self._searcher().document(id=str(question_id))
        changed = stored.get(CHANGED_COLUMN) if stored else None
        return answer_from_stored(stored) if changed and after < changed <= until else None

    def latest_change(self) -> dt.datetime | None:
        """The latest `changed` time this searcher sees: where an alert's watermark moves to."""
        searcher = self._searcher()
        if CHANGED_COLUMN not in searcher.schema:
            return None
        tables = self._tables(searcher)  # the column as date checks read it: no sort of every answer
        changed = as_numpy(tables.dates[CHANGED_COLUMN])[tables.live]
        changed = changed[changed != NO_DATE]
        return searcher.schema[CHANGED_COLUMN].from_column_value(int(changed.max())) if len(changed) else None

    def filter_values(self, name: str) -> list[str]:
        """Every value the index holds for filter `name` (e.g. "dept"), for suggestions."""
        index = self._value_index(self._searcher(), name)
        return list(index.values) if index else []

    def _value_index(self, searcher, name: str) -> ValueIndex | None:
        """Filter `name`'s values in this searcher's index, read once per searcher."""
        column = FILTER_FIELDS.get(name)
        if column is None or column not in searcher.schema:
            return None
        local = self._local
        if getattr(local, "values", None) is None:
            local.values = {}
        if name not in local.values:
            local.values[name] = ValueIndex(term.decode() if isinstance(term, bytes) else term
                                            for term in searcher.lexicon(column))
        return local.values[name]

    def timeliness(self, request: TimelinessRequest) -> Timeliness:
        """Every department's timeliness over the request's period (`timeliness.py`)."""
        return timeliness(self._tables(self._searcher()), request, request_today(request))

    def first_with(self, field_name: str, value: str) -> Answer | None:
        """One answer whose `field_name` holds `value` (e.g. an asker's key), or None."""
        searcher = self._searcher()
        if field_name not in searcher.schema:
            return None
        stored = searcher.document(**{field_name: value})
        return answer_from_stored(stored) if stored else None

    def get_answer(self, question_id: int) -> Answer | None:
        """Return one answer by id, or None when the index does not hold it."""
        stored = self._searcher().document(id=str(question_id))
        return answer_from_stored(stored) if stored else None

    def stats(self) -> dict:
        """Document count, generation and time of the last indexing run."""
        searcher = self._searcher()
        state = read_index_state(self.index_dir)
        return {"documents": searcher.doc_count(),
                "index_generation": searcher.reader().generation(),
                "last_update": state.get("last_update") or state.get("indexed_at")}

    def mark_answer(self, answer: Answer, q: str = "") -> MarkedAnswer:
        """Return the question and answer as safe HTML, the words of query `q` marked."""
        words = frozenset()
        if q.strip():
            try:
                parsed = parse_user_query(q, self._searcher().schema)
                words = highlight_words(parsed.query, self._analyzer)
            except QueryError:
                pass
        mark = partial(mark_words_in_html, words=words, analyzer=self._analyzer)
        return MarkedAnswer(
            question_html=mark(escape(answer.question_text)),
            answer_html=mark(answer.answer_html),
            original_answer_html=mark(answer.original_answer_html),
        )

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close this thread's searcher (each thread closes its own)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    def _searcher(self):
        """Return this thread's searcher, reopened when the index moved on."""
        with opening_index(self.index_dir):  # damaged files: IndexCorrupt, not a traceback
            return self._open_searcher()

    def _open_searcher(self):
        local = self._local
        stamp = settled_stamp(self.index_dir, local.build) if getattr(local, "build", None) else None
        if stamp is not None and stamp == getattr(local, "stamp", None) and getattr(local, "searcher", None):
            return local.searcher  # neither directory moved since the full check below
        local.stamp = stamp  # taken before that check: a move during it changes the next stamp
        build = live_build(self.index_dir)
        if getattr(local, "build", None) != build:
            self.close()
            local.ix = open_live_index(self.index_dir)
            local.build = build
        searcher = getattr(local, "searcher", None)
        if searcher is None or searcher.reader().generation() != local.ix.latest_generation():
            fresh = local.ix.searcher(weighting=self.ranking.cached_weighting())
            if searcher is not None:
                searcher.close()
            local.searcher = searcher = fresh
            local.tables = local.values = None
        return searcher

    def _tables(self, searcher) -> SearcherTables:
        """This thread's cached arrays for `searcher`, built on first use after a reopen."""
        local = self._local
        if getattr(local, "tables", None) is None:
            local.tables = SearcherTables(searcher.reader(), searcher.schema, self._segments)
        return local.tables

    def _hit(self, searcher, docnum: int, score, words: frozenset[str]) -> Hit:
        answer = answer_from_stored(searcher.stored_fields(docnum))
        snippets = passages(self._snippet_analyzer, answer.question_text, answer.answer_text, words)
        return Hit(answer=answer, snippets=snippets, score=score)


@dataclass(frozen=True)
class _Matching:
    """Everything about a search but its page: what one `collect` pass found, and the words."""

    found: Collected
    understood: str
    notice: str | None
    words: frozenset[str]
    suggestion: str | None
    plan: FilterPlan


def _sort_name(sort: str) -> str:
    """The collector's order: one of SORTS, "relevance" for anything else."""
    return sort if sort in SORTS else "relevance"


def _raw_checks(checks, schema) -> list[tuple]:
    """Date bounds as the raw integers the date columns hold, for comparing per match.

    A column this index lacks (built before it) is kept, by name only: it matches nothing.
    """
    return [(name, schema[name].to_column_value(first), schema[name].to_column_value(last))
            if name in schema else (name, 0, 0) for name, first, last in checks]

