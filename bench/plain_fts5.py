"""A plain SQLite FTS5 search box: the reference a person choosing a search tool compares with.

One FTS5 table holding its own text (heading, question, answer; porter +
unicode61) with the department and answer date beside it as unindexed columns,
as a search box is usually built. A query returns the top page ranked by bm25
(heading x2, question x1.2, as wrans and `bench.fts5` weigh them) or by date,
with `snippet()` for that page only: no total, no facets. `bench.fts5` is the
faceted baseline that also counts and facets every match.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.fts5 import marked_snippet, row_from_path
from indexer import store

SCHEMA = """
CREATE VIRTUAL TABLE fts USING fts5(heading, question, answer, dept UNINDEXED, date_answered UNINDEXED,
                                    tokenize='porter unicode61');
"""


def build(data_dir: Path, db_path: Path) -> int:
    """Build the database from every stored record; return the number of rows."""
    db_path.unlink(missing_ok=True)
    con = sqlite3.connect(db_path)
    con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
    rows = (_row(row_from_path(p)) for p in store.iter_record_paths(data_dir))
    with con:
        con.executemany("INSERT INTO fts(rowid, heading, question, answer, dept, date_answered) "
                        "VALUES (?,?,?,?,?,?)", rows)
        con.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    count = con.execute("SELECT count(*) FROM fts").fetchone()[0]
    con.close()
    return count


def _row(faceted: tuple) -> tuple:
    """The plain table's columns from a `bench.fts5` row."""
    qid, dept, _house, _party, _year, _asker, date, heading, question, answer, _name = faceted
    return qid, heading, question, answer, dept, date


def connect(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)


def search(con: sqlite3.Connection, spec: dict, page_size: int) -> dict:
    """Run one query of the mix: the top page's ids and snippets; total is None (not counted)."""
    where, params = ["fts MATCH ?"], [spec["fts"]]
    for column, op, key in (("dept", "=", "dept"), ("date_answered", ">=", "answered_from"),
                            ("date_answered", "<=", "answered_to")):
        if spec.get(key):
            where.append(f"{column} {op} ?")
            params.append(spec[key])
    order = "date_answered DESC" if spec.get("sort") == "newest" else "bm25(fts, 2.0, 1.2, 1.0, 0.0, 0.0)"
    # Rank first, then snippets for the page only: in one statement SQLite would
    # compute snippet() for every match before sorting.
    ids = [row[0] for row in con.execute(
        f"SELECT rowid FROM fts WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?", (*params, page_size))]
    marks = ",".join("?" * len(ids))
    shown = {row[0]: row for row in con.execute(
        f"SELECT rowid, heading, snippet(fts, 1, '<mark>', '</mark>', '…', 24), "
        f"snippet(fts, 2, '<mark>', '</mark>', '…', 40) FROM fts WHERE fts MATCH ? AND rowid IN ({marks})",
        (spec["fts"], *ids))} if ids else {}
    page = [shown[i] for i in ids if i in shown]
    return {"total": None, "ids": [r[0] for r in page],
            "snippets": [marked_snippet(r[2], r[3]) for r in page]}
