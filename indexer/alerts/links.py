"""The absolute links an alert email carries, each under WRANS_SITE_URL, tokens signed.

The paths are the web app's (`webapp/alerts.py` serves them); a mail is read
far from the request that caused it, so every link is absolute.
"""

from __future__ import annotations

from urllib.parse import quote

from .tokens import Tokens


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
