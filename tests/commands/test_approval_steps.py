"""SPEC §4, issue 30 item 5: approval by amount. A claim saving more than a POD's
`approval_rules` threshold needs the em's approval and then the named approver's; exactly the
threshold needs one; any rejection ends it; nobody approves twice or their own claim; the claim
counts in the KPIs only once fully approved, as of the last approval; two deciders racing give
one decision (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Config, parse_config
from bot.db.models import ClaimApproval, SavingsClaim
from bot.db.savings import effective_claim
from bot.domain.reminders import office_slot
from bot.domain.working_time import add_working_hours
from bot.jobs import JOBS
from tests.commands.conftest import BUYER, EM, Proc, blocks_text
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.home import buttons, open_home
from tests.helpers.savings import claim_message, claims, click, ephemerals_to, negotiating
from tests.helpers.savings_race import RACERS, SECOND_EM, race_decisions
from tests.jobs.conftest import run_job

HEAD = "U0HEAD001"
ALPHA_MEMBERS = 'members = { U0EM00001 = "em",'


def with_rule(second_em: bool = False) -> Config:
    """The test config with alpha's rule: above $50k, the head approves after the em."""
    text = TEST_CONFIG.read_text(encoding="utf-8")
    assert ALPHA_MEMBERS in text
    members = ALPHA_MEMBERS + (f' {SECOND_EM} = "em",' if second_em else "")
    rule = f'approval_rules = [{{ above = "50k", then = ["{HEAD}"] }}]\n'
    return parse_config(text.replace(ALPHA_MEMBERS, rule + members, 1), TEST_CONFIG)


@pytest.fixture
def test_config() -> Config:
    return with_rule()


def approvals(bot: RunningBot) -> list[tuple[int, str]]:
    with bot.db.transaction() as session:
        rows = session.scalars(select(ClaimApproval).order_by(ClaimApproval.step)).all()
        return [(r.step, r.approver_id) for r in rows]


def counted(bot: RunningBot, as_of: object = None) -> list[int]:
    with bot.db.transaction() as session:
        condition = effective_claim(as_of)  # type: ignore[arg-type]
        return list(session.scalars(select(SavingsClaim.id).where(condition)))


def test_a_60k_claim_needs_the_em_then_the_head(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    reply = proc(BUYER, f"savings REQ-{number} 100k 40k")
    assert reply == (
        f"Savings claim of $60,000 (60.0%) on REQ-{number} posted in its thread for <@{EM}> to "
        f"approve. Above POD Alpha's approval threshold, it then needs <@{HEAD}> to approve too "
        "(2 approvals in all)."
    )
    message = claim_message(proc, number)
    assert f"0 of 2 approvals: waiting for <@{EM}>: approve or reject?" in blocks_text(
        message.blocks
    )
    # The head may not go first: the em's step comes first.
    click(bot, HEAD, "savings_approve", message)
    assert ephemerals_to(bot, HEAD) == [
        ":warning: Only an em of POD Alpha may approve or reject savings claims."
    ]

    bot.runtime.clock.advance(timedelta(hours=2))
    click(bot, EM, "savings_approve", message)
    (claim,) = claims(bot)
    assert claim.status == "pending" and claim.decided_by is None
    assert approvals(bot) == [(0, EM)]
    assert counted(bot) == []  # not approved yet: no figure counts it
    edited = bot.api.message(message.channel, message.ts)
    assert (
        f"1 of 2 approvals: ✅ <@{EM}> · waiting for <@{HEAD}>: approve or reject?"
        in blocks_text(edited.blocks)
    )
    assert any(
        m.text == f":white_check_mark: <@{EM}> approved the savings claim of $60,000 (60.0%) "
        f"(1 of 2 approvals: ✅ <@{EM}> · waiting for <@{HEAD}>)."
        for m in proc.thread(number)
    )
    # The em does not approve twice; the claimant never.
    click(bot, EM, "savings_approve", edited)
    assert ephemerals_to(bot, EM)[-1].startswith(":warning: You already approved this claim")
    click(bot, BUYER, "savings_approve", edited)
    assert ephemerals_to(bot, BUYER)[-1] == (
        ":warning: You made this claim yourself, so you may not decide it."
    )
    # The head's Home offers it, the em's no longer does.
    home = open_home(bot, HEAD)
    assert "POD Alpha — approver" in blocks_text(home["blocks"])
    assert ("savings_approve", str(claim.id)) in buttons(home)
    assert ("savings_approve", str(claim.id)) not in buttons(open_home(bot, EM))

    em_approved_at = bot.runtime.clock.now()
    bot.runtime.clock.advance(timedelta(hours=3))
    click(bot, HEAD, "savings_approve", edited)
    (claim,) = claims(bot)
    assert (claim.status, claim.decided_by) == ("approved", HEAD)
    assert claim.decided_at == bot.runtime.clock.now()
    assert approvals(bot) == [(0, EM), (1, HEAD)]
    # It counts from the last approval on, not from the em's.
    assert counted(bot) == [claim.id]
    assert counted(bot, em_approved_at + timedelta(hours=1)) == []
    final = bot.api.message(message.channel, message.ts)
    text = blocks_text(final.blocks)
    assert f":white_check_mark: Approved by <@{HEAD}>" in text
    assert f"2 of 2 approvals: ✅ <@{EM}> · ✅ <@{HEAD}>" in text


def test_exactly_50k_needs_one_approval(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    reply = proc(BUYER, f"savings REQ-{number} 100k 50k")
    assert reply.endswith(f"for <@{EM}> to approve.")
    message = claim_message(proc, number)
    assert f"<@{EM}>: approve or reject?" in blocks_text(message.blocks)
    click(bot, EM, "savings_approve", message)
    (claim,) = claims(bot)
    assert (claim.status, claim.decided_by) == ("approved", EM)
    assert approvals(bot) == [(0, EM)]


def test_a_rejection_at_the_second_step_ends_it(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(BUYER, f"savings REQ-{number} 100k 40k")
    message = claim_message(proc, number)
    click(bot, EM, "savings_approve", message)
    (claim,) = claims(bot)
    values = {"reason": {"value": {"type": "plain_text_input", "value": "not our budget"}}}
    metadata = f'{{"claim": {claim.id}, "channel": "{message.channel}", "thread_ts": null}}'
    response = bot.slack.view_submission("savings_reject", values, HEAD, private_metadata=metadata)
    assert response.status == 200
    bot.wait_idle()
    (claim,) = claims(bot)
    assert (claim.status, claim.decided_by, claim.reason) == ("rejected", HEAD, "not our budget")
    assert counted(bot) == []
    text = blocks_text(bot.api.message(message.channel, message.ts).blocks)
    assert f":no_entry: Rejected by <@{HEAD}>" in text
    assert f"1 of 2 approvals: ✅ <@{EM}>" in text


@pytest.mark.parametrize("test_config", [with_rule(second_em=True)])
def test_two_ems_racing_at_the_first_step_give_one_decision(
    start_bot: Callable[[str], RunningBot], database_url: str
) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    number = negotiating(proc)
    proc(BUYER, f"savings REQ-{number} 100k 40k")
    message = claim_message(proc, number)
    (claim,) = claims(bot)
    approved, _rejections = race_decisions(
        bot,
        lambda: (
            bot.slack.block_action(
                "savings_approve", None, EM, message.channel, message.ts, message=message
            ).status
        ),
        claim.id,
        message.channel,
    )
    bot.wait_idle()
    assert approved == [200] * RACERS
    (claim,) = claims(bot)
    if claim.status == "rejected":  # the second em's rejection came first
        assert claim.decided_by == SECOND_EM and approvals(bot) == []
    else:  # the em's approval came first: one step approved, still pending for the head
        assert claim.status == "pending" and approvals(bot) == [(0, EM)]
    steps = [m for m in proc.thread(number) if "approved the savings claim" in m.text]
    told = [m for m in proc.thread(number) if "your savings claim" in m.text]
    assert len(steps) + len(told) == 1


def test_the_queue_and_the_escalation_apply_at_the_second_step(bot: RunningBot, proc: Proc) -> None:
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    alpha = bot.runtime.config.pod("alpha")
    clock.set(datetime(2026, 11, 24, 4, 30, tzinfo=UTC))  # Tuesday 10:00 in Kolkata
    number = negotiating(proc)
    proc(BUYER, f"savings REQ-{number} 100k 40k")
    clock.advance(timedelta(hours=1))
    click(bot, EM, "savings_approve", claim_message(proc, number))
    since = clock.now()

    def remind(at: datetime) -> None:
        clock.set(at)
        run_job(bot.runtime, JOBS["reminders"], alpha, now=at)

    hours = bot.runtime.config.schedule.office_hours
    queue_at = office_slot(alpha.calendar, hours, add_working_hours(alpha.calendar, since, 24))
    remind(queue_at - timedelta(minutes=1))
    assert dm_texts(bot, HEAD) == []
    remind(queue_at)
    (queue,) = dm_texts(bot, HEAD)  # the head's approval queue lists it, the em's nothing
    assert f"REQ-{number}" in queue
    assert not any(f"REQ-{number}" in t for t in dm_texts(bot, EM))

    raise_at = add_working_hours(alpha.calendar, since, 48)
    remind(raise_at)
    raised = [m.text for m in proc.thread(number) if ":rotating_light:" in m.text]
    assert len(raised) == 1 and raised[0].startswith(
        ":rotating_light: *Waiting for approval 2 of 2* — the savings claim of $60,000 (60.0%)"
    )
    assert raised[0].endswith(f"<@{HEAD}>")
    remind(raise_at + timedelta(hours=1))  # once per step
    assert len([m for m in proc.thread(number) if ":rotating_light:" in m.text]) == 1


def dm_texts(bot: RunningBot, user: str) -> list[str]:
    return [
        blocks_text(m.blocks) or m.text for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts
    ]
