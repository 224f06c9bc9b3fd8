"""Static assets: URLs carry a content hash, so browsers may keep them for a year.

`url_for("static", filename=...)` gains `?v=<hash of the file>`; a request whose `v`
matches the file's current hash is answered with a long, immutable cache lifetime.
Any other static request keeps Flask's SEND_FILE_MAX_AGE_DEFAULT.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import request

ONE_YEAR = 365 * 24 * 3600


def register(app) -> None:
    static_dir = Path(app.static_folder)

    @lru_cache(maxsize=64)
    def version_of(filename: str) -> str | None:
        path = static_dir / filename
        if not path.is_file():
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]

    @app.url_defaults
    def add_version(endpoint, values):
        if endpoint == "static" and "v" not in values:
            version = version_of(values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def cache_versioned(response):
        if (request.endpoint == "static" and response.status_code == 200
                and request.args.get("v") == version_of(request.view_args.get("filename", ""))):
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.public = True
            response.cache_control.immutable = True
        return response
