"""The normalised record model: what every part after the normaliser works with.

API camelCase stops in `normalize.py`; these types are snake_case, immutable and
JSON-serialisable through `answer_to_dict` / `answer_from_dict`, which is how a
record travels through the index's stored field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

OFFICIAL_PAGE = "https://questions-statements.parliament.uk/written-questions/detail/{date}/{uin}"
LABEL_CHARS = 70  # about ten words: enough to tell questions apart in a list
# "To ask the Secretary of State for X, what ...", "Mr. Y asked the Chancellor of the
# Exchequer what ...": the formula before the question proper says nothing about it.
_ASKING_FORMULA = re.compile(
    r"^(?:To ask|.{0,80}?asked)\s*(?:(?:His|Her) Majesty['’]s Government|the .{1,120}?)"
    r",?\s+(?=(?:what|whether|how|if|when|which|why|who|pursuant|with reference|further to)\b)",
    re.IGNORECASE)


@dataclass(frozen=True)
class Member:
    name: str
    id: int | None = None
    list_as: str | None = None
    party: str | None = None
    party_abbreviation: str | None = None
    party_colour: str | None = None
    member_from: str | None = None
    thumbnail_url: str | None = None

    @property
    def label(self) -> str:
        """Name with party, as shown beside a question ("Tim Farron (Liberal Democrat)")."""
        return f"{self.name} ({self.party})" if self.party else self.name


@dataclass(frozen=True)
class Attachment:
    url: str
    title: str
    file_type: str | None = None
    size_bytes: int | None = None


@dataclass(frozen=True)
class GroupedQuestion:
    uin: str
    date_tabled: dt.date | None = None


@dataclass(frozen=True)
class Answer:
    id: int
    uin: str | None
    house: str | None
    heading: str
    question_text: str
    answer_text: str
    answer_html: str
    answering_body: str | None
    department: str | None
    answering_body_id: int | None = None
    asking_member: Member | None = None
    answering_member: Member | None = None
    correcting_member: Member | None = None
    date_tabled: dt.date | None = None
    date_for_answer: dt.date | None = None
    date_answered: dt.date | None = None
    date_holding_answer: dt.date | None = None
    date_corrected: dt.date | None = None
    is_withdrawn: bool = False
    is_named_day: bool = False
    is_holding: bool = False
    is_correction: bool = False
    member_has_interest: bool = False
    original_answer_html: str = ""
    original_answer_text: str = ""
    grouped_questions: tuple[GroupedQuestion, ...] = field(default_factory=tuple)
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)

    @property
    def status(self) -> str:
        """One word for the record's state, most significant first."""
        if self.is_withdrawn:
            return "withdrawn"
        if self.is_correction:
            return "corrected"
        if self.is_holding:
            return "holding"
        if self.answer_text:
            return "answered"
        return "unanswered"

    @property
    def official_url(self) -> str | None:
        """The question's page on the Parliament website, when date tabled and UIN are known."""
        if self.date_tabled and self.uin:
            return OFFICIAL_PAGE.format(date=self.date_tabled.isoformat(), uin=self.uin)
        return None

    @property
    def display_heading(self) -> str:
        """The heading to show: the record's own, else its question's first words.

        Many records have no heading; "Written question 90000036" tells a reader
        nothing, while "Whether they will increase multi-year funding to support…"
        does. The UIN (or id) is the last resort, for a record with no text at all.
        """
        if self.heading:
            return self.heading
        words = (_ASKING_FORMULA.sub("", self.question_text, count=1) or self.answer_text).split()
        if not words:
            return f"Written question {self.uin or self.id}"
        kept = [words[0]]
        for word in words[1:]:
            if len(" ".join(kept)) + 1 + len(word) > LABEL_CHARS:
                break
            kept.append(word)
        label = " ".join(kept)
        label = label[0].upper() + label[1:]
        return label.rstrip(",;:.") + ("" if len(kept) == len(words) else "…")


def answer_to_dict(answer: Answer) -> dict:
    """Return a JSON-ready dict of `answer` (dates as ISO strings).

    What `dataclasses.asdict` gives, walked by hand: asdict deep-copies every
    value on the way, and a build writes this dict into every answer's record.
    """
    return _jsonable(answer)


def answer_from_dict(data: dict) -> Answer:
    """Rebuild an Answer from `answer_to_dict` output."""
    data = dict(data)
    for key in _MEMBER_KEYS:
        data[key] = _built(Member, data[key]) if data.get(key) else None
    for key in _DATE_KEYS:  # a record from an older index may lack some: they take their default
        if key in data:
            data[key] = _date(data[key])
    grouped, attachments = data.get("grouped_questions"), data.get("attachments")
    data["grouped_questions"] = tuple(
        GroupedQuestion(g["uin"], _date(g.get("date_tabled"))) for g in grouped) if grouped else ()
    data["attachments"] = tuple(Attachment(**a) for a in attachments) if attachments else ()
    return _built(Answer, data)


# Answer's fields decoded apart from the plain values, named once rather than found in every record.
_MEMBER_KEYS = ("asking_member", "answering_member", "correcting_member")
_DATE_KEYS = tuple(f.name for f in dataclasses.fields(Answer) if f.name.startswith("date_"))


def _built(cls, values: dict):
    """`cls(**values)` for a frozen record type, without its generated `__init__`.

    That `__init__` sets each field through `object.__setattr__`: building a
    page's 20 answers and their members from stored records cost more than
    decoding the records' JSON. Fields left out take their defaults; a missing
    required field or an unknown one goes to the real constructor, to raise its
    own TypeError.
    """
    defaults, names, required = _FIELD_SPECS.get(cls) or _field_spec(cls)
    if not required <= values.keys() <= names:
        return cls(**values)
    record = object.__new__(cls)
    state = record.__dict__
    if len(values) < len(names):  # else every field is given: a stored record's usual case
        state.update(defaults)
    state.update(values)
    return record


_FIELD_SPECS: dict[type, tuple[dict, frozenset, frozenset]] = {}


def _field_spec(cls) -> tuple[dict, frozenset, frozenset]:
    """(defaults, every field name, the required names) of record type `cls`, computed once."""
    fields = list(dataclasses.fields(cls))
    defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
    # Only immutable factories (the tuples here) may be shared by every record built.
    defaults.update({f.name: f.default_factory() for f in fields
                     if f.default_factory is tuple})
    required = frozenset(f.name for f in fields if f.name not in defaults
                         and f.default_factory is dataclasses.MISSING)
    if any(f.default_factory not in (dataclasses.MISSING, tuple) for f in fields):
        raise TypeError(f"{cls.__name__} has a mutable default: build it with its constructor")
    spec = _FIELD_SPECS[cls] = (defaults, frozenset(f.name for f in fields), required)
    return spec


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float)):
        return value
    fields = getattr(type(value), "__dataclass_fields__", None)
    if fields is not None:  # a record type: its fields in declaration order, as asdict
        return {name: _jsonable(getattr(value, name)) for name in fields}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
