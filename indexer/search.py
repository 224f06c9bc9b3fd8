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

from whoosh import highlight, query, sorting
from whoosh.collectors import TimeLimit, TimeLimitCollector

from .answer_html import mark_words_in_html
from .errors import QueryError, QueryTooComplex
from .index import live_build, open_live_index, read_index_state
from .query import bound_expansions, highlight_words, parse_user_query
from .records import Answer
from .schema import answer_from_stored, english_analyzer

PAGE_SIZE = 20
MAX_PAGE = 500
SNIPPET_CHARS = 300
SORTS = ("relevance", "newest", "oldest")
FACETS = {"dept": "dept_facet", "house": "house_facet", "party": "party_facet",
          "year": "year", "asker": "asker_facet"}
FILTER_FIELDS = {"house": "house_facet", "dept": "dept_facet", "asker": "asker_facet",
                 "answerer": "answerer_facet", "party": "party_facet", "year": "year",
                 "status": "status"}


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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.page_size))


class SearchIndex:
    """The index as seen by one process: searches, single answers, statistics."""

    def __init__(self, index_dir: Path, time_limit: float = 2.0):
        self.index_dir = Path(index_dir)
        self.time_limit = time_limit
        self._local = threading.local()
        self._analyzer = english_analyzer()

    def search(self, request: SearchRequest) -> SearchResults:
        """Run one search; raise QueryError subclasses for queries we refuse."""
        started = time.monotonic()
        searcher = self._searcher()
        parsed = parse_user_query(request.q, searcher.schema)
        user_query = bound_expansions(parsed.query, searcher.reader())
        final = _with_filters(user_query, request)
        collector = searcher.collector(
            limit=request.page * request.page_size,
            sortedby=_sort_facet(request.sort),
            groupedby={name: sorting.FieldFacet(col, maptype=sorting.Count)
                       for name, col in FACETS.items()},
        )
        on_main = threading.current_thread() is threading.main_thread()
        timed = TimeLimitCollector(collector, self.time_limit, use_alarm=on_main)
        try:
            searcher.search_with_collector(final, timed)
        except TimeLimit:
            raise QueryTooComplex(
                "That search took too long: try fewer or more specific words.") from None
        finally:
            if timed.timer:
                timed.timer.cancel()
        results = collector.results()
        start = (request.page - 1) * request.page_size
        words = highlight_words(user_query, self._analyzer)
        hits = [self._hit(hit, words) for hit in results[start:start + request.page_size]]
        return SearchResults(
            request=request,
            total=len(results),
            hits=hits,
            understood=parsed.understood,
            notice=parsed.notice,
            facets={name: _facet_counts(results.groups(name)) for name in FACETS},
            seconds=time.monotonic() - started,
        )

    def iter_answers(self, request: SearchRequest, limit: int) -> tuple[int, Iterator[Answer]]:
        """Match `request` once; return the total and up to `limit` answers in its order.

        For exports and feeds, which want a whole result set: no facets and no
        highlighting, and stored records are decoded only as the caller consumes
        them, so a capped export streams in one pass instead of page by page.
        Raises like `search` before returning, so callers can still pick a status.
        """
        searcher = self._searcher()
        parsed = parse_user_query(request.q, searcher.schema)
        final = _with_filters(bound_expansions(parsed.query, searcher.reader()), request)
        collector = searcher.collector(limit=max(1, limit), sortedby=_sort_facet(request.sort))
        _collect_in_time(searcher, final, collector, self.time_limit)
        results = collector.results()
        # Read stored fields by docnum: Hit objects would cache every record until the end.
        docnums = [results.docnum(n) for n in range(min(max(0, limit), results.scored_length()))]
        return len(results), (answer_from_stored(searcher.stored_fields(d)) for d in docnums)

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

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    def _searcher(self):
        """Return this thread's searcher, reopened when the index moved on."""
        local = self._local
        build = live_build(self.index_dir)
        if getattr(local, "build", None) != build:
            self.close()
            local.ix = open_live_index(self.index_dir)
            local.build = build
        searcher = getattr(local, "searcher", None)
        if searcher is None or searcher.reader().generation() != local.ix.latest_generation():
            fresh = local.ix.searcher()
            if searcher is not None:
                searcher.close()
            local.searcher = searcher = fresh
        return searcher

    def _hit(self, hit, words: frozenset[str]) -> Hit:
        answer = answer_from_stored(hit.fields())
        snippets = self._snippets(answer.answer_text, words, 2)
        snippets = self._snippets(answer.question_text, words, 1) + snippets
        if not any("<mark" in s for s in snippets):
            snippets = [_opening(answer.answer_text or answer.question_text)]
        return Hit(answer=answer, snippets=[s for s in snippets if s], score=hit.score)

    def _snippets(self, text: str, words: frozenset[str], top: int) -> list[str]:
        if not text or not words:
            return []
        fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=90, charlimit=None)
        formatter = highlight.HtmlFormatter(tagname="mark", between="\x00")
        marked = highlight.highlight(text, words, self._analyzer, fragmenter, formatter, top=top)
        return [part.strip() for part in marked.split("\x00") if "<mark" in part]


def _collect_in_time(searcher, final: query.Query, collector, time_limit: float) -> None:
    """Run `final` into `collector`, refusing it once it takes longer than `time_limit`."""
    on_main = threading.current_thread() is threading.main_thread()
    timed = TimeLimitCollector(collector, time_limit, use_alarm=on_main)
    try:
        searcher.search_with_collector(final, timed)
    except TimeLimit:
        raise QueryTooComplex(
            "That search took too long: try fewer or more specific words.") from None
    finally:
        if timed.timer:
            timed.timer.cancel()


def _with_filters(user_query: query.Query, request: SearchRequest) -> query.Query:
    clauses = [query.Term(FILTER_FIELDS[name], value) for name, value in request.filters
               if name in FILTER_FIELDS]
    if request.has_attachments is not None:
        clauses.append(query.Term("has_attachments", request.has_attachments))
    for fieldname, start, end in (("date_answered", request.answered_from, request.answered_to),
                                  ("date_tabled", request.tabled_from, request.tabled_to)):
        if start or end:
            clauses.append(query.DateRange(fieldname, _start_of(start), _end_of(end)))
    if not clauses:
        return user_query
    return query.And([user_query, query.ConstantScoreQuery(query.And(clauses), 0.0)])


def _sort_facet(sort: str):
    if sort == "newest":
        return sorting.FieldFacet("date_answered", reverse=True)
    if sort == "oldest":
        return sorting.FieldFacet("date_answered")
    return None


def _facet_counts(groups: dict) -> list[tuple[str, int]]:
    pairs = [(str(k), v) for k, v in groups.items() if k not in (None, "", b"")]
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))


def _start_of(day: dt.date | None):
    return dt.datetime(day.year, day.month, day.day) if day else None


def _end_of(day: dt.date | None):
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59) if day else None


def _opening(text: str) -> str:
    text = " ".join(text.split())
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …" if len(text) > SNIPPET_CHARS else text
    return escape(cut)

