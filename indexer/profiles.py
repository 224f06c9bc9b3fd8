"""Member and department pages: a person's or a department's record at a glance.

Each profile is a few filtered searches over the index with page-only facet counts
(`schema.PROFILE_COLUMNS`): the questions a member asked, the answers they gave
or corrected, a department's volume by month, its top askers and response types.
The web pages (`/members/<key>`, `/departments/<slug>`) and their JSON twins are
built from the same objects (`profile_to_dict`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .departments import department_links
from .members import department_key, member_key
from .records import Answer, Member
from .search import SearchIndex, SearchRequest

LATEST = 10  # latest questions or answers listed on a page
TOP_ASKERS = 10


@dataclass
class MemberProfile:
    key: str
    member: Member  # name and party as of their latest question or answer
    house: str | None
    asked: int
    answered: int
    corrected: int
    departments: list[tuple[str, int]]  # departments their questions went to, most first
    years: list[tuple[str, int]]  # questions asked, per year answered
    response_types: list[tuple[str, int]]  # of the answers their questions received
    latest_asked: list[Answer] = field(default_factory=list)
    latest_answered: list[Answer] = field(default_factory=list)


@dataclass
class DepartmentProfile:
    key: str
    name: str
    total: int
    months: list[tuple[str, int]]  # answers per month answered, oldest first
    response_types: list[tuple[str, int]]
    top_askers: list[tuple[Member, int]]
    latest: list[Answer]
    predecessors: list[tuple[str, str]]  # (name, how it changed: "renamed", "split", "merged")
    successors: list[tuple[str, str]]


def member_profile(index: SearchIndex, key: str) -> MemberProfile | None:
    """The record of the member keyed `key` (`members.member_key`), or None if the index has none."""
    asked = _filtered(index, "asker_key", key, ("dept", "year", "response"))
    answered = _filtered(index, "answerer_key", key, ())
    corrected = _filtered(index, "corrector_key", key, (), size=1)
    latest = _latest_role(key, asked.hits, answered.hits, corrected.hits)
    if latest is None:
        return None
    answer, member = latest
    return MemberProfile(
        key=key, member=member, house=answer.house, asked=asked.total, answered=answered.total,
        corrected=corrected.total, departments=asked.facets["dept"], years=sorted(asked.facets["year"]),
        response_types=asked.facets["response"], latest_asked=[h.answer for h in asked.hits],
        latest_answered=[h.answer for h in answered.hits])


def department_profile(index: SearchIndex, key: str) -> DepartmentProfile | None:
    """The record of the department whose slug is `key`, or None when neither index nor history knows it."""
    names = [n for n in index.filter_values("dept") if department_key(n) == key]
    history = department_links(key)
    if not names and history is None:
        return None
    name = names[0] if names else history.name
    found = _filtered(index, "dept", name, ("month", "response", "asker_key")) if names else None
    predecessors, successors = (history.predecessors, history.successors) if history else ([], [])
    return DepartmentProfile(
        key=key, name=name, total=found.total if found else 0,
        months=sorted(found.facets["month"]) if found else [],
        response_types=found.facets["response"] if found else [],
        top_askers=_named_askers(index, found.facets["asker_key"][:TOP_ASKERS]) if found else [],
        latest=[h.answer for h in found.hits] if found else [],
        predecessors=predecessors, successors=successors)


def _filtered(index: SearchIndex, name: str, value: str, facets: tuple[str, ...], size: int = LATEST):
    request = SearchRequest(filters=((name, value),), sort="newest", page_size=size, facets=facets)
    return index.search(request)


def _latest_role(key: str, *hit_lists) -> tuple[Answer, Member] | None:
    """The newest answer naming the member in any role, and the member as it names them."""
    roles = ("asking_member", "answering_member", "correcting_member")
    found = [(hits[0].answer, getattr(hits[0].answer, role))
             for hits, role in zip(hit_lists, roles, strict=True)
             if hits and getattr(hits[0].answer, role) is not None]
    if not found:
        return None
    return max(found, key=lambda pair: pair[0].date_answered or dt.date.min)


def _named_askers(index: SearchIndex, counts: list[tuple[str, int]]) -> list[tuple[Member, int]]:
    """(member, count) for the most frequent asker keys, each named by one of their questions."""
    named = []
    for key, count in counts:
        answer = index.first_with("asker_key", key)
        if answer is not None and answer.asking_member is not None:
            named.append((answer.asking_member, count))
    return named


def profile_to_dict(profile) -> dict:
    """The JSON twin of a member or department page."""
    from .serialize import answer_path  # serialize imports search; keep this module light to import

    def brief(answer: Answer) -> dict:
        return {"id": answer.id, "uin": answer.uin, "heading": answer.display_heading,
                "date_answered": answer.date_answered.isoformat() if answer.date_answered else None,
                "url": answer_path(answer)}

    def counts(pairs) -> list[dict]:
        return [{"value": value, "count": count} for value, count in pairs]

    if isinstance(profile, MemberProfile):
        m = profile.member
        return {"key": profile.key, "name": m.name, "party": m.party, "house": profile.house,
                "member_id": m.id, "asked": profile.asked, "answered": profile.answered,
                "corrected": profile.corrected, "departments": counts(profile.departments),
                "years": counts(profile.years), "response_types": counts(profile.response_types),
                "latest_asked": [brief(a) for a in profile.latest_asked],
                "latest_answered": [brief(a) for a in profile.latest_answered]}
    return {"key": profile.key, "name": profile.name, "total": profile.total,
            "months": counts(profile.months), "response_types": counts(profile.response_types),
            "top_askers": [{"key": member_key(m), "name": m.name, "party": m.party, "count": n}
                           for m, n in profile.top_askers],
            "latest": [brief(a) for a in profile.latest],
            "predecessors": [{"name": n, "change": c} for n, c in profile.predecessors],
            "successors": [{"name": n, "change": c} for n, c in profile.successors]}
