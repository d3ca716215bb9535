"""Issue 19 in a real browser: the sandbox clock keeps its word. `+1 day` from 01:49 passes
through that day's 09:00 in every POD's zone and each channel shows its aging report; setting
the clock back is refused with one clear message; the page works 1024 px wide. Screenshots go
to test-output/browser/clock/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.sandbox.app import Sandbox
from tests.helpers.browser import TIMEOUT, browser_page, pytestmark  # noqa: F401
from tests.sandbox.conftest import ANALYST, shots_folder

CHANNELS = {
    "C0BLR0001": "POD Bengaluru",
    "C0NYC0001": "POD New York",
    "C0LDN0001": "POD London",
}
ANALYSTS = {"C0BLR0001": ANALYST, "C0NYC0001": ANALYST, "C0LDN0001": "U0JAMES01"}
TUESDAY_EARLY = datetime(2026, 11, 24, 1, 49, tzinfo=UTC)  # before 09:00 in every POD


def test_plus_one_day_from_0149_shows_every_pods_aging_report_and_the_clock_never_goes_back(
    sandbox: Sandbox,
    browser_page: Any,  # noqa: F811 (the fixture, imported from test_browser)
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)
    page = browser_page
    shots = shots_folder("clock")
    for channel in CHANNELS:  # the same customer and tool in each POD, on purpose
        text = "/proc new Kaveri Fintech | Figma | new | 48k | again"
        sandbox.command(ANALYSTS[channel], text, channel)
    sandbox.set_clock(TUESDAY_EARLY)  # Monday's reports for London and New York on the way
    expect(page.locator("#pod-times")).to_contain_text("Tue 24 Nov 2026, 01:49")

    page.click("button[data-advance='1440']")
    expect(page.locator("#pod-times")).to_contain_text("Wed 25 Nov 2026, 01:49", timeout=120_000)
    for channel, name in CHANNELS.items():
        page.click(f"#channels a[data-conversation='{channel}']")
        expect(page.locator("#channel-title")).to_contain_text(name.lower().replace(" ", "-"))
        tuesday = page.locator("#messages .msg", has_text=f"Aging report · {name} · Nov 24, 2026")
        expect(tuesday).to_have_count(1)
        expect(tuesday).to_contain_text("REQ-")
    # The page's "Coming up" is Wednesday's reports now, not Tuesday's.
    upcoming = page.locator("#upcoming li", has_text="aging-report")
    expect(upcoming.first).to_contain_text("Wed 25 Nov")

    # A card, and the whole page at 1024 px: nothing runs off to the right.
    page.click("#channels a[data-conversation='C0BLR0001']")
    card = page.locator("#messages .msg", has_text="REQ-1 · Kaveri Fintech · Figma").first
    card.screenshot(path=str(shots / "card.png"))
    report = page.locator("#messages .msg", has_text="Aging report · POD Bengaluru · Nov 24, 2026")
    report.scroll_into_view_if_needed()
    report.screenshot(path=str(shots / "aging-report.png"))
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(page.locator("#messages")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert (
        page.evaluate("document.querySelector('#composer').getBoundingClientRect().right") <= 1024
    )
    page.screenshot(path=str(shots / "page-1024.png"))

    # Setting the clock back is refused: one message, and the clock stays.
    page.select_option("#set-tz", "UTC")
    page.fill("#set-at", "2026-11-24T09:00")
    page.click("#set-clock")
    refusal = page.locator(".toast.error")
    expect(refusal).to_have_count(1)
    expect(refusal).to_contain_text("only moves forward")
    page.screenshot(path=str(shots / "refused-backwards.png"))
    expect(page.locator("#pod-times")).to_contain_text("Wed 25 Nov 2026, 01:49")
    assert sandbox.clock.now() == datetime(2026, 11, 25, 1, 49, tzinfo=UTC)
