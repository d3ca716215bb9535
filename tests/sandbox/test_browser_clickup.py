"""Issue 31 in a real browser: a comment typed in the sandbox's ClickUp view, as a person in
ClickUp, arrives once in the card's thread ("💬 via ClickUp — …"), through ClickUp's signed
webhook to podbot. Screenshots in test-output/browser/clickup-comment/."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.app import Sandbox
from tests.sandbox.conftest import ANALYST, BENGALURU, BUYER, shots_folder

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 15_000  # ms: generous, the suite runs in parallel on small machines
LIST = "901500010001"  # POD Bengaluru's list in config/demo.toml

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("PODBOT_REQUIRE_BROWSER"),
    reason=f"no browser at {CHROMIUM} (Debian: apt-get install chromium)",
)


@pytest.fixture
def sandbox_now(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    # podbot refuses webhook bodies a day older than the real now: the sandbox starts there.
    return start_sandbox(at=datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def page(sandbox_now: Sandbox) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"PODBOT_REQUIRE_BROWSER is set but there is no browser at {CHROMIUM}")
    if os.environ.get("PODBOT_REQUIRE_BROWSER"):
        from playwright import sync_api as playwright_api
    else:
        playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            tab = browser.new_page(viewport={"width": 1440, "height": 900})
            tab.set_default_timeout(TIMEOUT)
            yield tab
        finally:
            browser.close()


def test_a_comment_typed_in_the_clickup_view_arrives_in_the_cards_thread(
    sandbox_now: Sandbox, page: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)
    sandbox = sandbox_now
    sandbox.command(ANALYST, "/proc new Kaveri Fintech | Figma | new | 48k", BENGALURU)
    assert sandbox.runtime is not None
    assert sandbox.runtime.outbox_worker.wait_until(
        lambda: bool(sandbox.clickup.api.tasks(LIST)), timeout=30
    )
    shots = shots_folder("clickup-comment")

    # Rohan opens POD Bengaluru's ClickUp list: podbot made the request's task there.
    page.goto(f"{sandbox.url}/#as={BUYER}&c=CLICKUP:bengaluru")
    expect(page.locator("#channel-title")).to_have_text("ClickUp · POD Bengaluru")
    task = page.locator(".cu-task", has_text="Kaveri Fintech · Figma (REQ-1)")
    expect(task.locator(".cu-status")).to_have_text("new request")
    expect(task).to_contain_text("podbot request REQ-1")
    page.screenshot(path=str(shots / "01-clickup-list.png"))

    # He comments there, as he would in ClickUp.
    task.locator("textarea").fill("Vendor sent a 20% discount for a 2-year term")
    task.locator("button", has_text="Comment").click()
    expect(page.locator("#toasts")).to_contain_text("Rohan Mehta commented on")
    expect(task.locator(".cu-comments")).to_contain_text("Rohan Mehta")
    expect(task.locator(".cu-comments")).to_contain_text("20% discount")
    page.screenshot(path=str(shots / "02-commented-in-clickup.png"))

    # The card's thread in Slack has it once, via ClickUp's webhook.
    page.locator(f"[data-conversation={BENGALURU}]").click()
    card = page.locator("#messages .msg", has_text="REQ-1 · Kaveri Fintech · Figma")
    card.locator("[data-open-thread]").first.click()
    thread = page.locator("#thread-messages")
    line = thread.locator(".msg", has_text="via ClickUp")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("20% discount")
    page.screenshot(path=str(shots / "03-arrived-in-the-thread.png"))
