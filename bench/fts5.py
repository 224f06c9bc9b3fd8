"""The SQLite FTS5 baseline, built from the same records and normalised texts as wrans.

heading, question and answer are FTS5 columns (porter + unicode61) over an
external-content table that also holds the filter, sort and facet columns. A
query does what `/search` does: top page ranked by bm25 (heading x2, question
x1.2, like the Whoosh field boosts) or by date, snippet() for the shown page,
the total and the facet counts over every match.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from pathlib import Path

from indexer import store
from indexer.normalize import answer_from_record

FACETS = ("dept", "house", "party", "year", "asker")
SCHEMA = """
CREATE TABLE docs (id INTEGER PRIMARY KEY, dept TEXT, house TEXT, party TEXT, year TEXT, asker TEXT,
                   date_answered TEXT, heading TEXT, question TEXT, answer TEXT, record TEXT);
CREATE VIRTUAL TABLE fts USING fts5(heading, question, answer, content='docs', content_rowid='id',
                                    tokenize='porter unicode61');
CREATE INDEX docs_date ON docs(date_answered);
CREATE INDEX docs_dept ON docs(dept);
"""


def row_from_path(path: Path) -> tuple:
    answer = answer_from_record(store.read_record(path))
    asker = answer.asking_member
    return (answer.id, answer.department, answer.house, asker.party if asker else None,
            str(answer.date_answered.year) if answer.date_answered else None,
            asker.name if asker else None,
            answer.date_answered.isoformat() if answer.date_answered else None,
            answer.heading, answer.question_text, answer.answer_text, path.name)


def build(data_dir: Path, db_path: Path, paths=None) -> int:
    """Build the database from every stored record; return the number of rows."""
    db_path.unlink(missing_ok=True)
    con = sqlite3.connect(db_path)
    con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
    paths = list(paths if paths is not None else store.iter_record_paths(data_dir))
    with con:
        con.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?)", map(row_from_path, paths))
        con.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
    count = con.execute("SELECT count(*) FROM docs").fetchone()[0]
    con.close()
    return count


def update(db_path: Path, paths) -> int:
    """Replace the rows of the given records (delete from the index, then re-insert)."""
    con = sqlite3.connect(db_path)
    rows = [row_from_path(p) for p in paths]
    with con:
        for row in rows:
            old = con.execute("SELECT id, heading, question, answer FROM docs WHERE id=?",
                              (row[0],)).fetchone()
            if old:
                con.execute("INSERT INTO fts(fts, rowid, heading, question, answer) "
                            "VALUES ('delete', ?, ?, ?, ?)", old)
                con.execute("DELETE FROM docs WHERE id=?", (row[0],))
            con.execute("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
            con.execute("INSERT INTO fts(rowid, heading, question, answer) VALUES (?,?,?,?)",
                        (row[0], row[7], row[8], row[9]))
    con.close()
    return len(rows)


def connect(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)


def search(con: sqlite3.Connection, spec: dict, page_size: int = 20) -> dict:
    """Run one query of the mix; return total, page ids, snippets, facets and the time split."""
    where, params = ["fts MATCH ?"], [spec["fts"]]
    if spec.get("dept"):
        where.append("d.dept = ?")
        params.append(spec["dept"])
    if spec.get("answered_from"):
        where.append("d.date_answered >= ?")
        params.append(spec["answered_from"])
    if spec.get("answered_to"):
        where.append("d.date_answered <= ?")
        params.append(spec["answered_to"])
    cond = " AND ".join(where)
    order = "d.date_answered DESC" if spec.get("sort") == "newest" else "bm25(fts, 2.0, 1.2, 1.0)"
    t0 = time.perf_counter()
    # Rank first, then snippets for the shown page only: in one statement SQLite
    # would compute snippet() for every match before sorting by date.
    ids = [row[0] for row in con.execute(
        f"SELECT d.id FROM fts JOIN docs d ON d.id = fts.rowid WHERE {cond} ORDER BY {order} LIMIT ?",
        (*params, page_size))]
    marks = ",".join("?" * len(ids))
    shown = {row[0]: row for row in con.execute(
        f"SELECT d.id, d.heading, d.dept, d.date_answered, "
        f"snippet(fts, 1, '<mark>', '</mark>', '…', 24), snippet(fts, 2, '<mark>', '</mark>', '…', 40) "
        f"FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ? AND fts.rowid IN ({marks})",
        (spec["fts"], *ids))} if ids else {}
    page = [shown[i] for i in ids if i in shown]
    t1 = time.perf_counter()
    facets = {name: Counter() for name in FACETS}
    total = 0
    for *values, n in con.execute(
            f"SELECT d.dept, d.house, d.party, d.year, d.asker, count(*) FROM fts JOIN docs d "
            f"ON d.id = fts.rowid WHERE {cond} GROUP BY 1, 2, 3, 4, 5", params):
        total += n
        for name, value in zip(FACETS, values, strict=True):
            if value:
                facets[name][value] += n
    t2 = time.perf_counter()
    return {"total": total, "ids": [r[0] for r in page],
            "snippets": [marked_snippet(r[4], r[5]) for r in page],
            "facets": {k: v.most_common() for k, v in facets.items()},
            "page_ms": (t1 - t0) * 1000, "facets_ms": (t2 - t1) * 1000}


def marked_snippet(question: str | None, answer: str | None) -> str:
    """The snippet that shows a match, like the page shows (question first, else answer)."""
    for text in (answer, question):
        if text and "<mark>" in text:
            return text
    return answer or question or ""
