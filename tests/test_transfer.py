"""Responses over the wire: compressed when accepted (streams too), revalidated with 304s.

Over the Flask test client on the real sample index; the index-change test builds
its own index and indexes one more record into it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import zlib
from contextlib import contextmanager

import brotli
import pytest

from indexer.index import rebuild_index, update_index
from indexer.store import write_record
from webapp import create_app

# One of each kind the site sends: pages, the JSON API, streamed downloads, the feed, CSS.
KINDS = [
    ("/search?q=Sudan", "text/html", False),
    ("/answers/1679416", "text/html", False),
    ("/api/search?q=tax", "application/json", False),
    ("/api/answers/1679416", "application/json", False),
    ("/search.csv", "text/csv", True),
    ("/search.json?q=tax", "application/json", True),
    ("/search.atom?q=tax", "application/atom+xml", False),
    ("/static/wrans.css", "text/css", False),
]
VALIDATED = [url for url, _mime, _streamed in KINDS if not url.startswith("/static/")] + [
    "/", "/api/openapi.json"]
DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress}


@contextmanager
def client_over(index_dir):
    """A test client of an app over `index_dir`; its searcher is closed even when a check fails."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    try:
        yield app.test_client()
    finally:
        app.extensions["wrans_index"].close()


def body(response) -> bytes:
    with response:
        return response.get_data()


@pytest.mark.parametrize("url, mime, streamed", KINDS)
@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_every_kind_is_compressed_when_the_client_accepts_it(client, url, mime, streamed, coding):
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": f"{coding}, deflate"})
    assert (plain.mimetype, packed.mimetype) == (mime, mime)
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    if streamed and coding == "br":  # brotli would hold a stream's output to its end: gzip only
        assert "Content-Encoding" not in packed.headers
        body(plain), body(packed)
        return
    assert packed.headers["Content-Encoding"] == coding
    assert ("Content-Length" in packed.headers) != streamed  # a stream's size is unknown until its end
    plain_bytes, packed_bytes = body(plain), body(packed)
    assert len(packed_bytes) < len(plain_bytes) / 2
    unpacked = DECODERS[coding](packed_bytes)
    if mime == "text/html":  # the results page times its search: compare all but that
        assert len(unpacked) == pytest.approx(len(plain_bytes), abs=8)
    else:
        assert unpacked == plain_bytes


@pytest.fixture(scope="module")
def client_of_120(tmp_path_factory):
    """A client over 120 synthetic answers: more than one of the CSV's 100-row chunks."""
    from bench import corpus

    data_dir, index_dir = tmp_path_factory.mktemp("data-120"), tmp_path_factory.mktemp("index-120")
    corpus.write_records(data_dir, range(120), 120, seed=7)
    rebuild_index(data_dir, index_dir, procs=1)
    with client_over(index_dir) as client:
        yield client


@pytest.mark.parametrize("url", ["/search.csv", "/search.json"])
def test_streamed_downloads_are_compressed_as_they_stream_not_buffered_whole(client_of_120, url):
    response = client_of_120.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and "Content-Length" not in response.headers
    chunks = iter(response.response)
    unpack, head = zlib.decompressobj(wbits=31), b""
    while len(head) < 20:  # what the first compressed chunks hold, before the stream ends
        head += unpack.decompress(next(chunks))
    rest = b"".join(chunks)
    response.close()
    assert rest, "everything arrived in the first chunks: the stream was buffered whole"
    whole = head + unpack.decompress(rest) + unpack.flush()
    assert head.startswith(b"\xef\xbb\xbfid,uin,house" if url.endswith("csv") else b'{"query": ""')
    with client_of_120.get(url) as plain:
        assert whole == plain.get_data()


@pytest.mark.parametrize("url", ["/healthz", "/api/answers/1"])
def test_tiny_or_error_bodies_are_not_compressed(client, url):
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers


def test_clients_that_refuse_compression_get_plain_bodies(client):
    response = client.get("/search?q=Sudan", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers and b"<html" in body(response)


@pytest.mark.parametrize("url", VALIDATED)
def test_pages_and_data_twins_revalidate_with_304(client, url):
    first = client.get(url)
    etag, weak = first.get_etag()
    assert weak and etag and first.last_modified and first.cache_control.no_cache
    body(first)
    again = client.get(url, headers={"If-None-Match": f'W/"{etag}"'})
    assert again.status_code == 304 and body(again) == b""
    assert again.get_etag() == (etag, True)
    since = first.headers["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": since}).status_code == 304
    earlier = first.last_modified - dt.timedelta(seconds=1)
    assert client.get(url, headers={"If-Modified-Since": _http_date(earlier)}).status_code == 200
    other = client.get(url, headers={"If-None-Match": 'W/"someone-elses"', "If-Modified-Since": since})
    assert other.status_code == 200  # If-None-Match decides when both are sent
    body(other)


def test_each_url_has_its_own_etag(client):
    urls = [*VALIDATED, "/search?q=tax", "/search?q=Sudan&sort=newest", "/search?sort=newest&q=Sudan"]
    tags = {client.get(url).get_etag()[0] for url in urls}
    assert len(tags) == len(urls)


def test_a_304_runs_no_search_and_takes_no_search_slot(sample_index_dir):
    with client_over(sample_index_dir) as client:
        etag = client.get("/search?q=Sudan").get_etag()[0]
        slots = client.application.extensions["wrans_search_slots"]
        for _ in range(slots.limit):  # every slot busy: a search now would be refused
            slots.acquire()
        try:
            assert client.get("/search?q=Sudan").status_code == 503
            assert client.get("/search?q=Sudan", headers={"If-None-Match": f'W/"{etag}"'}).status_code == 304
        finally:
            for _ in range(slots.limit):
                slots.release()


def test_indexing_another_record_invalidates_the_validators(data_dir, tmp_path):
    records = sorted((data_dir / "questions").rglob("*.json"))
    held_back = tmp_path / records[0].name
    shutil.move(records[0], held_back)
    index_dir = tmp_path / "index"
    rebuild_index(data_dir, index_dir)
    with client_over(index_dir) as client:
        first = client.get("/search.json")
        etag, documents = first.get_etag()[0], first.get_json()["total"]
        revalidate = {"If-None-Match": f'W/"{etag}"'}
        assert client.get("/search.json", headers=revalidate).status_code == 304
        write_record(data_dir, json.loads(held_back.read_text()))  # as a scrape stores it
        update_index(data_dir, index_dir)
        fresh = client.get("/search.json", headers=revalidate)
        assert fresh.status_code == 200 and fresh.get_etag()[0] != etag
        assert fresh.get_json()["total"] == documents + 1


def test_errors_and_unindexed_apps_carry_no_validators(client, tmp_path):
    assert client.get("/search?q=x&page=abc").get_etag() == (None, None)
    assert client.get("/answers/1").get_etag() == (None, None)
    with client_over(tmp_path / "none") as missing:
        response = missing.get("/search?q=tax", headers={"If-None-Match": "*"})
        assert response.status_code == 503 and response.get_etag() == (None, None)


def test_code_version_changes_with_any_template_or_source(tmp_path):
    from webapp.transfer import code_version

    (tmp_path / "base.html").write_text("<p>one</p>")
    (tmp_path / "notes.txt").write_text("ignored")
    before = code_version([tmp_path])
    (tmp_path / "notes.txt").write_text("still ignored")
    assert code_version([tmp_path])[0] == before[0]
    (tmp_path / "base.html").write_text("<p>two</p>")
    assert code_version([tmp_path])[0] != before[0]


def _http_date(moment: dt.datetime) -> str:
    from werkzeug.http import http_date

    return http_date(moment)
