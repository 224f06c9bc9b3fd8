"""Client for the Written Questions API: one polite session, bounded retries, raw dicts out.

Everything about talking HTTP lives here: the User-Agent, (connect, read)
timeouts, the rate limit, retries with exponential backoff and full jitter, and
`Retry-After`. A request is retried on connection errors, timeouts, 429, 5xx
and on a body that is not the JSON expected (an HTML page sent with status 200,
truncated JSON, a missing `results` or `value`), so nothing malformed ever
reaches the store. After `max_tries` attempts it raises `ApiError` naming the
URL and what was being fetched. A 404 on a detail raises `NotFound` at once.

Fetching (`_send`) and checking payloads (`payload_from_body` and the
`check_*` functions, which are pure) never share a function.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import requests

from .errors import ApiError, NotFound
from .settings import Settings

log = logging.getLogger("wrans.api")

QUESTIONS_PATH = "/api/writtenquestions/questions"
MAX_BACKOFF_SECONDS = 300.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))


class Retryable(Exception):
    """One attempt failed in a way another attempt may fix; carries an optional server wait."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class RateLimiter:
    """Space request starts at least 1/rate seconds apart (rate <= 0: unlimited)."""

    def __init__(self, per_second: float, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_start = 0.0

    def wait(self) -> None:
        now = self.clock()
        if now < self.next_start:
            self.sleep(self.next_start - now)
            now = self.next_start
        self.next_start = now + self.interval


class ApiClient:
    """The API over one `requests.Session`; counts every HTTP attempt in `requests`."""

    def __init__(self, settings: Settings):
        self.base_url = settings.api_url.rstrip("/")
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        self.max_tries = max(1, settings.max_tries)
        self.backoff = settings.retry_backoff
        self.page_size = settings.page_size
        self.limiter = RateLimiter(settings.requests_per_second)
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": settings.user_agent, "Accept": "application/json"})
        self.requests = 0

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def list_page(self, params: dict, skip: int, what: str) -> dict:
        """Fetch one page of the list endpoint: `{"totalResults": N, "results": [...]}`."""
        query = {**params, "skip": skip, "take": self.page_size}
        return self._get(QUESTIONS_PATH, query, what, check_list_page)

    def iter_list(self, params: dict, what: str, first: dict | None = None) -> Iterator[dict]:
        """Yield every list item matching `params`, paging with skip/take until totalResults."""
        page = first if first is not None else self.list_page(params, 0, what)
        skip = 0
        while True:
            yield from page["results"]
            skip += len(page["results"])
            if not page["results"] or skip >= page["totalResults"]:
                return
            page = self.list_page(params, skip, what)

    def question(self, question_id: int) -> dict:
        """Fetch the full record of one question (`{"value": {...}, "links": [...]}`)."""
        path = f"{QUESTIONS_PATH}/{int(question_id)}"
        return self._get(path, {"expandMember": "true"}, f"question {question_id}",
                         lambda payload: check_detail(payload, question_id))

    def _get(self, path: str, params: dict, what: str, check: Callable[[object], dict]) -> dict:
        """GET with bounded retries; return the checked payload or raise ApiError/NotFound."""
        url = f"{self.base_url}{path}?{urlencode(params)}"
        for attempt in range(1, self.max_tries + 1):
            try:
                return check(payload_from_body(self._send(url, what)))
            except Retryable as exc:
                if attempt == self.max_tries:
                    raise ApiError(f"GET {url} ({what}) failed after {attempt} tries: {exc}") from None
                delay = self._delay(attempt, exc.retry_after)
                log.warning("%s: %s; retry %d/%d in %.1fs (%s)", what, exc, attempt,
                            self.max_tries - 1, delay, url)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _send(self, url: str, what: str) -> bytes:
        """Make one HTTP attempt and return the body of a 200 response."""
        self.limiter.wait()
        self.requests += 1
        try:
            response = self.session.get(url, timeout=self.timeout)
            body = response.content
        except requests.Timeout as exc:
            raise Retryable(f"timed out ({type(exc).__name__})") from None
        except requests.RequestException as exc:
            raise Retryable(f"connection failed ({type(exc).__name__})") from None
        if response.status_code == 200:
            return body
        if response.status_code == 404:
            raise NotFound(f"GET {url} ({what}): 404 not found")
        if response.status_code in RETRY_STATUSES:
            wait = seconds_from_retry_after(response.headers.get("Retry-After"))
            raise Retryable(f"HTTP {response.status_code}", wait)
        raise ApiError(f"GET {url} ({what}): HTTP {response.status_code}: {body[:200]!r}")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with full jitter, or the server's Retry-After when longer."""
        ceiling = min(MAX_BACKOFF_SECONDS, self.backoff * 2 ** (attempt - 1))
        delay = random.uniform(0, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_BACKOFF_SECONDS))
        return delay


def seconds_from_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Read a Retry-After header (seconds or an HTTP date) as seconds to wait."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def payload_from_body(body: bytes) -> object:
    """Parse a response body as JSON; anything else (HTML, truncated JSON) is retryable.

    Bytes go straight to `json.loads`, which detects UTF-8/16/32 as JSON allows,
    rather than through requests' charset guessing.
    """
    try:
        return json.loads(body)
    except ValueError:
        start = body.lstrip()[:60]
        raise Retryable(f"response is not JSON: {start!r}") from None


def check_list_page(payload: object) -> dict:
    """Return a list page whose shape we rely on, or raise Retryable."""
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise Retryable("list response has no `results` list")
    if not isinstance(payload.get("totalResults"), int):
        raise Retryable("list response has no integer `totalResults`")
    for item in payload["results"]:
        if not _has_value_id(item):
            raise Retryable("list item without `value.id`")
    return payload


def check_detail(payload: object, question_id: int) -> dict:
    """Return a detail record for `question_id`, or raise Retryable."""
    if not _has_value_id(payload):
        raise Retryable("detail response has no `value` with an `id`")
    if payload["value"]["id"] != int(question_id):
        raise Retryable(f"detail response is for id {payload['value']['id']}, not {question_id}")
    return payload


def _has_value_id(item: object) -> bool:
    value = item.get("value") if isinstance(item, dict) else None
    return isinstance(value, dict) and isinstance(value.get("id"), int) and not isinstance(
        value.get("id"), bool)
