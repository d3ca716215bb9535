"""SPEC §4: savings claims in the request's thread, decided once by an em with buttons."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.commands.conftest import ANALYST, BUYER, EM, Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.savings import (
    actions_of,
    claim_message,
    claims,
    click,
    ephemerals_to,
    negotiating,
)


def test_a_claim_is_posted_in_the_thread_with_figures_and_buttons(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    reply = proc(BUYER, f"savings REQ-{number} 48000 39500")
    assert reply.startswith(
        "Savings claim of $8,500 (17.7%) on REQ-1 posted in its thread for <@U0EM00001>"
    )
    message = claim_message(proc, number)
    assert message.thread_ts == proc.card(number).ts
    shown = blocks_text(message.blocks)
    assert "*Cost savings claim* on *REQ-1* by <@U0BUY0001>" in shown
    assert "*$8,500 (17.7%)* saved · $48,000 → $39,500" in shown
    assert "Benchmark for Figma: no other approved Figma claims yet." in shown
    assert "No competing quotes recorded — no alternative considered." in shown
    assert "<@U0EM00001>: approve or reject?" in shown
    assert actions_of(message) == ["savings_approve", "savings_reject"]
    (claim,) = claims(bot)
    assert (claim.status, claim.baseline, claim.final, claim.kind) == (
        "pending", Decimal("48000"), Decimal("39500"), "savings"
    )  # fmt: skip


def test_a_buyer_click_is_refused_and_changes_nothing(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(BUYER, f"savings {number} 48k 40k")
    message = claim_message(proc, number)
    updates_before = len(bot.api.calls_to("chat.update"))
    click(bot, BUYER, "savings_approve", message)
    assert ephemerals_to(bot, BUYER) == [
        ":warning: Only an em of POD Alpha may approve or reject savings claims."
    ]
    assert len(bot.api.calls_to("chat.update")) == updates_before
    assert [c.status for c in claims(bot)] == ["pending"]


def test_the_em_approves_and_everything_shows_it(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(BUYER, f"savings {number} 48000 39500")
    message = claim_message(proc, number)
    click(bot, EM, "savings_approve", message)
    (claim,) = claims(bot)
    assert (claim.status, claim.decided_by) == ("approved", EM)
    edited = bot.api.message(message.channel, message.ts)
    assert actions_of(edited) == []
    assert ":white_check_mark: Approved by <@U0EM00001> · <!date^" in blocks_text(edited.blocks)
    assert "Approved savings" in blocks_text(proc.card(number).blocks)
    assert "$8,500" in blocks_text(proc.card(number).blocks)
    told = proc.thread(number)[-1].text
    assert told.startswith(":tada: <@U0BUY0001> your savings claim of $8,500 (17.7%) was approved")
    assert "approved savings" in blocks_text(proc.answer(EM, f"status {number}")["blocks"])

    # A second click (or a stale message) gets who decided first, and nothing changes.
    updates = len(bot.api.calls_to("chat.update"))
    click(bot, EM, "savings_approve", message)
    assert ephemerals_to(bot, EM)[-1].startswith(
        ":warning: This claim was already approved by <@U0EM00001> at <!date^"
    )
    assert len(bot.api.calls_to("chat.update")) == updates


def test_reject_asks_for_a_reason_in_a_modal(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(BUYER, f"savings {number} 48000 39500 avoidance")
    message = claim_message(proc, number)
    click(bot, EM, "savings_reject", message)
    call = bot.api.calls_to("views.open")[-1]
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "savings_reject"

    def submit(reason: str) -> Any:
        values = {"reason": {"value": {"type": "plain_text_input", "value": reason}}}
        response = bot.slack.view_submission(
            "savings_reject", values, EM, private_metadata=view["private_metadata"]
        )
        bot.wait_idle()
        return response.json() if response.body else None

    assert submit("   ") == {
        "response_action": "errors",
        "errors": {"reason": "Say why the claim is rejected."},
    }
    assert [c.status for c in claims(bot)] == ["pending"]
    assert submit("Baseline was list price, not a real quote") is None
    (claim,) = claims(bot)
    assert (claim.status, claim.reason) == ("rejected", "Baseline was list price, not a real quote")
    edited = blocks_text(bot.api.message(message.channel, message.ts).blocks)
    assert ":no_entry: Rejected by <@U0EM00001>" in edited
    assert "Baseline was list price, not a real quote" in edited
    assert "*Cost avoidance claim*" in edited
    # An avoidance claim says "avoided", never "saved", on its message and in the thread.
    assert "*$8,500 (17.7%)* avoided · $48,000 → $39,500" in edited
    assert "saved" not in edited
    assert proc.thread(number)[-1].text == (
        ":no_entry: <@U0BUY0001> your cost-avoidance claim of $8,500 (17.7%) was rejected by "
        "<@U0EM00001>: Baseline was list price, not a real quote"
    )


def test_a_new_claim_supersedes_the_pending_one(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(BUYER, f"savings {number} 48000 42000")
    first = claim_message(proc, number)
    reply = proc(BUYER, f"savings {number} 48000 39000")
    # The claim it replaces is named by its kind and amount, not by an internal id.
    assert reply.endswith(" It supersedes the pending savings claim of $6,000 (12.5%).")
    old = bot.api.message(first.channel, first.ts)
    assert actions_of(old) == []
    assert ":fast_forward: Superseded by a newer claim on this request (below)." in blocks_text(
        old.blocks
    )
    assert "#" not in blocks_text(old.blocks)
    timeline = blocks_text(proc.answer(BUYER, f"status {number}")["blocks"])
    assert "superseded a savings claim: $6,000 (12.5%) replaced by $9,000 (18.8%)" in timeline
    assert [(c.status, c.superseded_by_id) for c in claims(bot)] == [
        ("superseded", 2),
        ("pending", None),
    ]
    click(bot, EM, "savings_approve", first)  # a stale client still shows the old buttons
    assert ephemerals_to(bot, EM)[-1] == (
        ":warning: This claim was superseded by a newer claim in the same thread; "
        "decide on that one."
    )


def test_the_benchmark_is_the_mean_of_approved_claims_for_the_tool(
    bot: RunningBot, proc: Proc
) -> None:
    for customer, final in (("Acme", "90"), ("Globex", "80")):  # 10% and 20% saved
        number = negotiating(proc, customer, "Figma")
        proc(BUYER, f"savings {number} 100 {final}")
        click(bot, EM, "savings_approve", claim_message(proc, number))
    number = negotiating(proc, "Initech", "figma")
    proc(BUYER, f"quote {number} Reseller One 95")
    proc(BUYER, f"savings {number} 100 82")  # 18%
    shown = blocks_text(claim_message(proc, number).blocks)
    assert (
        "Benchmark for figma: 15.0% average of 2 approved claims for figma across 2 customers · "
        "this claim is 120.0% of it." in shown
    )
    assert "1 competing quote recorded." in shown


def test_an_em_cannot_approve_their_own_claim(bot: RunningBot, proc: Proc) -> None:
    # POD Alpha has one em and no fallback approver: nobody could decide the em's own claim,
    # so it is refused when made (the fallback approver: tests/commands/test_savings_fallback.py).
    number = negotiating(proc)
    reply = proc(EM, f"savings {number} 48k 40k")
    assert "You are the only em of POD Alpha and it has no fallback approver" in reply
    assert claims(bot) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("savings {n} 40000 48000", "must be below the baseline"),
        ("savings {n} 40000 40000", "must be below the baseline"),
        ("savings {n} 0 0", "The baseline must be more than 0."),
        ("savings {n} 48000 -5", "is negative"),
        ("savings {n} EUR 48k 40k", "give both in the same currency"),
        ("savings {n} 48k", "Give the baseline and the final price."),
        ("savings {n} 48k 40k maybe", "where a 3-letter currency code like EUR belongs"),
    ],
)
def test_claim_rules_are_refused_with_the_usage(
    bot: RunningBot, proc: Proc, text: str, says: str
) -> None:
    number = negotiating(proc)
    posts = len(bot.api.calls_to("chat.postMessage"))
    reply = proc(BUYER, text.format(n=number))
    assert reply.startswith(":warning: ") and says in reply
    assert reply.endswith(
        "Usage: `/proc savings REQ <baseline> <final> [avoidance] [| additional] [right-sizing]`"
    )
    assert claims(bot) == []
    assert len(bot.api.calls_to("chat.postMessage")) == posts


def test_claims_need_a_negotiating_or_won_request(bot: RunningBot, proc: Proc) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    assert "savings are claimed while negotiating or once won" in proc(EM, "savings 1 48k 40k")
    number = negotiating(proc, "Globex")
    proc(BUYER, f"close {number} lost")
    assert "is closed lost" in proc(BUYER, f"savings {number} 48k 40k")
    number = negotiating(proc, "Initech")
    proc(BUYER, f"close {number} won")
    assert proc(BUYER, f"savings {number} 48k 40k").startswith("Savings claim of $8,000")


def test_only_the_assigned_buyer_or_an_em_may_claim(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    assert "Only the assigned buyer or an em may do that" in proc(ANALYST, f"savings {number} 2 1")


def test_buttons_keep_working_after_a_restart(
    bot: RunningBot, proc: Proc, start_bot: Any, sqlite_url: str
) -> None:
    number = negotiating(proc)
    proc(BUYER, f"savings {number} 48000 39500")
    message = claim_message(proc, number)
    restarted = start_bot(sqlite_url)  # a new process on the same database
    click(restarted, EM, "savings_approve", message)
    assert [c.status for c in claims(bot)] == ["approved"]
    assert actions_of(bot.api.message(message.channel, message.ts)) == []


def test_the_card_shows_approved_savings_in_the_claims_currency(
    bot: RunningBot, proc: Proc
) -> None:
    # POD Alpha's default currency is USD; the claim is in euros, and so must the card be.
    number = negotiating(proc)
    reply = proc(BUYER, f"savings {number} €48,000 €40,000")
    assert reply.startswith("Savings claim of €8,000")
    click(bot, EM, "savings_approve", claim_message(proc, number))
    card = blocks_text(proc.card(number).blocks)
    assert ":moneybag: €8,000" in card
    assert "$8,000" not in card
    status = blocks_text(proc.answer(EM, f"status {number}")["blocks"])
    assert ":moneybag: €8,000" in status
