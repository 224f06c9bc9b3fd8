"""The data twins of the search pages: the JSON API and whole-result-set downloads.

`/api/search` and `/api/answers/<id>` serve one page or one record as JSON;
`/search.csv` and `/search.json` stream every match of a search (capped at
`EXPORT_MAX_ROWS`). All take the same parameters as `/search`, read by the same
`search_request_from_args`; `/api/search` also takes `page_size`, and `facets` to
count fewer facets or none (less work, not just less output). An empty request
means "everything" here, since a script asking for no filter wants the whole set,
not the search form.

Downloads are named for the query and the day (`wrans-sudan-2026-11-29.csv`), and
the CSV starts with a UTF-8 byte-order mark: without it Excel reads the file as
Windows-1252 and garbles `£` and `’`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import replace

from flask import Blueprint, Response, current_app, jsonify, request

from indexer.export import export_answers
from indexer.serialize import answer_to_record, connections_to_dict, csv_lines, json_lines, results_to_dict

from .openapi import openapi_document
from .params import api_facets, api_page_size, configured_today, search_request_from_args
from .views import get_answer_or_404, search_index

bp = Blueprint("api", __name__)
SLUG_CHARS = 50  # a file name's query part at most; cut at a word boundary


@bp.get("/api/search")
def api_search():
    search_request = replace(search_request_from_args(request.args, page_size=api_page_size(request.args)),
                             facets=api_facets(request.args))
    return jsonify(results_to_dict(search_index().search(search_request)))


@bp.get("/api/answers/<int:question_id>")
def api_answer(question_id: int):
    answer = get_answer_or_404(question_id)
    return jsonify({**answer_to_record(answer, configured_today()),
                    **connections_to_dict(search_index().connections(answer))})


@bp.get("/api/openapi.json")
def api_openapi():
    return jsonify(openapi_document())


@bp.get("/search.csv")
def search_csv():
    export = _export()
    response = Response(csv_lines(export.answers, bom=True, today=configured_today()), mimetype="text/csv")
    return _as_download(response, export, "csv")


@bp.get("/search.json")
def search_json():
    export = _export()
    head = {"query": export.request.q, "total": export.total, "exported": export.rows,
            "max_rows": export.max_rows, "truncated": export.truncated}
    today = configured_today()
    records = (answer_to_record(answer, today) for answer in export.answers)
    response = Response(json_lines(head, records), mimetype="application/json")
    return _as_download(response, export, "json")


def _export():
    """Run the request's whole result set, capped at the app's `EXPORT_MAX_ROWS`."""
    search_request = search_request_from_args(request.args)
    return export_answers(search_index(), search_request, current_app.config["EXPORT_MAX_ROWS"])


def _as_download(response: Response, export, extension: str) -> Response:
    """Name the file and say in headers how many rows matched and whether the cap cut them."""
    name = download_name(export.request.q, dt.date.today(), extension)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Total-Count"] = str(export.total)
    response.headers["X-Export-Rows"] = str(export.rows)
    response.headers["X-Export-Truncated"] = "true" if export.truncated else "false"
    return response


def download_name(q: str, day: dt.date, extension: str) -> str:
    """`wrans-<query slug>-<day>.<extension>`; `wrans-search-...` when the query has no words."""
    return f"wrans-{query_slug(q) or 'search'}-{day.isoformat()}.{extension}"


def query_slug(q: str, limit: int = SLUG_CHARS) -> str:
    """The query's letters and digits in lower-case ASCII, words joined by hyphens, at most `limit`."""
    ascii_text = unicodedata.normalize("NFKD", q).encode("ascii", "ignore").decode("ascii")
    slug = "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))
    if len(slug) > limit:
        slug = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug
