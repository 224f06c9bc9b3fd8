"""Every setting of wrans in one table: name, default, environment variable, meaning.

Settings are read from the environment each time `load_settings()` is called, so
tests and commands can point wrans at other directories without touching code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import BadSetting

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "WRANS_DATA_DIR", str(REPO_ROOT / "scraped"),
            "Raw API records, one JSON file per question id (the source of truth)."),
    Setting("index_dir", "WRANS_INDEX_DIR", str(REPO_ROOT / "var" / "index"),
            "The Whoosh index; rebuilt from the data dir at any time."),
    Setting("state_dir", "WRANS_STATE_DIR", str(REPO_ROOT / "var" / "state"),
            "Run state: last successful update, scrape progress, the run lock."),
    Setting("api_url", "WRANS_API_URL", "https://questions-statements-api.parliament.uk",
            "Base URL of the Written Questions API."),
    Setting("user_agent", "WRANS_USER_AGENT",
            "wrans/0.1 (+https://github.com/wrans/wrans; search over written answers)",
            "User-Agent sent to the API: say who you are and how to reach you."),
    Setting("requests_per_second", "WRANS_REQUESTS_PER_SECOND", "2",
            "Upper bound on the request rate to the API."),
    Setting("connect_timeout", "WRANS_CONNECT_TIMEOUT", "10",
            "Seconds to wait for a TCP connection to the API."),
    Setting("read_timeout", "WRANS_READ_TIMEOUT", "60",
            "Seconds to wait for the API to send a response."),
    Setting("max_tries", "WRANS_MAX_TRIES", "6",
            "Attempts per API request before giving up (retries back off exponentially)."),
    Setting("retry_backoff", "WRANS_RETRY_BACKOFF", "2",
            "Seconds the first retry waits at most; each later one up to twice as long (full jitter)."),
    Setting("page_size", "WRANS_PAGE_SIZE", "100",
            "Questions per list request (the API's `take`)."),
    Setting("update_lookback_days", "WRANS_UPDATE_LOOKBACK_DAYS", "3",
            "`wrans update` re-fetches this many days before the last successful update."),
    Setting("update_first_date", "WRANS_UPDATE_FIRST_DATE", "2014-05-01",
            "Where the first `wrans update` starts when no previous run is recorded."),
    Setting("update_open_days", "WRANS_UPDATE_OPEN_DAYS", "60",
            "Questions awaiting an answer for longer than this many days (since tabling) "
            "are re-checked once a week instead of on every `wrans update`."),
    Setting("index_procs", "WRANS_INDEX_PROCS", "0",
            "Processes a full rebuild writes with (0: one per core); a segment per run of records."),
    Setting("search_time_limit", "WRANS_SEARCH_TIME_LIMIT", "2.0",
            "Seconds one search may run before it is stopped with a message."),
    Setting("max_concurrent_searches", "WRANS_MAX_CONCURRENT_SEARCHES", "4",
            "Searches one web process runs at once; more get a 503 with Retry-After."),
    Setting("search_queue_seconds", "WRANS_SEARCH_QUEUE_SECONDS", "1.0",
            "Seconds a request waits for a free search slot before that 503."),
    Setting("host", "WRANS_HOST", "127.0.0.1", "Address `wrans serve` listens on."),
    Setting("port", "PORT", "5000", "Port `wrans serve` and `make run` listen on."),
    Setting("smtp_host", "WRANS_SMTP_HOST", "",
            "SMTP server email alerts are sent through; unset: no alert forms, no mail."),
    Setting("smtp_port", "WRANS_SMTP_PORT", "587", "Port of the SMTP server."),
    Setting("smtp_user", "WRANS_SMTP_USER", "",
            "User name to log in to the SMTP server with (unset: no login)."),
    Setting("smtp_password", "WRANS_SMTP_PASSWORD", "", "Password for WRANS_SMTP_USER."),
    Setting("smtp_starttls", "WRANS_SMTP_STARTTLS", "1",
            "1: switch the SMTP connection to TLS with STARTTLS before logging in; 0: plain."),
    Setting("mail_from", "WRANS_MAIL_FROM", "",
            "From address of alert emails (default alerts@ the host of WRANS_SITE_URL)."),
    Setting("site_url", "WRANS_SITE_URL", "http://127.0.0.1:5000",
            "The site's public base URL, used in every link in an email."),
    Setting("alerts_after_update", "WRANS_ALERTS_AFTER_UPDATE", "",
            "1: `wrans update` sends the alerts at its end; 0: it does not (default 1 when "
            "WRANS_SMTP_HOST is set)."),
    Setting("alerts_db", "WRANS_ALERTS_DB", str(REPO_ROOT / "var" / "alerts.sqlite3"),
            "SQLite database of email alert subscriptions (back it up by copying, see the README)."),
    Setting("secret_key", "WRANS_SECRET_KEY", "",
            "Secret that signs alert links and form tokens; unset: one is generated into "
            "secret_key beside WRANS_ALERTS_DB."),
)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    index_dir: Path
    state_dir: Path
    api_url: str
    user_agent: str
    requests_per_second: float
    connect_timeout: float
    read_timeout: float
    max_tries: int
    retry_backoff: float
    page_size: int
    update_lookback_days: int
    update_first_date: str
    update_open_days: int
    index_procs: int
    search_time_limit: float
    max_concurrent_searches: int
    search_queue_seconds: float
    host: str
    port: int
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: str
    mail_from: str
    site_url: str
    alerts_after_update: str
    alerts_db: Path
    secret_key: str

    @property
    def mail_configured(self) -> bool:
        return bool(self.smtp_host.strip())

    @property
    def sends_after_update(self) -> bool:
        """`wrans update` sends alerts at its end: WRANS_ALERTS_AFTER_UPDATE, default on with SMTP."""
        flag = self.alerts_after_update.strip()
        return self.mail_configured and (flag or "1") not in ("0", "no", "false", "off")


def load_settings(**overrides) -> Settings:
    """Read every setting from the environment, falling back to its default.

    Raises BadSetting naming the variable when a value is not of its type.
    """
    types = {f.name: f.type for f in fields(Settings)}
    values = {}
    for setting in SETTINGS:
        raw = overrides.get(setting.name, os.environ.get(setting.env) or setting.default)
        try:
            values[setting.name] = _convert(types[setting.name], raw)
        except ValueError:
            kind = {"int": "a whole number", "float": "a number"}[types[setting.name]]
            raise BadSetting(f"{setting.env} must be {kind}, not {raw!r}") from None
    return Settings(**values)


def _convert(type_name, raw):
    if isinstance(raw, str) is False:
        return raw
    return {"Path": Path, "float": float, "int": int}.get(type_name, str)(raw)
