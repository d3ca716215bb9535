"""SPEC §5 `tat-alerts`: one alert per breach, ever, in the thread (the analysts' DMs are their
breach digest, tests/jobs/test_digests.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import RequestEvent
from bot.jobs import JOBS
from tests.commands.conftest import ANALYST, BETA_ANALYST, BETA_BUYER, BUYER, Proc
from tests.conftest import RunningBot
from tests.helpers.tat_alerts import FRIDAY_3PM, run_alerts
from tests.jobs.conftest import run_job


def alerts(bot: RunningBot, channel: str, ts: str) -> list[str]:
    return [m.text for m in bot.api.thread(channel, ts) if "TAT breached" in m.text]


def dms_to(bot: RunningBot, user: str) -> list[str]:
    return [m.text for m in bot.api.messages(f"D{user[1:]}") if "breached" in m.text]


def test_qualification_breach_alerts_once_after_24_working_hours(
    start_bot: Callable[[str], RunningBot], database_url: str, clock: ManualClock
) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    clock.set(FRIDAY_3PM)
    proc(BETA_ANALYST, "new Globex | Slack | new", "C0BETA001")
    card = proc.card(1)
    # 24 working hours after Friday 15:00 is Monday 15:00 (the weekend does not count).
    monday_2pm = FRIDAY_3PM + timedelta(days=3, hours=-1)
    assert "0 new breach alerts" in run_alerts(bot, "beta", monday_2pm)
    assert "1 new breach alert" in run_alerts(bot, "beta", monday_2pm + timedelta(hours=1))
    assert "0 new breach alerts" in run_alerts(bot, "beta", monday_2pm + timedelta(hours=2))
    (alert,) = alerts(bot, card.channel, card.ts)
    assert "REQ-1 (Globex · Slack): the qualification was due" in alert
    assert "<@U0ANA0002> <@U0BUY0001>" in alert  # both of Beta's analysts
    # The analysts hear of it in their daily breach digest (`reminders`), not one DM per breach.
    assert dms_to(bot, BETA_ANALYST) == [] and dms_to(bot, BUYER) == []


def test_negotiation_breach_alerts_the_analysts_and_buyer_once(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(FRIDAY_3PM)
    proc(BETA_ANALYST, "new Globex | Slack | new", "C0BETA001")
    proc(BETA_ANALYST, "qualify 1", "C0BETA001")
    proc(BETA_ANALYST, f"assign 1 <@{BETA_BUYER}>", "C0BETA001")
    card = proc.card(1)
    due = proc.request(1).tat_due_at
    assert due == FRIDAY_3PM + timedelta(days=15)  # same local time, no DST change between
    assert "0 new" in run_alerts(bot, "beta", due - timedelta(minutes=1))
    assert "1 new" in run_alerts(bot, "beta", due)
    assert "0 new" in run_alerts(bot, "beta", due + timedelta(minutes=15))
    (alert,) = alerts(bot, card.channel, card.ts)
    assert "the negotiation TAT was due" in alert and "<@U0BUY0002>" in alert
    with proc.bot.db.transaction() as session:
        timeline = session.scalars(select(RequestEvent.kind).order_by(RequestEvent.id)).all()
    assert timeline.count("tat_breached") == 1


def test_a_dry_run_shows_the_alert_and_sends_nothing(
    bot: RunningBot, proc: Proc, clock: ManualClock, capsys
) -> None:
    clock.set(FRIDAY_3PM)
    proc(ANALYST, "new Acme | Figma | new")
    before = len(bot.api.calls)
    pod = bot.runtime.config.pod("alpha")
    run_job(bot.runtime, JOBS["tat-alerts"], pod, now=FRIDAY_3PM + timedelta(days=7), dry_run=True)
    printed = capsys.readouterr().out
    assert "TAT breached" in printed and "post to the thread of request 1" in printed
    assert bot.api.calls[before:] == []
