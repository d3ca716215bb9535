"""`/proc preapproval` (issue 20): a pre-approval meets the qualification clock (no TAT breach,
no aging flag), starts a waiting-on-customer clock, and after `preapproval_hours` working hours
the analyst is reminded once, in office hours, with a Disqualify: no response button that opens
the disqualify modal prefilled; submitting it disqualifies as `/proc disqualify` does."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import RequestEvent
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import Proc, blocks_text, day_token
from tests.conftest import RunningBot
from tests.jobs.conftest import run_job

BETA = "C0BETA001"
ANALYST, BUYER, EM = "U0ANA0002", "U0BUY0002", "U0EM00002"
EST = timedelta(hours=5)  # New York is UTC-5 from November to March


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) + EST


def dms(bot: RunningBot, user: str) -> list[Message]:
    return [m for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts]


def alerts(bot: RunningBot, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["tat-alerts"], bot.runtime.config.pod("beta"), now=now)


def remind(bot: RunningBot, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["reminders"], bot.runtime.config.pod("beta"), now=now)


def report(bot: RunningBot, now: datetime) -> str:
    run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("beta"), now=now)
    posts = [m for m in bot.api.messages(BETA) if m.text.startswith("Aging report")]
    return blocks_text(posts[-1].blocks)


def opened_view(bot: RunningBot) -> dict[str, Any]:
    view = bot.api.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def kinds(bot: RunningBot) -> list[str]:
    with bot.db.reading() as session:
        return list(session.scalars(select(RequestEvent.kind).order_by(RequestEvent.id)))


def test_a_preapproval_meets_the_qualification_clock_and_reminds_once_with_a_working_button(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(20, 10))  # Friday 10:00
    proc(ANALYST, "new Globex | Zoom | new | 30k", BETA)
    clock.set(ny(20, 11))
    answer = proc(ANALYST, "preapproval 1 sent the quote to Globex's CFO", BETA)
    assert "pre-approved" in answer
    request = proc.request(1)
    assert request.preapproved_by == ANALYST and request.preapproved_at == ny(20, 11)
    assert request.stage == "intake"
    thread = blocks_text([{"text": m.text} for m in proc.thread(1)])
    assert "Pre-approval sent to the customer" in thread
    assert "waiting on the customer since" in blocks_text(proc.card(1).blocks)

    # Monday 10:00 is 24 working hours after creation: the qualification would have breached.
    assert "0 new breach alerts" in alerts(bot, ny(23, 10, 15))
    assert not [m for m in proc.thread(1) if "TAT breached" in m.text]
    shown = report(bot, ny(24, 9))
    lines = shown.splitlines()
    (line,) = [ln for ln in lines if ln.startswith("*REQ-1*") or "|REQ-1>*" in ln]
    assert "not qualified" not in line and "overdue" not in line
    assert "qualification met (pre-approval)" in line
    since = day_token(date(2026, 11, 20), "America/New_York")
    assert line.endswith(f":envelope_with_arrow: waiting on customer since {since}")

    # 48 working hours after the pre-approval: Tuesday 11:00 (the weekend not counted).
    assert "0 reminder DMs" in remind(bot, ny(24, 10))
    assert "1 reminder DM" in remind(bot, ny(24, 11))
    assert "0 reminder DMs" in remind(bot, ny(24, 12))  # once, never again
    assert "0 reminder DMs" in remind(bot, ny(25, 11))
    (dm,) = [m for m in dms(bot, ANALYST) if "Waiting on the customer" in m.text]
    assert "REQ-1" in dm.text and "Globex · Zoom" in dm.text
    assert "preapproval_reminded" in kinds(bot)

    # The button opens the disqualify modal, prefilled and editable.
    clock.set(ny(25, 14))
    response = bot.slack.block_action(
        "preapproval_disqualify", None, ANALYST, dm.channel, dm.ts, message=dm
    )
    assert response.status == 200
    bot.wait_idle()
    view = opened_view(bot)
    assert view["callback_id"] == "card_disqualify"
    (reason_block,) = [b for b in view["blocks"] if b.get("block_id") == "reason"]
    prefilled = reason_block["element"]["initial_value"]
    assert prefilled == "No response from the customer to the pre-approval"
    values = {"reason": {"value": {"type": "plain_text_input", "value": prefilled}}}
    response = bot.slack.view_submission(
        "card_disqualify", values, ANALYST, private_metadata=view["private_metadata"]
    )
    assert response.status == 200
    bot.wait_idle()
    request = proc.request(1)
    assert request.stage == "disqualified"
    assert request.resolution_note == "No response from the customer to the pre-approval"
    assert any("Disqualified by" in m.text for m in proc.thread(1))
    assert "No response from the customer" in blocks_text(proc.card(1).blocks)


def test_the_reminder_waits_for_office_hours_and_a_qualify_ends_the_wait(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(23, 18, 30))  # Monday 18:30
    proc(ANALYST, "new Globex | Zoom | new", BETA)
    proc(ANALYST, "new Initech | Slack | new", BETA)
    proc(EM, "preapproval 1", BETA)
    proc(EM, "preapproval 2", BETA)
    clock.set(ny(24, 9))
    proc(ANALYST, "qualify 2", BETA)  # the customer answered: no reminder for REQ-2
    # Due Wednesday 18:30 (48 working hours), after office hours; Thursday 26 is a holiday,
    # so the DM goes out on Friday at 09:00.
    assert "0 reminder DMs" in remind(bot, ny(25, 17))
    assert "(outside office hours)" in remind(bot, ny(25, 19))
    assert "1 reminder DM" in remind(bot, ny(27, 9))
    assert "0 reminder DMs" in remind(bot, ny(27, 10))
    # The em pre-approved it, so the em is its analyst and the one reminded.
    (dm,) = [m for m in dms(bot, EM) if "Waiting on the customer" in m.text]
    assert "REQ-1" in dm.text and "REQ-2" not in dm.text


def test_preapproval_is_for_analysts_and_ems_on_intake_requests(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    proc(ANALYST, "new Globex | Zoom | new", BETA)
    assert "analyst or em" in proc(BUYER, "preapproval 1", BETA)
    assert proc.request(1).preapproved_at is None
    proc(ANALYST, "preapproval 1", BETA)
    assert "already pre-approved" in proc(ANALYST, "preapproval 1", BETA)
    proc(ANALYST, "qualify 1", BETA)
    assert "intake" in proc(ANALYST, "preapproval 1", BETA)


def test_a_preapproval_counts_as_qualifying_on_time_in_the_kpi(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    # The seed's KPI: "initiating pre-approvals or qualifying requests within 24 hours".
    from bot.db.kpi_reference import load_facts
    from bot.domain.kpis import qualification_within_tat
    from bot.domain.quarters import quarter_of

    clock.set(ny(20, 10))  # Friday 10:00
    proc(ANALYST, "new Globex | Zoom | new | 30k", BETA)
    clock.set(ny(20, 11))
    proc(ANALYST, "preapproval 1", BETA)
    clock.set(ny(25, 10))  # Wednesday: never qualified, long past the 24 working hours
    config = bot.runtime.config
    pod = config.pod("beta")
    quarter = quarter_of(ny(25, 10).astimezone(pod.zone).date(), config.fiscal_year_start_month)
    with bot.db.reading() as session:
        facts = load_facts(session, config, pod, quarter, ny(25, 10))
    (fact,) = facts.requests
    assert (fact.triaged_at, fact.triaged_by) == (ny(20, 11), ANALYST)
    kpi = qualification_within_tat(facts.requests, pod.calendar, quarter, as_of=ny(25, 10))
    assert (kpi.numerator, kpi.denominator) == (1, 1)  # 1 of 1 on time


def test_a_disqualify_by_command_edits_the_waiting_dm_and_its_button_goes(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(20, 10))
    proc(ANALYST, "new Globex | Zoom | new | 30k", BETA)
    proc(ANALYST, "preapproval 1", BETA)
    assert "1 reminder DM" in remind(bot, ny(24, 11))
    (dm,) = [m for m in dms(bot, ANALYST) if "Waiting on the customer" in m.text]
    assert any(b["type"] == "actions" for b in dm.blocks)
    clock.set(ny(24, 12))
    proc(ANALYST, "disqualify 1 the customer went quiet", BETA)
    bot.wait_idle()
    edited = bot.api.message(dm.channel, dm.ts)
    assert not any(b["type"] == "actions" or "accessory" in b for b in edited.blocks)
    assert "no longer waiting on the customer" in blocks_text(edited.blocks)
    assert edited.text == dm.text  # the notification text is kept
    # A click on the stale button (still on a client that has not refreshed) opens nothing.
    opened = len(bot.api.calls_to("views.open"))
    response = bot.slack.block_action(
        "preapproval_disqualify", None, ANALYST, dm.channel, dm.ts, message=dm
    )
    assert response.status == 200
    bot.wait_idle()
    assert len(bot.api.calls_to("views.open")) == opened
    assert proc.request(1).resolution_note == "the customer went quiet"
