"""A won request's new term still unrecorded 24 working hours after the close: listed in the
aging report's "New term not recorded" section and reminded to the POD's analysts once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import Proc, blocks_text, instant_day_token
from tests.conftest import RunningBot
from tests.helpers.close_out import click, opened_view, submit, term_message
from tests.jobs.conftest import run_job

BETA = "C0BETA001"
ANALYST, BUYER, EM = "U0ANA0002", "U0BUY0002", "U0EM00002"
SECOND_ANALYST = "U0BUY0001"  # an analyst in POD Beta
EST = timedelta(hours=5)  # New York is UTC-5 from November to March


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) + EST


def won_at(proc: Proc, clock: ManualClock, at: datetime, inline: str = "") -> None:
    clock.set(at - timedelta(hours=2))
    proc(ANALYST, "new Globex | Zoom | renewal | 30k", BETA)
    proc(ANALYST, "qualify 1", BETA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", BETA)
    clock.set(at)
    proc(EM if inline else BUYER, f"close 1 won{inline}", BETA)


def report(bot: RunningBot, now: datetime) -> str:
    run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("beta"), now=now)
    posts = [m for m in bot.api.messages(BETA) if m.text.startswith("Aging report")]
    return blocks_text(posts[-1].blocks)


def remind(bot: RunningBot, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["reminders"], bot.runtime.config.pod("beta"), now=now)


def dms(bot: RunningBot, user: str) -> list[Message]:
    return [m for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts]


def test_an_unrecorded_term_is_reported_and_reminded_once_after_24_working_hours(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    won_at(proc, clock, ny(20, 10))  # Friday 10:00; the weekend does not count
    assert "New term not recorded" not in report(bot, ny(23, 9))  # Monday 09:00: 23 wh
    assert "0 reminder DMs" in remind(bot, ny(23, 9, 59))
    # Monday 10:00: both analysts, and the buyer asked what worked (issue 34's playbooks).
    assert "3 reminder DMs" in remind(bot, ny(23, 10))
    assert "0 reminder DMs" in remind(bot, ny(23, 11))  # once, never again
    assert "0 reminder DMs" in remind(bot, ny(24, 10))
    for analyst in (ANALYST, SECOND_ANALYST):
        (dm,) = dms(bot, analyst)
        shown = blocks_text(dm.blocks)
        assert "*New term not recorded* — 1 won request has no new term" in shown
        assert "REQ-1" in shown and "Globex · Zoom" in shown
    assert not [m for m in dms(bot, BUYER) if "New term" in m.text]

    shown = report(bot, ny(24, 9))  # Tuesday's report lists it
    assert "*New term not recorded* (1) — won, the contract not updated yet:" in shown
    # The key links to the card (posted: the request was made through /proc).
    won = instant_day_token(proc.request(1).closed_at, "America/New_York")
    assert f"|REQ-1>* · Globex · Zoom · won {won} · <@U0ANA0002>" in shown
    assert "|Nov 20, 2026>" in won

    # Recorded with the button in the thread: gone from the next report, no reminder.
    clock.set(ny(24, 12))
    click(bot, ANALYST, term_message(proc, 1))
    metadata = opened_view(bot)["private_metadata"]
    submit(bot, ANALYST, metadata, amount="28k", renewal_date="2027-11-30", cycle="annual")
    assert proc.request(1).term_recorded_by == ANALYST
    assert "New term not recorded" not in report(bot, ny(25, 9, 0) + timedelta(days=2))


def test_a_term_recorded_inline_is_never_reported_nor_reminded(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    won_at(proc, clock, ny(20, 10), inline=" | 28k | 2027-11-30")
    assert "New term not recorded" not in report(bot, ny(24, 9))
    # Only the buyer's what-worked reminder (issue 34's playbooks); no analyst is reminded.
    assert "1 reminder DM" in remind(bot, ny(24, 10))
    assert not [m for m in dms(bot, ANALYST) + dms(bot, SECOND_ANALYST) if "New term" in m.text]
