"""Static assets: their URLs name a hash of their content, so browsers may keep them a year.

`url_for("static", filename="wrans.css")` gives `/static/wrans.<hash>.css`, `<hash>`
being the first 12 hex digits of the SHA-256 of the file. A request for the current
hash is answered with a year's immutable cache lifetime; a changed file gets a new
URL, so nothing stale is ever kept. A stale hash (a page cached across a deploy)
still gets the current file, with Flask's SEND_FILE_MAX_AGE_DEFAULT, and so do the
plain name (`/static/wrans.css`) and the older `?v=<hash>` form, which, like the
hashed name, is immutable when its hash is current. Files are read whole (they are
a few KB), so they are compressed like pages.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import request

ONE_YEAR = 365 * 24 * 3600
HASH_CHARS = 12
_HASHED = re.compile(rf"(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_CHARS}}})(?P<ext>\.[A-Za-z0-9]+)")


def register(app) -> None:
    static_dir = Path(app.static_folder).resolve()

    @lru_cache(maxsize=64)
    def version_of(filename: str) -> str | None:
        path = (static_dir / filename).resolve()
        if not path.is_file() or static_dir not in path.parents:
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_CHARS]

    def served_file(filename: str) -> tuple[str, bool]:
        """The file a static URL names, and whether the URL's hash is its current one."""
        if version_of(filename):
            return filename, request.args.get("v") == version_of(filename)
        hashed = _HASHED.fullmatch(filename)
        if hashed and version_of(hashed["stem"] + hashed["ext"]):
            plain = hashed["stem"] + hashed["ext"]
            return plain, hashed["hash"] == version_of(plain)
        return filename, False  # no such file: send_static_file answers 404

    @app.url_defaults
    def name_the_version(endpoint, values):
        filename = values.get("filename", "")
        version = version_of(filename) if endpoint == "static" and "v" not in values else None
        stem, dot, ext = filename.rpartition(".")
        if version and dot and stem and "/" not in ext:
            values["filename"] = f"{stem}.{version}.{ext}"

    def static(filename: str):
        name, current = served_file(filename)
        response = app.send_static_file(name)
        # Read the (small) file now: compressing a file stream would leave the file open.
        response.direct_passthrough = False
        response.make_sequence()
        if current and response.status_code == 200:
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.public = True
            response.cache_control.immutable = True
        return response

    app.view_functions["static"] = static
