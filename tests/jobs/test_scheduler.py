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


def test_the_weekly_jobs_run_once_per_iso_week_on_their_day_and_say_so(
    test_config: Config,
) -> None:
    alpha = test_config.pod("alpha")  # Asia/Kolkata: 09:00 there is 03:30 UTC
    weekly = {name: spec for name, spec in JOBS.items() if name in WEEKLY}
    assert set(weekly) == WEEKLY
    monday_early = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 08:30 in Kolkata
    monday_late = datetime(2026, 11, 23, 3, 31, tzinfo=UTC)  # 09:01
    tuesday = datetime(2026, 11, 24, 3, 31, tzinfo=UTC)
    for spec in weekly.values():
        assert spec.describe(test_config, alpha).startswith("Mondays at ")
        assert spec.period(test_config, alpha, monday_late) == "2026-W48"
        assert spec.period(test_config, alpha, tuesday) == "2026-W48"
        assert spec.overdue is not None
        assert spec.overdue(test_config, alpha, monday_late)
        assert not spec.overdue(test_config, alpha, tuesday)  # caught up that day, not later
    digest = weekly["weekly-digest"]
    assert digest.describe(test_config, alpha) == "Mondays at 09:00 Asia/Kolkata"
    assert digest.overdue is not None and not digest.overdue(test_config, alpha, monday_early)
    assert weekly["checkin-pack"].describe(test_config, alpha).startswith("Mondays at ")


WEEKLY = {"ats-snapshots", "catchup", "checkin-pack", "forecast", "weekly-digest"}
