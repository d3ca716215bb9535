"""Test helpers shared by several test modules: digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.jobs.conftest import run_job

# Moved here from tests/jobs/test_digests.py by move_helpers.py (issue 28).


BETA = "C0BETA001"
ANALYST, ANALYST_TOO, BUYER, EM = "U0ANA0002", "U0BUY0001", "U0BUY0002", "U0EM00002"
EST = timedelta(hours=5)  # New York is UTC-5 from November to March


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) + EST


def remind(bot: RunningBot, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["reminders"], bot.runtime.config.pod("beta"), now=now)


def dms(bot: RunningBot, user: str, having: str = "") -> list[Message]:
    return [
        m
        for m in bot.api.messages(f"D{user[1:]}")
        if not m.thread_ts and having in (m.text + blocks_text(m.blocks))
    ]


def negotiating(proc: Proc, clock: ManualClock, at: datetime, customer: str = "Globex") -> int:
    clock.set(at)
    proc(ANALYST, f"new {customer} | Zoom | new", BETA)
    number = proc.request_count()
    proc(ANALYST, f"qualify {number}", BETA)
    proc(ANALYST, f"assign {number} <@{BUYER}>", BETA)
    return number
