"""How to cite a written question, in the style used for written questions (not Hansard's debate style)."""

from __future__ import annotations

import datetime as dt

from .records import Answer

HOUSE_NAMES = {"Commons": "House of Commons", "Lords": "House of Lords"}


def citation(answer: Answer) -> str:
    """Return the full citation: its text, then the official URL when the record has one.

    E.g. "Written question UIN 7926, tabled 5 January 2024, answered 10 January 2024
    (House of Commons), https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926".
    """
    text = citation_text(answer)
    return f"{text}, {answer.official_url}" if answer.official_url else text


def citation_text(answer: Answer) -> str:
    """Return the citation without its URL; parts the record does not know are left out, not guessed.

    A holding answer is cited by its holding date, never as "answered"; a
    correction adds its date; a question without a UIN is named by its heading.
    """
    name = f"UIN {answer.uin}" if answer.uin else f"“{answer.display_heading}”"
    parts = [f"Written question {name}"]
    parts += [f"{label} {_day(day)}" for label, day in _dates(answer) if day]
    if answer.is_withdrawn:
        parts.append("withdrawn")
    house = _house_name(answer)
    return ", ".join(parts) + (f" ({house})" if house else "")


def holding_date(answer: Answer) -> dt.date | None:
    """The day of the holding answer: its own date, or for a record still holding, the day it was given."""
    if answer.date_holding_answer:
        return answer.date_holding_answer
    return answer.date_answered if answer.is_holding else None


def _dates(answer: Answer) -> list[tuple[str, dt.date | None]]:
    answered = None if answer.is_holding else answer.date_answered
    return [("tabled", answer.date_tabled), ("holding answer", holding_date(answer)),
            ("answered", answered), ("corrected", answer.date_corrected)]


def _house_name(answer: Answer) -> str | None:
    if answer.house in HOUSE_NAMES:
        return HOUSE_NAMES[answer.house]
    return HOUSE_NAMES["Lords"] if (answer.uin or "").upper().startswith("HL") else None


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
