"""A missing or damaged index: every page, the API and the CLI say so and name the command that fixes it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from indexer.index import live_build

from .conftest import SAMPLE_DIR, client_over


def _files(build, pattern):
    found = list(build.glob(pattern))
    assert found, pattern
    return found


def toc_garbage(build):
    for path in _files(build, "*.toc"):
        path.write_bytes(b"garbage")


def toc_empty(build):
    for path in _files(build, "*.toc"):
        path.write_bytes(b"")


def segments_deleted(build):
    for path in _files(build, "*.trm"):
        path.unlink()


def terms_overwritten(build):
    for path in _files(build, "*.trm"):
        path.write_bytes(bytes(range(256)) * (path.stat().st_size // 256 + 1))


def postings_truncated(build):  # opens fine: found only when a query reads postings
    for path in _files(build, "*.pst"):
        path.write_bytes(path.read_bytes()[:10])


def stored_fields_overwritten(build):  # opens fine: found only when a record is read
    for path in _files(build, "*_stored.col"):
        path.write_bytes(b"\0" * 5)


DAMAGE = [toc_garbage, toc_empty, segments_deleted, terms_overwritten, postings_truncated,
          stored_fields_overwritten]
REBUILD = "wrans index --rebuild"


def wrans(*args, index_dir):
    env = {**os.environ, "WRANS_INDEX_DIR": str(index_dir), "WRANS_DATA_DIR": str(SAMPLE_DIR),
           "WRANS_STATE_DIR": str(index_dir.parent / "state")}
    return subprocess.run([sys.executable, "-m", "indexer.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def damaged(sample_index_dir, tmp_path, request):
    index_dir = tmp_path / "index"
    shutil.copytree(sample_index_dir, index_dir, symlinks=True)
    request.param(live_build(index_dir))
    return index_dir


# Whoosh 2.7.4 leaves the file a failed open was reading to the garbage collector,
# which closes it with a ResourceWarning: harmless, and not ours to close.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("damaged", DAMAGE, indirect=True, ids=[d.__name__ for d in DAMAGE])
def test_a_damaged_index_is_a_503_naming_the_rebuild_command(damaged):
    for client in client_over(damaged):
        for url in ["/search?q=department", "/answers/90000001"]:
            response = client.get(url)
            assert response.status_code == 503, url
            soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            assert soup.h1.get_text(strip=True) == "Search is unavailable"
            assert REBUILD in soup.select_one("[role=alert]").get_text(), url
        for url in ["/api/search?q=department", "/api/answers/90000001"]:
            response = client.get(url)
            assert response.status_code == 503, url
            assert REBUILD in response.get_json()["error"]["message"], url
        assert client.get("/").status_code == 200  # the home page still offers the search box


@pytest.mark.parametrize("damaged", DAMAGE, indirect=True, ids=[d.__name__ for d in DAMAGE])
def test_the_cli_names_the_rebuild_command_and_the_rebuild_repairs(damaged):
    result = wrans("search", "department", index_dir=damaged)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("wrans: ") and REBUILD in result.stderr
    assert wrans("index", "--rebuild", index_dir=damaged).returncode == 0
    repaired = wrans("search", "department", index_dir=damaged)
    assert repaired.returncode == 0 and "results for 'department'" in repaired.stdout


def test_a_missing_index_names_the_build_command_everywhere(tmp_path):
    index_dir = tmp_path / "none"
    for client in client_over(index_dir):
        assert "wrans index" in client.get("/answers/90000001").get_data(as_text=True)
        assert "wrans index" in client.get("/api/search?q=x").get_json()["error"]["message"]
        assert client.get("/search.atom?q=x").status_code == 503
    result = wrans("search", "x", index_dir=index_dir)
    assert result.returncode == 1 and "build it with `wrans index`" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("damaged", [toc_garbage], indirect=True, ids=["toc_garbage"])
def test_an_incremental_run_over_a_damaged_index_names_the_rebuild_command(damaged):
    result = wrans("index", index_dir=damaged)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and REBUILD in result.stderr
