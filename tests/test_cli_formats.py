"""`wrans search --format json|csv`, run as a process, uses the web app's serialisers."""

import csv
import io
import json

from indexer.serialize import CSV_COLUMNS

from .test_cli import wrans


def test_format_csv_prints_a_header_and_one_row_per_answer(sample_index_dir):
    env = {"WRANS_INDEX_DIR": str(sample_index_dir)}
    out = wrans("search", "Sudan", "--format", "csv", "--limit", "3", env_extra=env).stdout
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == list(CSV_COLUMNS) and len(rows) == 1 + 3
    total = json.loads(wrans("search", "Sudan", "--format", "json", env_extra=env).stdout)["total"]
    everything = wrans("search", "Sudan", "--format", "csv", "--limit", "10000", env_extra=env).stdout
    assert len(list(csv.reader(io.StringIO(everything, newline="")))) == 1 + total


def test_format_json_is_the_api_shape_and_json_is_its_alias(sample_index_dir, client):
    env = {"WRANS_INDEX_DIR": str(sample_index_dir)}
    args = ("search", "Sudan", "--limit", "20")
    by_format = json.loads(wrans(*args, "--format", "json", env_extra=env).stdout)
    by_flag = json.loads(wrans(*args, "--json", env_extra=env).stdout)
    by_api = client.get("/api/search?q=Sudan").get_json()
    # Which fragments make a snippet can vary between processes (ties), so compare the rest.
    for data in (by_format, by_flag, by_api):
        assert all(isinstance(result.pop("snippet"), str) for result in data["results"])
    assert by_format == by_flag == by_api


def test_format_text_shows_matches_in_brackets_without_markup(sample_index_dir):
    out = wrans("search", "criminal gangs", env_extra={"WRANS_INDEX_DIR": str(sample_index_dir)}).stdout
    assert "[criminal]" in out and "[gangs]" in out
    assert "<mark" not in out and "</mark>" not in out and "&amp;" not in out
