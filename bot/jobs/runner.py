"""Running one scheduled job for one POD: claim the run in the ledger, then post step by step.

Every post a run makes is a named *step*. A step records its result in the ledger row, and
its Slack message carries metadata naming the run and step, so a run taken over after a
crash skips the steps that already happened — even one Slack accepted just before the crash.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from time import perf_counter
from typing import TYPE_CHECKING, Any, TextIO

from apscheduler.triggers.base import BaseTrigger
from slack_sdk.models.blocks import Block

from bot import metrics
from bot.config import Config, Pod
from bot.jobs import ledger
from bot.slack.delivery import Blocks

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
METADATA_TYPE = "podbot_job_step"


@dataclass
class JobContext:
    """What a job's body gets: the POD, the instant it runs as, and idempotent posting steps."""

    runtime: Runtime
    pod: Pod
    now: datetime
    claim: ledger.Claim | None = None
    dry_run: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)

    def under(self, claim: ledger.Claim) -> JobContext:
        """The same context working under another ledger claim (e.g. one per TAT breach)."""
        return JobContext(self.runtime, self.pod, self.now, claim, self.dry_run, self.out)

    def _done(self, step: str) -> Any:
        return self.claim.detail.get(step) if self.claim else None

    def _record(self, step: str, value: Any) -> None:
        assert self.claim is not None
        ledger.record_step(self.runtime.db, self.claim.run_id, step, value)
        self.claim.detail[step] = value

    def _print(self, what: str, text: str, blocks: Blocks) -> None:
        print(f"--- {what}", file=self.out)
        print(text, file=self.out)
        if blocks:
            dicts = [b.to_dict() if isinstance(b, Block) else b for b in blocks]
            print(json.dumps(dicts, indent=2, ensure_ascii=False), file=self.out)

    def post(
        self,
        step: str,
        channel: str,
        text: str,
        blocks: Blocks = None,
        thread_ts: str | None = None,
    ) -> str:
        """Post once per run: skipped if this step was recorded or is found in Slack."""
        if self.dry_run:
            where = f"{channel}" + (f" thread {thread_ts}" if thread_ts else "")
            self._print(f"post to {where} ({step})", text, blocks)
            return f"dry-run-{step}"
        assert self.claim is not None, "a real post needs a ledger claim"
        done = self._done(step)
        if done:
            return str(done["ts"])
        slack = self.runtime.slack
        tag = {"run": self.claim.run_id, "step": step}
        if self.claim.recovering:
            found = slack.find_tagged(channel, METADATA_TYPE, tag, thread_ts=thread_ts)
            if found:
                log.info("run %s step %s was already posted; not posting again", *tag.values())
                self._record(step, {"channel": channel, "ts": found})
                return found
        ts = slack.post(
            channel,
            text,
            blocks,
            thread_ts=thread_ts,
            metadata={"event_type": METADATA_TYPE, "event_payload": tag},
        )
        self._record(step, {"channel": channel, "ts": ts})
        return ts

    def dm(self, step: str, user: str, text: str, blocks: Blocks = None) -> tuple[str, str] | None:
        """Send a user one direct message per run; returns its (channel, ts), None in a dry run."""
        if self.dry_run:
            self._print(f"DM to {user} ({step})", text, blocks)
            return None
        done = self._done(step)
        if done:
            return str(done["channel"]), str(done["ts"])
        channel = self.runtime.slack.open_dm(user)
        return channel, self.post(step, channel, text, blocks)

    def upload(
        self, step: str, channel: str, filename: str, content: bytes, title: str, thread_ts: str
    ) -> None:
        """Attach a file once per run: skipped if this step was recorded or, in a run taken
        over after a crash, if a file of that name is already in the thread."""
        if self.dry_run:
            print(f"--- file {filename} ({len(content)} bytes) to {channel}", file=self.out)
            return
        if self._done(step):
            return
        assert self.claim is not None, "a real upload needs a ledger claim"
        if self.claim.recovering:
            found = self.runtime.slack.find_file(channel, filename, thread_ts=thread_ts)
            if found:
                log.info("run %s step %s was already uploaded; not again", self.claim.run_id, step)
                self._record(step, {"file": found})
                return
        file_id = self.runtime.slack.upload(
            channel, filename, content, title=title, thread_ts=thread_ts
        )
        self._record(step, {"file": file_id})


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: when it runs for a POD, which period a run covers, and its body."""

    name: str
    summary: str
    trigger: Callable[[Config, Pod], BaseTrigger]
    describe: Callable[[Config, Pod], str]
    # The ledger period a run at `now` covers, or None when the job does not run then.
    period: Callable[[Config, Pod, datetime], str | None]
    body: Callable[[JobContext], str]
    # Whether a period's run is overdue at `now` (for catch-up after downtime).
    overdue: Callable[[Config, Pod, datetime], bool] | None = None
    # Jobs that claim finer-grained keys themselves (per breach) don't claim the period.
    claims_period: bool = True


def run_job(
    runtime: Runtime,
    spec: JobSpec,
    pod: Pod,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    out: TextIO | None = None,
) -> str:
    """Run `spec` for `pod` as if the clock read `now`; returns what happened, in words."""
    now = now or runtime.clock.now()
    started = perf_counter()
    period = spec.period(runtime.config, pod, now)
    if period is None:
        said = f"{spec.name} {pod.key}: nothing to do at {now.isoformat()} (not a working day)"
        return _ran(spec, pod, "idle", started, said)
    context = JobContext(runtime, pod, now, dry_run=dry_run, out=out or sys.stdout)
    if dry_run or not spec.claims_period:
        try:
            outcome = spec.body(context)
        except Exception:
            _ran(spec, pod, "failed", started, f"{spec.name} {pod.key} {period}: failed")
            raise
        said = f"{spec.name} {pod.key} {period}: {outcome}"
        return _ran(spec, pod, "dry_run" if dry_run else "ok", started, said)
    claim = ledger.claim(runtime.db, spec.name, pod.key, period, now)
    if claim is None:
        said = f"{spec.name} {pod.key} {period}: already done (or running elsewhere)"
        return _ran(spec, pod, "skipped", started, said)
    try:
        outcome = spec.body(context.under(claim))
    except Exception as exc:
        log.exception(
            "job %s for %s (%s) failed",
            spec.name,
            pod.key,
            period,
            extra=_job_fields(spec, pod, "failed", started),
        )
        metrics.record_job_run(spec.name, "failed")
        ledger.finish(runtime.db, claim.run_id, runtime.clock.now(), failed=repr(exc))
        return f"{spec.name} {pod.key} {period}: failed ({exc}); it will be retried"
    ledger.finish(runtime.db, claim.run_id, runtime.clock.now())
    recovered = " (recovered an interrupted run)" if claim.recovering else ""
    return _ran(spec, pod, "ok", started, f"{spec.name} {pod.key} {period}: {outcome}{recovered}")


def _job_fields(spec: JobSpec, pod: Pod, outcome: str, started: float) -> dict[str, Any]:
    duration_ms = round((perf_counter() - started) * 1000, 1)
    return {"job": spec.name, "pod": pod.key, "outcome": outcome, "duration_ms": duration_ms}


def _ran(spec: JobSpec, pod: Pod, outcome: str, started: float, said: str) -> str:
    # One log line and one count per run; runs with nothing to do are debug-level noise.
    metrics.record_job_run(spec.name, outcome)
    level = logging.DEBUG if outcome in ("idle", "skipped") else logging.INFO
    level = logging.ERROR if outcome == "failed" else level
    log.log(level, "job run: %s", said, extra=_job_fields(spec, pod, outcome, started))
    return said


def catch_up(runtime: Runtime, specs: list[JobSpec], now: datetime | None = None) -> list[str]:
    """Run each POD's current period of each job once if its time has passed and it is not done."""
    now = now or runtime.clock.now()
    outcomes = []
    for spec in specs:
        if spec.overdue is None:
            continue
        for pod in runtime.config.pods:
            period = spec.period(runtime.config, pod, now)
            if period is None or not spec.overdue(runtime.config, pod, now):
                continue
            if ledger.is_done(runtime.db, spec.name, pod.key, period):
                continue
            outcomes.append(run_job(runtime, spec, pod, now=now))
    return outcomes


def local_time_reached(pod: Pod, now: datetime, at: time) -> bool:
    """Whether the POD's local wall clock has reached `at` on `now`'s local day."""
    return now.astimezone(pod.zone).time() >= at
