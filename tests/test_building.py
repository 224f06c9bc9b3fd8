"""The faster full build: memoised analysis, lengths read once, one segment per process.

Each speed-up must leave the index meaning exactly what it meant before: the same
tokens, the same postings and lengths, the same documents in the same order, so
the same results and scores.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.analysis import CompositeAnalyzer
from whoosh.writing import SegmentWriter

from bench import corpus
from indexer import store
from indexer.engine import building
from indexer.index import _document_from_path, live_build, open_live_index, rebuild_index
from indexer.normalize import answer_from_record
from indexer.schema import build_schema, english_analyzer, exact_analyzer
from indexer.search import SearchIndex, SearchRequest

from .conftest import SAMPLE_DIR
from .support.large_index import kill_once_busy, large_index

TEXTS = [
    "The Government is working with the French authorities to tackle criminal gangs.",
    "A an the of: 4.5 million, 1,000 people; www.gov.uk/guidance café naïve ÉCOLE",
    "of the and",  # only stop words
    "I x y z smuggling smuggled smuggle Smuggling",  # one-letter words are stopped too
    "",
]


def _tokens(analyzer, text, **kwargs):
    return [(t.text, t.pos, t.boost) for t in analyzer(text, **kwargs)]


def _sample_texts():
    for path in store.iter_record_paths(SAMPLE_DIR):
        doc = _document_from_path(path)
        yield from (doc[f] for f in ("heading", "question", "answer", "exact") if doc.get(f))


@pytest.mark.parametrize("make", [english_analyzer, exact_analyzer])
def test_memo_analyzer_indexes_exactly_the_tokens_of_its_chain(make):
    memo, chain = make(), CompositeAnalyzer(*make().items)
    texts = [*TEXTS, *_sample_texts()]
    for _ in range(2):  # the second pass is answered from the memo
        for text in texts:
            for start in (0, 7):
                kwargs = dict(mode="index", positions=True, boosts=True, start_pos=start)
                assert _tokens(memo, text, **kwargs) == _tokens(chain, text, **kwargs)
    assert memo._memo, "indexing went through the memo"


def test_memo_analyzer_runs_the_chain_for_queries_and_highlighting():
    memo = english_analyzer()
    text = "The gangs smuggling migrants"
    marked = [(t.text, t.startchar, t.endchar) for t in memo(text, chars=True, mode="index")]
    assert marked == [("gang", 4, 9), ("smuggl", 10, 19), ("migrant", 20, 28)]
    kept = [(t.text, t.stopped) for t in memo(text, removestops=False, mode="query")]
    assert kept[0] == ("the", True)
    assert not memo._memo


def test_the_memo_is_not_pickled_into_the_index(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = ix.writer()
    writer.add_document(id="1", answer="gangs smuggling migrants " * 50)
    writer.commit()
    toc = next(tmp_path.glob("_MAIN_*.toc")).read_bytes()
    assert b"migrant" not in toc
    assert whoosh_index.open_dir(str(tmp_path)).schema["answer"].analyzer._memo == {}


def _postings(ix) -> dict:
    """Every posting of every text field, with the lengths its block records."""
    out = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for field in ("heading", "question", "answer", "exact"):
            for term in reader.lexicon(field):
                m = reader.postings(field, term)
                out[field, term] = (list(m.all_items()), m.block_min_length(), m.block_max_length())
    return out


def _write_sample(tmp_path: Path, writer_class) -> object:
    tmp_path.mkdir()
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = writer_class(ix, compound=False)
    for path in store.iter_record_paths(SAMPLE_DIR):
        writer.add_document(**_document_from_path(path))
    writer.commit()
    return ix


def test_fast_segment_writer_writes_the_same_postings_and_lengths(tmp_path):
    stock = _write_sample(tmp_path / "stock", SegmentWriter)
    fast = _write_sample(tmp_path / "fast", building.FastSegmentWriter)
    expected = _postings(stock)
    assert len(expected) > 3000
    assert _postings(fast) == expected


QUERIES = ["criminal gangs smuggling", "school", '"secretary of state"', "health OR hospital",
           "dept:defence", "nhs*", "the"]


def _results(index_dir: Path) -> list:
    index = SearchIndex(index_dir)
    try:
        out = []
        for q in QUERIES:
            for sort in ("relevance", "newest"):
                found = index.search(SearchRequest(q=q, sort=sort, page_size=50))
                out.append((q, sort, found.total, [(h.answer.id, h.score) for h in found.hits],
                            json.dumps(found.facets, sort_keys=True, default=str)))
        return out
    finally:
        index.close()


def test_a_build_in_two_processes_equals_a_build_in_one(tmp_path, monkeypatch):
    one = rebuild_index(SAMPLE_DIR, tmp_path / "one", procs=1)
    monkeypatch.setattr(building, "MIN_RUN", 20)
    two = rebuild_index(SAMPLE_DIR, tmp_path / "two", procs=2)
    assert (two.indexed, two.documents, two.skipped) == (one.indexed, one.documents, 0)

    ix = open_live_index(tmp_path / "two")
    try:
        assert [s.doc_count() for s in ix._segments()] == [37, 36]  # contiguous runs, in order
        with ix.searcher() as searcher:
            ids = [searcher.stored_fields(n)["id"] for n in range(searcher.doc_count())]
    finally:
        ix.close()
    paths = list(store.iter_record_paths(SAMPLE_DIR))
    assert ids == [str(store.question_id_from_path(p)) for p in paths]

    results = _results(tmp_path / "two")
    assert sum(total for _, _, total, _, _ in results) > 50
    assert results == _results(tmp_path / "one")
    assert not list(live_build(tmp_path / "two").glob("*.tmp")), "no temporary files left"


def test_a_failing_process_fails_the_build_and_leaves_the_live_index(tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    rebuild_index(SAMPLE_DIR, index_dir, procs=1)
    before = live_build(index_dir)
    monkeypatch.setattr(building, "MIN_RUN", 20)
    monkeypatch.setattr(building.FastSegmentWriter, "_flush_segment", _explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        rebuild_index(SAMPLE_DIR, index_dir, procs=2)
    assert live_build(index_dir) == before


def _explode(self):
    raise RuntimeError("disk on fire")


def test_plan_runs_splits_contiguously_and_never_below_the_minimum():
    paths = [Path(f"{i}.json") for i in range(12_000)]
    runs = building.plan_runs(paths, 4)
    assert [len(r) for r in runs] == [6000, 6000]
    assert [p for r in runs for p in r] == paths
    assert building.plan_runs(paths[:10], 8) == [paths[:10]]
    assert building.plan_runs([], 2) == [[]]


def test_the_first_failing_process_stops_the_others(tmp_path, monkeypatch):
    import time

    write_run = building._write_run

    def first_fails_second_dawdles(folder, run, to_document, options, report):
        if run[0] == paths[0]:
            raise RuntimeError("disk on fire")
        time.sleep(60)
        return write_run(folder, run, to_document, options, report)

    paths = list(store.iter_record_paths(SAMPLE_DIR))
    monkeypatch.setattr(building, "MIN_RUN", 20)
    monkeypatch.setattr(building, "_write_run", first_fails_second_dawdles)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="disk on fire"):
        rebuild_index(SAMPLE_DIR, tmp_path / "index", procs=2)
    assert time.monotonic() - started < 20


@pytest.mark.slow
def test_workers_watch_their_parent_where_the_kernel_cannot_tell_them(tmp_path_factory, tmp_path):
    """Without PR_SET_PDEATHSIG (not Linux), the workers' own watch ends them within 2 s."""
    large = large_index(tmp_path_factory)
    code = ("import sys; from pathlib import Path; from indexer.engine import building; "
            "building._ask_for_parent_death_signal = lambda: False; from indexer.index import rebuild_index; "
            "rebuild_index(Path(sys.argv[1]), Path(sys.argv[2]), procs=2)")
    index_dir = tmp_path / "index"
    killed = kill_once_busy([sys.executable, "-c", code, str(large.data_dir), str(index_dir)],
                            {**os.environ, "WRANS_INDEX_DIR": str(index_dir)})
    print(f"\n{killed.describe()}")
    assert len(killed.workers) == 2
    assert killed.gone_after is not None and killed.gone_after < 2.0, killed.describe()


def _build_in_fresh_process(data_dir: Path, index_dir: Path, hash_seed: str) -> dict[str, str]:
    """Segment files (named without their random ids) and digests of a build of `data_dir`."""
    code = ("import sys; from pathlib import Path; from indexer.index import rebuild_index; "
            "rebuild_index(Path(sys.argv[1]), Path(sys.argv[2]), procs=1)")
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    subprocess.run([sys.executable, "-c", code, str(data_dir), str(index_dir)], check=True, env=env,
                   cwd=Path(__file__).resolve().parent.parent)
    build = live_build(index_dir)
    return {re.sub(r"_[a-z0-9]{16}", "", f.name): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in build.iterdir() if f.suffix != ".toc" and "LOCK" not in f.name}


def test_a_build_is_the_same_bytes_whatever_the_hash_seed(tmp_path):
    """Nothing in a document may depend on set or dict order that changes between processes."""
    data_dir = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR, data_dir)
    paths = corpus.write_records(data_dir, range(300), 300, 2)
    renamed = [answer_from_record(store.read_record(p)) for p in paths]
    assert any(a.answering_body and a.department and a.answering_body != a.department for a in renamed)
    first = _build_in_fresh_process(data_dir, tmp_path / "one", "1")
    assert any(name.endswith(".pst") for name in first)
    assert _build_in_fresh_process(data_dir, tmp_path / "two", "2") == first
