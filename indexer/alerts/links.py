"""The absolute links an alert email carries, each under WRANS_SITE_URL, tokens signed.

The paths are the web app's (`webapp/alerts.py` serves them); a mail is read
far from the request that caused it, so every link is absolute.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from .tokens import Tokens

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def plain_http_warning(site_url: str) -> str | None:
    """Why `site_url` is wrong for mail sent to people, or None.

    RFC 8058's one-click unsubscribe is an HTTPS URL; mail clients ignore others.
    A local address (tests, `make run`) is left alone.
    """
    parts = urlsplit(site_url)
    if parts.scheme == "https" or parts.hostname in LOCAL_HOSTS:
        return None
    return (f"WRANS_SITE_URL is {site_url}: mail clients offer one-click unsubscribe only for an "
            "https address; set it to the site's public https URL")


class Links:
    def __init__(self, site_url: str, tokens: Tokens):
        self.site_url = site_url.rstrip("/")
        self.tokens = tokens

    def url(self, path: str) -> str:
        return self.site_url + path

    def answer(self, question_id: int) -> str:
        return self.url(f"/answers/{int(question_id)}")

    def search(self, url_query: str) -> str:
        return self.url(f"/search?{url_query}" if url_query else "/search")

    def confirm(self, alert_id: int, email: str) -> str:
        return self._tokened("confirm", [alert_id, email])

    def manage(self, email: str) -> str:
        return self._tokened("manage", email)

    def unsubscribe(self, email: str, alert_ids: list[int]) -> str:
        return self._tokened("unsubscribe", [email, sorted(alert_ids)])

    def _tokened(self, purpose: str, payload) -> str:
        return self.url(f"/alerts/{purpose}/{quote(self.tokens.make(purpose, payload))}")
