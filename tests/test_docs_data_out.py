"""The README's "Data out" section documents every data route, the cap and the CSV columns."""

import re

from indexer.export import MAX_EXPORT_ROWS
from indexer.serialize import CSV_COLUMNS
from webapp.openapi import openapi_document

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Data out", 1)[-1].split("\n## ", 1)[0]


def test_every_documented_route_is_in_the_readme():
    routes = [re.sub(r"{(\w+)}", r"<\1>", path) for path in openapi_document()["paths"]]
    assert [r for r in routes if f"`{r}`" not in SECTION] == []


def test_readme_names_the_cap_and_every_csv_column():
    assert f"{MAX_EXPORT_ROWS:,} rows" in SECTION and "`WRANS_EXPORT_MAX_ROWS`" in SECTION
    assert [c for c in CSV_COLUMNS if f"`{c}`" not in SECTION] == []


def test_readme_curl_examples_hit_real_routes(client):
    for url in re.findall(r"curl [^']*'http://127\.0\.0\.1:5000([^']+)'", SECTION):
        assert client.get(url).status_code == 200, url
