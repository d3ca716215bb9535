"""SPEC §4 (issue 18): a claim the POD's only em made goes to the POD's fallback approver, who
may decide it; with no fallback approver such a claim is refused when it is made."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.config import Config, parse_config
from bot.db.models import RequestEvent, SavingsClaim
from bot.jobs import JOBS
from tests.commands.conftest import BETA_EM, BUYER, EM, Proc, blocks_text
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.home import buttons, open_home, publishes
from tests.helpers.savings import claim_message, claims, click, ephemerals_to, negotiating
from tests.jobs.conftest import run_job

ALPHA_MEMBERS = 'members = { U0EM00001 = "em", U0BUY0001 = "buyer", U0ANA0001 = "analyst"'


def with_fallback(fallback: str) -> Config:
    """The test config with alpha's fallback approvers set (alpha has one em)."""
    text = TEST_CONFIG.read_text(encoding="utf-8")
    assert ALPHA_MEMBERS in text
    text = text.replace(ALPHA_MEMBERS, f"fallback_approvers = {fallback}\n{ALPHA_MEMBERS}", 1)
    return parse_config(text, TEST_CONFIG)


@pytest.fixture
def test_config(request: pytest.FixtureRequest) -> Config:
    return with_fallback(getattr(request, "param", f'["{BETA_EM}"]'))


def test_the_only_ems_claim_names_the_fallback_approver_who_decides_it(
    bot: RunningBot, proc: Proc
) -> None:
    assert bot.runtime.config.pod("alpha").fallback_approvers == (BETA_EM,)
    number = negotiating(proc)
    reply = proc(EM, f"savings REQ-{number} 48000 39500")
    assert reply == (
        f"Savings claim of $8,500 (17.7%) on REQ-{number} posted in its thread for "
        f"<@{BETA_EM}> to approve (fallback approver: the POD's only em made this claim)."
    )
    message = claim_message(proc, number)
    assert (
        f"Waiting for <@{BETA_EM}> (fallback approver: the POD's only em made this claim): "
        "approve or reject?"
    ) in blocks_text(message.blocks)

    # The claimant still may not decide it.
    click(bot, EM, "savings_approve", message)
    assert ephemerals_to(bot, EM)[-1] == (
        ":warning: You made this claim yourself, so the fallback approver must decide it."
    )
    assert [c.status for c in claims(bot)] == ["pending"]

    # The fallback approver (an em of another POD) decides, over signed HTTP.
    click(bot, BETA_EM, "savings_approve", message)
    (claim,) = claims(bot)
    assert (claim.status, claim.decided_by) == ("approved", BETA_EM)
    edited = bot.api.message(message.channel, message.ts)
    assert f":white_check_mark: Approved by <@{BETA_EM}>" in blocks_text(edited.blocks)


def test_the_fallback_approver_does_not_decide_while_an_em_can(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    reply = proc(BUYER, f"savings {number} 48k 40k")
    assert reply.startswith(f"Savings claim of $8,000 (16.7%) on REQ-{number} posted in its")
    assert reply.endswith(f"for <@{EM}> to approve.")
    message = claim_message(proc, number)
    assert f"<@{EM}>: approve or reject?" in blocks_text(message.blocks)
    click(bot, BETA_EM, "savings_approve", message)
    assert ephemerals_to(bot, BETA_EM) == [
        ":warning: Only an em of POD Alpha may approve or reject savings claims."
    ]
    assert [c.status for c in claims(bot)] == ["pending"]


@pytest.mark.parametrize("test_config", ["[]"], indirect=True)
def test_without_a_fallback_the_only_ems_claim_is_refused_and_nothing_written(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    proc.bot.wait_idle()
    thread_before = len(proc.thread(number))
    with bot.db.transaction() as session:
        events_before = session.scalar(select(func.count()).select_from(RequestEvent))
    reply = proc(EM, f"savings REQ-{number} 48000 39500")
    assert reply.endswith(
        "You are the only em of POD Alpha and it has no fallback approver, so nobody "
        "could decide this claim (an operator sets `fallback_approvers` for the POD in the "
        "config).\nUsage: `/proc savings REQ <baseline> <final> [avoidance] [| additional] "
        "[right-sizing]`"
    ), reply
    bot.wait_idle()
    assert claims(bot) == []
    assert len(proc.thread(number)) == thread_before
    with bot.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(RequestEvent)) == events_before
        assert session.scalars(select(SavingsClaim)).all() == []


def test_the_fallback_approver_sees_the_claim_on_home_and_in_the_approval_queue(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    proc(EM, f"savings REQ-{number} 48000 39500")
    bot.wait_idle()
    (claim,) = claims(bot)

    # Home: a "fallback approver" part of POD Alpha with the thread's Approve / Reject; the
    # claimant's own Home does not offer them a claim they may not decide.
    fallback_home = open_home(bot, BETA_EM)
    text = blocks_text(fallback_home["blocks"])
    assert "POD Beta — em" in text and "POD Alpha — fallback approver" in text
    alpha = text.split("POD Alpha — fallback approver")[1]
    assert "Savings claims to decide* (1)" in alpha and f"REQ-{number}" in alpha
    assert ("savings_approve", str(claim.id)) in buttons(fallback_home)
    em_text = blocks_text(open_home(bot, EM)["blocks"])
    assert "Savings claims to decide* (0)" in em_text and f"REQ-{number}" not in em_text

    # The approval queue: a week on, in Kolkata's office hours, the digest goes to the
    # fallback approver and not to the claimant; the 48-hour escalation mentions them.
    later = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # Monday 10:30 in Kolkata
    run_job(bot.runtime, JOBS["reminders"], bot.runtime.config.pod("alpha"), now=later)
    bot.wait_idle()
    queue = [m for m in bot.api.messages(f"D{BETA_EM[1:]}") if f"REQ-{number}" in m.text
             or f"REQ-{number}" in blocks_text(m.blocks)]  # fmt: skip
    assert len(queue) == 1
    assert not [m for m in bot.api.messages(f"D{EM[1:]}") if "savings_approve" in str(m.blocks)]
    (raised,) = [m for m in proc.thread(number) if "Waiting for an em" in m.text]
    assert f"<@{BETA_EM}>" in raised.text and f"<@{EM}>" not in raised.text

    # Deciding it republishes the fallback approver's Home.
    before = len(publishes(bot, BETA_EM))
    click(bot, BETA_EM, "savings_approve", claim_message(proc, number))
    bot.wait_idle()
    assert len(publishes(bot, BETA_EM)) == before + 1
