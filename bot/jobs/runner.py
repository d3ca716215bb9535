"""Running one scheduled job for one POD: decide what to send, then queue it in one go.

A job's body says what the run sends — posts, continuations in a post's thread, replies in a
request's thread, DMs, files — and what else it changes (a breach on the timeline, the
reminders sent). `JobContext.queue` then records the run in the ledger and writes all of it as
outbox rows in that *one* transaction: a run is either not recorded or fully queued. The
delivery worker sends the rows with its retries, backoff, pacing and crash-window lookups, so
a Slack blip during a run delays its messages by seconds and loses none.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import partial
from time import perf_counter
from typing import TYPE_CHECKING, Any, TextIO

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import consequences, metrics
from bot.actions import Work
from bot.config import Config, Pod
from bot.domain.digest import week_period
from bot.domain.events import Event
from bot.jobs import ledger
from bot.slack.outbox import Lane, Outbox
from bot.slack.snapshots import Snapshot
from bot.slack.web_api import Blocks

if TYPE_CHECKING:
    from bot.db.models import Request
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def _rendered(blocks: Blocks) -> list[dict[str, Any]] | None:
    """A message's blocks as the row keeps them, rendered while the run is planned: not
    inside the run's transaction, which on SQLite holds the one writer (and the delivery
    worker's bookkeeping behind it) for as long as it lasts."""
    if blocks is None:
        return None
    return [b.to_dict() if isinstance(b, Block) else b for b in blocks]


@dataclass(eq=False)
class Planned:
    """One message, DM or file a run will send; `row` is its outbox row once queued."""

    kind: str  # message | reply | dm | upload | event
    args: dict[str, Any]
    parent: Planned | None = None
    row: int | None = None
    lane: str | None = None  # a channel's lane (its parent's, in a thread), once queued


@dataclass
class JobContext:
    """What a job's body gets: the POD, the instant it runs as, and the run's plan to queue."""

    runtime: Runtime
    pod: Pod
    now: datetime
    dry_run: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    # The outbox rows this context queued, over all its runs (what `jobs run` waits for).
    queued: list[int] = field(default_factory=list)
    _planned: list[Planned] = field(default_factory=list)
    _writes: list[Callable[[Session], object]] = field(default_factory=list)
    _changes: list[Callable[[Work], object]] = field(default_factory=list)

    # -- the plan -----------------------------------------------------------------------------

    def _plan(self, kind: str, parent: Planned | None = None, **args: Any) -> Planned:
        planned = Planned(kind, args, parent)
        self._planned.append(planned)
        return planned

    def post(
        self,
        channel: str,
        text: str,
        blocks: Blocks = None,
        *,
        thread: Planned | None = None,
        snapshot: str | None = None,
    ) -> Planned:
        """Post in the channel, or in the thread of an earlier post of this run. A top-level
        post goes out after every post decided before it in the channel, whichever run or job
        decided it. `snapshot` names what a post showing the state of things now stands for
        (`aging-report:alpha`): while it waits for Slack, a newer run's post of the same key
        supersedes it, and it is dropped with the rows in its thread rather than posted
        stale."""
        return self._plan(
            "message", thread, channel=channel, text=text, blocks=_rendered(blocks),
            snapshot=snapshot,
        )  # fmt: skip

    def reply(self, request: Request, text: str) -> Planned:
        """Reply in the request card's thread (after anything already queued for the card)."""
        return self._plan("reply", None, request_id=request.id, text=text)

    def dm(
        self,
        user: str,
        text: str,
        blocks: Blocks = None,
        *,
        reminders: Sequence[Sequence[Any]] = (),
        snapshot: str | None = None,
        renewal: int | None = None,
        not_before: datetime | None = None,
    ) -> Planned:
        """Send a user a direct message; one carrying reminders (their keys) records on them
        where it landed, for their buttons; a renewal reminder names its contract. `snapshot`
        (a digest's POD and kind): a newer one of the same key queued for the same person
        supersedes it while it waits. `not_before` (an instant of the run's clock: the
        reader's next office hour) holds the row in the outbox until then."""
        wait = not_before - self.now if not_before is not None else None
        return self._plan(
            "dm", None, user=user, text=text, blocks=_rendered(blocks), reminders=reminders,
            snapshot=snapshot, renewal=renewal, wait=wait,
        )  # fmt: skip

    def upload(
        self,
        channel: str,
        filename: str,
        content: bytes,
        title: str,
        *,
        thread: Planned,
        alt_text: str | None = None,
    ) -> Planned:
        """Attach a file in the thread of an earlier post of this run: text (CSV, ICS) or
        binary (a PNG chart, with `alt_text` describing it)."""
        return self._plan(
            "upload", thread, channel=channel, filename=filename, content=content, title=title,
            alt_text=alt_text,
        )  # fmt: skip

    def record(self, event: Event) -> Planned:
        """A domain event of the run (a clock crossed: the card's badge changes): its
        consequences (`bot/consequences.py`) are queued with the run, so once per run
        recorded."""
        return self._plan("event", None, event=event)

    def write(self, change: Callable[[Session], object]) -> None:
        """A database change made in the run's own transaction (not made in a dry run)."""
        self._writes.append(change)

    def change(self, use_case: Callable[[Work], object]) -> None:
        """A use case run in the run's own transaction (not in a dry run): what it writes,
        and the consequences of the events it records, are queued with the run."""
        self._changes.append(use_case)

    # -- queueing -----------------------------------------------------------------------------

    def queue(self, job: str, period: str, detail: Mapping[str, Any] | None = None) -> bool:
        """Record the run (job, this POD, period) and queue its plan, in one transaction;
        False (and nothing queued) when it was recorded before. A dry run prints the plan.
        `detail` is kept on the ledger's row (a stall notice: whom it is for, its words)."""
        planned, writes, changes = self._planned, self._writes, self._changes
        self._planned, self._writes, self._changes = [], [], []
        if self.dry_run:
            if ledger.is_done(self.runtime.db, job, self.pod.key, period):
                return False
            for item in planned:
                self._print(item)
            return True
        outbox = Outbox(self.runtime)
        with self.runtime.db.transaction() as session:
            kept = {"messages": len(planned), **(detail or {})}
            run = ledger.record(session, job, self.pod.key, period, self.now, kept)
            if run is None:
                return False
            for change in writes:
                change(session)
            config = self.runtime.config
            for use_case in changes:
                use_case(
                    Work(session, config, self.now, partial(consequences.apply, session, outbox))
                )
            for item in planned:
                item.row = self._enqueue(outbox, session, item, period)
        outbox.deliver()  # wake the worker: the rows are committed
        self.queued.extend(item.row for item in planned if item.row is not None)
        return True

    @staticmethod
    def _enqueue(outbox: Outbox, session: Session, item: Planned, period: str) -> int | None:
        args = item.args
        parent = item.parent.row if item.parent is not None else None
        snapshot = Snapshot(args["snapshot"], period) if args.get("snapshot") else None
        if item.kind in ("message", "upload"):
            # One lane per channel: top-level posts in the order decided, across runs and
            # jobs; a thread's rows in their parent's lane, after it.
            item.lane = item.parent.lane if item.parent else Lane.CHANNEL.of(args["channel"])
        lane = item.lane or ""
        if item.kind == "message":
            return outbox.message(
                session, lane, args["channel"], args["text"], args["blocks"],
                parent=parent, snapshot=snapshot,
            )  # fmt: skip
        if item.kind == "upload":
            return outbox.upload(
                session, lane, args["channel"], args["filename"], args["content"],
                args["title"], parent=parent, alt_text=args.get("alt_text"),
            )  # fmt: skip
        if item.kind == "dm":
            reminders = [list(key) for key in args["reminders"]]
            return outbox.dm(
                session, args["user"], args["text"], args["blocks"], reminders=reminders,
                snapshot=snapshot, renewal=args.get("renewal"), wait=args.get("wait"),
            )  # fmt: skip
        if item.kind == "event":
            consequences.apply(session, outbox, args["event"])
            return None
        assert item.kind == "reply", item.kind
        return outbox.reply(session, args["request_id"], args["text"])

    def _print(self, item: Planned) -> None:
        args = item.args
        places: dict[str, Callable[[], str]] = {
            "message": lambda: args["channel"] + (" thread" if item.parent else ""),
            "reply": lambda: f"the thread of request {args['request_id']}",
            "dm": lambda: args["user"],
            "upload": lambda: args["channel"],
            "event": lambda: consequences.describe(args["event"]),
        }
        where = places[item.kind]()
        if item.kind == "upload":
            size = len(args["content"])
            print(f"--- file {args['filename']} ({size} bytes) to {where}", file=self.out)
            return
        if item.kind == "event":
            print(f"--- {where}", file=self.out)
            return
        print(f"--- {'DM to' if item.kind == 'dm' else 'post to'} {where}", file=self.out)
        print(args["text"], file=self.out)
        if args.get("blocks"):
            blocks = [b.to_dict() if isinstance(b, Block) else b for b in args["blocks"]]
            print(json.dumps(blocks, indent=2, ensure_ascii=False), file=self.out)


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
    # Jobs that record finer-grained runs themselves (one per breach) don't record the period.
    claims_period: bool = True


def run_job(
    runtime: Runtime,
    spec: JobSpec,
    pod: Pod,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    out: TextIO | None = None,
    queued: list[int] | None = None,
) -> RunOutcome:
    """Run `spec` for `pod` as if the clock read `now`; returns what happened, in words. The
    outbox rows it queued are added to `queued`, when given."""
    now = now or runtime.clock.now()
    started = perf_counter()
    period = spec.period(runtime.config, pod, now)
    if period is None:
        said = f"{spec.name} {pod.key}: nothing to do at {now.isoformat()} (not a working day)"
        return _ran(spec, pod, "idle", started, said)
    if spec.claims_period and ledger.is_done(runtime.db, spec.name, pod.key, period):
        # Checked before the body: a recorded run is not built again just to be refused.
        return _ran(spec, pod, "skipped", started, f"{spec.name} {pod.key} {period}: already done")
    context = JobContext(runtime, pod, now, dry_run=dry_run, out=out or sys.stdout)
    try:
        outcome = spec.body(context)
        recorded = context.queue(spec.name, period) if spec.claims_period else True
    except Exception as exc:
        log.exception(
            "job %s for %s (%s) failed",
            spec.name,
            pod.key,
            period,
            extra=_job_fields(spec, pod, "failed", started),
        )
        metrics.record_job_run(spec.name, "failed")
        said = f"{spec.name} {pod.key} {period}: failed ({exc}); nothing queued, to be retried"
        return RunOutcome(said, "failed")
    finally:
        if queued is not None:
            queued.extend(context.queued)
    if not recorded:
        return _ran(spec, pod, "skipped", started, f"{spec.name} {pod.key} {period}: already done")
    said = f"{spec.name} {pod.key} {period}: {outcome}"
    return _ran(spec, pod, "dry_run" if dry_run else "ok", started, said)


def _job_fields(spec: JobSpec, pod: Pod, outcome: str, started: float) -> dict[str, Any]:
    duration_ms = round((perf_counter() - started) * 1000, 1)
    return {"job": spec.name, "pod": pod.key, "outcome": outcome, "duration_ms": duration_ms}


class RunOutcome(str):
    """What a run did, in words; `outcome` is ok, dry_run, idle, skipped or failed."""

    outcome: str

    def __new__(cls, said: str, outcome: str) -> RunOutcome:
        value = super().__new__(cls, said)
        value.outcome = outcome
        return value


def _ran(spec: JobSpec, pod: Pod, outcome: str, started: float, said: str) -> RunOutcome:
    # One log line and one count per run; runs with nothing to do are debug-level noise.
    metrics.record_job_run(spec.name, outcome)
    level = logging.DEBUG if outcome in ("idle", "skipped") else logging.INFO
    log.log(level, "job run: %s", said, extra=_job_fields(spec, pod, outcome, started))
    return RunOutcome(said, outcome)


def catch_up(runtime: Runtime, specs: list[JobSpec], now: datetime | None = None) -> list[str]:
    """Run each POD's current period of each job once if its time has passed and it is not done."""
    now = now or runtime.clock.now()
    outcomes: list[str] = []
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


def working_hour(config: Config, pod: Pod, now: datetime) -> str | None:
    """The period of an hourly job: the POD's local hour (`2026-11-24T09`) on a working day,
    None (no run) on any other day."""
    local = now.astimezone(pod.zone)
    return local.strftime("%Y-%m-%dT%H") if pod.calendar.is_working_day(local.date()) else None


_WEEKDAYS = {
    "mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
    "sat": "Saturday", "sun": "Sunday",
}  # fmt: skip


def weekly_job(
    name: str,
    summary: str,
    body: Callable[[JobContext], str],
    *,
    day: Callable[[Pod], str],
    at: Callable[[Pod], time],
) -> JobSpec:
    """A job run on `day` at `at` (POD time), once per ISO week of the POD's calendar (its
    ledger period, `2026-W48`); a run missed while down is caught up that day, not days later
    (`jobs run` runs any day's week)."""

    def trigger(config: Config, pod: Pod) -> BaseTrigger:
        when = at(pod)
        return CronTrigger(
            day_of_week=day(pod), hour=when.hour, minute=when.minute, timezone=pod.zone
        )

    def describe(config: Config, pod: Pod) -> str:
        return f"{_WEEKDAYS[day(pod)]}s at {at(pod):%H:%M} {pod.timezone}"

    def period(config: Config, pod: Pod, now: datetime) -> str:
        return week_period(now.astimezone(pod.zone).date())

    def overdue(config: Config, pod: Pod, now: datetime) -> bool:
        local = now.astimezone(pod.zone)
        return local.strftime("%a").lower() == day(pod) and local.time() >= at(pod)

    return JobSpec(name, summary, trigger, describe, period, body, overdue)


def local_time_reached(pod: Pod, now: datetime, at: time) -> bool:
    """Whether the POD's local wall clock has reached `at` on `now`'s local day."""
    return now.astimezone(pod.zone).time() >= at
