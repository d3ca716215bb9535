"""Test helpers shared by several test modules: reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.config import Config, parse_config
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import Proc
from tests.conftest import TEST_CONFIG, RunningBot
from tests.jobs.conftest import run_job

# Moved here from tests/jobs/test_reminders.py by move_helpers.py (issue 28).


BETA = "C0BETA001"
ANALYST, BUYER, EM = "U0ANA0002", "U0BUY0002", "U0EM00002"
EST = timedelta(hours=5)  # New York is UTC-5 from November to March


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) + EST


@pytest.fixture
def test_config() -> Config:
    """POD Beta with Monday 30 November as an extra holiday."""
    text = TEST_CONFIG.read_text().replace(
        '"2026-11-26", "2026-12-25"', '"2026-11-26", "2026-11-30", "2026-12-25"'
    )
    return parse_config(text, TEST_CONFIG)


def remind(bot: RunningBot, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["reminders"], bot.runtime.config.pod("beta"), now=now)


def dms(bot: RunningBot, user: str) -> list[Message]:
    return [m for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts]


def negotiating_with_update_at(proc: Proc, clock: ManualClock, at: datetime) -> None:
    clock.set(at - timedelta(hours=1))
    proc(ANALYST, "new Globex | Zoom | new", BETA)
    proc(ANALYST, "qualify 1", BETA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", BETA)
    clock.set(at)
    proc(BUYER, "update 1 asked for the enterprise tier price", BETA)


def click(bot: RunningBot, user: str, action: str, dm: Message) -> None:
    bot.slack.block_action(action, None, user, dm.channel, dm.ts, message=dm)
    bot.wait_idle()
