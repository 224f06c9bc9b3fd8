"""Known-item relevance at scale: real answers hidden among the bench corpus (issue 20).

The bundled sample's real answers (scraped/, Open Parliament Licence: see
scraped/README.md) are added to a synthetic corpus of `size` answers
(bench/corpus.py). Each is then sought with two queries made from its own
question, as a researcher who remembers it would type them:

- `rare`: the question's three rarest content words (a miss here is an analysis
  bug: tokenising, stemming, stop words, numbers);
- `common`: two of its content words that each occur in about 1 % of the corpus,
  where ranking decides.

Both engines search the same documents in one run: wrans through
`SearchIndex.search` (as served, or under any `Ranking` to compare), SQLite FTS5
through `bm25()` (porter, column weights all 1, and heading 2 / question 1.2).
Scores are MRR@10 and found-in-top-10, per query kind, separately for the tuned
part and for the held-back part (the answers whose crc32 of the id is 0 mod 3:
14 of the sample's 70 with a question; never looked at while choosing).

    python -m bench.relevance [--sizes 100000,300000] [--variants] [--no-save]

Corpora and indexes go to bench/work/ (reused by later runs), results to
bench/results/relevance-<date>-<sizes>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sqlite3
import sys
import time
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

warnings.filterwarnings("ignore", module="whoosh")

from bench import corpus, fts5  # noqa: E402
from indexer import store  # noqa: E402
from indexer.index import rebuild_index, update_index  # noqa: E402
from indexer.live import open_live_index  # noqa: E402
from indexer.normalize import answer_from_record  # noqa: E402
from indexer.ranking import RANKING, Ranking  # noqa: E402
from indexer.schema import EXACT_FIELD  # noqa: E402
from indexer.search import SearchIndex, SearchRequest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / "work"
RESULTS = REPO / "bench" / "results"
REAL = REPO / "scraped"
TOP = 10
HELD_BACK_ONE_IN = 3
COMMON_SHARE = 0.01  # `common` queries: words nearest to this share of the corpus
KINDS = ("rare", "common")
FTS_WEIGHTS = {"fts5": (1.0, 1.0, 1.0), "fts5 2/1.2/1": (2.0, 1.2, 1.0)}
# "To ask the Secretary of State for Education," / "To ask His Majesty's Government": not the question.
FORMULA = re.compile(r"^\s*To ask (?:the [^,]*,|(?:His|Her) Majesty's Government,?)\s*", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{3,}")
STOP = frozenset("""about after also and any are been before being but can could did does each for from
had has have her his how its into made make many more most not other our per she such than that the
their them then there these they this those through under was were what when where which while who
whom why will with would your government department""".split())

# Rankings compared with `--variants` (docs/relevance.md has what each bought).
SERVED_BEFORE = Ranking()  # heading 2, question 1.2, answer 1, names 0.5, proximity 1, B 0.75, K1 1.2
VARIANTS = {
    "before (as served until issue 20)": SERVED_BEFORE,
    "no proximity": Ranking(proximity=0.0),
    "field boosts all 1": Ranking(boosts=(("heading", 1.0), ("question", 1.0), ("answer", 1.0),
                                          ("people_dept", 1.0))),
    "B 0.3": Ranking(B=0.3),
    "K1 2.0": Ranking(K1=2.0),
    "exact words x1": Ranking(words=1.0),
    "exact words x2": Ranking(words=2.0),
    "exact words x4": Ranking(words=4.0),
    "exact words x2, no proximity": Ranking(words=2.0, proximity=0.0),
    "exact words x2, proximity 2": Ranking(words=2.0, proximity=2.0),
    "exact words x2, proximity from 3 words": Ranking(words=2.0, proximity_from=3),
    "exact words x2, fields x0.5": Ranking(words=2.0, boosts=(("heading", 1.0), ("question", 0.6),
                                                               ("answer", 0.5), ("people_dept", 0.25))),
    "exact words x2, names 0": Ranking(words=2.0, boosts=(("heading", 2.0), ("question", 1.2),
                                                           ("answer", 1.0), ("people_dept", 0.0))),
    "exact words x2, exact B 0.5": Ranking(words=2.0, field_B=(("exact", 0.5),)),
    "exact words x2, heading B 0.3": Ranking(words=2.0, field_B=(("heading", 0.3),)),
    "exact words x2, K1 2.0": Ranking(words=2.0, K1=2.0),
    "exact words x2, K1 0.9": Ranking(words=2.0, K1=0.9),
    "exact words x3": Ranking(words=3.0),
    "exact words x2, exact B 0.9": Ranking(words=2.0, field_B=(("exact", 0.9),)),
    "exact words x2, answer B 0.9": Ranking(words=2.0, field_B=(("answer", 0.9),)),
    "served now": RANKING,
}


@dataclass(frozen=True)
class KnownItem:
    answer_id: int
    kind: str
    q: str
    held_back: bool


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} relevance: {message}", file=sys.stderr, flush=True)


def real_paths(data_dir: Path = REAL) -> list[Path]:
    return list(store.iter_record_paths(data_dir))


def is_held_back(answer_id: int) -> bool:
    """Answers held back from tuning: the same in every run (about a third; 14 of the sample's 70)."""
    return zlib.crc32(str(answer_id).encode()) % HELD_BACK_ONE_IN == 0


def corpus_dir(size: int, seed: int, jobs: int) -> Path:
    """The bench corpus of `size` (bench/run.py's layout and marker), generated when missing."""
    data_dir = WORK / f"data-{size}-s{seed}"
    marker = data_dir / ".complete"
    if not marker.exists():
        log(f"generating {size} records into {data_dir}")
        report = corpus.generate(data_dir, size, seed, jobs)
        marker.write_text(json.dumps(report))
    return data_dir


def prepared(size: int, seed: int, jobs: int) -> tuple[Path, Path]:
    """The Whoosh index and FTS5 database of the corpus plus the real answers, built when missing."""
    data_dir = corpus_dir(size, seed, jobs)
    work = WORK / f"relevance-{size}-s{seed}"
    index_dir, db, marker = work / "index", work / "fts5.db", work / ".complete"
    if marker.exists():
        return index_dir, db
    work.mkdir(parents=True, exist_ok=True)
    paths = real_paths()
    if not (index_dir / "live").exists():
        log(f"building the Whoosh index of {data_dir}")
        rebuild_index(data_dir, index_dir)
    log(f"adding {len(paths)} real answers to the Whoosh index")
    update_index(data_dir, index_dir, paths=paths)
    log("building the FTS5 database")
    fts5.build(data_dir, db, paths=[*store.iter_record_paths(data_dir), *paths])
    marker.write_text(json.dumps({"size": size, "seed": seed, "real": len(paths)}))
    return index_dir, db


def question_words(question: str) -> list[str]:
    """The question's content words, in order, each once (the asking formula left out)."""
    words = [w.lower() for w in WORD.findall(FORMULA.sub("", question or ""))]
    return list(dict.fromkeys(w for w in words if w not in STOP))


def known_items(answers, df, documents: int) -> list[KnownItem]:
    """Two queries per answer with a question: its three rarest words; two ~1 % words."""
    items = []
    for answer in answers:
        words = [w for w in question_words(answer.question_text) if df(w)]
        held = is_held_back(answer.id)
        if len(words) >= 3:
            rare = sorted(words, key=lambda w: (df(w), words.index(w)))[:3]
            items.append(KnownItem(answer.id, "rare", " ".join(rare), held))
        common = [w for w in words if df(w) > 1]
        if len(common) >= 2:
            target = COMMON_SHARE * documents
            picked = sorted(common, key=lambda w: (abs(math.log(df(w) / target)), words.index(w)))[:2]
            items.append(KnownItem(answer.id, "common", " ".join(sorted(picked, key=words.index)), held))
    return items


def fts_ids(con: sqlite3.Connection, q: str, weights: tuple[float, ...]) -> list[int]:
    match = " ".join(f'"{w}"' for w in q.split())
    order = "bm25(fts, {}, {}, {})".format(*weights)
    return [row[0] for row in con.execute(
        f"SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY {order} LIMIT ?", (match, TOP))]


def wrans_ids(index: SearchIndex, q: str) -> list[int]:
    return [hit.answer.id for hit in index.search(SearchRequest(q=q, page_size=TOP)).hits]


def rank_of(ids: list[int], wanted: int) -> int | None:
    return ids.index(wanted) + 1 if wanted in ids else None


def summary(ranks: list[int | None]) -> dict:
    n = len(ranks)
    return {"queries": n, "mrr": round(sum(1 / r for r in ranks if r) / n, 3) if n else None,
            "top10": sum(1 for r in ranks if r)}


def summarise(items: list[KnownItem], ranks: list[int | None]) -> dict:
    """MRR and found-in-top-10 by part (tuned, held back) and kind (rare, common, all)."""
    out = {}
    for part, held in (("tuned", False), ("held-back", True)):
        for kind in (*KINDS, "all"):
            chosen = [r for item, r in zip(items, ranks, strict=True)
                      if item.held_back == held and kind in (item.kind, "all")]
            out[f"{part} / {kind}"] = summary(chosen)
    return out


def evaluate(size: int, seed: int, jobs: int, rankings: dict[str, Ranking]) -> dict:
    """Every engine (and ranking) on the same documents and known items, in one run."""
    index_dir, db = prepared(size, seed, jobs)
    answers = [answer_from_record(store.read_record(p)) for p in real_paths()]
    ix = open_live_index(index_dir)
    with ix.searcher() as searcher:
        documents = searcher.doc_count()
        items = known_items(answers, lambda w: searcher.doc_frequency(EXACT_FIELD, w), documents)
    ix.close()
    ranks: dict[str, list[int | None]] = {}
    seconds: dict[str, float] = {}
    con = fts5.connect(db)
    for name, weights in FTS_WEIGHTS.items():
        started = time.perf_counter()
        ranks[name] = [rank_of(fts_ids(con, item.q, weights), item.answer_id) for item in items]
        seconds[name] = time.perf_counter() - started
    con.close()
    for name, ranking in rankings.items():
        with SearchIndex(index_dir, time_limit=60.0, ranking=ranking) as index:
            started = time.perf_counter()
            ranks[name] = [rank_of(wrans_ids(index, item.q), item.answer_id) for item in items]
            seconds[name] = time.perf_counter() - started
        log(f"{size}: {name}: {summarise(items, ranks[name])['tuned / all']}")
    return {"size": size, "documents": documents, "seed": seed, "known_items": len(items),
            "held_back_answers": sorted({i.answer_id for i in items if i.held_back}),
            "results": {name: summarise(items, r) for name, r in ranks.items()},
            "seconds": {name: round(s, 2) for name, s in seconds.items()},
            "misses": {name: [[i.answer_id, i.kind, i.q, r] for i, r in zip(items, rs, strict=True)
                              if (r or 99) > 1] for name, rs in ranks.items()}}


def table(run: dict) -> str:
    """One markdown table of a size: engines down, parts and kinds across (MRR, found/queries)."""
    columns = [f"{part} / {kind}" for part in ("tuned", "held-back") for kind in (*KINDS, "all")]
    lines = [f"| {run['documents']:,} answers | " + " | ".join(columns) + " |",
             "|---|" + "---|" * len(columns)]
    for name, result in run["results"].items():
        cells = [f"{result[c]['mrr']:.3f} ({result[c]['top10']}/{result[c]['queries']})" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000", help="comma-separated sizes (e.g. 1000000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="processes generating a corpus")
    parser.add_argument("--variants", action="store_true", help="compare the rankings in VARIANTS")
    parser.add_argument("--variant", action="append", choices=VARIANTS, help="compare only these")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    rankings = ({name: VARIANTS[name] for name in args.variant} if args.variant
                else VARIANTS if args.variants else {"wrans": RANKING})
    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        runs.append(evaluate(size, args.seed, args.jobs, rankings))
        print(table(runs[-1]) + "\n", flush=True)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        suffix = "-variants" if args.variants or args.variant else ""
        out = RESULTS / f"relevance-{dt.date.today()}-{args.sizes.replace(',', '-')}{suffix}.json"
        out.write_text(json.dumps({"date": dt.datetime.now().isoformat(timespec="seconds"), "runs": runs},
                                  indent=1) + "\n", encoding="utf-8")
        log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
