"""The secret, and the signed tokens alert links and forms carry (itsdangerous).

Each kind of token has its own salt, so a token made for one purpose is refused
by every other; signatures are compared in constant time by itsdangerous.
Confirmation links and form tokens expire; unsubscribe and manage links, which
live in old emails, do not (they only ever let their address remove alerts).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM_SECONDS = 7 * 86400
FORM_SECONDS = 7 * 86400  # a results page kept open (or cached) for a week still subscribes
SECRET_FILE = "secret_key"


class BadToken(Exception):
    """A token that is forged, damaged, for another purpose, or (`expired`) too old."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def secret_key(settings) -> str:
    """WRANS_SECRET_KEY, else the key kept beside the alerts database (generated once)."""
    if settings.secret_key.strip():
        return settings.secret_key.strip()
    return stored_secret(Path(settings.alerts_db).parent / SECRET_FILE)


def stored_secret(path: Path) -> str:
    """Read the key in `path`, creating it first if there is none (race-free: link, not overwrite)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(tmp, path)  # fails if another process made one first: use theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="utf-8").strip()


class Tokens:
    """Makes and reads every token, signed with one secret."""

    def __init__(self, secret: str):
        self._secret = secret.encode()
        self._serializer = URLSafeTimedSerializer(secret, salt="wrans-alerts")

    def make(self, purpose: str, payload) -> str:
        return self._serializer.dumps(payload, salt=f"wrans-alerts-{purpose}")

    def read(self, purpose: str, token: str, max_age: int | None = None):
        """The payload of `token`; raise BadToken if it is not one of ours for `purpose`."""
        try:
            return self._serializer.loads(token, salt=f"wrans-alerts-{purpose}", max_age=max_age)
        except SignatureExpired:
            raise BadToken(expired=True) from None
        except (BadSignature, UnicodeError, ValueError):
            raise BadToken() from None

    def keyed_hash(self, text: str) -> str:
        """A hash of `text` only this secret can make: rate limits count addresses without storing them."""
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()
