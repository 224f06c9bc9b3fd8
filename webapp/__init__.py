"""The wrans web app: search pages, answer pages and their data twins.

The app only calls `indexer.search` and renders the plain objects it returns; it
never talks to the API and never touches Whoosh objects.
"""

from __future__ import annotations

from flask import Flask

from indexer.export import MAX_EXPORT_ROWS
from indexer.search import SearchIndex
from indexer.settings import load_settings


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then WRANS_* environment variables, then `test_config`."""
    app = Flask(__name__)
    settings = load_settings()
    app.config.from_mapping(
        INDEX_DIR=str(settings.index_dir),
        SEARCH_TIME_LIMIT=settings.search_time_limit,
        MAX_CONCURRENT_SEARCHES=settings.max_concurrent_searches,
        SEARCH_QUEUE_SECONDS=settings.search_queue_seconds,
        SEND_FILE_MAX_AGE_DEFAULT=86400,
        JSON_SORT_KEYS=False,
        EXPORT_MAX_ROWS=MAX_EXPORT_ROWS,
    )
    app.config.from_prefixed_env("WRANS")
    if test_config:
        app.config.from_mapping(test_config)
    app.extensions["wrans_index"] = SearchIndex(
        app.config["INDEX_DIR"], float(app.config["SEARCH_TIME_LIMIT"])
    )

    if settings.mail_configured:  # without SMTP there are no alert forms (alerts.py answers 404)
        from .alerts import Alerts

        app.extensions["wrans_alerts"] = Alerts.from_settings(settings)

    from . import (
        alerts,
        alternates,
        api,
        assets,
        errors,
        feeds,
        overload,
        people,
        security,
        timeliness,
        transfer,
        views,
    )

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(timeliness.bp)
    app.register_blueprint(people.bp)
    alerts.register(app)
    alternates.register(app)
    errors.register(app)
    transfer.register(app)  # before overload: a 304 takes no search slot
    overload.register(app)
    security.register(app)
    assets.register(app)
    views.register_template_helpers(app)
    return app
