"""The build writer's in-memory postings: the bytes on disk are the stock writer's.

`BuildSegmentWriter` sorts postings per term in memory and analyses memo-analysed
text in one pass; whatever it does, every file of the segment it writes must be
byte for byte the file Whoosh's own `SegmentWriter` writes from the same documents.
(Both pickle blocks at `posting_pool.BLOCK_PROTOCOL`: importing the engine sets it.)
"""

from __future__ import annotations

import hashlib
import pickle
import re
import zlib
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.analysis import CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StandardAnalyzer, StopFilter
from whoosh.writing import SegmentWriter

from bench import corpus
from indexer import store
from indexer.engine import building, posting_pool, updating
from indexer.engine.analysis import MemoAnalyzer
from indexer.engine.posting_pool import InMemoryPostingPool
from indexer.index import _document_from_path, open_live_index, rebuild_index
from indexer.schema import EXACT_FIELD, EXACT_WORDS_FIELD, build_schema, english_analyzer, exact_analyzer

from .conftest import SAMPLE_DIR

SIZE = 400  # enough for common terms to fill several 128-posting blocks


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> list[dict]:
    data_dir = tmp_path_factory.mktemp("data")
    corpus.write_records(data_dir, range(SIZE), SIZE, 3)
    paths = [*store.iter_record_paths(SAMPLE_DIR), *store.iter_record_paths(data_dir)]
    return [doc for doc in map(_document_from_path, paths) if doc]


def _files(folder: Path) -> dict[str, str]:
    """Each segment file's digest, named without the segment's random id."""
    return {re.sub(r"_[a-z0-9]{16}", "", f.name): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in folder.iterdir() if f.suffix not in (".toc", "") and "LOCK" not in f.name}


def _write(folder: Path, schema, writer_class, docs) -> dict[str, str]:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = writer_class(ix, compound=False)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    ix.close()
    return _files(folder)


def test_the_build_writer_writes_the_stock_writers_bytes(tmp_path, documents):
    stock = _write(tmp_path / "stock", build_schema(), SegmentWriter, documents)
    build = _write(tmp_path / "build", build_schema(), building.BuildSegmentWriter, documents)
    assert {".pst", ".trm"} <= {Path(name).suffix for name in stock}
    assert build == stock


def _block_data(leaf) -> bytes:
    """The unpickled bytes of a posting block's data, as `W3LeafMatcher._read_data` reads them."""
    raw = leaf._postfile.get(leaf._dataoffset, leaf._nextoffset - leaf._dataoffset)
    return zlib.decompress(raw) if leaf._compression else raw


@pytest.mark.parametrize("writer_class", [SegmentWriter, building.BuildSegmentWriter])
def test_position_blocks_pickle_bytes_as_bytes_whoever_writes_them(tmp_path, documents, writer_class):
    """Protocol 2 pickles each position string as a `_codecs.encode` call: 6x slower to read."""
    _write(tmp_path / "ix", build_schema(), writer_class, documents)
    ix = whoosh_index.open_dir(str(tmp_path / "ix"))
    with ix.reader() as reader:
        term = max(reader.lexicon("exact"), key=lambda t: reader.doc_frequency("exact", t))
        leaf = reader.postings("exact", term)
        assert reader.doc_frequency("exact", term) > 128  # more than one block: `_write_blocks`
        blocks = counted = 0  # blocks, and those whose term counts differ (a tuple of them)
        while leaf.is_active():
            data = _block_data(leaf)
            assert data[:2] == pickle.PROTO + bytes([posting_pool.BLOCK_PROTOCOL])
            assert b"_codecs" not in data
            _, weights, values = pickle.loads(data)
            assert len(values) == leaf._blocklength  # one position string a posting
            assert weights is None or type(weights) is float or {type(w) for w in weights} == {int}
            counted += type(weights) is tuple
            blocks += 1
            leaf._next_block()
        assert blocks > 1 and counted
        single = next(t for t in reader.lexicon("exact") if reader.doc_frequency("exact", t) == 2)
        one_block = _block_data(reader.postings("exact", single))  # written by `_OneBlockTerms`
        assert one_block[:2] == pickle.PROTO + bytes([posting_pool.BLOCK_PROTOCOL])


def test_compact_blocks_score_exactly_as_whooshs_own(tmp_path, documents, monkeypatch):
    """Ints for whole-number weights, protocol 3: every score is the one the blocks
    Whoosh writes itself (floats, protocol 2) give."""
    from whoosh import query
    from whoosh.codec import whoosh3

    with monkeypatch.context() as stock:
        stock.setattr(whoosh3, "dumps", pickle.dumps)
        stock.setattr(whoosh3.W3PostingsWriter, "_mini_weights", posting_pool._stock_mini_weights)
        _write(tmp_path / "stock", build_schema(), SegmentWriter, documents)
    _write(tmp_path / "compact", build_schema(), building.BuildSegmentWriter, documents)
    stock_ix, compact_ix = (whoosh_index.open_dir(str(tmp_path / name)) for name in ("stock", "compact"))
    with stock_ix.searcher() as stock_searcher, compact_ix.searcher() as compact_searcher:
        reader = stock_searcher.reader()
        words = sorted(reader.lexicon("answer"), key=lambda t: -reader.doc_frequency("answer", t))
        queries = [query.Term("answer", words[0]), query.Term("answer", words[40]),
                   query.Or([query.Term("heading", words[3]), query.Term("exact", words[5])]),
                   query.Phrase("exact", ["of", "the"]), query.Phrase("exact", ["the", "department"], slop=4)]
        for q in queries:
            stock_hits = [(hit.docnum, hit.score) for hit in stock_searcher.search(q, limit=None)]
            compact_hits = [(hit.docnum, hit.score) for hit in compact_searcher.search(q, limit=None)]
            assert compact_hits == stock_hits and len(stock_hits) > 5, q
    postings = {name: sum(f.stat().st_size for f in (tmp_path / name).glob("*.pst"))
                for name in ("stock", "compact")}
    assert postings["compact"] < 0.85 * postings["stock"], postings


def _odd_schema():
    """Fields the fast path does not take, and weights a 32-bit float cannot hold."""
    return fields.Schema(
        id=fields.ID(stored=True),
        boosted=fields.TEXT(analyzer=english_analyzer(), field_boost=1.1),
        boosted_flat=fields.TEXT(analyzer=exact_analyzer(), phrase=False, field_boost=0.3),
        standard=fields.TEXT(analyzer=StandardAnalyzer()),
        chars=fields.TEXT(analyzer=exact_analyzer(), chars=True),
        tags=fields.KEYWORD(lowercase=True, scorable=True),
        count=fields.NUMERIC(stored=True),
    )


def _odd_documents(documents) -> list[dict]:
    out = []
    for n, doc in enumerate(documents):
        text = doc.get("answer", "")[:400]
        odd = dict(id=str(n), boosted=text, boosted_flat=text, standard=text, chars=text,
                   tags=doc.get("status", ""), count=n % 7)
        if n % 5 == 0:
            odd["_boost"] = 1.7  # a document boost goes Whoosh's own way
        out.append(odd)
    return out


def test_odd_fields_and_boosts_are_written_as_the_stock_writer_writes_them(tmp_path, documents):
    docs = _odd_documents(documents)
    stock = _write(tmp_path / "stock", _odd_schema(), SegmentWriter, docs)
    build = _write(tmp_path / "build", _odd_schema(), building.BuildSegmentWriter, docs)
    assert build == stock



def test_exact_words_is_written_from_exact_without_being_added(tmp_path, documents):
    """The twin is on for wrans's schema: its text is analysed and added once, for `exact`."""
    assert building.twin_fields(build_schema()) == {EXACT_WORDS_FIELD: EXACT_FIELD}
    (tmp_path / "ix").mkdir()
    writer = building.BuildSegmentWriter(whoosh_index.create_in(str(tmp_path / "ix"), build_schema()))
    for doc in documents[:20]:
        writer.add_document(**doc)
    assert writer.pool._fields[EXACT_FIELD] and not writer.pool._fields[EXACT_WORDS_FIELD]
    writer.cancel()


@pytest.mark.parametrize("odd", ["other text", "no twin", "stock path", "a reader"])
def test_a_document_whose_twin_differs_is_written_as_the_stock_writer_writes_it(tmp_path, documents, odd):
    """Past a document whose `exact_words` is not its `exact`, the twin is added as any field."""
    docs = [dict(doc) for doc in documents[:250]]  # common words still fill several blocks
    middle = docs[len(docs) // 2]
    if odd == "other text":
        middle[EXACT_WORDS_FIELD] = "only these words here"
    elif odd == "no twin":
        del middle[EXACT_WORDS_FIELD]
    elif odd == "stock path":
        middle["_boost"] = 1.5  # a document boost goes Whoosh's own way, a posting at a time
    stock = _write(tmp_path / "stock", build_schema(), SegmentWriter, docs)
    if odd != "a reader":
        assert _write(tmp_path / "build", build_schema(), building.BuildSegmentWriter, docs) == stock
        return
    first = tmp_path / "first"  # a segment of the first half, added to a build writer as a reader
    _write(first, build_schema(), SegmentWriter, docs[:len(docs) // 2])
    (tmp_path / "build").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "build"), build_schema())
    writer = building.BuildSegmentWriter(ix, compound=False)
    with whoosh_index.open_dir(str(first)).reader() as reader:
        writer.add_reader(reader)
    for doc in docs[len(docs) // 2:]:
        writer.add_document(**doc)
    writer.commit()
    build = _files(tmp_path / "build")
    # A reader's stored fields are pickled again in their own key order: same fields, other bytes.
    build.pop("MAIN._stored.col"), stock.pop("MAIN._stored.col")
    assert build == stock


def test_a_weight_a_float_cannot_hold_widens_its_term_to_doubles():
    pool = InMemoryPostingPool(_odd_schema())
    pool.add_terms("boosted", 0, [(b"gang", 1, 1.0, b"")])
    pool.add_terms("boosted", 1, [(b"gang", 1, 1.1, b"")])
    ids, weights, _, _ = pool._fields["boosted"][b"gang"]
    assert (list(ids), weights.typecode, list(weights)) == ([0, 1], "d", [1.0, 1.1])


def test_term_positions_are_the_positions_indexing_gives():
    texts = ["The Government is working with the French authorities to tackle criminal gangs.",
             "of the and", "I x y z smuggling smuggled Smuggling the gangs", ""]
    for make in (english_analyzer, exact_analyzer):
        analyzer = make()
        for text in texts:
            expected: dict[str, list[int]] = {}
            for token in analyzer(text, mode="index", positions=True, boosts=True):
                expected.setdefault(token.text, []).append(token.pos)
            assert analyzer.term_positions(text) == expected


def test_term_positions_of_a_tokenizer_with_groups_are_its_whole_words():
    """A pattern with a group: `findall` would give the groups, so whole matches are taken."""
    analyzer = MemoAnalyzer(RegexTokenizer(r"(\w)\w*"), LowercaseFilter(), StopFilter())
    text = "The gangs and the Smuggling of migrants"
    expected: dict[str, list[int]] = {}
    for token in CompositeAnalyzer(*analyzer.items)(text, mode="index", positions=True):
        expected.setdefault(token.text, []).append(token.pos)
    assert analyzer.term_positions(text) == expected == {"gangs": [1], "smuggling": [2], "migrants": [3]}


def test_an_analyzer_pickled_into_a_toc_carries_no_text_it_analysed():
    analyzer = exact_analyzer()
    text = "criminal gangs smuggling migrants"
    assert analyzer.term_positions(text) is analyzer.term_positions(text)  # one analysis, shared
    pickled = pickle.dumps(analyzer)
    assert pickled == pickle.dumps(exact_analyzer())  # a TOC's schema as an unused analyzer's
    assert pickle.loads(pickled).term_positions(text) == analyzer.term_positions(text)


def test_runs_are_capped_so_a_process_holds_a_bounded_share(monkeypatch):
    paths = [Path(f"{i}.json") for i in range(12_000)]
    monkeypatch.setattr(building, "MAX_RUN", 5000)
    runs = building.plan_runs(paths, 2)
    assert [len(r) for r in runs] == [4000, 4000, 4000]
    assert [p for r in runs for p in r] == paths


def test_a_build_in_more_runs_than_processes_equals_a_build_in_one(tmp_path, monkeypatch):
    one = rebuild_index(SAMPLE_DIR, tmp_path / "one", procs=1)
    monkeypatch.setattr(building, "MIN_RUN", 10)
    monkeypatch.setattr(building, "MAX_RUN", 20)
    many = rebuild_index(SAMPLE_DIR, tmp_path / "many", procs=2)
    assert (many.indexed, many.documents) == (one.indexed, one.documents)
    ix = open_live_index(tmp_path / "many")
    try:
        assert [s.doc_count() for s in ix._segments()] == [19, 19, 19, 16]
        with ix.searcher() as searcher:
            ids = [searcher.stored_fields(n)["id"] for n in range(searcher.doc_count())]
    finally:
        ix.close()
    assert ids == [str(store.question_id_from_path(p)) for p in store.iter_record_paths(SAMPLE_DIR)]


def test_an_updates_raw_small_blocks_are_written_alike_by_the_one_block_path(tmp_path, monkeypatch,
                                                                            documents):
    """An update leaves blocks under `RAW_BELOW` postings uncompressed: the stock
    writer cannot say what those bytes are, so the one-block path is compared with
    the general path (`_write_blocks`, whose bytes the tests above hold to stock's)."""
    class RawSmallBlocks(building.BuildSegmentWriter):
        raw_below = updating.RAW_BELOW

    fast = _write(tmp_path / "fast", build_schema(), RawSmallBlocks, documents)
    general_init = posting_pool._OneBlockTerms.__init__

    def general_only(self, *args):
        general_init(self, *args)
        self.limit = 0

    monkeypatch.setattr(posting_pool._OneBlockTerms, "__init__", general_only)
    general = _write(tmp_path / "general", build_schema(), RawSmallBlocks, documents)
    compressed = _write(tmp_path / "compressed", build_schema(), building.BuildSegmentWriter, documents)
    assert fast == general
    assert fast != compressed  # the raw blocks were really written
