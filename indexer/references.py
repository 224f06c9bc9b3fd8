"""Cross-references: answers that cite other written questions, and grouped questions.

Ministers answer by pointing elsewhere: "I refer the hon. Member to the answer I
gave on 10 January 2024 to Question 7926", "PQ 7926", "UIN HL1234", "Questions
1234, 1235 and 1236". A UIN alone is ambiguous (UINs restart each session), so a
reference is the UIN with the nearest date written beside it (a date without a
year takes the latest year not after the citing answer). While indexing, each
answer's references become terms of the `cites` field (`cite_terms`):
`ref:<UIN>@<date>` (`ref:<UIN>@` when no date was written), and the UINs of its
API `groupedQuestions` become `grp:<UIN>@<date tabled>`.

A reference resolves to the one stored question with that UIN whose date answered,
tabled or holding-answered is the date written; a dateless one to the only question
with that UIN and house answered within a year before the citing answer. Resolving
happens when a page is read (`Connections`), so an answer stored after the answer
that cites it is linked without re-indexing the citing one. An unresolved
reference stays text and is counted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .records import Answer

REF, GROUP = "ref:", "grp:"
DATELESS_WINDOW = dt.timedelta(days=366)  # a dateless reference is to an answer of the past year
DATE_REACH = 200  # characters either side of a UIN in which its date is looked for

_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july",
                                       "august", "september", "october", "november", "december"), 1)}
_UIN = r"(?:HL\s?)?\d{1,6}"
_MENTION = re.compile(
    r"\b(?:PQs?|UINs?|(?:parliamentary\s+|written\s+)?questions?)\s*(?:numbers?\s*|nos?\.?\s*|UIN\s*|ref(?:erence)?\s*)?"
    rf"({_UIN}(?:\s*(?:,|and|&)\s*(?:UIN\s*)?{_UIN})*)\b|\b(HL\s?\d{{1,6}})\b", re.IGNORECASE)
_ONE_UIN = re.compile(_UIN, re.IGNORECASE)
_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(_MONTHS) + r")(?:,?\s+(\d{4}))?\b",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    """One UIN an answer's text cites, with the date written beside it (None: no date)."""

    uin: str
    date: dt.date | None


@dataclass
class Connections:
    """An answer's links to other answers, resolved against the index."""

    refers_to: list[Answer] = field(default_factory=list)
    referred_by: list[Answer] = field(default_factory=list)
    grouped: list[Answer] = field(default_factory=list)
    unresolved: list[Reference] = field(default_factory=list)
    linked_uins: dict[str, int] = field(default_factory=dict)  # UIN as written -> answer id, for links


def normal_uin(text: str) -> str:
    """A UIN as the index compares it: "hl 1234" -> "HL1234"."""
    return re.sub(r"\s+", "", text).upper()


def references_in(text: str, on: dt.date | None = None) -> list[Reference]:
    """The UIN references in an answer's plain text, each once, in order of appearance."""
    text = " ".join((text or "").split())
    dates = [(m.start(), _date_of(m, on)) for m in _DATE.finditer(text)]
    found: dict[Reference, None] = {}
    for mention in _MENTION.finditer(text):
        span = mention.group(1) or mention.group(2)
        near = [(abs(at - mention.start()), day) for at, day in dates
                if abs(at - mention.start()) <= DATE_REACH and day is not None]
        day = min(near, key=lambda pair: pair[0])[1] if near else None
        for uin in _ONE_UIN.findall(span):
            found[Reference(normal_uin(uin), day)] = None
    return list(found)


def answer_references(answer: Answer) -> list[Reference]:
    """The references of one answer's text (its own UIN and group left out)."""
    own = {normal_uin(u) for u in (answer.uin, *(g.uin for g in answer.grouped_questions)) if u}
    on = answer.date_answered or answer.date_tabled
    return [ref for ref in references_in(answer.answer_text, on) if ref.uin not in own]


def cite_terms(answer: Answer) -> list[str]:
    """The `cites` field's terms for one answer: its references and its grouped questions."""
    terms = [f"{REF}{ref.uin}@{_iso(ref.date)}" for ref in answer_references(answer)]
    terms += [f"{GROUP}{normal_uin(g.uin)}@{_iso(g.date_tabled)}" for g in answer.grouped_questions]
    return list(dict.fromkeys(terms))


def target_terms(answer: Answer, kind: str) -> list[str]:
    """The terms another answer would hold to cite `answer` (`kind` REF or GROUP), dateless last."""
    if not answer.uin:
        return []
    uin = normal_uin(answer.uin)
    days = (answer.date_answered, answer.date_tabled, answer.date_holding_answer) if kind == REF else (
        answer.date_tabled,)
    return list(dict.fromkeys([f"{kind}{uin}@{_iso(d)}" for d in days if d] + [f"{kind}{uin}@"]))


def resolves_to(ref: Reference, citing: Answer, candidate: Answer) -> bool:
    """Whether `ref`, written in `citing`, names `candidate` (same UIN; see the module docstring)."""
    if candidate.id == citing.id or normal_uin(candidate.uin or "") != ref.uin:
        return False
    if ref.date is not None:
        return ref.date in (candidate.date_answered, candidate.date_tabled, candidate.date_holding_answer)
    on, then = citing.date_answered or citing.date_tabled, candidate.date_answered or candidate.date_tabled
    return bool(on and then and candidate.house == citing.house and on - DATELESS_WINDOW <= then <= on)


def is_grouped_with(answer: Answer, other: Answer) -> bool:
    """Whether `answer`'s API groupedQuestions name `other` (by UIN, and date tabled when known)."""
    for g in answer.grouped_questions:
        if other.id != answer.id and normal_uin(g.uin) == normal_uin(other.uin or ""):
            if g.date_tabled is not None:
                if g.date_tabled == other.date_tabled:
                    return True
            elif other.house == answer.house and other.date_answered == answer.date_answered:
                return True
    return False


def resolve(refs: list[Reference], citing: Answer, candidates_of) -> tuple[dict[Reference, Answer], list]:
    """Each reference's one matching answer, and the references matching none or several.

    `candidates_of(uin)` gives the stored answers with that UIN.
    """
    resolved, unresolved = {}, []
    for ref in refs:
        matches = [c for c in candidates_of(ref.uin) if resolves_to(ref, citing, c)]
        if len(matches) == 1:
            resolved[ref] = matches[0]
        else:
            unresolved.append(ref)
    return resolved, unresolved


def _date_of(match: re.Match, on: dt.date | None) -> dt.date | None:
    day, month, year = int(match.group(1)), _MONTHS[match.group(2).lower()], match.group(3)
    try:
        if year:
            return dt.date(int(year), month, day)
        if on is None:
            return None
        guess = dt.date(on.year, month, day)
        return guess if guess <= on else dt.date(on.year - 1, month, day)
    except ValueError:  # 30 February, 29 February of a common year
        return None


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def find_connections(answer: Answer, with_uin, citing) -> Connections:
    """Resolve `answer`'s references and grouped questions both ways.

    `with_uin(uin)` gives the stored answers with a UIN; `citing(terms)` those
    whose `cites` field holds any of `terms`. An answer citing this one counts
    only if its reference resolves here, so both directions always agree.
    """
    with_uin = _memo(with_uin)
    resolved, unresolved = resolve(answer_references(answer), answer, with_uin)
    found = Connections(unresolved=unresolved, linked_uins={ref.uin: a.id for ref, a in resolved.items()})
    found.refers_to = list({a.id: a for a in resolved.values()}.values())
    grouped = {c.id: c for g in answer.grouped_questions for c in with_uin(normal_uin(g.uin))
               if is_grouped_with(answer, c)}
    grouped.update({c.id: c for c in citing(target_terms(answer, GROUP)) if is_grouped_with(c, answer)})
    found.grouped = sorted(grouped.values(), key=lambda a: a.id)
    for other in citing(target_terms(answer, REF)):
        mine = [ref for ref in answer_references(other) if ref.uin == normal_uin(answer.uin or "")]
        if any(a.id == answer.id for a in resolve(mine, other, with_uin)[0].values()):
            found.referred_by.append(other)
    found.referred_by.sort(key=lambda a: (a.date_answered is None, a.date_answered, a.id))
    return found


def _memo(lookup):
    seen = {}

    def cached(key):
        if key not in seen:
            seen[key] = lookup(key)
        return seen[key]
    return cached


_TAG = re.compile(r"(<[^>]*>)")


def link_uins_in_html(html: str, links: dict[str, str]) -> str:
    """`html` (already safe) with each cited UIN in `links` (UIN -> URL) made a link.

    Only UINs inside a reference ("Question 7926", "PQ 7926") are linked, never
    a bare number, and never text already inside a link.
    """
    if not links:
        return html
    out, in_link = [], 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            tag = part[1:3].lower()
            in_link += 1 if tag in ("a ", "a>") else -1 if tag == "/a" else 0
            out.append(part)
        else:
            out.append(part if in_link else _MENTION.sub(lambda m: _linked(m, links), part))
    return "".join(out)


def _linked(mention: re.Match, links: dict[str, str]) -> str:
    def one(uin: re.Match) -> str:
        url = links.get(normal_uin(uin.group(0)))
        return f'<a class="cited" href="{url}">{uin.group(0)}</a>' if url else uin.group(0)
    group = 1 if mention.group(1) else 2
    start, end = mention.span(group)
    whole, offset = mention.group(0), mention.start()
    return whole[: start - offset] + _ONE_UIN.sub(one, mention.group(group)) + whole[end - offset:]
