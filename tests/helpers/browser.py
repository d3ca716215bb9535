"""Test helpers shared by several test modules: browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.app import Sandbox
from tests.sandbox.conftest import ANALYST, BENGALURU

# Moved here from tests/sandbox/test_browser.py by move_helpers.py (issue 28).


CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 15_000  # ms: generous, the suite runs in parallel on small machines
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("PODBOT_REQUIRE_BROWSER"),
    reason=f"no browser at {CHROMIUM} (Debian: apt-get install chromium)",
)


@pytest.fixture
def browser_page(sandbox: Sandbox) -> Iterator[Any]:
    """A Chromium page (Playwright driving Debian's chromium) on the sandbox."""
    if not CHROMIUM.exists():
        pytest.fail(f"PODBOT_REQUIRE_BROWSER is set but there is no browser at {CHROMIUM}")
    if os.environ.get("PODBOT_REQUIRE_BROWSER"):
        from playwright import sync_api as playwright_api
    else:
        playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(TIMEOUT)
            page.goto(f"{sandbox.url}/#as={ANALYST}&c={BENGALURU}")
            yield page
        finally:
            browser.close()
