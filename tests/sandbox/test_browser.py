"""Issue 8 in a real browser: podbot's whole job on the sandbox page, clicked through in Chromium.

As an analyst create a request with the modal (its validation first), qualify and assign it;
as the buyer post an update and a savings claim; as a buyer click Approve (refused); as the em
approve; then move the clock to the next working day 09:00 and read the aging report. Each step
is asserted on the page's content and saved as a screenshot in
test-output/browser/intake-to-approval/ (each browser test has a folder of its own).
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.app import Sandbox
from tests.helpers import browser
from tests.helpers.browser import TIMEOUT
from tests.sandbox.conftest import ANALYST, BENGALURU, BUYER, EM, OTHER_BUYER, shots_folder

browser_page = browser.browser_page
pytestmark = browser.pytestmark


class Steps:
    """Screenshots numbered in the order the steps happen."""

    def __init__(self, page: Any, folder: str) -> None:
        self.page = page
        self.number = 0
        self.folder = shots_folder(folder)

    def shot(self, name: str) -> None:
        self.number += 1
        self.page.screenshot(path=str(self.folder / f"{self.number:02d}-{name}.png"))


def act_as(page: Any, user: str) -> None:
    changing = page.eval_on_selector("#as", "el => el.value") != user
    before = page.text_content("#me-roles")
    page.select_option("#as", user)
    page.wait_for_function(f"document.querySelector('#as').value === '{user}'")
    if changing:
        # The page has loaded the new person's state (a refresh for the one before may still
        # have been on its way when the picker changed).
        page.wait_for_function(
            "(b) => document.querySelector('#me-roles').textContent !== b", arg=before
        )


def type_in(page: Any, composer: str, text: str) -> None:
    page.fill(composer, text)
    page.press(composer, "Enter")
    page.wait_for_function(f"document.querySelector('{composer}').value === ''")


def test_a_request_from_intake_to_approved_savings_and_the_next_aging_report(
    sandbox: Sandbox, browser_page: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)
    page = browser_page
    steps = Steps(page, "intake-to-approval")
    expect(page.locator("#channel-title")).to_have_text("# pod-bengaluru")
    expect(page.locator("#me-roles")).to_contain_text("@priya")
    steps.shot("analyst-in-pod-channel")

    # The analyst opens the intake modal; an empty form is refused field by field.
    type_in(page, "#composer-text", "/proc new")
    modal = page.locator("#modal")
    expect(modal.locator("#modal-title")).to_have_text("New request")
    page.click("#modal-submit")
    expect(modal.locator("[data-input-block=customer] .field-error")).to_contain_text("customer")
    expect(modal.locator("[data-input-block=type] .field-error")).to_be_visible()
    steps.shot("intake-modal-validation")

    modal.locator("[data-block-id=customer]").fill("Kaveri Fintech")
    modal.locator("[data-block-id=tool]").fill("Figma")
    modal.get_by_label("New purchase").check()
    modal.locator("[data-block-id=amount]").fill("48k")
    modal.locator("[data-block-id=notes]").fill("40 editor seats; design team grows in Q1.")
    steps.shot("intake-modal-filled")
    page.click("#modal-submit")
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    card = page.locator("#messages .msg", has_text="REQ-1 · Kaveri Fintech · Figma")
    expect(card).to_contain_text("Intake")
    expect(card).to_contain_text("$48,000")

    # Qualify and assign with commands; the card is edited in place.
    type_in(page, "#composer-text", "/proc qualify REQ-1")
    expect(page.locator(".msg.ephemeral", has_text="REQ-1 is qualified")).to_be_visible()
    type_in(page, "#composer-text", "/proc assign REQ-1 @rohan")
    expect(page.locator(".msg.ephemeral", has_text="assigned to @Rohan Mehta")).to_be_visible()
    expect(card).to_contain_text("Negotiating")
    expect(card).to_contain_text("@Rohan Mehta")
    steps.shot("qualified-and-assigned")

    # The buyer posts an update and a savings claim, from the card's thread.
    act_as(page, BUYER)
    expect(page.locator("#me-roles")).to_contain_text("@rohan")
    card.locator("[data-open-thread]").first.click()
    thread = page.locator("#thread-messages")
    expect(thread).to_contain_text("Assigned to")
    type_in(
        page, "#thread-text", "/proc update REQ-1 Vendor opened at 46k; asked for 2-year pricing."
    )
    expect(thread).to_contain_text("Vendor opened at 46k")
    type_in(page, "#thread-text", "/proc savings REQ-1 48000 40800")
    # Typed in the thread, the command's ack shows there too, to the buyer only.
    expect(thread.locator(".msg.ephemeral", has_text="Savings claim")).to_be_visible()
    posted = thread.locator(".msg:not(.ephemeral)", has_text="Approve")
    expect(posted).to_contain_text("$7,200")
    claim = thread.locator(f".msg[data-ts='{posted.get_attribute('data-ts')}']")
    expect(claim.locator("button", has_text="Approve")).to_be_visible()
    steps.shot("buyer-update-and-savings-claim")

    # Another buyer clicks Approve: refused, only to them, and nothing changes.
    act_as(page, OTHER_BUYER)
    claim.locator("button", has_text="Approve").click()
    refusal = thread.locator(".msg.ephemeral", has_text="Only an em")
    expect(refusal).to_be_visible()
    expect(claim.locator("button", has_text="Approve")).to_be_visible()
    steps.shot("buyer-approve-refused")

    # The em approves: the claim message loses its buttons, the card shows the savings.
    act_as(page, EM)
    expect(page.locator(".msg.ephemeral", has_text="Only an em")).to_have_count(0)
    claim.locator("button", has_text="Approve").click()
    expect(claim).to_contain_text("Approved by @Ananya Rao")
    expect(claim.locator("button.bk-button")).to_have_count(0)
    expect(thread.locator(".msg", has_text="approved").last).to_contain_text("@Rohan Mehta")
    expect(card).to_contain_text("$7,200")
    steps.shot("em-approved")

    # Next working day 09:00 in Bengaluru: the scheduler's aging report is posted.
    page.click("#thread-close")
    page.select_option("#morning-pod", "bengaluru")
    page.click("#next-morning")
    # The move runs every job it passes (Monday's London and New York reports, TAT alerts…).
    expect(page.locator("#pod-times")).to_contain_text("Tue 24 Nov 2026, 09:00", timeout=120_000)
    report = page.locator("#messages .msg", has_text="Aging report")
    expect(report).to_contain_text("REQ-1")
    expect(report).to_contain_text("Kaveri Fintech")
    report.scroll_into_view_if_needed()
    steps.shot("next-morning-aging-report")

    assert sorted(p.name for p in steps.folder.glob("*.png")) == [
        "01-analyst-in-pod-channel.png",
        "02-intake-modal-validation.png",
        "03-intake-modal-filled.png",
        "04-qualified-and-assigned.png",
        "05-buyer-update-and-savings-claim.png",
        "06-buyer-approve-refused.png",
        "07-em-approved.png",
        "08-next-morning-aging-report.png",
    ]


def test_an_em_approves_a_claim_from_their_home(sandbox: Sandbox, browser_page: Any) -> None:
    """The Home tab in the sandbox: opening it sends app_home_opened, Approve on it acts as the
    thread's button (claim message edited, buyer told), and the Home is republished."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)
    for user, text in (
        (ANALYST, "/proc new Kaveri Fintech | Figma | new | 48k"),
        (ANALYST, "/proc qualify REQ-1"),
        (ANALYST, "/proc assign REQ-1 @rohan"),
        (BUYER, "/proc savings REQ-1 48000 40800"),
    ):
        sandbox.command(user, text, BENGALURU)
    page = browser_page
    act_as(page, EM)
    page.click("#open-home")
    home = page.locator("#messages .home-view")
    expect(home).to_contain_text("Savings claims to decide (1)")
    expect(home).to_contain_text("REQ-1")
    shots = shots_folder("home-approve")
    page.screenshot(path=str(shots / "home-before-approve.png"))
    home.locator("button[data-action-id=savings_approve]").click()
    expect(home).to_contain_text("No claim waiting for a decision.")
    page.screenshot(path=str(shots / "home-approved.png"))
    # The Home (its own lane) can be republished before the thread's lines are delivered: wait
    # for the buyer's line as deliveries end (not for the queue to look idle at one instant).
    sandbox.wait_idle()
    card = sandbox.api.messages(BENGALURU)[0]

    def told() -> bool:
        return any("your savings claim" in m.text for m in sandbox.api.thread(BENGALURU, card.ts))

    assert sandbox.runtime is not None
    sandbox.runtime.outbox_worker.wait_until(told, timeout=30)
    thread = sandbox.api.thread(BENGALURU, card.ts)
    assert sum("your savings claim" in m.text for m in thread) == 1
    claim = next(m for m in thread if "Approved by" in str(m.blocks))
    assert claim.edited_ts is not None


def test_a_card_is_assigned_from_its_picker_and_a_thread_message_is_logged_as_an_update_from_its_menu(  # noqa: E501
    sandbox: Sandbox, browser_page: Any
) -> None:
    """Issue 27, item 9: the card's Assign menu offers the POD's buyers and choosing one assigns
    (a signed block_actions with the option chosen); a message's "…" menu offers the app's
    message shortcuts, and Log as update on a thread message (a signed message_action) opens
    the update modal with its text, which posts it in the request's thread."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT)
    for text in ("/proc new Kaveri Fintech | Figma | new | 48k", "/proc qualify REQ-1"):
        sandbox.command(ANALYST, text, BENGALURU)
    page = browser_page
    steps = Steps(page, "assign-and-log-as-update")

    # The analyst picks Rohan from the qualified card's menu of POD Bengaluru's buyers.
    card = page.locator("#messages .msg", has_text="REQ-1 · Kaveri Fintech · Figma")
    picker = card.locator("select[data-action-id=card_assign]")
    expect(picker).to_be_enabled()
    expect(picker.locator("option:not([disabled])")).to_have_text(["Rohan Mehta", "Kavya Iyer"])
    steps.shot("qualified-card-buyer-menu")
    picker.select_option(label="Rohan Mehta")
    expect(
        page.locator(".msg.ephemeral", has_text="REQ-1 is assigned to @Rohan Mehta")
    ).to_be_visible()
    expect(card).to_contain_text("Negotiating")
    expect(card.locator("button", has_text="Post update")).to_be_visible()
    expect(card.locator("select")).to_have_count(0)
    steps.shot("assigned-from-the-menu")

    # Rohan says where things stand in the card's thread, then logs it from the message's "…".
    act_as(page, BUYER)
    card.locator("[data-open-thread]").first.click()
    thread = page.locator("#thread-messages")
    expect(thread).to_contain_text("Assigned to")
    type_in(page, "#thread-text", "Vendor came back at 45k for a 2-year term")
    typed = thread.locator(".msg:not(.ephemeral)", has_text="Vendor came back at 45k")
    expect(typed).to_have_count(1)
    said = thread.locator(f".msg[data-ts='{typed.get_attribute('data-ts')}']")
    said.hover()
    said.locator("button[data-more]").click()
    menu = page.locator("#message-menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem")).to_have_text(["Log as update"])
    steps.shot("message-menu")
    menu.get_by_role("menuitem", name="Log as update").click()
    expect(menu).to_be_hidden()
    modal = page.locator("#modal")
    expect(modal.locator("#modal-title")).to_have_text("Daily update")
    expect(modal).to_contain_text("REQ-1 · Kaveri Fintech · Figma")
    status = modal.locator("[data-block-id=status]")
    expect(status).to_have_value("Vendor came back at 45k for a 2-year term")
    steps.shot("log-as-update-modal")
    page.click("#modal-submit")
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    update = thread.locator(".msg:not(.ephemeral)").last
    expect(update).to_contain_text("Update from @Rohan Mehta")
    expect(update).to_contain_text("Vendor came back at 45k for a 2-year term")
    expect(update.locator("a.permalink", has_text="Original message")).to_be_visible()
    expect(
        thread.locator(".msg.ephemeral", has_text="Update posted in REQ-1's thread")
    ).to_be_visible()
    steps.shot("logged-as-an-update")

    assert sorted(p.name for p in steps.folder.glob("*.png")) == [
        "01-qualified-card-buyer-menu.png",
        "02-assigned-from-the-menu.png",
        "03-message-menu.png",
        "04-log-as-update-modal.png",
        "05-logged-as-an-update.png",
    ]
