"""The one place jobs meet APScheduler: a cron trigger per job and POD, in the POD's zone.

APScheduler only decides *when* to try; the run ledger decides whether a run happens, so any
number of scheduler processes may run side by side. A sweep every five minutes catches up a
period whose run was missed (downtime) or failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.blocks.text import plural
from bot.jobs import JOBS
from bot.jobs.runner import catch_up, run_job
from bot.slack.installs import REFRESH_EVERY_MINUTES

# OAuth mode's job renewing the installations' rotating bot tokens ahead of their expiry.
TOKEN_REFRESH = "token-refresh"

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
        log.info("catch-up sweep done (%s)", plural(len(outcomes), "run"))
    except Exception:
        log.exception("catch-up sweep crashed")


def _refresh_tokens(runtime: Runtime) -> None:
    # OAuth mode's `token-refresh`: no POD's and no ledger's; the bot row's lock makes racing
    # processes (and a send renewing at use) renew each token once.
    installations = runtime.installations
    assert installations is not None
    try:
        renewed, refused = installations.refresh_expiring()
        if renewed or refused:
            log.info("token-refresh: %d renewed, %d refused", renewed, refused)
    except Exception:
        log.exception("token-refresh crashed")


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """A scheduler with every job for every POD, plus the catch-up sweep (and, in OAuth
    mode, `token-refresh`)."""
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
    if runtime.installations is not None:
        scheduler.add_job(
            _refresh_tokens,
            IntervalTrigger(minutes=REFRESH_EVERY_MINUTES),
            args=[runtime],
            id=TOKEN_REFRESH,
            name=f"{TOKEN_REFRESH} (OAuth mode)",
            replace_existing=True,
        )
    return scheduler


def start(runtime: Runtime) -> BackgroundScheduler:
    """Catch up what downtime missed, then start the scheduler thread."""
    _sweep(runtime)
    scheduler = build_scheduler(runtime)
    scheduler.start()
    return scheduler


def next_runs(
    config: Config,
    now: datetime,
    done: Callable[[str, str, str], bool] | None = None,
) -> list[tuple[JobSpec, Pod, str, datetime | None]]:
    """Each job and POD with its schedule in words and its next run time after `now`.

    Fire times the job would pass over are skipped: days it does not run (holidays) and,
    given `done(job, scope, period)` (the run ledger), periods already recorded (a renewal
    calendar already posted)."""
    rows = []
    for spec in JOBS.values():
        for pod in config.pods:
            trigger = spec.trigger(config, pod)
            fire = trigger.get_next_fire_time(None, now)
            for _ in range(366 * 24):
                if fire is None or not _passed_over(config, spec, pod, fire, done):
                    break
                fire = trigger.get_next_fire_time(fire, fire)
            rows.append((spec, pod, spec.describe(config, pod), fire))
    return rows


def _passed_over(
    config: Config,
    spec: JobSpec,
    pod: Pod,
    fire: datetime,
    done: Callable[[str, str, str], bool] | None,
) -> bool:
    period = spec.period(config, pod, fire)
    if period is None:
        return True
    if done is None or not spec.claims_period:
        return False
    return done(spec.name, pod.key, period)


def fires_between(
    config: Config, after: datetime, until: datetime
) -> list[tuple[datetime, JobSpec, Pod]]:
    """Every fire time of every job and POD in (`after`, `until`], in time order (then in
    JOBS and POD order), as the scheduler's triggers would fire them; fire times whose job
    does not run then (holidays: no period) are left out."""
    fires: list[tuple[datetime, int, int, JobSpec, Pod]] = []
    for j, spec in enumerate(JOBS.values()):
        for p, pod in enumerate(config.pods):
            trigger = spec.trigger(config, pod)
            fire = trigger.get_next_fire_time(after, after)  # strictly after `after`
            while fire is not None and fire <= until:
                if spec.period(config, pod, fire) is not None:
                    fires.append((fire.astimezone(UTC), j, p, spec, pod))
                fire = trigger.get_next_fire_time(fire, fire)
    fires.sort(key=lambda row: row[:3])
    return [(fire, spec, pod) for fire, _, _, spec, pod in fires]
