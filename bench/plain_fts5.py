"""A plain SQLite FTS5 search box: the reference a person choosing a search tool compares with.

One FTS5 table holding its own text (heading, question, answer; porter +
unicode61) and a small table of the department and answer date by rowid, for the
filters and the date sort (unindexed FTS5 columns would read each match's whole
row, texts included). A query returns the top page ranked by bm25
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
CREATE VIRTUAL TABLE fts USING fts5(heading, question, answer, tokenize='porter unicode61');
CREATE TABLE meta (id INTEGER PRIMARY KEY, dept TEXT, date_answered TEXT);
"""


def build(data_dir: Path, db_path: Path) -> int:
    """Build the database from every stored record; return the number of rows."""
    db_path.unlink(missing_ok=True)
    con = sqlite3.connect(db_path)
    con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
    meta = []  # small: (id, department, date) per record; the texts stream through

    def texts():
        for path in store.iter_record_paths(data_dir):
            qid, dept, _house, _party, _year, _asker, date, heading, question, answer, _ = row_from_path(path)
            meta.append((qid, dept, date))
            yield qid, heading, question, answer

    with con:
        con.executemany("INSERT INTO fts(rowid, heading, question, answer) VALUES (?,?,?,?)", texts())
        con.executemany("INSERT INTO meta VALUES (?,?,?)", meta)
        con.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    count = con.execute("SELECT count(*) FROM fts").fetchone()[0]
    con.close()
    return count


def connect(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)


def search(con: sqlite3.Connection, spec: dict, page_size: int) -> dict:
    """Run one query of the mix: the top page's ids and snippets; total is None (not counted)."""
    where, params = ["fts MATCH ?"], [spec["fts"]]
    for column, op, key in (("dept", "=", "dept"), ("date_answered", ">=", "answered_from"),
                            ("date_answered", "<=", "answered_to")):
        if spec.get(key):
            where.append(f"m.{column} {op} ?")
            params.append(spec[key])
    order = "m.date_answered DESC" if spec.get("sort") == "newest" else "bm25(fts, 2.0, 1.2, 1.0)"
    # Rank first, then snippets for the page only: in one statement SQLite would
    # compute snippet() for every match before sorting.
    ids = [row[0] for row in con.execute(
        f"SELECT fts.rowid FROM fts JOIN meta m ON m.id = fts.rowid WHERE {' AND '.join(where)} "
        f"ORDER BY {order} LIMIT ?", (*params, page_size))]
    marks = ",".join("?" * len(ids))
    shown = {row[0]: row for row in con.execute(
        f"SELECT rowid, heading, snippet(fts, 1, '<mark>', '</mark>', '…', 24), "
        f"snippet(fts, 2, '<mark>', '</mark>', '…', 40) FROM fts WHERE fts MATCH ? AND rowid IN ({marks})",
        (spec["fts"], *ids))} if ids else {}
    page = [shown[i] for i in ids if i in shown]
    return {"total": None, "ids": [r[0] for r in page],
            "snippets": [marked_snippet(r[2], r[3]) for r in page]}
