"""Plain-data forms of answers and results, shared by `wrans search` and the web app.

One place decides what a result looks like as JSON (`/api/search`, `wrans search
--format json`), as a full record (`/api/answers/<id>`, `/search.json`) and as a CSV
row (`/search.csv`, `wrans search --format csv`), so the CLI and the site never drift.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator

from .records import Answer, answer_to_dict
from .responses import response_types
from .search import Hit, SearchResults
from .timing import TIMING_COLUMNS, status_on, timing_fields

SUMMARY_CHARS = 300
CSV_COLUMNS = (
    "id", "uin", "house", "status", "date_tabled", "date_answered", "date_corrected",
    "department", "answering_body", "asking_member", "asking_member_party",
    "answering_member", "heading", "question_text", "answer_text", "official_url",
    *TIMING_COLUMNS,  # at the end: scripts reading columns by position keep working
    "response_types",  # issue 17: keep new columns at the end, for scripts reading by position
)
RESPONSE_SEPARATOR = ";"  # between a CSV row's response types
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_FLUSH_ROWS = 100
SPREADSHEET_CELL_MAX = 32_767  # Excel's limit on characters in a cell; longer ones break the row
CUT_NOTE = " [cut: the full text is in the JSON export and on the answer page]"
# Marks the file as UTF-8 for spreadsheets: Excel reads a CSV without it as Windows-1252.
BYTE_ORDER_MARK = "\ufeff"


def hit_to_dict(hit: Hit, today: dt.date | None = None) -> dict:
    """The JSON form of one search result (the `/api/search` result shape)."""
    a = hit.answer
    return {
        "id": a.id,
        "uin": a.uin,
        "house": a.house,
        "heading": a.heading,
        "answering_body": a.answering_body,
        "asking_member": a.asking_member.name if a.asking_member else None,
        "answering_member": a.answering_member.name if a.answering_member else None,
        "date_tabled": _iso(a.date_tabled),
        "date_answered": _iso(a.date_answered),
        "status": status_on(a, today or dt.date.today()),
        "url": answer_path(a),
        "official_url": a.official_url,
        "snippet": " … ".join(hit.snippets),
    }


def results_to_dict(results: SearchResults) -> dict:
    """The `/api/search` body: one page of results with totals and facet counts."""
    request = results.request
    return {
        "query": request.q,
        "total": results.total,
        "page": request.page,
        "page_size": request.page_size,
        "notice": results.notice,
        "results": [hit_to_dict(hit, request.today) for hit in results.hits],
        "facets": {name: [{"value": value, "count": count} for value, count in pairs]
                   for name, pairs in results.facets.items()},
    }


def answer_to_record(answer: Answer, today: dt.date | None = None) -> dict:
    """The full normalised record (`/api/answers/<id>`): text and sanitised HTML, timing, links.

    `today` is the day "overdue" and `days_overdue` are judged on (default: the real one).
    """
    today = today or dt.date.today()
    return {**answer_to_dict(answer), "status": status_on(answer, today), **timing_fields(answer, today),
            "url": answer_path(answer), "official_url": answer.official_url,
            "response_types": list(response_types(answer))}


def connections_to_dict(connections) -> dict:
    """The cross-reference ids of `/api/answers/<id>` (`references.Connections`)."""
    return {"refers_to": [a.id for a in connections.refers_to],
            "referred_by": [a.id for a in connections.referred_by],
            "grouped_with": [a.id for a in connections.grouped],
            "unresolved_references": [{"uin": r.uin, "date": _iso(r.date)} for r in connections.unresolved]}


def answer_path(answer: Answer) -> str:
    return f"/answers/{answer.id}"


def answer_to_csv_row(answer: Answer, today: dt.date | None = None) -> list:
    """One CSV row in `CSV_COLUMNS` order, every text cell made safe for spreadsheets."""
    a = answer
    today = today or dt.date.today()
    asking, answering = a.asking_member, a.answering_member
    row = [
        a.id, a.uin, a.house, status_on(a, today), _iso(a.date_tabled), _iso(a.date_answered),
        _iso(a.date_corrected), a.department, a.answering_body,
        asking.name if asking else None, asking.party if asking else None,
        answering.name if answering else None,
        a.heading, a.question_text, a.answer_text, a.official_url,
        *(_csv_value(v) for v in timing_fields(a, today).values()),
        RESPONSE_SEPARATOR.join(response_types(a)),
    ]
    return [fit_cell(neutralise_formula(cell)) for cell in row]


def fit_cell(cell):
    """Cut text longer than a spreadsheet cell holds, saying so in the cell."""
    if isinstance(cell, str) and len(cell) > SPREADSHEET_CELL_MAX:
        return cell[: SPREADSHEET_CELL_MAX - len(CUT_NOTE)] + CUT_NOTE
    return cell


def neutralise_formula(cell):
    """Prefix `'` to text a spreadsheet would run as a formula; leave other cells alone."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return "" if cell is None else cell


def _csv_value(value):
    """Booleans as true/false (as in the JSON), the rest as they are."""
    return ("true" if value else "false") if isinstance(value, bool) else value


def csv_lines(answers: Iterable[Answer], flush_rows: int = CSV_FLUSH_ROWS,
              bom: bool = False, today: dt.date | None = None) -> Iterator[str]:
    """Yield a header and one row per answer as CSV text, in chunks of `flush_rows` rows.

    A generator, so a 10,000-row download starts at once and never sits in memory whole.
    With `bom`, the text starts with a byte-order mark (for files a spreadsheet opens).
    """
    buffer = io.StringIO(BYTE_ORDER_MARK if bom else "")
    buffer.seek(0, io.SEEK_END)
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for count, answer in enumerate(answers, 1):
        writer.writerow(answer_to_csv_row(answer, today))
        if count % flush_rows == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def json_lines(head: dict, records: Iterable[dict], key: str = "results") -> Iterator[str]:
    """Yield one JSON object, `head` plus a `key` list streamed record by record."""
    opening = json.dumps({**head, key: []}, ensure_ascii=False)
    yield opening[:-2] + "\n"
    for count, record in enumerate(records):
        yield ("," if count else "") + json.dumps(record, ensure_ascii=False) + "\n"
    yield "]}\n"


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def answer_summary(answer: Answer, chars: int = SUMMARY_CHARS) -> str:
    """The answer's opening as plain text, cut at a word boundary (feed summaries)."""
    text = " ".join((answer.answer_text or answer.question_text).split())
    if len(text) <= chars:
        return text
    return text[:chars].rsplit(" ", 1)[0] + " …"
