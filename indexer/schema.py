"""The Whoosh schema and analyzers: the only module that names index fields.

Other modules take field names from the table below (`FILTER_FIELDS`,
`FACET_COLUMNS`, `DEFAULT_FIELDS` ...), never spell them out.

Text fields use one English analyzer (tokenise, lowercase, fold accents, drop
stop words, Porter-stem) so "smuggle" finds "smuggling" and the highlighter,
which re-analyses stored text with the same analyzer, marks the stemmed forms.
`exact` holds the same text unstemmed for quoted phrases. Facet and sort fields
are sortable columns, which Whoosh reads without building caches per searcher.
"""

from __future__ import annotations

import datetime as dt
import json

import orjson
from whoosh import fields
from whoosh.analysis import (
    CharsetFilter,
    IDAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

from . import timing
from .engine.analysis import MemoAnalyzer
from .members import member_key
from .records import Answer, answer_from_dict, answer_to_dict
from .references import cite_terms
from .responses import response_types

# The one table of index field names, by the role each plays.
ID_FIELD = "id"  # the question id, the key updates delete by (index.py)
STATUS_FIELD = "status"  # one tag per status an answer has (`status_tags`)
EXACT_FIELD = "exact"  # heading, question and answer unstemmed, with positions: phrases, proximity
# The same words and counts without positions, for what reads only counts: the ranking's
# `words` clause and `word*`. Decoding a block of `exact` (positions included) cost six
# times as much; at 1M answers that clause tripled a two-word search. Same lengths, so
# the same scores. Indexes built before it lack it and use `exact` (`exact_counts_field`).
# A build writes its postings from `exact`'s (`_twin_of`): adding them was 14 % of its writers' CPU.
EXACT_WORDS_FIELD = "exact_words"
# Asker, answerer and department words, so names typed in the box find their answers
# (one field: one more term per word, not three). Indexes built before it lack it.
PEOPLE_FIELD = "people_dept"
TEXT_FIELDS = ("heading", "question", "answer")
# Searched by every unfielded word; names and department below the texts.
DEFAULT_FIELDS = (*TEXT_FIELDS, PEOPLE_FIELD)
FIELD_BOOSTS = {"heading": 2.0, "question": 1.2, "answer": 1.0, PEOPLE_FIELD: 0.5}
# Field prefixes a person may type in the search box (each names its own field).
QUERY_FIELDS = ("heading", "question", "answer", "dept", "asker", "answerer", "uin", "house", "party")
# Fields with positions an unfielded "quoted phrase" is also matched in, besides `exact`.
PHRASE_ALSO_FIELDS = ("dept", "asker", "answerer")
STEMMED_FIELDS = ("heading", "question", "answer", "dept", PEOPLE_FIELD)
# Indexed without positions: phrases are matched in `exact`, and positions were most
# of these fields' postings, decoded for every match (docs/performance.md).
POSITIONLESS_FIELDS = (*TEXT_FIELDS, PEOPLE_FIELD)
# Filter name (URL parameter) -> the field its values are stored in, as whole values.
FILTER_FIELDS = {"house": "house_facet", "dept": "dept_facet", "asker": "asker_facet",
                 "answerer": "answerer_facet", "party": "party_facet", "year": "year",
                 "status": STATUS_FIELD, "response": "response", "asker_key": "asker_key",
                 "answerer_key": "answerer_key", "corrector_key": "corrector_key"}
# Facet name -> the sortable column it counts (the names `/search` shows).
FACET_COLUMNS = {"dept": "dept_facet", "house": "house_facet", "party": "party_facet",
                 "year": "year", "asker": "asker_facet"}
GROUP_COLUMN = "group_key"
DUE_COLUMN = "date_due"  # the API's dateForAnswer: overdue checks, most_overdue, timeliness
DATE_COLUMNS = ("date_answered", "date_tabled", DUE_COLUMN)
# One value per question for timeliness and the timing sorts: "answered", "awaiting" or
# "withdrawn", then " namedday" for a named-day question (`life_value`). Indexes built
# before it lack it: those sorts and /timeliness then ask for `wrans index --rebuild`.
LIFE_COLUMN = "life"
YEAR_FIELDS = {"date_answered": "year", "date_tabled": "year_tabled"}
ATTACHMENTS_FIELD = "has_attachments"
# Connections (issue 17). Indexes built before these lack them: the response filter and
# facet, member and department pages and cross-references then find nothing (search.py).
RESPONSE_FIELD = "response"  # one term per response type (`responses.py`)
CITES_FIELD = "cites"  # `ref:`/`grp:` terms of the questions an answer cites (`references.py`)
MONTH_COLUMN = "month"  # "2024-01", the month answered: department charts
# The `*_key` filters hold `members.member_key` values: ids, never names, so two
# members of one name stay apart.
# Columns counted like facets for member and department pages only, never for /search.
PROFILE_COLUMNS = {"month": MONTH_COLUMN, "asker_key": "asker_key"}
# Facets counted from a multi-valued field's postings, not a one-value column.
TAG_FACETS = {"response": RESPONSE_FIELD}
DATED_FIELD = "dated"  # "1" when the answer has a date answered: feeds filter on it with one term
# When the answer last changed as the index sees it (UTC, microseconds): the time an update
# wrote it, or in a full rebuild its record file's mtime, so a rebuild does not make every
# answer "new". Email alerts send what changed since their watermark (indexer/alerts).
CHANGED_COLUMN = "changed"


# Words split at dots, slashes and underscores ("www.gov.uk" is three words, as in
# FTS5), but decimal and grouped numbers ("4.5", "1,000") stay whole.
TOKEN = r"\d+(?:[.,]\d+)+|[^\W_]+"


def english_analyzer():
    """Tokenise, lowercase, fold accents, drop stop words and stem."""
    return MemoAnalyzer(RegexTokenizer(TOKEN), LowercaseFilter(), CharsetFilter(accent_map),
                        StopFilter(), StemFilter())


def exact_analyzer():
    """Like the English analyzer but unstemmed and keeping stop words, for phrases."""
    return MemoAnalyzer(RegexTokenizer(TOKEN), LowercaseFilter(), CharsetFilter(accent_map))


def build_schema() -> fields.Schema:
    """Return the schema every wrans index is written with."""
    english = english_analyzer()
    unstemmed = exact_analyzer()  # one memo of analysed words for `exact` and its twin
    lower_id = IDAnalyzer(lowercase=True)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        uin=fields.ID(stored=True, analyzer=lower_id),
        house=fields.ID(stored=True, analyzer=lower_id),
        **{name: fields.TEXT(analyzer=english, phrase=False) for name in POSITIONLESS_FIELDS},
        exact=fields.TEXT(analyzer=unstemmed),
        **{EXACT_WORDS_FIELD: _twin_of(EXACT_FIELD, fields.TEXT(analyzer=unstemmed, phrase=False))},
        dept=fields.TEXT(analyzer=english),
        asker=fields.TEXT(analyzer=exact_analyzer()),
        answerer=fields.TEXT(analyzer=exact_analyzer()),
        party=fields.TEXT(analyzer=exact_analyzer()),
        dept_facet=fields.ID(sortable=True),
        house_facet=fields.ID(sortable=True),
        party_facet=fields.ID(sortable=True),
        asker_facet=fields.ID(sortable=True),
        answerer_facet=fields.ID(sortable=True),
        year=fields.ID(sortable=True),
        group_key=fields.ID(sortable=True),
        dated=fields.ID(sortable=True),
        year_tabled=fields.ID(),
        status=fields.KEYWORD(lowercase=True, scorable=False),
        has_attachments=fields.BOOLEAN(),
        date_answered=fields.DATETIME(sortable=True),
        date_tabled=fields.DATETIME(sortable=True),
        date_due=fields.DATETIME(sortable=True),
        life=fields.ID(sortable=True),
        record=fields.STORED(),
        response=fields.KEYWORD(scorable=False),
        cites=fields.KEYWORD(scorable=False),
        month=fields.ID(sortable=True),
        asker_key=fields.ID(sortable=True),
        answerer_key=fields.ID(),
        corrector_key=fields.ID(),
        changed=_unindexed_datetime(),
    )


def _twin_of(source: str, field: fields.FieldType) -> fields.FieldType:
    """`field`, declared to hold `source`'s text in every document: a build then adds
    that text once and writes both fields' postings from it (`building.twin_fields`)."""
    field.twin_of = source  # an instance attribute: the schema pickles as stock Whoosh classes
    return field


def _unindexed_datetime() -> fields.DATETIME:
    """A stored, sortable datetime without index terms, read only from its column.

    `changed` is compared per match (a date check, `filters.plan_filters`) and
    sorted on, never searched for. Indexed, its tiered numeric terms for a time
    of its own per answer were 2.7 % of the index (20k answers: 199 -> 194 MB).
    """
    field = fields.DATETIME(stored=True, sortable=True)
    field.indexed = False  # an instance attribute: the schema pickles as stock Whoosh classes
    return field


def exact_counts_field(schema) -> str:
    """Where words are scored unstemmed without a phrase (the `words` clause, `word*`):
    `exact`'s positionless twin, or `exact` itself in an index built before the twin."""
    return EXACT_WORDS_FIELD if EXACT_WORDS_FIELD in schema else EXACT_FIELD


def default_fields(schema) -> tuple[str, ...]:
    """The default fields `schema` has: an index built before `PEOPLE_FIELD` searches the texts only."""
    return tuple(name for name in DEFAULT_FIELDS if name in schema)


def document_from_answer(answer: Answer) -> dict:
    """Return the fields to index for one answer (missing values are left out)."""
    asker, answerer = answer.asking_member, answer.answering_member
    # Answering body, then department if it differs: in that order in every process
    # (a set's order changes with the hash seed, and with it the words' positions).
    dept = " ".join(dict.fromkeys(filter(None, (answer.answering_body, answer.department))))
    texts = "\n".join(filter(None, (answer.heading, answer.question_text, answer.answer_text)))
    doc = {
        "id": str(answer.id),
        "uin": answer.uin,
        "house": answer.house,
        "heading": answer.heading,
        "question": answer.question_text,
        "answer": answer.answer_text,
        "exact": texts,
        EXACT_WORDS_FIELD: texts,
        "dept": dept,
        "asker": asker.name if asker else None,
        "answerer": answerer.name if answerer else None,
        "party": asker.party if asker else None,
        PEOPLE_FIELD: "\n".join(filter(None, (asker and asker.name, answerer and answerer.name, dept))),
        "dept_facet": answer.department,
        "house_facet": answer.house,
        "party_facet": asker.party if asker else None,
        "asker_facet": asker.name if asker else None,
        "answerer_facet": answerer.name if answerer else None,
        "year": str(answer.date_answered.year) if answer.date_answered else None,
        "group_key": group_key(answer),
        DATED_FIELD: "1" if answer.date_answered else "0",
        "year_tabled": str(answer.date_tabled.year) if answer.date_tabled else None,
        "status": " ".join(status_tags(answer)),
        "has_attachments": bool(answer.attachments),
        "date_answered": _datetime(answer.date_answered),
        "date_tabled": _datetime(answer.date_tabled),
        DUE_COLUMN: _datetime(answer.date_for_answer),
        LIFE_COLUMN: life_value(answer),
        "record": json.dumps(answer_to_dict(answer), ensure_ascii=False),
        **connection_fields(answer),
    }
    return {key: value for key, value in doc.items() if value not in (None, "")}


def connection_fields(answer: Answer) -> dict:
    """Response types, cited questions, month answered and member keys (issue 17)."""
    keys = {name: member_key(member) if member else None for name, member in (
        ("asker_key", answer.asking_member), ("answerer_key", answer.answering_member),
        ("corrector_key", answer.correcting_member))}
    return {RESPONSE_FIELD: " ".join(response_types(answer)), CITES_FIELD: " ".join(cite_terms(answer)),
            MONTH_COLUMN: answer.date_answered.strftime("%Y-%m") if answer.date_answered else None, **keys}


def group_key(answer: Answer) -> str:
    """One key shared by every question of a group, so results can show the group once.

    Grouped questions are answered together by one text, each record listing the
    other UINs; the smallest UIN of the group, with the house and answer date
    (UINs repeat across sessions), names it. An ungrouped question keys on its id.
    """
    if not answer.grouped_questions or not answer.uin:
        return f"id:{answer.id}"
    uins = sorted({answer.uin, *(g.uin for g in answer.grouped_questions)}, key=_uin_order)
    return f"group:{answer.house}:{answer.date_answered}:{uins[0]}"


def display_schema() -> fields.Schema:
    """The schema with unstemmed analyzers, for echoing a query in the words typed."""
    schema = build_schema()
    plain = RegexTokenizer(TOKEN) | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter()
    for name in STEMMED_FIELDS:
        schema.remove(name)
        schema.add(name, fields.TEXT(analyzer=plain))  # with positions: a fielded phrase echoes as typed
    return schema


def _uin_order(uin: str) -> tuple:
    digits = "".join(c for c in uin if c.isdecimal())  # "¹" is a digit int() refuses
    return (uin.rstrip("0123456789"), int(digits) if digits else 0, uin)


def status_tags(answer: Answer) -> list[str]:
    """Every status an answer has (a corrected answer is also answered).

    "awaiting" (no substantive answer, not withdrawn) and "late" (answered after its
    due day) are stored; "overdue" is not: it depends on the day, so search judges
    it at query time as awaiting and due before today (`filters.py`).
    """
    tags = []
    if answer.answer_text and not answer.is_holding:
        tags.append("answered")
    for flag, tag in ((answer.is_holding, "holding"), (answer.is_correction, "corrected"),
                      (answer.is_withdrawn, "withdrawn"), (answer.is_named_day, "namedday")):
        if flag:
            tags.append(tag)
    tags = tags or ["unanswered"]
    for flag, tag in ((timing.is_awaiting(answer), "awaiting"), (timing.is_late(answer), "late")):
        if flag:
            tags.append(tag)
    return tags


def life_value(answer: Answer) -> str:
    """The `LIFE_COLUMN` value: where the question stands, and whether it is named-day."""
    state = ("withdrawn" if answer.is_withdrawn else
             "awaiting" if timing.is_awaiting(answer) else "answered")
    return f"{state} namedday" if answer.is_named_day else state


def answer_from_stored(stored: dict) -> Answer:
    """Rebuild the Answer kept in a hit's stored fields."""
    return answer_from_dict(record_from_json(stored["record"]))


def record_from_json(text: str) -> dict:
    """The dict `json.loads(text)` gives, by orjson (a third of the time on a 3 KB record).

    orjson refuses what the standard module takes: a lone surrogate, which
    `ensure_ascii=False` writes as it is, NaN, integers past 64 bits. Those go to `json`.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _datetime(day: dt.date | None) -> dt.datetime | None:
    # Whoosh wants naive datetimes; dates are local midnight in the API.
    return dt.datetime(day.year, day.month, day.day) if day else None
