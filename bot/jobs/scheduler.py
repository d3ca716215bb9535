"""The one place jobs meet APScheduler: a cron trigger per job and POD, in the POD's zone.

APScheduler only decides *when* to try; the run ledger decides whether a run happens, so any
number of scheduler processes may run side by side. A sweep every five minutes catches up a
period whose run was missed (downtime) or failed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs import JOBS
from bot.jobs.runner import catch_up, run_job

if TYPE_CHECKING:
    from bot.config import Config, Pod
    from bot.jobs.runner import JobSpec
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def _run(runtime: Runtime, name: str, pod_key: str) -> None:
    # APScheduler swallows exceptions into its log; keep each POD's failure to itself.
    try:
        log.info(run_job(runtime, JOBS[name], runtime.config.pod(pod_key)))
    except Exception:
        log.exception("job %s for %s crashed", name, pod_key)


def _sweep(runtime: Runtime) -> None:
    try:
        outcomes = catch_up(runtime, list(JOBS.values()))
        for outcome in outcomes:
            log.info("catch-up: %s", outcome)
        log.info("catch-up sweep done (%d run(s))", len(outcomes))
    except Exception:
        log.exception("catch-up sweep crashed")


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """A scheduler with every job for every POD, plus the catch-up sweep."""
    # One thread per POD and job at the busiest minute: posts to different channels go out
    # side by side (each channel is paced to Slack's ~1 message/s in the Web API seam).
    width = max(10, len(runtime.config.pods) * 2)
    scheduler = BackgroundScheduler(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(max_workers=width)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
    )
    for spec in JOBS.values():
        for pod in runtime.config.pods:
            scheduler.add_job(
                _run,
                trigger=spec.trigger(runtime.config, pod),
                args=[runtime, spec.name, pod.key],
                id=f"{spec.name}:{pod.key}",
                name=f"{spec.name} for {pod.key}",
                replace_existing=True,
            )
    scheduler.add_job(
        _sweep, IntervalTrigger(minutes=5), args=[runtime], id="catch-up", replace_existing=True
    )
    return scheduler


def start(runtime: Runtime) -> BackgroundScheduler:
    """Catch up what downtime missed, then start the scheduler thread."""
    _sweep(runtime)
    scheduler = build_scheduler(runtime)
    scheduler.start()
    return scheduler


def next_runs(config: Config, now: datetime) -> list[tuple[JobSpec, Pod, str, datetime | None]]:
    """Each job and POD with its schedule in words and its next run time after `now`."""
    rows = []
    for spec in JOBS.values():
        for pod in config.pods:
            trigger = spec.trigger(config, pod)
            fire = trigger.get_next_fire_time(None, now)
            # Skip fire times the job would pass over (holidays).
            for _ in range(366):
                if fire is None or spec.period(config, pod, fire) is not None:
                    break
                fire = trigger.get_next_fire_time(fire, fire)
            rows.append((spec, pod, spec.describe(config, pod), fire))
    return rows
