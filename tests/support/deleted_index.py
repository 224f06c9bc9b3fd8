"""A generated index of two segments, the first with deleted answers: the build's,
then an update rewriting every `every`-th answer (the old versions deleted)."""

from __future__ import annotations

from pathlib import Path

from bench import corpus
from indexer.index import rebuild_index, update_index


def index_with_deletions(tmp_path_factory, name: str, size: int, seed: int, every: int) -> Path:
    data_dir = tmp_path_factory.mktemp(f"{name}-data")
    index_dir = tmp_path_factory.mktemp(f"{name}-index")
    corpus.write_records(data_dir, range(size), size, seed)
    rebuild_index(data_dir, index_dir, procs=1)
    rewritten = corpus.write_records(data_dir, range(0, size, every), size, seed, 1)
    update_index(data_dir, index_dir, paths=rewritten)
    return index_dir
