"""tantivy (Rust, through its Python package) as a reference: top page, exact count, snippets.

Built from the same records and normalised texts as wrans and the FTS5
baselines: heading, question and answer as stored text fields with tantivy's
English stemmer (`en_stem`), the department as a raw term for its filter, and
the answer date as a fast integer (YYYYMMDD) for ranges and the date sort. A
query is parsed by tantivy's own parser, words ANDed as in wrans and FTS5, with
the same field boosts (heading x2, question x1.2); a prefix (`immig*`) is a
regex over the stemmed terms, since the parser does not read `*`. No facets.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import tantivy

from bench.fts5 import row_from_path
from indexer import store

TEXT_FIELDS = ("heading", "question", "answer")
BOOSTS = {"heading": 2.0, "question": 1.2}
WRITER_HEAP = 256_000_000  # bytes, shared by the writer's threads
SNIPPET_CHARS = 200
_PREFIX = re.compile(r"([a-z0-9]+)\*")


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=False)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem")
    builder.add_text_field("dept", stored=False, tokenizer_name="raw")
    builder.add_integer_field("date", stored=False, indexed=True, fast=True)
    return builder.build()


def build(data_dir: Path, index_dir: Path) -> int:
    """Index every stored record into a new index at `index_dir`; return the document count."""
    index_dir.mkdir(parents=True, exist_ok=True)
    for old in index_dir.iterdir():
        old.unlink()
    index = tantivy.Index(schema(), path=str(index_dir))
    writer = index.writer(WRITER_HEAP, os.cpu_count() or 1)
    for path in store.iter_record_paths(data_dir):
        writer.add_document(_document(row_from_path(path)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index.searcher().num_docs


def _document(row: tuple) -> tantivy.Document:
    qid, dept, _house, _party, _year, _asker, date, heading, question, answer, _name = row
    fields = {"id": qid, "heading": heading or "", "question": question or "", "answer": answer or ""}
    if dept:
        fields["dept"] = dept
    if date:
        fields["date"] = _day(date)
    return tantivy.Document(**fields)


def _day(iso: str) -> int:
    return int(iso.replace("-", ""))


def connect(index_dir: Path) -> tantivy.Index:
    return tantivy.Index.open(str(index_dir))


def search(index: tantivy.Index, spec: dict, page_size: int) -> dict:
    """Run one query of the mix: the exact total, the top page's ids and snippets."""
    searcher = index.searcher()
    words = _words_query(index, spec["q"])
    order = {"order_by_field": "date", "order": tantivy.Order.Desc} if spec.get("sort") == "newest" else {}
    found = searcher.search(_filtered(index.schema, words, spec), page_size, count=True, **order)
    generators = [tantivy.SnippetGenerator.create(searcher, words, index.schema, name)
                  for name in ("answer", "question")]
    for generator in generators:
        generator.set_max_num_chars(SNIPPET_CHARS)
    ids, snippets = [], []
    for _key, address in found.hits:
        doc = searcher.doc(address)
        ids.append(doc["id"][0])
        made = [generator.snippet_from_doc(doc) for generator in generators]
        snippets.append(next((s.to_html() for s in made if s.highlighted()), made[0].to_html()))
    return {"total": found.count, "ids": ids, "snippets": snippets}


def _words_query(index: tantivy.Index, q: str) -> tantivy.Query:
    prefix = _PREFIX.fullmatch(q.strip().lower())
    if prefix:
        pattern = re.escape(prefix[1]) + ".*"
        return tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.boost_query(
                tantivy.Query.regex_query(index.schema, name, pattern), BOOSTS.get(name, 1.0)))
            for name in TEXT_FIELDS])
    return index.parse_query(q, list(TEXT_FIELDS), field_boosts=BOOSTS, conjunction_by_default=True)


def _filtered(schema: tantivy.Schema, words: tantivy.Query, spec: dict) -> tantivy.Query:
    """The words query with the spec's department and answer-date filters, if any."""
    clauses = [(tantivy.Occur.Must, words)]
    if spec.get("dept"):
        clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "dept", spec["dept"])))
    if spec.get("answered_from") or spec.get("answered_to"):
        low, high = (_day(spec[k]) if spec.get(k) else None for k in ("answered_from", "answered_to"))
        clauses.append((tantivy.Occur.Must, tantivy.Query.range_query(
            schema, "date", tantivy.FieldType.Integer, low, high)))
    return words if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
