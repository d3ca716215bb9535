"""Test helpers shared by several test modules: tat alerts."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.jobs import JOBS
from tests.conftest import RunningBot
from tests.jobs.conftest import run_job

# Moved here from tests/jobs/test_tat_alerts.py by move_helpers.py (issue 28).


# Friday 2026-11-20 15:00 in New York (EST) is 20:00 UTC.
FRIDAY_3PM = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


def run_alerts(bot: RunningBot, pod: str, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["tat-alerts"], bot.runtime.config.pod(pod), now=now)
