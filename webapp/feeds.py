"""Atom feeds of searches, so a researcher can follow a topic, department or member.

`/search.atom` takes the same parameters as `/search` and lists the newest 50
answers, newest first. The XML is built with ElementTree, which escapes every
text and attribute; characters XML cannot carry at all are dropped first. Ids are
`tag:` URIs built from the question id and the search's parameters, so they stay
the same whatever host or port serves the feed.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, request, url_for

from indexer.export import newest_answers
from indexer.records import Answer
from indexer.search import FILTER_FIELDS
from indexer.serialize import answer_summary

from .params import DATE_PARAMS, search_request_from_args
from .views import search_index

bp = Blueprint("feeds", __name__)
ATOM_NS = "http://www.w3.org/2005/Atom"
TAG_PREFIX = "tag:wrans,2024:"
# The parameters that decide which answers a search finds (not their order or page).
_IDENTITY = ("q", *FILTER_FIELDS, *DATE_PARAMS, "attachments")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@bp.get("/search.atom")
def search_atom():
    search_request = search_request_from_args(request.args)
    answers = list(newest_answers(search_index(), search_request).answers)
    args = _identity_args()
    feed = atom_feed(
        answers,
        title=feed_title(args),
        feed_id=TAG_PREFIX + "search" + ("?" + urlencode(args) if args else ""),
        self_url=url_for("feeds.search_atom", **_multi(args), _external=True),
        html_url=url_for("views.search", **_multi(args), _external=True),
        answer_url=lambda a: url_for("views.answer", question_id=a.id, _external=True),
    )
    return Response(feed, mimetype="application/atom+xml")


def atom_feed(answers: list[Answer], *, title: str, feed_id: str, self_url: str,
              html_url: str, answer_url) -> bytes:
    """Return an Atom 1.0 document listing `answers` in the order given."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(_q("feed"))
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    updated = max(filter(None, map(entry_updated, answers)), default=None)
    _text(feed, "updated", rfc3339(updated or dt.datetime.now(dt.UTC)))
    _link(feed, self_url, "self", "application/atom+xml")
    _link(feed, html_url, "alternate", "text/html")
    author = ET.SubElement(feed, _q("author"))
    _text(author, "name", "wrans")
    _text(feed, "generator", "wrans")
    _text(feed, "rights", "Contains Parliamentary information licensed under the "
                          "Open Parliament Licence v3.0.")
    for answer in answers:
        feed.append(atom_entry(answer, answer_url(answer)))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def atom_entry(answer: Answer, page_url: str) -> ET.Element:
    """One entry: heading, the answer's opening, the answer page and the official page."""
    entry = ET.Element(_q("entry"))
    _text(entry, "id", f"{TAG_PREFIX}answer/{answer.id}")
    _text(entry, "title", answer.display_heading)
    _text(entry, "updated", rfc3339(entry_updated(answer) or dt.datetime.now(dt.UTC)))
    if answer.date_answered:
        _text(entry, "published", rfc3339(_midnight(answer.date_answered)))
    who = answer.answering_member.name if answer.answering_member else answer.department
    if who:
        _text(ET.SubElement(entry, _q("author")), "name", who)
    _link(entry, page_url, "alternate", "text/html")
    if answer.official_url:
        _link(entry, answer.official_url, "related", "text/html", "UK Parliament website")
    if answer.department:
        ET.SubElement(entry, _q("category"), term=_clean(answer.department))
    summary = _text(entry, "summary", answer_summary(answer))
    summary.set("type", "text")
    return entry


def entry_updated(answer: Answer) -> dt.datetime | None:
    """When the answer last changed: corrected, else answered, else tabled."""
    day = answer.date_corrected or answer.date_answered or answer.date_tabled
    return _midnight(day) if day else None


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_title(args: list[tuple[str, str]]) -> str:
    """Say what the feed follows: "wrans: tax (dept: HM Treasury)"."""
    words = [value for key, value in args if key == "q"]
    filters = [f"{key}: {value}" for key, value in args if key != "q"]
    title = "wrans: " + (" ".join(words) or "all answers")
    return title + (f" ({', '.join(filters)})" if filters else "")


def _identity_args() -> list[tuple[str, str]]:
    """The search's parameters that decide its answers, sorted so equal searches match."""
    return sorted((key, value.strip()) for key, values in request.args.lists()
                  for value in values if key in _IDENTITY and value.strip())


def _multi(args: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in args:
        grouped.setdefault(key, []).append(value)
    return grouped


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _q(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, _q(tag))
    element.text = _clean(text)
    return element


def _link(parent: ET.Element, href: str, rel: str, mime: str, title: str | None = None) -> None:
    attrs = {"href": _clean(href), "rel": rel, "type": mime}
    if title:
        attrs["title"] = title
    ET.SubElement(parent, _q("link"), attrs)
