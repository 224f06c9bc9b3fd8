"""Pure conversion of a raw API record into an `Answer`.

Real records are messy (see scraped/README.md): any field may be missing or null,
dates come as local-midnight strings, department names vary between "&" and
"and". Everything is tolerated here so that nothing downstream has to guess.
"""

from __future__ import annotations

import datetime as dt
import re

from .answer_html import clean_text, safe_html_from_html, text_from_html
from .departments import DEPARTMENT_RENAMES_HISTORY
from .records import Answer, Attachment, GroupedQuestion, Member

_SPACES = re.compile(r"\s+")

# Departments renamed one-to-one: filed under today's name. A department that was
# merged or split (BEIS into DESNZ, DSIT and DBT; FCO and DFID into FCDO) is not a
# rename: it stays itself, and `departments.DEPARTMENT_CHANGES` links it to the others.
DEPARTMENT_RENAMES = {old: new for old, new, _year in DEPARTMENT_RENAMES_HISTORY}


def answer_from_record(record: dict) -> Answer:
    """Return the Answer held by a stored record (the detail envelope or its `value`)."""
    value = record.get("value", record) if isinstance(record, dict) else None
    if not isinstance(value, dict):
        raise ValueError("record has no value object")
    question_id = _int(value.get("id"))
    if question_id is None:
        raise ValueError("record has no id")
    answer_html = clean_text(_str(value.get("answerText")))
    original_html = clean_text(_str(value.get("originalAnswerText")))
    answering_body = _one_line(value.get("answeringBodyName")) or None
    return Answer(
        id=question_id,
        uin=_one_line(value.get("uin")) or None,
        house=_house(value.get("house")),
        heading=_one_line(value.get("heading")),
        question_text=text_from_html(_str(value.get("questionText"))),
        answer_text=text_from_html(answer_html),
        answer_html=safe_html_from_html(answer_html),
        answering_body=answering_body,
        department=department_from_name(answering_body),
        answering_body_id=_int(value.get("answeringBodyId")),
        asking_member=member_from_raw(value.get("askingMember"), value.get("askingMemberId")),
        answering_member=member_from_raw(value.get("answeringMember"), value.get("answeringMemberId")),
        correcting_member=member_from_raw(value.get("correctingMember"), value.get("correctingMemberId")),
        date_tabled=date_from_api(value.get("dateTabled")),
        date_for_answer=date_from_api(value.get("dateForAnswer")),
        date_answered=date_from_api(value.get("dateAnswered")),
        date_holding_answer=date_from_api(value.get("dateHoldingAnswer")),
        date_corrected=date_from_api(value.get("dateAnswerCorrected")),
        is_withdrawn=value.get("isWithdrawn") is True,
        is_named_day=value.get("isNamedDay") is True,
        is_holding=value.get("answerIsHolding") is True,
        is_correction=value.get("answerIsCorrection") is True,
        member_has_interest=value.get("memberHasInterest") is True,
        original_answer_html=safe_html_from_html(original_html),
        original_answer_text=text_from_html(original_html),
        grouped_questions=_grouped(value.get("groupedQuestions"), value.get("groupedQuestionsDates")),
        attachments=_attachments(value.get("attachments")),
    )


def department_from_name(name: str | None) -> str | None:
    """Normalise a department name across "&"/"and" spellings and known renames."""
    if not name:
        return None
    name = _SPACES.sub(" ", name.replace("&", " and ")).strip()
    return DEPARTMENT_RENAMES.get(name, name)


def member_from_raw(raw, member_id=None) -> Member | None:
    """Return a Member from the API's member object, or None when no name is known."""
    if not isinstance(raw, dict):
        return None
    name = _one_line(raw.get("name")) or _one_line(raw.get("listAs"))
    if not name:
        return None
    return Member(
        name=name,
        id=_int(raw.get("id")) or _int(member_id),
        list_as=_one_line(raw.get("listAs")) or None,
        party=_one_line(raw.get("party")) or None,
        party_abbreviation=_one_line(raw.get("partyAbbreviation")) or None,
        party_colour=_one_line(raw.get("partyColour")) or None,
        member_from=_one_line(raw.get("memberFrom")) or None,
        thumbnail_url=_one_line(raw.get("thumbnailUrl")) or None,
    )


def date_from_api(value) -> dt.date | None:
    """Parse "2024-01-10T00:00:00" (or a bare date) into a date; None for anything else."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _grouped(uins, dates) -> tuple[GroupedQuestion, ...]:
    if not isinstance(uins, list):
        return ()
    dates = dates if isinstance(dates, list) else []
    by_uin = {}
    for item in dates:
        if isinstance(item, dict) and _one_line(item.get("questionUin")):
            by_uin[_one_line(item["questionUin"])] = date_from_api(item.get("dateTabled"))
    found = (_one_line(u) for u in uins)
    return tuple(GroupedQuestion(u, by_uin.get(u)) for u in found if u)


def _attachments(raw) -> tuple[Attachment, ...]:
    if not isinstance(raw, list):
        return ()
    found = []
    for item in raw:
        if isinstance(item, dict) and item.get("url"):
            found.append(Attachment(
                url=_one_line(item.get("url")),
                title=_one_line(item.get("title")) or _one_line(item.get("fileName")) or "Attachment",
                file_type=_one_line(item.get("fileType")) or None,
                size_bytes=_int(item.get("fileSizeBytes")),
            ))
    return tuple(found)


def _house(value) -> str | None:
    value = _one_line(value).capitalize()
    return value if value in ("Commons", "Lords", "Bicameral") else None


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _one_line(value) -> str:
    if value is None or isinstance(value, (dict, list, bool)):
        return ""
    return _SPACES.sub(" ", clean_text(str(value))).strip()


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: JSON 1e400 is infinity
        return None
