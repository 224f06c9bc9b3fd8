"""Production serving: gunicorn with sync workers over the Flask app.

Sync workers because Whoosh's search time limit uses SIGALRM, which works only on
a process's main thread, and searchers must not be shared between threads
(DESIGN.md). Each worker reads the index's tables before it takes requests, and
is recycled after many requests to release any memory it has gathered.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

# Recycling guards against slow leaks; a fresh worker re-reads the index's tables
# (seconds at a million answers) and starts with an empty result cache, so rarely.
MAX_REQUESTS = 10_000
MAX_REQUESTS_JITTER = 1_000
WORKER_TIMEOUT = 30


class _WransApplication(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """The app, warmed before the worker takes its first request (not if the index is missing)."""
        from indexer.errors import IndexError_
        from webapp import create_app

        app = create_app()
        try:
            app.extensions["wrans_index"].warm()
        except IndexError_ as exc:  # no index yet, or a damaged one: the pages say so per request
            app.logger.warning("not warmed: %s", exc)
        return app


def run_gunicorn(host: str, port: int, workers: int) -> int:
    """Serve until stopped; each worker builds its own app and searcher after the fork."""
    _WransApplication({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS_JITTER,
        "timeout": WORKER_TIMEOUT,
        "accesslog": "-",
        "errorlog": "-",
    }).run()
    return 0
