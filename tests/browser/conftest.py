"""Browser fixtures: the app as a real process over a temp index, and headless Chromium.

The server is `python -m indexer.cli serve` on a free port, polled on /healthz until
it answers; if it dies or never answers, the test fails with its stderr. Chromium is
Debian's /usr/bin/chromium driven by Playwright; it is never downloaded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO

CHROMIUM = Path(os.environ.get("WRANS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
STARTUP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(process: subprocess.Popen, url: str, stderr_path: Path) -> None:
    """Poll `url` until it answers 200; fail with the server's stderr if it never does."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"wrans serve exited with {process.returncode}:\n{stderr_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"wrans serve did not answer {url} in {STARTUP_SECONDS}s:\n{stderr_path.read_text()}")


@pytest.fixture(scope="session")
def server_url(sample_index_dir, tmp_path_factory) -> str:
    """Base URL of `wrans serve` running as its own process over the sample index."""
    with serving(sample_index_dir, tmp_path_factory.mktemp("server")) as url:
        yield url


@contextmanager
def serving(index_dir: Path, tmp: Path, **env):
    """`wrans serve` over `index_dir` with extra settings `env`; yields its base URL."""
    port = free_port()
    stderr_path = tmp / "stderr.log"
    env = {**os.environ, "WRANS_INDEX_DIR": str(index_dir), "WRANS_HOST": "127.0.0.1", **env}
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "indexer.cli", "serve", "--port", str(port)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, url + "/healthz", stderr_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium with the background-networking flags off."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), "
                    "as .ci/run does, or point WRANS_CHROMIUM at a Chromium binary")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, server_url, viewport=DESKTOP, **options):
    """A page in a fresh context whose console errors collect on `page.errors`."""
    context = browser.new_context(base_url=server_url, viewport=viewport, **options)
    context.set_default_timeout(5000)
    # Keep every request on the loopback: anything else is answered here, never fetched.
    context.route(lambda url: not url.startswith(server_url),
                  lambda route: route.fulfill(status=200, content_type="text/html",
                                              body="<!doctype html><title>Outside</title><h1>Outside</h1>"))
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(f"console: {msg.text}"))
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    return page


@pytest.fixture
def page(browser, server_url):
    page = new_page(browser, server_url)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, server_url):
    page = new_page(browser, server_url, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` in {REPO} (make test does)")
    return AXE_JS.read_text(encoding="utf-8")
