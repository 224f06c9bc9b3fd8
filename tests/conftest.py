"""Shared fixtures: the bundled sample, a real on-disk index built from it, the app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.index import rebuild_index
from indexer.search import SearchIndex
from webapp import create_app

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "scraped"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory) -> Path:
    """A real Whoosh index of the 73 bundled answers, built once per test run."""
    index_dir = tmp_path_factory.mktemp("index")
    rebuild_index(SAMPLE_DIR, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def sample_index(sample_index_dir) -> SearchIndex:
    index = SearchIndex(sample_index_dir)
    yield index
    index.close()


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A writable copy of the bundled sample."""
    target = tmp_path / "scraped"
    shutil.copytree(SAMPLE_DIR / "questions", target / "questions")
    return target


@pytest.fixture(scope="session")
def app(sample_index_dir):
    app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index_dir)})
    yield app
    app.extensions["wrans_index"].close()  # its searcher holds open column files


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def lifecycle_index_dir(tmp_path_factory) -> Path:
    """An index of the invented lifecycle records (holding, corrected, withdrawn, grouped ...)."""
    import json

    from indexer.store import write_record

    data_dir = tmp_path_factory.mktemp("lifecycle-data")
    for path in sorted((FIXTURES / "lifecycle").glob("*.json")):
        write_record(data_dir, json.loads(path.read_text(encoding="utf-8")))
    index_dir = tmp_path_factory.mktemp("lifecycle-index")
    rebuild_index(data_dir, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def lifecycle_index(lifecycle_index_dir) -> SearchIndex:
    index = SearchIndex(lifecycle_index_dir)
    yield index
    index.close()


def client_over(index_dir: Path):
    """Yield a test client of an app over `index_dir`, closing its searcher afterwards."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    yield app.test_client()
    app.extensions["wrans_index"].close()


@pytest.fixture(scope="session")
def lifecycle_client(lifecycle_index_dir):
    yield from client_over(lifecycle_index_dir)


@pytest.fixture(scope="session")
def awkward_client(tmp_path_factory):
    """A client over a temp index of three records with commas, quotes, newlines and formulas."""
    from .awkward import build_awkward_index

    yield from client_over(build_awkward_index(tmp_path_factory))
