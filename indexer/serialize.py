"""Plain-data forms of search results, shared by `wrans search --json` and the JSON API."""

from __future__ import annotations

import re

from .records import Answer
from .search import Hit

_TAGS = re.compile(r"<[^>]+>")


def hit_to_dict(hit: Hit) -> dict:
    """The JSON form of one search result (the `/api/search` result shape)."""
    a = hit.answer
    return {
        "id": a.id,
        "uin": a.uin,
        "house": a.house,
        "heading": a.heading,
        "answering_body": a.answering_body,
        "asking_member": a.asking_member.name if a.asking_member else None,
        "answering_member": a.answering_member.name if a.answering_member else None,
        "date_tabled": _iso(a.date_tabled),
        "date_answered": _iso(a.date_answered),
        "status": a.status,
        "url": f"/answers/{a.id}",
        "official_url": a.official_url,
        "snippet": " … ".join(hit.snippets),
    }


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def plain_snippet(snippet: str) -> str:
    return _TAGS.sub("", snippet)


def answer_summary(answer: Answer) -> str:
    return answer.answer_text[:300]
