"""How to cite a written answer, in the style of Hansard references."""

from __future__ import annotations

from .records import Answer

HOUSE_ABBREVIATIONS = {"Commons": "HC Deb", "Lords": "HL Deb"}


def citation(answer: Answer) -> str:
    """Return e.g. "HC Deb, written question 12345, answered 5 March 2024".

    Lords questions cite as "HL Deb" (their UINs start with HL); parts that the
    record does not know are left out rather than guessed.
    """
    house = HOUSE_ABBREVIATIONS.get(answer.house or "")
    if house is None and (answer.uin or "").upper().startswith("HL"):
        house = "HL Deb"
    parts = [house] if house else []
    parts.append(f"written question {answer.uin}" if answer.uin else f"written question (id {answer.id})")
    day = answer.date_answered
    if day:
        parts.append(f"answered {day.day} {day:%B %Y}")
    return ", ".join(parts)
