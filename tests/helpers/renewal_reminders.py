"""Test helpers shared by several test modules: renewal reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.conftest import RunningBot
from tests.jobs.conftest import run_job

# Moved here from tests/jobs/test_renewal_reminders.py by move_helpers.py (issue 28).


ANALYSTS = ("U0ANA0002", "U0BUY0001")  # POD Beta's analysts
EST = timedelta(hours=5)


def ny(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + EST


def remind(bot: RunningBot, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["renewal-reminders"], bot.runtime.config.pod("beta"), now=now)


def dms(bot: RunningBot, user: str) -> list[Message]:
    return [m for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts]
