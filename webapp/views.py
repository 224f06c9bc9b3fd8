"""HTML pages: home, search results, one answer, and the health check."""

from __future__ import annotations

import datetime as dt
import functools
from html import escape

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup

from indexer.citation import citation, citation_text, holding_date
from indexer.correction import correction_diff_html, has_inline_marks
from indexer.errors import IndexError_
from indexer.members import department_key, member_key
from indexer.references import link_uins_in_html
from indexer.responses import RESPONSE_LABELS, response_types
from indexer.search import STATUSES, SearchIndex
from indexer.timing import status_on, timeline_words

from .params import configured_today, search_request_from_args
from .refine import (
    FILTER_NOUNS,
    active_chips,
    answer_url,
    facet_lists,
    replace_url,
    search_args,
    search_fields,
    url_with,
    year_bars,
)

bp = Blueprint("views", __name__)
SUGGESTED_FILTERS = ("dept", "asker", "answerer", "party")  # inputs with a <datalist> of the index's values
FEW_RESULTS = 5  # fewer than this and a "Did you mean" stands out
MEMBER_ROLES = {"asker_key": "asking_member", "answerer_key": "answering_member",
                "corrector_key": "correcting_member"}


def search_index() -> SearchIndex:
    return current_app.extensions["wrans_index"]


@bp.get("/")
def home():
    return render_template("home.html", stats=_stats_or_none())


@bp.get("/search")
def search():
    search_request = search_request_from_args(request.args)
    if search_request.is_empty:
        return render_template("search.html", results=None, search_request=search_request,
                               stats=_stats_or_none())
    return render_results(search_request, search_index().search(search_request))


def render_results(search_request, results):
    """The results page for `results` (tests render hand-made SearchResults through it too)."""
    chips = active_chips(search_request, member_names(search_request))
    return render_template(
        "search.html", results=results, search_request=search_request, chips=chips,
        facets=facet_lists(results.facets, search_request, results.filter_matches),
        bars=year_bars(results.years),
        filter_options={name: _options_html(tuple(search_index().filter_values(name)))
                        for name in SUGGESTED_FILTERS},
        few_results=FEW_RESULTS, statuses=STATUSES, stats=_stats_or_none())


@functools.lru_cache(maxsize=32)
def _options_html(values: tuple[str, ...]) -> Markup:
    """A datalist's options, rendered once per set of values.

    The values are the index's (every asker, answerer, department), the same on
    every results page until the index changes: at 1M answers ~2,000 options a
    page, rendered by the template loop on each request before.
    """
    return Markup("".join(f'<option value="{escape(value)}">' for value in values))


@bp.get("/answers/<int:question_id>")
def answer(question_id: int):
    found = get_answer_or_404(question_id)
    q = request.args.get("q", "")
    marked = search_index().mark_answer(found, q)
    connections = search_index().connections(found)
    body = link_uins_in_html(marked.answer_html, {uin: url_for("views.answer", question_id=i)
                                                  for uin, i in connections.linked_uins.items()})
    return render_template("answer.html", answer=found, marked=marked, q=q, connections=connections,
                           answer_body=body, response_types=response_types(found),
                           timeline=timeline_words(found, configured_today()),
                           citation=citation(found), citation_text=citation_text(found),
                           holding_date=holding_date(found), diff_html=correction_diff_html(found),
                           inline_marks=has_inline_marks(found.answer_html),
                           back_url=back_to_results_url(),
                           related=search_index().related(found), stats=_stats_or_none())


def member_names(search_request) -> dict[tuple[str, str], str]:
    """The name of each member a `*_key` filter names, for its chip ("Asked by member: Tim Farron")."""
    names = {}
    for name, value in search_request.filters:
        role = MEMBER_ROLES.get(name)
        found = search_index().first_with(name, value) if role else None
        if found is not None and getattr(found, role) is not None:
            names[(name, value)] = getattr(found, role).name
    return names


def back_to_results_url() -> str | None:
    """The /search URL an answer page was reached from: its search parameters, nothing else."""
    kept = search_args()
    return url_for("views.search", **kept) if kept else None


@bp.get("/healthz")
def healthz():
    try:
        stats = search_index().stats()
    except IndexError_ as exc:
        return jsonify({"status": "unavailable", "message": str(exc)}), 503
    return jsonify({"status": "ok", **stats})


def get_answer_or_404(question_id: int):
    found = search_index().get_answer(question_id)
    if found is None:
        abort(404)
    return found


def _stats_or_none():
    try:
        return search_index().stats()
    except IndexError_:
        return None


def register_template_helpers(app) -> None:
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["replace_url"] = replace_url
    app.jinja_env.globals["answer_url"] = answer_url
    app.jinja_env.globals["search_fields"] = search_fields
    app.jinja_env.globals["filter_nouns"] = FILTER_NOUNS
    app.jinja_env.globals["search_url"] = search_url
    app.jinja_env.globals["Markup"] = Markup
    app.jinja_env.globals["life_status"] = lambda answer: status_on(answer, configured_today())
    app.jinja_env.globals["response_labels"] = RESPONSE_LABELS
    app.jinja_env.globals["member_url"] = member_url
    app.jinja_env.globals["department_url"] = department_url


def member_url(member) -> str:
    """The page of a member (`members.member_key`)."""
    return url_for("people.member", key=member_key(member))


def department_url(name: str) -> str:
    """The page of a department, by its normalised name."""
    return url_for("people.department", slug=department_key(name))


def long_date(value) -> str:
    """Format a date as "5 March 2024" (an ISO string is accepted too)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.day} {value:%B %Y}"


def file_size(size: int | None) -> str:
    """Format a byte count as "48 KB" or "1.2 MB"."""
    if not size:
        return ""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{round(size / 1000)} KB"
    return f"{size / 1_000_000:.1f} MB"


def search_url(endpoint: str = "views.search", drop: tuple = (), **changes) -> str:
    """The current search URL with some parameters changed, added or dropped."""
    args = request.args.to_dict(flat=False)
    for key in drop:
        args.pop(key, None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    if "page" not in changes:
        args.pop("page", None)
    return url_for(endpoint, **args)
