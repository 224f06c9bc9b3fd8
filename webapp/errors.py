"""One error handler: a WransError becomes its status, as a page or as JSON."""

from __future__ import annotations

import logging

from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.damage import corrupt_index_error
from indexer.errors import IndexError_, WransError

log = logging.getLogger(__name__)


def register(app) -> None:
    app.register_error_handler(WransError, _wrans_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _respond(status: int, title: str, message: str, headers: dict | None = None):
    if _wants_json():
        body = jsonify({"error": {"status": status, "title": title, "message": message}})
    else:
        body = render_template("error.html", status=status, title=title, message=message)
    return body, status, headers or {}


def _wrans_error(exc: WransError):
    status = exc.status
    if isinstance(exc, IndexError_):
        log.error("index unavailable: %s", exc)
        return _respond(status, "Search is unavailable", str(exc))
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:  # busy now, not broken: say when to come back
        log.warning("search refused under load on %s: %s", request.path, exc)
        return _respond(status, "Search is busy", str(exc), {"Retry-After": str(retry_after)})
    return _respond(status, "We could not run that search", str(exc))


def _http_error(exc: HTTPException):
    titles = {404: "Page not found"}
    message = exc.description if exc.code != 404 else "There is no page at this address."
    # Keep the exception's own headers (a 405's Allow, RFC 9110) but not its HTML content type.
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    return _respond(exc.code or 500, titles.get(exc.code, exc.name), message, headers)


def _unexpected(exc: Exception):
    corrupt = corrupt_index_error(exc, current_app.config["INDEX_DIR"])
    if corrupt is not None:  # damaged index files, found only when a query read them
        log.error("index unreadable on %s", request.path, exc_info=exc)
        return _wrans_error(corrupt)
    log.exception("unexpected error on %s", request.path)
    return _respond(500, "Something went wrong", "An unexpected error occurred; it has been logged.")
