"""The App Home tab (SPEC §3a): each role sees exactly its items, Approve/Reject from the Home act
as the thread's buttons, a change republishes the affected Homes once, 100 blocks at most."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks.limits import MAX_VIEW_BLOCKS
from bot.clock import SystemClock
from bot.config import Config, parse_config
from bot.db.models import OutboxKind, OutboxRow, OutboxStatus, SavingsClaim
from bot.db.session import Database
from bot.slack.outbox import Outbox
from tests.commands.conftest import (
    ANALYST,
    BETA_ANALYST,
    BUYER,
    CSM,
    EM,
    STRANGER,
    Proc,
    blocks_text,
)
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.home import buttons, open_home, publishes
from tests.helpers.savings_race import SECOND_EM, race_decisions


@pytest.fixture
def test_config() -> Config:
    """POD Alpha with two ems (an approve from the Home races a reject); the buyer is also
    an analyst of POD Beta (two sections)."""
    text = TEST_CONFIG.read_text().replace(
        'U0EM00001 = "em",', f'U0EM00001 = "em", {SECOND_EM} = "em",', 1
    )
    return parse_config(text, TEST_CONFIG)


def keys(view: dict[str, Any]) -> set[str]:
    import re

    return set(re.findall(r"REQ-\d+", blocks_text(view["blocks"])))


def build(bot: RunningBot) -> dict[str, Any]:
    """REQ-1 and REQ-3 negotiating (BUYER), REQ-3 with a pending claim; REQ-2 in intake;
    REQ-4 won with its term unrecorded; REQ-5 in Beta; a contract renewing next quarter with
    no request, one with one. Then three days pass: REQ-2's qualification is past due by
    more than 24 working hours."""
    proc = Proc(bot)
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    proc(ANALYST, "new Beta Co | Slack | renewal")
    proc(ANALYST, "new Gamma | Zoom | new")
    proc(ANALYST, "qualify 3")
    proc(ANALYST, f"assign 3 <@{BUYER}>")
    proc(BUYER, "savings 3 48000 39500")
    proc(ANALYST, "new Delta | Notion | new")
    proc(ANALYST, "qualify 4")
    proc(ANALYST, f"assign 4 <@{BUYER}>")
    proc(BUYER, "close 4 won")
    proc(BETA_ANALYST, "new Zeta | Asana | new", channel="C0BETA001")
    proc(ANALYST, "contract add Omega | Miro | 12000 | 2027-02-15")
    proc(ANALYST, "contract add Sigma | Jira | 9000 | 2027-03-01")
    proc(ANALYST, "new Sigma | Jira | renewal")
    proc(EM, f"target 2026Q4 <@{BUYER}> 100k")
    bot.runtime.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    with bot.db.transaction() as session:
        claim = session.scalars(select(SavingsClaim)).one()
        return {"claim": claim.id}


def test_each_role_sees_exactly_its_items(bot: RunningBot) -> None:
    ids = build(bot)
    buyer = open_home(bot, BUYER)
    text = blocks_text(buyer["blocks"])
    assert "POD Alpha — buyer" in text and "POD Beta — analyst" in text
    alpha_buyer = text.split("POD Beta")[0]
    assert {"REQ-1", "REQ-3"} <= set(__import__("re").findall(r"REQ-\d+", alpha_buyer))
    assert "REQ-4" not in alpha_buyer and "REQ-2" not in alpha_buyer
    assert ("home_update", "1") in buttons(buyer) and ("home_update", "3") in buttons(buyer)
    assert "update overdue" in alpha_buyer
    assert "Quota 2026Q4" in alpha_buyer and "$100,000" in alpha_buyer
    assert "REQ-5" in text.split("POD Beta")[1]  # Beta's intake, seen as Beta's analyst
    assert not any(a.startswith("savings_") for a, _ in buttons(buyer))

    analyst = open_home(bot, ANALYST)
    text = blocks_text(analyst["blocks"])
    assert keys(analyst) == {"REQ-2", "REQ-4", "REQ-6"}  # intake, breach, term; no negotiations
    assert "To qualify* (2)" in text  # REQ-2 and REQ-6
    assert "qualification TAT was due" in text
    assert "New term not recorded* (1)" in text
    renewals = text.split("with no request")[1]
    assert "Omega" in renewals and "Sigma" not in renewals  # Sigma has its renewal request (REQ-6)
    contract_buttons = [v for a, v in buttons(analyst) if a == "home_open_renewal"]
    assert len(contract_buttons) == 1
    assert not any(a in ("home_update", "savings_approve") for a, _ in buttons(analyst))

    em = open_home(bot, EM)
    text = blocks_text(em["blocks"])
    assert ("savings_approve", str(ids["claim"])) in buttons(em)
    assert ("savings_reject", str(ids["claim"])) in buttons(em)
    assert "Savings claims to decide* (1)" in text and "REQ-3" in text
    assert "POD savings 2026Q4" in text
    assert "Breaches older than 24 working hours* (2)" in text and "REQ-2" in text
    assert "REQ-1" not in text
    assert f"claimed by <@{BUYER}>" in text  # live mentions, not escaped ones

    nobody = open_home(bot, STRANGER)
    assert "not in a procurement POD" in blocks_text(nobody["blocks"])
    assert "csm" in blocks_text(open_home(bot, CSM)["blocks"])


def test_a_pre_approved_intake_waits_on_the_customer_not_on_a_clock(bot: RunningBot) -> None:
    proc = Proc(bot)
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "new Beta Co | Slack | new")
    proc(ANALYST, "preapproval 2 sent to the customer's CFO")
    bot.runtime.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    text = blocks_text(open_home(bot, ANALYST)["blocks"])
    lines = text.splitlines()
    # REQ-1 is 48 working hours past due (and a breach); REQ-2 met its clock by pre-approval.
    to_qualify = lines[lines.index("*To qualify* (2)") + 1 : lines.index("*TAT breaches* (1)")]
    assert to_qualify == [
        "*REQ-1* Acme · Figma",
        ":red_circle: qualification 48 working hours overdue",
        "*REQ-2* Beta Co · Slack",
        ":hourglass: pre-approval sent: waiting on the customer",
    ]
    assert "REQ-2" not in text.split("*TAT breaches*")[1]


def test_open_renewal_and_update_buttons_open_the_modals_prefilled(bot: RunningBot) -> None:
    build(bot)
    analyst = open_home(bot, ANALYST)
    value = next(v for a, v in buttons(analyst) if a == "home_open_renewal")
    assert bot.slack.view_action("home_open_renewal", ANALYST, analyst, value).status == 200
    bot.wait_idle()
    modal = bot.api.calls_to("views.open")[-1].params["view"]
    assert modal["callback_id"] == "intake"
    inputs = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert inputs["customer"]["initial_value"] == "Omega"
    assert inputs["tool"]["initial_value"] == "Miro"
    assert inputs["type"]["initial_option"]["value"] == "renewal"
    assert inputs["amount"]["initial_value"] == "USD 12000"
    assert inputs["renewal_date"]["initial_date"] == "2027-02-15"

    buyer = open_home(bot, BUYER)
    assert bot.slack.view_action("home_update", BUYER, buyer, "1").status == 200
    bot.wait_idle()
    modal = bot.api.calls_to("views.open")[-1].params["view"]
    assert modal["callback_id"] == "update" and "REQ-1" in blocks_text(modal["blocks"])


def test_em_approves_from_home_like_the_thread(bot: RunningBot) -> None:
    ids = build(bot)
    proc = Proc(bot)
    with bot.db.transaction() as session:
        claim = session.get(SavingsClaim, ids["claim"])
        ts = claim.message_ts
    card = proc.card(3)
    card_edits = len([c for c in bot.api.calls_to("chat.update") if c.params["ts"] == card.ts])
    em = open_home(bot, EM)
    buyer_before = len(publishes(bot, BUYER))
    response = bot.slack.view_action("savings_approve", EM, em, str(ids["claim"]))
    assert response.status == 200
    bot.wait_idle()
    with bot.db.transaction() as session:
        claim = session.get(SavingsClaim, ids["claim"])
        assert claim.status == "approved" and claim.decided_by == EM
    edits = [c for c in bot.api.calls_to("chat.update") if c.params["ts"] == ts]
    assert len(edits) == 1 and "Approved by" in blocks_text(edits[0].params["blocks"])
    assert len([c for c in bot.api.calls_to("chat.update") if c.params["ts"] == card.ts]) == (
        card_edits + 1
    )
    told = [m for m in proc.thread(3) if "your savings claim" in m.text]
    assert len(told) == 1 and f"<@{BUYER}>" in told[0].text
    # The em's Home was republished without the claim; the buyer's too (their quota moved).
    assert "No claim waiting" in blocks_text(bot.api.home_view(EM)["blocks"])
    assert len(publishes(bot, BUYER)) == buyer_before + 1
    # A second click from the stale Home: refused by DM, nothing changes.
    assert bot.slack.view_action("savings_approve", EM, em, str(ids["claim"])).status == 200
    bot.wait_idle()
    dm = bot.api.messages(next(c for c, u in bot.api.dms().items() if u == EM))
    assert "already approved" in dm[-1].text
    assert len([c for c in bot.api.calls_to("chat.update") if c.params["ts"] == ts]) == 1


def test_reject_from_home_opens_the_threads_modal(bot: RunningBot) -> None:
    ids = build(bot)
    em = open_home(bot, EM)
    assert bot.slack.view_action("savings_reject", EM, em, str(ids["claim"])).status == 200
    bot.wait_idle()
    modal = bot.api.calls_to("views.open")[-1].params["view"]
    assert modal["callback_id"] == "savings_reject"
    values = {"reason": {"value": {"type": "plain_text_input", "value": "not comparable"}}}
    response = bot.slack.view_submission(
        "savings_reject", values, EM, private_metadata=modal["private_metadata"]
    )
    assert response.status == 200
    bot.wait_idle()
    with bot.db.transaction() as session:
        assert session.get(SavingsClaim, ids["claim"]).status == "rejected"


RACERS = 6


def test_approve_from_home_racing_threads_reject_is_one_decision(
    start_bot: Callable[[str], RunningBot], database_url: str
) -> None:
    bot = start_bot(database_url)
    ids = build(bot)
    with bot.db.transaction() as session:
        claim = session.get(SavingsClaim, ids["claim"])
        channel, ts = claim.message_channel, claim.message_ts
    em = open_home(bot, EM)
    approvals, rejections = race_decisions(
        bot,
        lambda: bot.slack.view_action("savings_approve", EM, em, str(ids["claim"])).status,
        ids["claim"],
        channel,
        RACERS,
    )
    bot.wait_idle()
    assert approvals == [200] * RACERS
    with bot.db.transaction() as session:
        decided = session.get(SavingsClaim, ids["claim"])
    assert decided.status in ("approved", "rejected")
    edits = [c for c in bot.api.calls_to("chat.update") if c.params["ts"] == ts]
    assert len(edits) == 1
    message = bot.api.message(channel, ts)
    told = [
        m
        for m in bot.api.thread(channel, message.thread_ts or ts)
        if "your savings claim" in m.text
    ]
    assert len(told) == 1
    already = f"already {decided.status} by <@{decided.decided_by}>"
    lost_rejects = [r for r in rejections if r is not None]
    assert all(already in r["errors"]["reason"] for r in lost_rejects)
    em_dm = next((c for c, u in bot.api.dms().items() if u == EM), None)
    lost_approvals = [m.text for m in bot.api.messages(em_dm)] if em_dm else []
    assert all(already in text for text in lost_approvals)
    assert len(lost_rejects) + len(lost_approvals) == 2 * RACERS - 1


def test_a_change_republishes_the_affected_homes_once(bot: RunningBot) -> None:
    build(bot)
    proc = Proc(bot)
    before = {u: len(publishes(bot, u)) for u in (BUYER, ANALYST, EM, SECOND_EM, CSM)}
    proc(BUYER, "update 1 Vendor came back at 45k")
    after = {u: len(publishes(bot, u)) for u in before}
    once = {BUYER: 1, ANALYST: 1, EM: 1, SECOND_EM: 1, CSM: 0}
    assert after == {u: before[u] + once[u] for u in before}
    # The buyer's Home shows the update clock reset: REQ-1 no longer overdue.
    view = bot.api.home_view(BUYER)
    rows = [b for b in view["blocks"] if "REQ-1" in blocks_text([b])]
    assert rows and "overdue" not in blocks_text(rows)


def test_pending_home_rows_collapse(test_config: Config, sqlite_url: str) -> None:
    """One pending row per user, however many changes: across transactions and within one;
    a row already being sent does not stand for later changes."""
    from bot.db.pods import sync_pods

    db = Database(sqlite_url)
    with db.transaction() as session:
        sync_pods(session, test_config)
    # The outbox needs the config and the delivery clock its rows are timed on.
    worker = SimpleNamespace(clock=SystemClock())
    outbox = Outbox(SimpleNamespace(config=test_config, outbox_worker=worker))  # type: ignore[arg-type]
    try:
        for _ in range(3):
            with db.transaction() as session:
                outbox.homes(session, [BUYER, EM, BUYER, None])
                outbox.homes(session, [EM])
        with db.transaction() as session:
            rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
            assert [(r.lane, r.kind, r.payload) for r in rows] == [
                (f"home:{BUYER}", OutboxKind.HOME.value, {"user": BUYER}),
                (f"home:{EM}", OutboxKind.HOME.value, {"user": EM}),
            ]
            rows[0].status = OutboxStatus.IN_FLIGHT.value
        with db.transaction() as session:
            outbox.homes(session, [BUYER, EM])
            lanes = session.scalars(select(OutboxRow.lane).order_by(OutboxRow.id)).all()
        assert lanes == [f"home:{BUYER}", f"home:{EM}", f"home:{BUYER}"]
    finally:
        db.dispose()


def test_home_of_a_buyer_with_200_requests_fits_in_100_blocks(bot: RunningBot) -> None:
    from bench.home_publish import seed

    with bot.db.transaction() as session:
        seed(session, bot.runtime.config, BUYER, 200, bot.runtime.clock.now())
    view = open_home(bot, BUYER)
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert "and 192 more — `/proc mine`" in blocks_text(view["blocks"])
