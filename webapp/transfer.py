"""How responses travel: compressed when the client accepts it, and revalidated cheaply.

Compression is Flask-Compress: brotli or gzip for HTML, JSON, CSV, Atom, CSS and
JavaScript of 500 bytes or more, with `Vary: Accept-Encoding`. Streamed bodies
(the CSV and JSON downloads) are gzip only, compressed chunk by chunk
as they stream: brotli's streaming encoder holds its output until the end, which
would buffer a 10,000-row download whole. Images and other compressed types are
sent as they are.

Pages and data twins carry a weak `ETag` and a `Last-Modified` made from what
their bytes depend on: the index (generation, last update, document count), the
app's code, templates and assets (hashed once at start), the day (download names
and date-relative states change at midnight) and the full URL. A request whose
`If-None-Match` (or, without one, `If-Modified-Since`) still holds is answered
`304 Not Modified` before the view runs, so no search is done for it. Weak, since
the compressed and plain forms share one tag (RFC 9110 8.8.1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, g, request
from flask_compress import Compress

from indexer.errors import WransError

# The endpoints whose body is fixed by the validators' inputs (and only their 200s).
VALIDATED_ENDPOINTS = frozenset({
    "views.home", "views.search", "views.answer", "api.api_search", "api.api_answer",
    "api.api_openapi", "api.search_csv", "api.search_json", "feeds.search_atom",
})
COMPRESSED_TYPES = ("text/html", "text/css", "text/csv", "text/javascript", "application/javascript",
                    "application/json", "application/atom+xml", "image/svg+xml")
PACKAGES = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "indexer")
SOURCE_SUFFIXES = {".py", ".html", ".css", ".js", ".svg"}


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: dt.datetime


def register(app) -> None:
    """Compress responses and answer revalidations of pages and data twins with 304."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSED_TYPES))
    Compress(app)
    app.extensions["wrans_code_version"] = code_version(PACKAGES)
    app.before_request(answer_not_modified)
    app.after_request(add_validators)


def code_version(folders) -> tuple[str, dt.datetime]:
    """A hash of the app's source, templates and assets, and when the newest of them changed."""
    digest, newest = hashlib.sha256(), 0.0
    for path in sorted(p for folder in folders for p in folder.rglob("*")
                       if p.suffix in SOURCE_SUFFIXES and p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        newest = max(newest, path.stat().st_mtime)
    return digest.hexdigest()[:16], dt.datetime.fromtimestamp(int(newest), dt.UTC)


def validators_for_request() -> Validators | None:
    """The ETag and Last-Modified this request's 200 would carry; None when there is no index."""
    try:
        stats = current_app.extensions["wrans_index"].stats()
    except WransError:  # no usable index: the view answers 503, never cached
        return None
    version, code_changed = current_app.extensions["wrans_code_version"]
    today = dt.datetime.now(dt.UTC).date()
    parts = (version, stats["index_generation"], stats["last_update"], stats["documents"],
             today.isoformat(), request.url)
    etag = hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()[:24]
    midnight = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    return Validators(etag, max(_moment(stats["last_update"]), code_changed, midnight))


def answer_not_modified() -> Response | None:
    """Answer 304 when the client's copy is still current, before any search runs."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in VALIDATED_ENDPOINTS:
        return None
    g.validators = validators = validators_for_request()
    if validators is None or not _still_current(validators):
        return None
    return _with_validators(Response(status=304), validators)


def add_validators(response: Response) -> Response:
    validators = g.pop("validators", None)
    if validators is not None and response.status_code == 200:
        _with_validators(response, validators)
    return response


def _still_current(validators: Validators) -> bool:
    if request.if_none_match:  # when both are sent, If-None-Match decides (RFC 9110 13.2.2)
        return request.if_none_match.contains_weak(validators.etag)
    since = request.if_modified_since
    return since is not None and validators.last_modified <= since


def _with_validators(response: Response, validators: Validators) -> Response:
    response.set_etag(validators.etag, weak=True)
    response.last_modified = validators.last_modified
    response.cache_control.no_cache = True  # keep it, but ask each time: the index changes
    return response


def _moment(iso: str | None) -> dt.datetime:
    """An ISO time from the index state, to the second, in UTC (the epoch when absent)."""
    try:
        moment = dt.datetime.fromisoformat(iso) if iso else dt.datetime.fromtimestamp(0, dt.UTC)
    except ValueError:
        moment = dt.datetime.fromtimestamp(0, dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)
