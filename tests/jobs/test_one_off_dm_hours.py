"""Issue 30 item 3 for the one-off DMs: the new-term reminder and the pre-approval reminder are
queued in the POD's office hours and held in the outbox (a not-before time on the row, not a
sleep) until their reader's own office hours on their own working days — here an analyst of
POD Beta (New York) whose Slack zone is Asia/Kolkata, across their weekend; the New York analyst
gets theirs at once. Domain time is the injected clock, delivery time a simulated one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import OutboxRow
from bot.jobs import JOBS
from bot.metrics import delivery_backlog
from bot.slack.outbox import Outbox
from slackfake.web_api import Message
from tests.commands.conftest import Proc
from tests.conftest import RunningBot
from tests.helpers.simulated import SimulatedTime
from tests.jobs.conftest import run_job

BETA = "C0BETA001"
NY_ANALYST, KOLKATA_ANALYST, BUYER = "U0ANA0002", "U0BUY0001", "U0BUY0002"


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


def dms(bot: RunningBot, user: str, marker: str) -> list[Message]:
    return [m for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts and marker in m.text]


def test_one_off_dms_wait_for_each_readers_own_hours_across_their_weekend(
    start_bot: Callable[..., RunningBot], sqlite_url: str, clock: ManualClock
) -> None:
    time = SimulatedTime()
    bot = start_bot(sqlite_url, simulated=time)
    proc = Proc(bot)
    bot.api.add_user(NY_ANALYST, name="dana", real_name="Dana Cole")
    bot.api.add_user(
        KOLKATA_ANALYST, name="rohan", real_name="Rohan Mehta", tz="Asia/Kolkata",
        tz_label="India Standard Time", tz_offset=19800,
    )  # fmt: skip
    beta = bot.runtime.config.pod("beta")
    run_job(bot.runtime, JOBS["people-refresh"], beta, now=ny(18, 6))
    # Wednesday: the Kolkata analyst pre-approves one request; Thursday a second is won.
    clock.set(ny(18, 11))
    proc(KOLKATA_ANALYST, "new Globex | Zoom | new | 30k", BETA)
    proc(KOLKATA_ANALYST, "preapproval 1 sent the quote to Globex's CFO", BETA)
    clock.set(ny(19, 11))
    proc(NY_ANALYST, "new Initech | Miro | new | 20k", BETA)
    proc(NY_ANALYST, "qualify 2", BETA)
    proc(NY_ANALYST, f"assign 2 <@{BUYER}>", BETA)
    proc(BUYER, "close 2 won 3-year deal", BETA)
    time.settle()

    # Friday 11:00 in New York (21:30 in Kolkata): both reminders are due (48 working hours
    # after the pre-approval, 24 after the close).
    clock.set(ny(20, 11))
    queued_at = time.clock.now()
    # (and the buyer's what-worked reminder of issue 34's playbooks: a fourth DM)
    assert "4 reminder DMs" in run_job(bot.runtime, JOBS["reminders"], beta, now=ny(20, 11))
    time.settle()
    assert len(dms(bot, NY_ANALYST, "new term")) == 1  # inside their hours: at once
    assert dms(bot, KOLKATA_ANALYST, "new term") == []
    assert dms(bot, KOLKATA_ANALYST, "Waiting on the customer") == []
    # Held, not slept on: each row waits until Monday 09:00 in Kolkata (Sunday 22:30 in New
    # York), 59½ hours on — the weekend theirs.
    held = timedelta(hours=59, minutes=30)
    with bot.db.reading() as session:
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.lane == f"dm:{KOLKATA_ANALYST}")
        ).all()
    assert len(rows) == 2
    assert {row.next_attempt_at - queued_at for row in rows} == {held}
    # Held is not late: the delivery backlog (`/readyz`, `/metrics`) leaves them out, and a
    # DM queued behind them in their lane too.
    outbox = Outbox(bot.runtime)
    with bot.db.transaction() as session:
        outbox.dm(session, KOLKATA_ANALYST, "Behind the held ones")
    outbox.deliver()
    time.settle()
    assert dms(bot, KOLKATA_ANALYST, "Behind the held ones") == []  # the lane keeps its order
    assert delivery_backlog(bot.db, time.clock.now() + timedelta(hours=12)).size == 0
    time.run_to((queued_at + held - timedelta(seconds=1)).timestamp())
    assert dms(bot, KOLKATA_ANALYST, "new term") == []
    time.run_to((queued_at + held).timestamp())
    assert len(dms(bot, KOLKATA_ANALYST, "new term")) == 1
    assert len(dms(bot, KOLKATA_ANALYST, "Waiting on the customer")) == 1
    assert len(dms(bot, NY_ANALYST, "new term")) == 1
    assert len(dms(bot, KOLKATA_ANALYST, "Behind the held ones")) == 1
    assert delivery_backlog(bot.db, time.clock.now()).size == 0
