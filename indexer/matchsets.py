"""Which documents a query matches, from whole posting blocks and set operations.

Counting and faceting need every match of a query, not only the best. Whoosh
finds them by stepping a tree of matchers one document at a time in Python
(`is_active`, `id`, `next` on every union and intersection level); for a common
word at a million answers that is most of a search. Here a term's postings are
read a block (up to 128 document numbers) at a time, and the query's AND, OR and
NOT become set intersections, unions and differences, which run in C.

Only the structure of the query matters, never its scores: optional clauses
(`AndMaybe`, the proximity phrase) add nothing to the set. Parts that need
positions or ranges (phrases, date ranges) fall back to Whoosh's own matcher.
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh import query
from whoosh.matching import FilterMatcher

Tick = Callable[[], None]  # called once per block read: the time limit's chance to stop


def docnums(searcher, q: query.Query, tick: Tick = lambda: None) -> list[int]:
    """Every live document `q` matches, as sorted top-level document numbers."""
    return sorted(_docset(searcher, q, tick))


def from_blocks(q: query.Query) -> bool:
    """True when every leaf of `q` is a term, so `docnums` never steps a matcher.

    Phrases read positions and ranges expand terms: a query with such parts is
    cheaper matched once by Whoosh than once here and again for its scores.
    """
    return all(isinstance(leaf, query.Term) for leaf in q.leaves())


def _docset(searcher, q: query.Query, tick: Tick) -> set[int]:
    if isinstance(q, query.Term):
        return _term_docs(searcher, q.fieldname, q.text, tick)
    if isinstance(q, query.Or) and not q.minmatch:  # minmatch: at least N clauses, not a plain union
        out: set[int] = set()
        for sub in q.subqueries:
            out |= _docset(searcher, sub, tick)
        return out
    if isinstance(q, query.And):
        sets = sorted((_docset(searcher, sub, tick) for sub in q.subqueries), key=len)
        if not sets:
            return set()
        out = sets[0]
        for other in sets[1:]:
            out &= other
        return out
    if isinstance(q, query.AndNot):
        return _docset(searcher, q.a, tick) - _docset(searcher, q.b, tick)
    if isinstance(q, query.AndMaybe):  # the optional side only changes scores
        return _docset(searcher, q.a, tick)
    if isinstance(q, query.Require):
        return _docset(searcher, q.a, tick) & _docset(searcher, q.b, tick)
    if q is query.NullQuery:
        return set()
    return set(q.docs(searcher))  # phrases, ranges, Not, Every ...: Whoosh's matcher


def _term_docs(searcher, fieldname: str, text, tick: Tick) -> set[int]:
    out: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (fieldname, text) not in reader:
            continue
        ids = _posting_ids(reader.postings(fieldname, text), tick)
        out.update(ids if not offset else [d + offset for d in ids])
    return out


def _posting_ids(matcher, tick: Tick):
    """Document numbers of one term in one segment, deleted documents left out."""
    if isinstance(matcher, FilterMatcher):  # a segment with deletions wraps its postings
        inner = _posting_ids(matcher.child, tick)
        ids = matcher._ids
        return [d for d in inner if d not in ids] if matcher._exclude else [d for d in inner if d in ids]
    if not hasattr(matcher, "_read_ids"):  # not a W3 leaf: step it
        return list(matcher.all_ids())
    out: list[int] = []
    while matcher.is_active():
        tick()
        if matcher._ids is None:
            matcher._read_ids()
        out.extend(matcher._ids[matcher._i:])
        matcher._next_block()
    return out
