"""Related answers: the closest answers to one, each listed once, the same subject first."""

from __future__ import annotations

from collections.abc import Iterable

from .records import Answer
from .schema import group_key

SAME_HEADING, SAME_DEPARTMENT = 2.0, 1.25  # score factors for answers on the same subject
MIN_TEXT_KEY = 40  # shorter answers ("I refer to my earlier answer") are stock replies, not one text


def ranked_related(answer: Answer, similar: Iterable[tuple[float, Answer]], limit: int) -> list[Answer]:
    """The best `limit` of `similar` (score, answer) pairs for `answer`, each answer once.

    The other questions of a group are one answer, and so is any other question
    answered by the very same text; the answer's own group is left out. Scores of
    answers with the same heading or department are raised before ranking.
    """
    seen = {group_key(answer), _text_key(answer)} - {None}
    grouped = {g.uin for g in answer.grouped_questions}
    ranked = []
    for order, (score, other) in enumerate(similar):
        keys = {group_key(other), _text_key(other)} - {None}
        if other.id == answer.id or other.uin in grouped or keys & seen:
            continue
        seen |= keys
        ranked.append((-score * _subject_boost(answer, other), order, other))
    return [other for *_, other in sorted(ranked, key=lambda r: r[:2])[:limit]]


def _text_key(answer: Answer) -> str | None:
    """The answer's text, compared loosely: questions answered by one text share it."""
    words = " ".join(answer.answer_text.casefold().split()) if answer.answer_text else ""
    return f"text:{words}" if len(words) > MIN_TEXT_KEY else None


def _subject_boost(answer: Answer, other: Answer) -> float:
    boost = 1.0
    if answer.heading and other.heading and answer.heading.casefold() == other.heading.casefold():
        boost *= SAME_HEADING
    if answer.department and answer.department == other.department:
        boost *= SAME_DEPARTMENT
    return boost
