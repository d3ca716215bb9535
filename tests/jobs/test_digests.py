"""SPEC §5 digests, the em's approval queue, TAT warnings and escalations, in office hours.

Through the job runner, the outbox worker and the Slack test server, on the test clock. POD
Beta works Mon-Fri in New York; Thursday 26 November 2026 (Thanksgiving) is a holiday.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import RequestEvent, SavingsClaim
from bot.jobs import JOBS
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.digests import (
    ANALYST,
    ANALYST_TOO,
    BETA,
    BUYER,
    EM,
    dms,
    negotiating,
    ny,
    remind,
)
from tests.jobs.conftest import add_request, run_job


def alerts(bot: RunningBot, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["tat-alerts"], bot.runtime.config.pod("beta"), now=now)


def timeline(bot: RunningBot, kind: str) -> list[RequestEvent]:
    with bot.db.transaction() as session:
        rows = session.scalars(select(RequestEvent).where(RequestEvent.kind == kind)).all()
        session.expunge_all()
        return list(rows)


def test_approval_queue_at_24_and_thread_escalation_at_48_working_hours(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating(proc, clock, ny(25, 14))
    clock.set(ny(25, 15))  # Wednesday 15:00; Thursday is Thanksgiving
    proc(BUYER, "update 1 vendor at 39.5k", BETA)
    proc(BUYER, "savings 1 48k 39.5k", BETA)
    card = proc.card(1)
    assert "0 reminder DMs" in remind(bot, ny(27, 14))  # Friday 14:00: 23 wh
    assert dms(bot, EM) == []
    remind(bot, ny(27, 15))  # 24 wh (the holiday skipped); the buyer's update is due too
    assert "0 reminder DMs" in remind(bot, ny(27, 16))  # one digest a day
    (queue,) = dms(bot, EM)
    shown = blocks_text(queue.blocks)
    assert "*Waiting for an em* — 1 savings claim pending" in shown
    assert "🆕" in shown and "REQ-1" in shown and f"<@{BUYER}>" in shown
    assert "$8,500 (17.7%)" in shown and "no other approved Zoom claims yet" in shown
    buttons = [
        (e["action_id"], e["value"])
        for b in queue.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert ("savings_approve", "1") in buttons and ("savings_reject", "1") in buttons
    assert len(timeline(bot, "approval_reminded")) == 1

    # Monday 30th 15:00 is 48 wh (weekend skipped): raised in the thread once, and Monday's
    # digest lists the still-pending claim again (no longer new).
    assert "escalation" not in remind(bot, ny(30, 14))
    assert len(dms(bot, EM)) == 2 and "🆕" not in blocks_text(dms(bot, EM)[-1].blocks)
    assert "1 claim escalation" in remind(bot, ny(30, 15))
    assert "escalation" not in remind(bot, ny(30, 16))
    raised = [m.text for m in bot.api.thread(card.channel, card.ts) if "pending for 48" in m.text]
    assert len(raised) == 1 and f"<@{EM}>" in raised[0]
    assert len(timeline(bot, "approval_escalated")) == 1
    assert len(timeline(bot, "approval_reminded")) == 1

    # Approve from the DM: the thread's own handler decides, and the thread's claim is edited.
    clock.set(ny(30, 16, 5))
    bot.slack.block_action("savings_approve", "1", EM, queue.channel, queue.ts, message=queue)
    bot.wait_idle()
    with bot.db.transaction() as session:
        claim = session.scalars(select(SavingsClaim)).one()
        assert (claim.status, claim.decided_by) == ("approved", EM)
    thread = bot.api.thread(card.channel, card.ts)
    claim_message = next(m for m in thread if "claim" in m.text.lower() and m.blocks)
    assert (
        "approved"
        in blocks_text(bot.api.message(claim_message.channel, claim_message.ts).blocks).lower()
    )
    assert any("was approved by" in m.text for m in thread)
    # Both queue DMs listed only that claim: each is edited to say it is decided, buttons gone.
    for dm in dms(bot, EM):
        edited = bot.api.message(dm.channel, dm.ts)
        assert "*Decided*" in blocks_text(edited.blocks), edited.blocks
        assert not any(b["type"] == "actions" for b in edited.blocks)
    remind(bot, ny(1, 10, month=12))
    assert len(dms(bot, EM)) == 2  # nothing pending for the em any more


def test_tat_due_in_three_days_warns_the_buyer_and_analysts_once(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating(proc, clock, ny(20, 10))  # Friday 20th: due Saturday 5 December 10:00
    assert proc.request(1).tat_due_at == ny(5, 10, month=12)
    clock.set(ny(2, 8, month=12))
    proc(BUYER, "update 1 still talking", BETA)  # no update reminder in the way
    remind(bot, ny(2, 9, month=12))
    assert dms(bot, BUYER, "TAT due in 3 days") == []
    remind(bot, ny(2, 10, month=12))  # Wednesday 10:00: 3 calendar days before
    for person in (BUYER, ANALYST, ANALYST_TOO):
        (warning,) = dms(bot, person, "TAT due in 3 days")
        assert "REQ-1" in blocks_text(warning.blocks) and "🆕" in blocks_text(warning.blocks)
    remind(bot, ny(2, 11, month=12))
    remind(bot, ny(3, 10, month=12))
    remind(bot, ny(4, 10, month=12))
    for person in (BUYER, ANALYST, ANALYST_TOO):
        assert len(dms(bot, person, "TAT due in 3 days")) == 1
    assert len(timeline(bot, "tat_warned")) == 1


def test_a_breach_still_open_24_working_hours_after_its_alert_is_raised_once_more(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(20, 15))  # Friday 15:00: qualification due Monday 15:00
    proc(ANALYST, "new Globex | Slack | new", BETA)
    card = proc.card(1)
    assert "1 new breach alert" in alerts(bot, ny(23, 15))
    assert "escalation" not in alerts(bot, ny(24, 14, 45))
    assert "1 escalation" in alerts(bot, ny(24, 15))  # Tuesday 15:00: 24 wh after
    assert "escalation" not in alerts(bot, ny(24, 15, 15))
    assert "escalation" not in alerts(bot, ny(25, 15))
    raised = [m.text for m in bot.api.thread(card.channel, card.ts) if "still open" in m.text]
    assert len(raised) == 1 and f"<@{EM}>" in raised[0]
    assert len(timeline(bot, "tat_escalated")) == 1


def test_a_reminder_due_at_23_goes_out_at_09_next_working_day(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating(proc, clock, ny(23, 22))
    clock.set(ny(23, 23))  # Monday 23:00: the update is due Tuesday 23:00
    proc(BUYER, "update 1 late-night note", BETA)
    assert "outside office hours" in remind(bot, ny(24, 23))
    assert "outside office hours" in remind(bot, ny(25, 8))
    assert "1 reminder DM" in remind(bot, ny(25, 9))  # Wednesday 09:00
    (dm,) = dms(bot, BUYER)
    assert "*Update due*" in blocks_text(dm.blocks)


def test_breaches_and_updates_make_one_digest_per_person_per_kind_per_day(
    bot: RunningBot, clock: ManualClock
) -> None:
    config, db = bot.runtime.config, bot.db
    for customer in ("Acme", "Globex", "Initech"):  # last update Friday 20th 10:00
        add_request(
            db, config, "beta", ny(19, 10), customer=customer, stage="negotiating",
            assigned_at=ny(20, 10), buyer=BUYER,
        )  # fmt: skip
    for customer in ("Umbrella", "Hooli"):  # qualification due Monday 23rd 09:00 and 09:30
        add_request(
            db,
            config,
            "beta",
            ny(20, 9, 30 if customer == "Hooli" else 0),
            customer=customer,
        )
    alerts(bot, ny(23, 9, 45))
    assert "3 reminder DMs" in remind(bot, ny(23, 10))  # the buyer's and two analysts'
    assert "already done" in remind(bot, ny(23, 10, 30))  # a rerun of the hour
    assert "0 reminder DMs" in remind(bot, ny(23, 11))
    (updates,) = dms(bot, BUYER, "Update due")
    shown = blocks_text(updates.blocks)
    assert "3 of your requests have had no update" in shown
    assert all(name in shown for name in ("Acme", "Globex", "Initech"))
    assert shown.count("🆕") == 3
    assert dms(bot, BUYER, "TAT breached") == []
    for analyst in (ANALYST, ANALYST_TOO):
        (breaches,) = dms(bot, analyst, "TAT breached")
        text = blocks_text(breaches.blocks)
        assert "2 requests in" in text and "Umbrella" in text and "Hooli" in text
    # The next day everything still open is listed again, in one digest each.
    assert "3 reminder DMs" in remind(bot, ny(24, 10))
    today = dms(bot, BUYER, "Update due")[-1]
    shown = blocks_text(today.blocks)
    assert len(dms(bot, BUYER, "Update due")) == 2
    assert all(name in shown for name in ("Acme", "Globex", "Initech")) and "🆕" not in shown
    assert all(len(dms(bot, a, "TAT breached")) == 2 for a in (ANALYST, ANALYST_TOO))


def test_the_aging_report_lists_claims_waiting_for_an_em(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating(proc, clock, ny(25, 14))
    clock.set(ny(25, 15))
    proc(BUYER, "savings 1 48k 39.5k", BETA)
    pod = bot.runtime.config.pod("beta")
    run_job(bot.runtime, JOBS["aging-report"], pod, now=ny(27, 14))
    run_job(bot.runtime, JOBS["aging-report"], pod, now=ny(30, 9))
    reports = [m for m in bot.api.messages(BETA) if "Aging report" in m.text]
    assert "Waiting for an em" not in blocks_text(reports[0].blocks)
    shown = blocks_text(reports[-1].blocks)
    assert "*Waiting for an em* (1)" in shown and "REQ-1" in shown and "$8,500 (17.7%)" in shown
