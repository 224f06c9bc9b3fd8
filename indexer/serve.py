"""Production serving: gunicorn with sync workers over the Flask app.

Sync workers because Whoosh's search time limit uses SIGALRM, which works only on
a process's main thread, and searchers must not be shared between threads
(DESIGN.md). Workers are recycled to release memory and deleted segment files.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

MAX_REQUESTS = 500
MAX_REQUESTS_JITTER = 50
WORKER_TIMEOUT = 30


class _WransApplication(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from webapp import create_app

        return create_app()


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
