"""Whoosh's internals behind one door: the version check, the pickled name, the readers' imports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from indexer.live import live_build

REPO = Path(__file__).resolve().parent.parent


def _python(code: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **(env or {})}, timeout=120)


def test_another_whoosh_is_refused_with_one_line(sample_index_dir):
    """The CLI prints one line and exits 1; importing the engine raises WhooshVersionError."""
    cli = _python("import sys, whoosh; whoosh.__version__ = (2, 7, 5); from indexer.cli import main; "
                  "sys.exit(main(['stats']))", env={"WRANS_INDEX_DIR": str(sample_index_dir)})
    assert cli.returncode == 1
    assert cli.stderr.splitlines() == [
        "wrans: Whoosh 2.7.5 is installed, but wrans reads Whoosh's internals and needs exactly 2.7.4: "
        "run `pip install Whoosh==2.7.4`"]
    library = _python("import whoosh; whoosh.__version__ = (3, 0, 0); import indexer.search")
    assert library.stderr.splitlines()[-1].startswith("indexer.errors.WhooshVersionError: Whoosh 3.0.0")
    same = _python("import sys, whoosh; from indexer.cli import main; sys.exit(main(['stats']))",
                   env={"WRANS_INDEX_DIR": str(sample_index_dir)})
    assert same.returncode == 0, same.stderr  # 2.7.4 itself passes


def test_every_index_names_memo_analyzer_by_its_first_module_path(sample_index_dir):
    """The TOC pickles `indexer.analysis.MemoAnalyzer` (the name indexes have always used),
    and a fresh process opens it, importing that module to unpickle the schema."""
    toc = next(live_build(sample_index_dir).glob("_MAIN_*.toc")).read_bytes()
    pickled = set(re.findall(rb"c(indexer[\w.]*)\n(\w+)\n", toc))
    assert pickled == {(b"indexer.analysis", b"MemoAnalyzer")}
    opened = _python(
        "import sys; from indexer.live import open_live_index; from indexer.engine.analysis import "
        "MemoAnalyzer; ix = open_live_index(sys.argv[1]); "
        "assert type(ix.schema['answer'].analyzer) is MemoAnalyzer; "
        "print(ix.doc_count(), 'indexer.analysis' in sys.modules)", str(sample_index_dir))
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.split() == ["73", "True"]


def test_web_workers_do_not_load_the_build_code(sample_index_dir):
    """A worker's app, searching: no build writer, posting pool, index writer or multiprocessing."""
    code = (
        "import sys, webapp; app = webapp.create_app({'TESTING': True, 'INDEX_DIR': sys.argv[1]}); "
        "client = app.test_client(); "
        "assert client.get('/search?q=criminal+gangs').status_code == 200; "
        "assert client.get('/api/search?q=smuggling&format=csv').status_code == 200; "
        "print(' '.join(sorted(sys.modules)))")
    loaded = _python(code, str(sample_index_dir))
    assert loaded.returncode == 0, loaded.stderr
    modules = set(loaded.stdout.split())
    assert {"indexer.search", "indexer.engine.matcharrays", "indexer.live"} <= modules  # it did search
    write_path = {"multiprocessing", "indexer.engine.building", "indexer.engine.posting_pool",
                  "indexer.index"}
    assert modules & write_path == set()


def test_whole_columns_read_at_once_equal_whooshs_own_reading(tmp_path):
    """Every segment's values, deleted documents and documents without a value included
    (a numeric column stops at its last stored value; the rest read as the default)."""
    from array import array

    from whoosh import fields, index
    from whoosh.columns import NumericColumn, VarBytesColumn

    from indexer.engine.columns import byte_values, number_values

    schema = fields.Schema(key=fields.ID(stored=True, sortable=True),
                           when=fields.NUMERIC(numtype=int, bits=64, signed=False, sortable=True))
    ix = index.create_in(tmp_path, schema)
    for batch in range(3):
        with ix.writer() as writer:
            for n in range(40):
                values = {"key": f"k{(n * 7 + batch) % 11}é"} if n % 5 else {}
                if n < 35:
                    values["when"] = n * 1_000_003 + batch << 20
                writer.add_document(**values)
    with ix.writer() as writer:
        writer.delete_document(3)
    with ix.searcher() as searcher:
        leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        assert len(leaves) == 3 and searcher.reader().has_deletions()
        for leaf in leaves:  # the kinds of reader that take the one-read path
            numbers = leaf.column_reader("when", translate=False)
            assert type(leaf.column_reader("key", translate=False)) is VarBytesColumn.Reader
            assert type(numbers) is NumericColumn.Reader and numbers._count < numbers._doccount
            assert byte_values(leaf, "key") == list(leaf.column_reader("key", translate=False))
            expected = array("Q", leaf.column_reader("when", translate=False))
            assert number_values(leaf, "when") == expected and expected[-1] != expected[0]
