"""One question's life in dates: awaiting, overdue, answered on time or late.

Pure functions of an `Answer` and the day it is judged on (`today`, injectable so
tests and the site agree on one day). The definitions, stated once (README,
"Timeliness"):

- **due**: the API's `dateForAnswer` (`date_due`); for a named-day question it is
  the named day. Nothing else is used: sitting days are not modelled.
- **awaiting**: not withdrawn and no substantive answer yet; a holding answer
  ("I will reply as soon as possible") is not a substantive answer.
- **overdue**: awaiting and `today` is after the due day (due today is not overdue).
  Judged at query time, never stored, so it cannot go stale between updates.
- **days to answer**: calendar days from tabling to the substantive answer's date.
- **on time**: the substantive answer is dated on or before the due day.
"""

from __future__ import annotations

import datetime as dt

from .records import Answer


def has_substantive_answer(answer: Answer) -> bool:
    """Answered, and not with a holding answer."""
    return bool(answer.answer_text) and not answer.is_holding


def is_awaiting(answer: Answer) -> bool:
    """Tabled, not withdrawn, and no substantive answer yet (a holding answer still waits)."""
    return not answer.is_withdrawn and not has_substantive_answer(answer)


def is_overdue(answer: Answer, today: dt.date) -> bool:
    """Awaiting and past its due day."""
    return is_awaiting(answer) and answer.date_for_answer is not None and answer.date_for_answer < today


def is_late(answer: Answer) -> bool:
    """Substantively answered after its due day (fixed once answered, so it can be indexed)."""
    return answered_on_time(answer) is False


def answered_on_time(answer: Answer) -> bool | None:
    """Answered on or before the due day; None while awaiting or when a date is unknown."""
    if not has_substantive_answer(answer) or not answer.date_answered or not answer.date_for_answer:
        return None
    return answer.date_answered <= answer.date_for_answer


def days_between(first: dt.date | None, last: dt.date | None) -> int | None:
    return (last - first).days if first and last else None


def days_to_answer(answer: Answer) -> int | None:
    """Calendar days from tabling to the substantive answer; None while awaiting."""
    return days_between(answer.date_tabled, answer.date_answered) if has_substantive_answer(answer) else None


def days_overdue(answer: Answer, today: dt.date) -> int | None:
    """Days past the due day of an overdue question, as of `today`; None otherwise."""
    return (today - answer.date_for_answer).days if is_overdue(answer, today) else None


def status_on(answer: Answer, today: dt.date) -> str:
    """The status word as of `today`: the record's own, "overdue" or "awaiting" for an open one."""
    if answer.status != "unanswered" or answer.is_withdrawn:
        return answer.status
    return "overdue" if is_overdue(answer, today) else "awaiting"


# The timing fields of `/api/answers/<id>`, and the CSV's last columns in this order (issue 16's names).
TIMING_COLUMNS = ("date_due", "named_day", "days_to_answer", "days_to_holding_answer", "answered_on_time",
                  "days_overdue")


def timing_fields(answer: Answer, today: dt.date) -> dict:
    """`TIMING_COLUMNS` of one question, as of `today`."""
    return dict(zip(TIMING_COLUMNS, (
        answer.date_for_answer.isoformat() if answer.date_for_answer else None,
        answer.is_named_day,
        days_to_answer(answer),
        days_between(answer.date_tabled, answer.date_holding_answer),
        answered_on_time(answer),
        days_overdue(answer, today),
    ), strict=True))


def timeline_words(answer: Answer, today: dt.date) -> str:
    """The question's life in one line, as the answer page states it.

    "Tabled 3 November 2025 · named day 10 November · answered 17 November — 7 days
    after it was due", or "… · Awaiting an answer · 12 days overdue".
    """
    base = answer.date_tabled
    parts = [f"Tabled {_day(base, None)}"] if base else []
    if answer.date_for_answer:
        parts.append(f"{'named day' if answer.is_named_day else 'due'} {_day(answer.date_for_answer, base)}")
    if answer.date_holding_answer:
        parts.append(f"holding answer {_day(answer.date_holding_answer, base)}")
    if answer.is_withdrawn:
        return " · ".join([*parts, "withdrawn"])
    if not is_awaiting(answer):
        return " · ".join(parts + _answered_words(answer, base)) if answer.date_answered or parts else ""
    return " · ".join([*parts, "Awaiting an answer" + _waiting_words(answer, today)])


def _answered_words(answer: Answer, base: dt.date | None) -> list[str]:
    if not answer.date_answered:
        return ["answered (date unknown)"]
    words = f"answered {_day(answer.date_answered, base)}"
    late = days_between(answer.date_for_answer, answer.date_answered)
    if late is not None:
        words += " — " + ("on the day it was due" if late == 0 else f"{_days(late)} after it was due"
                          if late > 0 else f"{_days(-late)} before it was due")
    return [words]


def _waiting_words(answer: Answer, today: dt.date) -> str:
    due = answer.date_for_answer
    if due is None:
        return ""
    if due < today:
        return f" · {_days((today - due).days)} overdue"
    return " · due today" if due == today else f" · due in {_days((due - today).days)}"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _day(day: dt.date, base: dt.date | None) -> str:
    """"3 November 2025", or "10 November" when the year is `base`'s."""
    return f"{day.day} {day:%B}" if base and base.year == day.year else f"{day.day} {day:%B %Y}"
