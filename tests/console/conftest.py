"""Fixtures of the console tier: a live server and a real headless Chromium driven by Playwright.

Chromium is Debian's (`/usr/bin/chromium`, installed by scripts/test-services); Playwright's
Python package only drives it. Locally the tier skips without it; in CI it may not.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from live_server import Server

CHROMIUM = os.environ.get("GLUERUN_TEST_CHROMIUM") or shutil.which("chromium") or ""
#: flags for a headless browser on a machine with no network beyond loopback
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("console-server") / "data")
    srv.start()
    yield srv
    srv.shutdown()


@pytest.fixture(scope="module")
def glue(server: Server) -> Any:
    return server.client()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium: console tests may not skip in CI")
        pytest.skip("no chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(base_url=server.endpoint, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    elsewhere: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("request", lambda request: elsewhere.extend(offsite(request.url, server.endpoint)))
    yield tab
    context.close()
    assert not errors, f"the page raised: {errors}"
    assert not elsewhere, f"the console asked another host (it must work offline): {elsewhere}"


def offsite(url: str, endpoint: str) -> list[str]:
    """`[url]` unless it is the server's own or inline data: the console uses no CDN."""
    return [] if url.startswith((endpoint + "/", "data:")) else [url]
