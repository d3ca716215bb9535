"""Issue 19 in a real browser, on the seeded demo (read only): the page is usable 1024 px wide
(channel list, messages, composer, thread pane and clock controls inside the window and not
overlapping), a late request's card shows its buttons and its breached badge, and a buyer's
reminder DM offers Post update. The two screenshots of the issue's closing note are taken
here: into test-output/browser/demo/ (a folder of its own: the other browser tests write
beside it, on other workers), or into $PODBOT_SCREENSHOTS (`make screenshots`:
docs/images/)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import PodRow, Request
from tests.helpers.browser import CHROMIUM, TIMEOUT
from tests.helpers.browser import pytestmark as needs_browser
from tests.sandbox.conftest import BENGALURU, BUYER, READS_THE_DEMO, ROOT, SeededDemo

pytestmark = [needs_browser, READS_THE_DEMO]
SHOTS = Path(os.environ.get("PODBOT_SCREENSHOTS") or ROOT / "test-output" / "browser" / "demo")
SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def open_page(demo: SeededDemo) -> Iterator[Any]:
    """`open_page(width, height, fragment)`: a Chromium page on the demo sandbox."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        try:

            def open_page(width: int, height: int, fragment: str) -> Any:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.set_default_timeout(TIMEOUT)
                page.goto(f"{demo.sandbox.url}/#{fragment}")
                return page

            yield open_page
        finally:
            browser.close()


def late_request(demo: SeededDemo) -> tuple[int, str]:
    """Bengaluru's request past its TAT (the demo's "late" one): number and card ts."""
    assert demo.sandbox.runtime is not None
    with demo.sandbox.runtime.db.reading() as session:
        number, ts = session.execute(
            select(Request.id, Request.card_ts)
            .join(PodRow)
            .where(PodRow.key == "bengaluru", Request.stage == "negotiating")
            .where(Request.tat_due_at < demo.seeded_at)
            .order_by(Request.id)
        ).first()  # type: ignore[misc]
    return number, ts


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return dict(found)


def inside(b: dict[str, float], width: int, height: int) -> bool:
    return (
        b["x"] >= 0
        and b["y"] >= 0
        and b["x"] + b["width"] <= width + 0.5
        and b["y"] + b["height"] <= height + 0.5
    )


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"] + 0.5
        or b["x"] + b["width"] <= a["x"] + 0.5
        or a["y"] + a["height"] <= b["y"] + 0.5
        or b["y"] + b["height"] <= a["y"] + 0.5
    )


def test_at_1024_by_768_every_part_of_the_page_is_inside_the_window(
    demo: SeededDemo, open_page: Any
) -> None:
    from playwright.sync_api import expect

    number, card = late_request(demo)
    page = open_page(1024, 768, f"as={BUYER}&c={BENGALURU}&t={card}")
    expect(page.locator("#thread-messages")).to_contain_text(f"REQ-{number}")
    expect(page.locator("#messages .msg").first).to_be_visible()
    parts = {
        "channel list": "#channels",
        "messages": "#messages",
        "composer": "#composer-text",
        "send": "#composer button[type=submit]",
        "thread": "#thread-messages",
        "reply box": "#thread-text",
        "reply button": "#thread-composer button[type=submit]",
        "clock": "#pod-times",
        "+1 day": "button[data-advance='1440']",
        "set the clock": "#set-clock",
    }
    boxes = {name: box(page, selector) for name, selector in parts.items()}
    for name, b in boxes.items():
        assert b["width"] > 0 and b["height"] > 0, name
        assert inside(b, 1024, 768), (name, b)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    # The three columns side by side: channel list and clock | messages and composer | thread.
    for left in ("channel list", "clock", "+1 day", "set the clock"):
        for right in ("messages", "composer", "thread", "reply box"):
            assert not overlap(boxes[left], boxes[right]), (left, right)
    for name in ("messages", "composer", "send"):
        assert not overlap(boxes[name], boxes["thread"]), name
        assert not overlap(boxes[name], boxes["reply box"]), name
    assert not overlap(boxes["messages"], boxes["composer"])
    # The channel keeps room to read a card: at least 420 px between the sidebar and thread.
    assert boxes["messages"]["width"] >= 420, boxes["messages"]
    page.screenshot(path=str(SHOTS / "page-1024.png"))


def test_a_late_cards_buttons_and_breached_badge_and_a_reminder_dms_post_update(
    demo: SeededDemo, open_page: Any
) -> None:
    from playwright.sync_api import expect

    number, _ = late_request(demo)
    page = open_page(1280, 900, f"as={BUYER}&c={BENGALURU}")
    card = page.locator("#messages .msg", has_text=f"REQ-{number} ·").first
    expect(card).to_contain_text("breached")
    for label in ("Post update", "Log quote", "Claim savings", "Close", "Hold"):
        expect(card.locator(".bk-button", has_text=label).first).to_be_visible()
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(SHOTS / "card-buttons-breached.png"))

    page.click("#dms a[data-conversation='D0ROHAN01']")
    reminder = page.locator("#messages .msg", has_text="Update due").last
    expect(reminder).to_contain_text(f"REQ-{number}")
    expect(reminder.locator(".bk-button", has_text="Post update").first).to_be_visible()
    reminder.scroll_into_view_if_needed()
    reminder.screenshot(path=str(SHOTS / "reminder-dm-post-update.png"))
