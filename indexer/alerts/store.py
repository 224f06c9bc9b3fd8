"""The alerts database: subscriptions and rate-limit events, in SQLite (WAL mode).

An address is stored only in its alerts' rows, so deleting an address's last
alert forgets it; rate-limit events keep a keyed hash of it, never the address.
Times are whole microseconds since the epoch, UTC. The schema is created and
migrated here, by `PRAGMA user_version`; a copy made with `sqlite3 DB ".backup
FILE"` (or of the file while nothing writes) is a complete backup.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

PENDING_DAYS = 7  # an unconfirmed alert is deleted when its confirmation link has expired
DAY_US = 86_400_000_000

# Migration n brings a database from user_version n to n+1; append, never edit.
MIGRATIONS = (
    """
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        email TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('search', 'question')),
        target TEXT NOT NULL,
        label TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        confirmed_us INTEGER,
        watermark_us INTEGER
    );
    CREATE UNIQUE INDEX alerts_by_target ON alerts (email, kind, target);
    CREATE TABLE events (kind TEXT NOT NULL, key TEXT NOT NULL, at_us INTEGER NOT NULL);
    CREATE INDEX events_by_key ON events (kind, key, at_us);
    """,
)


@dataclass(frozen=True)
class Alert:
    id: int
    email: str
    kind: str  # "search" or "question"
    target: str  # a search as JSON (targets.py) or a question id
    label: str
    created_us: int
    confirmed_us: int | None
    watermark_us: int | None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_us is not None


def now_us() -> int:
    return time.time_ns() // 1000


@contextmanager
def open_db(path: Path) -> Iterator[sqlite3.Connection]:
    """Open the database, creating and migrating it; write in `transaction` blocks."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as db:
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")  # a watermark committed is on disk: no resend after a crash
        _migrate(db)
        yield db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Commit the block's writes together, or none of them."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """Open the database for one transaction (what a web request does)."""
    with open_db(path) as db, transaction(db):
        yield db


def _migrate(db: sqlite3.Connection) -> None:
    """Apply the migrations this database lacks, each in its own transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version):
        db.execute("BEGIN IMMEDIATE")
        if db.execute("PRAGMA user_version").fetchone()[0] != number:  # another process did it
            db.execute("ROLLBACK")
            continue
        for statement in filter(str.strip, script.split(";")):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {number + 1}")
        db.execute("COMMIT")


def add_pending(db, email: str, kind: str, target: str, label: str) -> Alert:
    """Record an unconfirmed alert, or return the one this address already has for `target`."""
    db.execute("INSERT OR IGNORE INTO alerts (email, kind, target, label, created_us) VALUES (?, ?, ?, ?, ?)",
               (email, kind, target, label, now_us()))
    row = db.execute("SELECT * FROM alerts WHERE email = ? AND kind = ? AND target = ?",
                     (email, kind, target)).fetchone()
    return Alert(**row)


def get_alert(db, alert_id: int) -> Alert | None:
    row = db.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return Alert(**row) if row else None


def confirm(db, alert_id: int) -> None:
    """Confirm an alert once; it watches changes from now on (confirming again changes nothing)."""
    now = now_us()
    db.execute("UPDATE alerts SET confirmed_us = ?, watermark_us = ? WHERE id = ? AND confirmed_us IS NULL",
               (now, now, alert_id))


def alerts_of(db, email: str) -> list[Alert]:
    rows = db.execute("SELECT * FROM alerts WHERE email = ? AND confirmed_us IS NOT NULL ORDER BY id",
                      (email,))
    return [Alert(**row) for row in rows]


def confirmed_by_address(db) -> dict[str, list[Alert]]:
    """Every confirmed alert, grouped by address (each address's digest)."""
    grouped: dict[str, list[Alert]] = {}
    for row in db.execute("SELECT * FROM alerts WHERE confirmed_us IS NOT NULL ORDER BY email, id"):
        grouped.setdefault(row["email"], []).append(Alert(**row))
    return grouped


def move_watermarks(db, alert_ids: list[int], watermark_us: int) -> None:
    """Mark these alerts sent up to `watermark_us` (never backwards)."""
    db.executemany("UPDATE alerts SET watermark_us = max(coalesce(watermark_us, 0), ?) WHERE id = ?",
                   [(watermark_us, i) for i in alert_ids])


def delete_alerts(db, email: str, alert_ids: list[int] | None = None) -> int:
    """Delete some of an address's alerts (None: all of them, which forgets the address)."""
    if alert_ids is None:
        return db.execute("DELETE FROM alerts WHERE email = ?", (email,)).rowcount
    return sum(db.execute("DELETE FROM alerts WHERE email = ? AND id = ?", (email, i)).rowcount
               for i in alert_ids)


def prune(db) -> None:
    """Drop unconfirmed alerts whose link has expired, and rate-limit events over a day old."""
    now = now_us()
    db.execute("DELETE FROM alerts WHERE confirmed_us IS NULL AND created_us < ?",
               (now - PENDING_DAYS * DAY_US,))
    db.execute("DELETE FROM events WHERE at_us < ?", (now - DAY_US,))


def count_events(db, kind: str, key: str, within_us: int) -> int:
    return db.execute("SELECT count(*) FROM events WHERE kind = ? AND key = ? AND at_us >= ?",
                      (kind, key, now_us() - within_us)).fetchone()[0]


def add_event(db, kind: str, key: str) -> None:
    db.execute("INSERT INTO events (kind, key, at_us) VALUES (?, ?, ?)", (kind, key, now_us()))
