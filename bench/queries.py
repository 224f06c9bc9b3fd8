"""A fixed, seeded mix of queries drawn from the corpus itself, for Whoosh and FTS5 alike.

Ten classes of 25 (250 queries): rare term, common term, 2-3 terms, OR, phrase,
prefix, department filter, date range, sort by date, and a combined advanced
search (terms + department + dates, newest first). Each query comes from a
sampled record, so it matches something at any corpus size. A query is a dict
that maps to a `SearchRequest` (what `/search` runs) and to an FTS5 MATCH.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from whoosh.analysis import STOP_WORDS

from bench.corpus import STOP, make_record, vocabulary
from indexer.normalize import answer_from_record
from indexer.search import FACETS, PAGE_SIZE, SearchRequest

CLASSES = ("rare", "common", "terms", "or", "phrase", "prefix", "dept", "daterange", "sorted", "combined")
PER_CLASS = 25
_WORD = re.compile(r"[a-z]+")
_SKIP = STOP | STOP_WORDS | {"ask", "secretary", "state", "government", "department", "hon", "member"}


def build_mix(size: int, seed: int = 1, per_class: int = PER_CLASS) -> list[dict]:
    """Return the query mix for a corpus of `size` records generated with `seed`."""
    words, _ = vocabulary()
    rank = {w: r for r, w in enumerate(words)}
    rng = random.Random(f"queries:{seed}")
    mix = []
    for cls in CLASSES:
        made = 0
        while made < per_class:
            answer = answer_from_record(make_record(rng.randrange(size), size, seed))
            spec = _make(cls, rng, answer, rank)
            if spec:
                spec["cls"] = cls
                mix.append(spec)
                made += 1
    return mix


def _make(cls: str, rng: random.Random, answer, rank: dict) -> dict | None:
    tokens = [t for t in _WORD.findall(answer.answer_text.lower()) if t in rank and len(t) > 2]
    content = [t for t in tokens if t not in _SKIP]
    if len(content) < 4:
        return None
    by_rank = sorted(set(content), key=rank.get)
    mid = [t for t in by_rank if 60 <= rank[t] < 5000] or by_rank
    common = [t for t in by_rank if rank[t] < 400]
    if cls == "rare":
        q = by_rank[-1]
        return {"q": q, "fts": q} if rank[q] >= 3000 else None
    if cls == "common":
        return {"q": common[0], "fts": common[0]} if common else None
    if cls == "terms":
        q = " ".join(rng.sample(mid, min(len(mid), rng.choice((2, 3)))))
        return {"q": q, "fts": q} if " " in q else None
    if cls == "or":
        if len(mid) < 2:
            return None
        a, b = rng.sample(mid, 2)
        return {"q": f"{a} OR {b}", "fts": f"{a} OR {b}"}
    if cls == "phrase":
        pairs = [(a, b) for a, b in zip(tokens, tokens[1:], strict=False)
                 if a not in _SKIP and b not in _SKIP and a != b]
        if not pairs:
            return None
        a, b = rng.choice(pairs)
        return {"q": f'"{a} {b}"', "fts": f'"{a} {b}"'}
    if cls == "prefix":
        long = [t for t in mid if len(t) >= 7]
        if not long:
            return None
        stem = rng.choice(long)[: rng.choice((4, 5, 6))]
        return {"q": f"{stem}*", "fts": f"{stem}*"}
    term = rng.choice(common[:5] or mid)
    if cls == "dept":
        return {"q": term, "fts": term, "dept": answer.department} if answer.department else None
    if cls == "sorted":
        return {"q": term, "fts": term, "sort": "newest"}
    year = (answer.date_answered or dt.date(2020, 1, 1)).year
    start = dt.date(year - rng.randint(0, 1), rng.randint(1, 12), 1)
    end = dt.date(year + rng.randint(0, 1), rng.randint(1, 12), 28)
    start, end = min(start, end), max(start, end)
    if cls == "daterange":
        return {"q": term, "fts": term, "answered_from": str(start), "answered_to": str(end)}
    if cls == "combined" and answer.department and len(mid) >= 2:
        q = " ".join(rng.sample(mid[:20], 2))
        return {"q": q, "fts": q, "dept": answer.department, "answered_from": str(start),
                "answered_to": str(end), "sort": "newest"}
    return None


def request_from_spec(spec: dict, page_size: int = PAGE_SIZE, facets: tuple[str, ...] = FACETS,
                      ) -> SearchRequest:
    """The SearchRequest `/search` would build for this query (with fewer facets, `/api/search`'s)."""
    return SearchRequest(
        q=spec["q"], page_size=page_size, sort=spec.get("sort", "relevance"), facets=facets,
        filters=(("dept", spec["dept"]),) if spec.get("dept") else (),
        answered_from=dt.date.fromisoformat(spec["answered_from"]) if spec.get("answered_from") else None,
        answered_to=dt.date.fromisoformat(spec["answered_to"]) if spec.get("answered_to") else None,
    )


def url_from_spec(spec: dict) -> str:
    """The `/search` URL for this query."""
    from urllib.parse import urlencode

    params = {"q": spec["q"]}
    for key in ("dept", "answered_from", "answered_to", "sort"):
        if spec.get(key):
            params[key] = spec[key]
    return "/search?" + urlencode(params)
