"""Jobs run on each POD's own calendar: cron triggers in the POD's zone, holidays skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import Config
from bot.jobs import JOBS
from bot.jobs.scheduler import build_scheduler, next_runs
from tests.conftest import RunningBot


def test_each_job_is_scheduled_per_pod_in_its_time_zone(bot: RunningBot) -> None:
    scheduler = build_scheduler(bot.runtime)
    ids = {job.id for job in scheduler.get_jobs()}
    expected = {f"{name}:{pod}" for name in JOBS for pod in ("alpha", "beta")} | {"catch-up"}
    assert ids == expected
    assert {"aging-report", "tat-alerts", "reminders"} <= set(JOBS)
    alpha = scheduler.get_job("aging-report:alpha").trigger
    assert str(alpha.timezone) == "Asia/Kolkata"


def test_next_aging_report_skips_weekends_and_holidays(test_config: Config) -> None:
    # Wednesday 25 Nov 2026, after 09:00 everywhere: Thanksgiving (26th) is a Beta holiday.
    now = datetime(2026, 11, 25, 15, 1, tzinfo=UTC)
    runs = {(spec.name, pod.key): fire for spec, pod, _, fire in next_runs(test_config, now)}
    assert runs[("aging-report", "alpha")] == datetime(2026, 11, 26, 3, 30, tzinfo=UTC)
    assert runs[("aging-report", "beta")] == datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    assert runs[("tat-alerts", "beta")] == datetime(2026, 11, 25, 15, 15, tzinfo=UTC)
    # Christmas Eve is a Thursday; the 25th is a holiday in both PODs, then a weekend.
    eve = datetime(2026, 12, 24, 23, 0, tzinfo=UTC)
    runs = {(spec.name, pod.key): fire for spec, pod, _, fire in next_runs(test_config, eve)}
    assert runs[("aging-report", "alpha")] == datetime(2026, 12, 28, 3, 30, tzinfo=UTC)
    assert runs[("aging-report", "beta")] == datetime(2026, 12, 28, 14, 0, tzinfo=UTC)
