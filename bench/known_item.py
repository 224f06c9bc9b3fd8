"""Known-item search: does wrans rank an answer as well as SQLite FTS5's bm25 does?

For each answer in a data directory, take words from one of its own sentences as
the query and record the rank of that answer in wrans (through `SearchIndex`)
and in an in-memory FTS5 table over the same heading, question and answer text.
Query styles: `rare` (the four rarest words of the sentence, as a researcher
remembering a distinctive passage would type), `sentence` (its first eight words
as written), `question` (the question's first eight words after its formula) and
`heading` (the heading's words; headings repeat, so no engine can be perfect).
Prints MRR, success@1 and @10 per engine and writes JSON.

    python -m bench.known_item [--data scraped] [--out bench/results/known_item.json]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import tempfile
import warnings
from collections import Counter
from pathlib import Path

warnings.filterwarnings("ignore", module="whoosh")

from indexer import store  # noqa: E402
from indexer.index import rebuild_index  # noqa: E402
from indexer.normalize import answer_from_record  # noqa: E402
from indexer.ranking import RANKING, Ranking  # noqa: E402
from indexer.search import SearchIndex, SearchRequest  # noqa: E402

WORD = re.compile(r"[A-Za-z][A-Za-z']+")
STOP = frozenset("""a an and are as at be by for from has have he her his i in is it its of on or
that the their there these they this to was we were which will with would not been can our all
also any may more other such than them then so if into who what when where how do does""".split())
TOP = 10


def load_answers(data_dir: Path) -> list:
    answers = []
    for path in store.iter_record_paths(data_dir):
        try:
            answers.append(answer_from_record(store.read_record(path)))
        except ValueError:
            continue
    return answers


def make_queries(answers, every_sentence: bool = True) -> list[tuple[int, str, str]]:
    """(id, style, query) for each sentence of eight words or more in each answer."""
    df = Counter()
    for a in answers:
        df.update({w.lower() for w in WORD.findall(a.answer_text)})
    queries = []
    for a in answers:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", a.answer_text)
                     if len(WORD.findall(s)) >= 8]
        if not every_sentence:
            sentences = sentences[len(sentences) // 2:][:1]
        for sentence in sentences:
            words = [w.lower() for w in WORD.findall(sentence)]
            content = list(dict.fromkeys(w for w in words if w not in STOP))
            rare = sorted(content, key=lambda w: (df[w], content.index(w)))[:4]
            queries.append((a.id, "rare", " ".join(rare)))
            queries.append((a.id, "sentence", " ".join(words[:8])))
        queries.extend(_question_and_heading(a))
    return queries


def _question_and_heading(answer) -> list[tuple[int, str, str]]:
    """The question's first eight words after "To ask the Secretary of State for X,", and the heading."""
    asked = re.sub(r"^To ask (the|His Majesty's) [^,]*,\s*", "", answer.question_text or "")
    words = [w.lower() for w in WORD.findall(asked)]
    heading = [w.lower() for w in WORD.findall(answer.heading or "")]
    found = [(answer.id, "question", " ".join(words[:8]))] if len(words) >= 6 else []
    return found + ([(answer.id, "heading", " ".join(heading))] if len(heading) >= 2 else [])


def fts_table(answers, tokenizer: str) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(heading, question, answer, tokenize='{tokenizer}')")
    db.executemany("INSERT INTO t(rowid, heading, question, answer) VALUES (?, ?, ?, ?)",
                   [(a.id, a.heading, a.question_text, a.answer_text) for a in answers])
    return db


def fts_rank(db, query: str, wanted: int) -> int | None:
    match = " ".join(f'"{w}"' for w in query.split())
    rows = db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?", (match, TOP))
    ids = [r[0] for r in rows]
    return ids.index(wanted) + 1 if wanted in ids else None


def wrans_rank(index: SearchIndex, query: str, wanted: int) -> int | None:
    ids = [h.answer.id for h in index.search(SearchRequest(q=query, page_size=TOP)).hits]
    return ids.index(wanted) + 1 if wanted in ids else None


def summary(ranks: list) -> dict:
    n = len(ranks)
    return {"queries": n,
            "mrr": round(sum(1 / r for r in ranks if r) / n, 4) if n else math.nan,
            "s@1": round(sum(1 for r in ranks if r == 1) / n, 4) if n else math.nan,
            "s@10": round(sum(1 for r in ranks if r) / n, 4) if n else math.nan}


def evaluate(data_dir: Path, ranking: Ranking = RANKING) -> dict:
    answers = load_answers(data_dir)
    queries = make_queries(answers)
    engines = {"fts5 unicode61": fts_table(answers, "unicode61"),
               "fts5 porter": fts_table(answers, "porter unicode61")}
    ranks: dict[tuple[str, str], list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        rebuild_index(data_dir, Path(tmp))
        index = SearchIndex(Path(tmp), ranking=ranking)
        for wanted, style, query in queries:
            ranks.setdefault(("wrans", style), []).append(wrans_rank(index, query, wanted))
            for name, db in engines.items():
                ranks.setdefault((name, style), []).append(fts_rank(db, query, wanted))
        index.close()
    return {"answers": len(answers), "examples": queries[:6],
            "results": {f"{engine} / {style}": summary(r) for (engine, style), r in ranks.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("--data", type=Path, default=here.parent / "scraped")
    parser.add_argument("--out", type=Path, default=here / "results" / "known_item.json")
    args = parser.parse_args()
    report = evaluate(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    for name, figures in report["results"].items():
        print(f"{name:28} n={figures['queries']:3} MRR={figures['mrr']:.3f} "
              f"S@1={figures['s@1']:.3f} S@10={figures['s@10']:.3f}")


if __name__ == "__main__":
    main()
