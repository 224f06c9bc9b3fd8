"""The OpenAPI 3 description of the JSON API and the downloads, served at /api/openapi.json.

Hand-written so it reads as documentation; tests check that every path it names
is a route of the app and that every field it promises appears in real responses
with the declared type, so it cannot drift silently.
"""

from __future__ import annotations

from indexer.export import MAX_EXPORT_ROWS
from indexer.responses import RESPONSE_TYPES
from indexer.search import FACETS, MAX_PAGE, PAGE_SIZE, SORTS, STATUSES
from indexer.serialize import CSV_COLUMNS

from .params import DATE_PARAMS, MAX_API_PAGE_SIZE, NO, YES


def _s(kind: str, nullable: bool = False, **extra) -> dict:
    return {"type": kind, **({"nullable": True} if nullable else {}), **extra}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, nullable: bool = False) -> dict:
    return {"type": "object", "required": list(properties), "properties": properties,
            **({"nullable": True} if nullable else {})}


def _param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or _s("string")}


EMPTY = _s("string", maxLength=0, description="Empty: the parameter is not set.")


def _or_empty(schema: dict) -> dict:
    """Allow the empty value too: the HTML form submits every field, set or not."""
    return {"anyOf": [schema, EMPTY]}


def _filter(name: str, description: str, schema: dict | None = None) -> dict:
    """A repeatable filter: several values of one filter match any of them; empty ones are ignored.

    Described as a string, not an array of strings: the same on the wire, and schemathesis
    4.32 takes a number sent for an array-of-strings query parameter (`party=0`) for
    invalid data, though it arrives as the string "0".
    """
    return _param(name, f"{description} Repeatable (`{name}=a&{name}=b`): an answer matching any "
                        "of the values is kept. Empty values are ignored.", schema)


SEARCH_PARAMETERS = [
    _param("q", "Search words; empty means every answer (filters still apply). Queries the search "
                "cannot run safely (over 256 characters, too many terms, a wildcard with fewer than "
                "3 letters before the *) are answered with 400 and a message saying why."),
    _param("page", f"Page of results, 1 to {MAX_PAGE}; empty means 1.",
           _or_empty(_s("integer", minimum=1, maximum=MAX_PAGE))),
    _param("sort", "Order of results; empty means relevance. slowest: most days from tabling to the "
                   "substantive answer first; most_overdue: overdue questions, longest overdue first "
                   "(others follow in index order).", _s("string", enum=[*SORTS, ""])),
    _filter("house", "Keep answers from this House: Commons or Lords (any case)."),
    _filter("dept", "Keep answers from this department (its name as the facets list it)."),
    _filter("asker", "Keep answers to questions asked by this member."),
    _filter("answerer", "Keep answers given by this member."),
    _filter("party", "Keep answers to questions asked by members of this party."),
    _filter("year", "Keep answers of this year, e.g. 2024."),
    _filter("status", "Keep answers in this state; case, spaces and hyphens are ignored "
                      '("Named day" is namedday). awaiting: no substantive answer yet and not withdrawn '
                      "(a holding answer still awaits one); overdue: awaiting and past its date for "
                      "answer, judged on the day asked; late: answered after its date for answer.",
            _s("string", enum=[*STATUSES, ""])),
    _filter("response", "Keep answers of this response type (the rules are in indexer/responses.py).",
            _s("string", enum=[*RESPONSE_TYPES, ""])),
    *[_filter(f"{role}_key", f"Keep answers {verb} the member with this page key (`/members/<key>`: "
                             "the member id, or name- and a slug of the name when the record has no id).")
      for role, verb in (("asker", "to questions asked by"), ("answerer", "given by"),
                         ("corrector", "corrected by"))],
    _param("predecessors", f"{'/'.join(YES)}: a dept filter also keeps the departments it was merged or "
                           "split from (dept=DESNZ&predecessors=1 includes BEIS); empty: no.",
           _s("string", enum=[*YES, *NO, ""])),
    *[_param(name, "A calendar date as YYYY-MM-DD, inclusive; empty means no limit.",
             _or_empty(_s("string", format="date"))) for name in DATE_PARAMS],
    _param("attachments", f"{'/'.join(YES)}: only answers with attachments; {'/'.join(NO)}: only "
                          "answers without (any case); empty: both.",
           _s("string", enum=[*YES, *NO, ""])),
]
DATE = _s("string", nullable=True, format="date")
TEXT = _s("string", nullable=True)
SEARCH_RESULT = _obj({
    "id": _s("integer"), "uin": TEXT, "house": TEXT, "heading": _s("string"),
    "answering_body": TEXT, "asking_member": TEXT, "answering_member": TEXT,
    "date_tabled": DATE, "date_answered": DATE, "status": _s("string"),
    "url": _s("string", description="Path of the answer page on this site."),
    "official_url": TEXT,
    "snippet": _s("string", description="HTML: escaped text with matched words in <mark>."),
})
MEMBER = _obj({"name": _s("string"), "id": _s("integer", nullable=True), "list_as": TEXT,
               "party": TEXT, "party_abbreviation": TEXT, "party_colour": TEXT,
               "member_from": TEXT, "thumbnail_url": TEXT}, nullable=True)
ANSWER_RECORD = _obj({
    "id": _s("integer"), "uin": TEXT, "house": TEXT, "heading": _s("string"),
    "question_text": _s("string"), "answer_text": _s("string", description="The answer as plain text."),
    "answer_html": _s("string", description="The answer as sanitised HTML."),
    "answering_body": TEXT, "department": TEXT, "answering_body_id": _s("integer", nullable=True),
    "asking_member": _ref("Member"), "answering_member": _ref("Member"),
    "correcting_member": _ref("Member"),
    **{name: DATE for name in ("date_tabled", "date_for_answer", "date_answered",
                               "date_holding_answer", "date_corrected")},
    **{name: _s("boolean") for name in ("is_withdrawn", "is_named_day", "is_holding",
                                        "is_correction", "member_has_interest")},
    "original_answer_html": _s("string"), "original_answer_text": _s("string"),
    "grouped_questions": _s("array", items=_obj({"uin": _s("string"), "date_tabled": DATE})),
    "attachments": _s("array", items=_obj({"url": _s("string"), "title": _s("string"),
                                            "file_type": TEXT, "size_bytes": _s("integer", nullable=True)})),
    "status": _s("string", description="answered, corrected, holding, withdrawn, awaiting or overdue "
                                       "(overdue as of the day asked)."),
    "date_due": _s("string", nullable=True, format="date",
                   description="The API's dateForAnswer: the named day, or the ordinary due date."),
    "named_day": _s("boolean"),
    "days_to_answer": _s("integer", nullable=True, description="Calendar days from tabling to the "
                                                               "substantive answer; null while awaiting."),
    "days_to_holding_answer": _s("integer", nullable=True,
                                 description="Days from tabling to a holding answer."),
    "answered_on_time": _s("boolean", nullable=True, description="Answered on or before date_due; "
                                                                 "null while awaiting or without dates."),
    "days_overdue": _s("integer", nullable=True,
                       description="Days past date_due of an overdue question, as of today."),
    "url": _s("string"), "official_url": TEXT,
    "response_types": _s("array", items=_s("string", enum=list(RESPONSE_TYPES))),
})
IDS = _s("array", items=_s("integer"))
ANSWER_WITH_LINKS = _obj({
    **ANSWER_RECORD["properties"],
    "refers_to": {**IDS, "description": "Ids of the stored answers this answer's text cites (UIN and date)."},
    "referred_by": {**IDS, "description": "Ids of the stored answers whose text cites this one."},
    "grouped_with": {**IDS, "description": "Ids of the stored questions answered together with it."},
    "unresolved_references": _s("array", items=_obj({"uin": _s("string"), "date": DATE})),
})
COUNTS = _s("array", items=_obj({"value": _s("string"), "count": _s("integer")}))
BRIEF = _obj({"id": _s("integer"), "uin": TEXT, "heading": _s("string"), "date_answered": DATE,
              "url": _s("string")})
MEMBER_PROFILE = _obj({
    "key": _s("string"), "name": _s("string"), "party": TEXT, "house": TEXT,
    "member_id": _s("integer", nullable=True), "asked": _s("integer"), "answered": _s("integer"),
    "corrected": _s("integer"), "departments": COUNTS, "years": COUNTS, "response_types": COUNTS,
    "latest_asked": _s("array", items=BRIEF), "latest_answered": _s("array", items=BRIEF)})
CHANGES = _s("array", items=_obj({"name": _s("string"), "change": _s("string")}))
DEPARTMENT_PROFILE = _obj({
    "key": _s("string"), "name": _s("string"), "total": _s("integer"), "months": COUNTS,
    "response_types": COUNTS, "top_askers": _s("array", items=_obj({
        "key": _s("string"), "name": _s("string"), "party": TEXT, "count": _s("integer")})),
    "latest": _s("array", items=BRIEF), "predecessors": CHANGES, "successors": CHANGES})
SHARE = _s("number", nullable=True, minimum=0, maximum=1)
COUNT = _s("integer", minimum=0)
TIMELINESS_ROW = _obj({
    "department": _s("string"), "answered": COUNT, "answered_with_due_date": COUNT, "on_time": COUNT,
    "on_time_share": SHARE, "named_day_answered": COUNT, "named_day_on_time": COUNT,
    "named_day_on_time_share": SHARE, "ordinary_answered": COUNT, "ordinary_on_time": COUNT,
    "ordinary_on_time_share": SHARE, "median_days_to_answer": _s("number", nullable=True),
    "p90_days_to_answer": _s("integer", nullable=True), "overdue": COUNT,
    "overdue_url": _s("string", description="Search of the department's overdue questions."),
    "late_url": _s("string", description="Search of the department's late answers."),
})
TIMELINESS_RESPONSE = _obj({
    "from": DATE, "to": DATE, "house": TEXT, "today": _s("string", format="date"),
    "departments": _s("array", items=_ref("DepartmentTimeliness")),
    "chart": _obj({"departments": _s("array", items=_s("string")),
                   "months": _s("array", items=_s("string", description="YYYY-MM")),
                   "on_time_share": _s("object", additionalProperties=_s("array", items=SHARE))}),
})
TIMELINESS_PARAMETERS = [
    *[_param(name, f"Questions tabled {word} this date (YYYY-MM-DD, inclusive); empty means no limit.",
             _or_empty(_s("string", format="date"))) for name, word in (("from", "on or after"),
                                                                         ("to", "on or before"))],
    _param("house", "Commons or Lords (any case); empty means both.",
           _s("string", enum=["Commons", "Lords", "commons", "lords", ""])),
    _filter("dept", "A department to chart (its name as listed); none charts the three with most answers."),
]
FACET = _s("array", items=_obj({"value": _s("string"), "count": _s("integer")}))
SEARCH_RESPONSE = _obj({
    "query": _s("string"), "total": _s("integer"), "page": _s("integer"),
    "page_size": _s("integer"), "notice": TEXT,
    "results": _s("array", items=_ref("SearchResult")),
    "facets": _s("object", additionalProperties=FACET),
})
EXPORT_RESPONSE = _obj({
    "query": _s("string"), "total": _s("integer"), "exported": _s("integer"),
    "max_rows": _s("integer"), "truncated": _s("boolean"),
    "results": _s("array", items=_ref("AnswerRecord")),
})
ERROR = _obj({"error": _obj({"status": _s("integer"), "title": _s("string"), "message": _s("string")})})


def _json(schema_name: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema_name)}}}


def _errors(*codes: int) -> dict:
    meaning = {400: "Bad parameter or query", 404: "No such answer",
               503: "No usable index (run `wrans index`), or busy: try again after Retry-After seconds"}
    return {str(code): _json("Error", meaning[code]) for code in codes}


NOT_MODIFIED = {"304": {"description": "Not modified: the ETag in If-None-Match (or the time in "
                                        "If-Modified-Since) still holds"}}


def _paths() -> dict:
    export_note = (f"Every page of the search, at most {MAX_EXPORT_ROWS:,} rows (see X-Export-Truncated), "
                   "as a download named for the query and day (wrans-sudan-2026-11-29.csv).")
    page_size = _param("page_size", f"Results per page, 1 to {MAX_API_PAGE_SIZE}; empty means {PAGE_SIZE}.",
                       _or_empty(_s("integer", minimum=1, maximum=MAX_API_PAGE_SIZE)))
    names = "|".join(FACETS)
    facets = _param("facets", f"Which facet counts to return: `none`, or names separated by commas from "
                              f"{', '.join(FACETS)} (e.g. `dept,year`); empty means every facet. Facets not "
                              "asked for are not counted, so a search without them is faster; `total` is "
                              "the same either way.",
                    _s("string", pattern=f"^ *(none|({names})( *, *({names}))*)? *$"))
    return {
        "/api/search": {"get": {
            "summary": "One page of search results with facet counts",
            "parameters": [*SEARCH_PARAMETERS, page_size, facets],
            "responses": {"200": _json("SearchResponse", "A page of results"), **NOT_MODIFIED,
                          **_errors(400, 503)}}},
        "/api/answers/{id}": {"get": {
            "summary": "One answer as its full normalised record",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": _s("integer"),
                            "example": 1679416}],
            "responses": {"200": _json("AnswerWithLinks", "The record, with its cross-references"),
                          **NOT_MODIFIED, **_errors(404, 503)}}},
        "/api/members/{key}": {"get": {
            "summary": "A member's record: questions asked, answers given, departments, response types",
            "parameters": [{"name": "key", "in": "path", "required": True, "schema": _s("string"),
                            "example": "name-stephen-timms"}],
            "responses": {"200": _json("MemberProfile", "The member"), **NOT_MODIFIED, **_errors(404, 503)}}},
        "/api/departments/{slug}": {"get": {
            "summary": "A department's record: answers per month, response types, top askers, history",
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": _s("string"),
                            "example": "department-for-work-and-pensions"}],
            "responses": {"200": _json("DepartmentProfile", "The department"), **NOT_MODIFIED,
                          **_errors(404, 503)}}},
        "/api/openapi.json": {"get": {
            "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3 document",
                                  "content": {"application/json": {"schema": _s("object")}}},
                          **NOT_MODIFIED}}},
        "/search.json": {"get": {
            "summary": "The whole result set as JSON records", "description": export_note,
            "parameters": SEARCH_PARAMETERS,
            "responses": {"200": _json("Export", "Every matching record"), **NOT_MODIFIED,
                          **_errors(400, 503)}}},
        "/search.csv": {"get": {
            "summary": "The whole result set as CSV",
            "description": f"{export_note} UTF-8 with a byte-order mark. Columns: "
                           f"{', '.join(CSV_COLUMNS)}. Cells a spreadsheet would run as a formula "
                           "are prefixed with an apostrophe.",
            "parameters": SEARCH_PARAMETERS,
            "responses": {"200": {"description": "CSV with a header row",
                                  "content": {"text/csv": {"schema": _s("string")}}},
                          **NOT_MODIFIED,
                          "400": {"description": "Bad parameter or query"},
                          "503": {"description": "No usable index, or busy (see Retry-After)"}}}},
        "/api/timeliness": {"get": {
            "summary": "Per department: answered, on-time shares, days to answer, overdue now",
            "description": "Questions tabled in the period. Definitions: the README's Timeliness section.",
            "parameters": TIMELINESS_PARAMETERS,
            "responses": {"200": _json("Timeliness", "Every department's figures and the chart's series"),
                          **NOT_MODIFIED, **_errors(400, 503)}}},
        "/timeliness.csv": {"get": {
            "summary": "The timeliness table as CSV",
            "parameters": TIMELINESS_PARAMETERS,
            "responses": {"200": {"description": "CSV with a header row",
                                  "content": {"text/csv": {"schema": _s("string")}}},
                          **NOT_MODIFIED,
                          "400": {"description": "Bad parameter"},
                          "503": {"description": "No usable index, or one to rebuild"}}}},
        "/search.atom": {"get": {
            "summary": "Atom feed of the newest 50 answers of a search",
            "parameters": SEARCH_PARAMETERS,
            "responses": {"200": {"description": "Atom 1.0 feed",
                                  "content": {"application/atom+xml": {"schema": _s("string")}}},
                          **NOT_MODIFIED,
                          "400": {"description": "Bad parameter or query"},
                          "503": {"description": "No usable index, or busy (see Retry-After)"}}}},
    }


def openapi_document() -> dict:
    """Return the OpenAPI 3.0 document of wrans's data routes."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "wrans data API", "version": "1",
                 "description": "Search UK Parliament written questions and answers. Contains "
                                "Parliamentary information licensed under the Open Parliament Licence v3.0."},
        "paths": _paths(),
        "components": {"schemas": {
            "SearchResult": SEARCH_RESULT, "SearchResponse": SEARCH_RESPONSE, "Member": MEMBER,
            "AnswerRecord": ANSWER_RECORD, "Export": EXPORT_RESPONSE, "Error": ERROR,
            "DepartmentTimeliness": TIMELINESS_ROW, "Timeliness": TIMELINESS_RESPONSE,
            "AnswerWithLinks": ANSWER_WITH_LINKS, "MemberProfile": MEMBER_PROFILE,
            "DepartmentProfile": DEPARTMENT_PROFILE}},
    }
