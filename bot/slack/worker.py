"""The delivery worker: sends the outbox's rows to Slack, in order per lane, exactly once.

* A row is taken (`in_flight`) before it is sent, with `FOR UPDATE SKIP LOCKED` on
  PostgreSQL so several processes share the work; a row is eligible only when no earlier row
  of its lane is still pending or in flight, so one thread's posts keep their order. Rows are
  taken whenever a sending thread is free (not batch by batch), so a channel held to
  Slack's pace delays only its own rows.
* Kinds: a request's `card`, a reply in its `thread`, a savings `claim` message, an `update`
  (edit), a user's App `home` tab (views.publish), a slash command's answer after its ack
  (`respond`, to its response_url), and a job run's `message`s, `dm`s and
  `upload`s (files). A row with a parent
  replies in the thread of its parent's message; the parent is an earlier row of its lane.
* Posts carry message metadata naming the delivery. A row left `in_flight` by a process that
  died is taken over once its lease expires, and the worker first looks for its message in
  Slack: if Slack accepted it before the crash it is recorded, not sent again (a file, which
  carries no metadata, is looked for by its name in the thread).
* Connection errors, timeouts and 5xx are retried with backoff (at most
  PODBOT_DELIVERY_MAX_BACKOFF, 10 s); 429 waits for Retry-After; permanent refusals
  (invalid_blocks, channel_not_found, …) are parked and logged loudly. When a retry gets
  through, the rows waiting out a backoff are due at once: Slack is back.
* A row whose content cannot be built (an exception while rendering it, not a Slack or a
  database error) is retried with the same backoff and parked after CRASHED_ATTEMPTS
  attempts: a warning line per attempt, the traceback once, when it is parked.
"""

from __future__ import annotations

import base64
import logging
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import CursorResult, and_, bindparam, exists, func, literal, or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import aliased

from bot.blocks.cards import card_blocks, card_text
from bot.blocks.claims import claim_blocks, claim_text
from bot.blocks.home import home_view
from bot.blocks.text import plain_date
from bot.clock import Clock, SystemClock
from bot.db.content import card_data, claim_view
from bot.db.customer_updates import update_facts
from bot.db.home import load_home
from bot.db.models import (
    Account,
    CustomerUpdate,
    OutboxKind,
    OutboxRow,
    OutboxStatus,
    PodRow,
    Reminder,
    Request,
    SavingsClaim,
)
from bot.db.requests import get_request
from bot.db.visible import published
from bot.domain.customer_update import CANVAS_TITLE, UpdateStatus, canvas_sections
from bot.jobs.ledger import WORKER
from bot.mail.message import update_message
from bot.mail.smtp import MailRefused, MailUnavailable, SmtpSettings
from bot.mail.smtp import send as send_mail
from bot.slack.installs import Installations, acting_for, ratelimits_at_once
from bot.slack.pacing import ChannelTurns, Turn
from bot.slack.snapshots import drop_superseded
from bot.slack.web_api import WebApiError

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.sql.dml import ReturningUpdate

    from bot.config import Config
    from bot.db.session import Database
    from bot.slack.web_api import SlackApi

log = logging.getLogger(__name__)
# What `conversations.canvases.create` answers where the workspace's plan allows no canvas in
# the channel: podbot pins a message there instead (issue 32).
CANVAS_NOT_ALLOWED = frozenset(
    {"team_tier_cannot_create_channel_canvases", "free_team_canvas_tab_already_exists",
     "canvas_disabled_user_team"}
)  # fmt: skip
METADATA_TYPE = "podbot_delivery"
# Slack errors that retrying cannot fix.
PERMANENT = {
    "invalid_blocks", "invalid_blocks_format", "invalid_arguments", "invalid_metadata_format",
    "msg_too_long", "no_text", "channel_not_found", "not_in_channel", "is_archived",
    "message_not_found", "cant_update_message", "invalid_auth", "account_inactive",
    "token_revoked", "missing_scope", "thread_not_found", "user_not_found",
    # A slash command's response_url: expired (30 minutes), used up (5 posts), not Slack's.
    "expired_url", "used_url", "invalid_response_url", "http_400", "http_403", "http_404",
    "http_410",
    # ClickUp (issue 31): a task deleted there, or never created (bot/clickup/deliver.py);
    # its refusals of a request podbot got wrong (400), its token (401), a list it lacks.
    "task_deleted", "no_task", "clickup_not_configured",
    # OAuth mode (issue 36): the workspace uninstalled podbot or its token could not be
    # renewed; its rows wait, parked, until it is installed again (bot/slack/installs.py).
    "app_uninstalled", "token_refresh_failed",
    "clickup_400", "clickup_401", "clickup_403", "clickup_404",
}  # fmt: skip
# Retries that are the plan, not a failure: a new request's ClickUp task waits for its card's
# permalink (bot/clickup/deliver.py). Logged at INFO.
_EXPECTED = frozenset({"card_not_posted"})
_OPEN = (OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value)
_HOME = OutboxKind.HOME.value
# Written into the SQL, not bound, so the partial indexes over pending rows (by channel, by
# lane and kind) can serve a take: SQLite matches a partial index's WHERE on the SQL text.
_PENDING = OutboxRow.status == literal(OutboxStatus.PENDING.value, literal_execute=True)
_OPEN_SQL = [literal(status, literal_execute=True) for status in _OPEN]
# A row whose content podbot cannot build (an exception other than Slack's or the database's
# while rendering it: a Home, a card, from data it cannot show) is parked when it fails on this
# attempt (Slack's failed tries of the row count too), not retried forever with a traceback
# every few seconds.
CRASHED_ATTEMPTS = 5
# Failures of the database rather than of the row: retried with backoff like Slack's, never
# counted toward parking it.
_DATABASE_FAILURES = (OperationalError, InterfaceError, PoolTimeout)
# Failures whose retry keeps its time when Slack is back: a 429's Retry-After, and a timeout's
# wait for Slack to finish storing what it may have received.
_WAIT_OUT = ("ratelimited", "TimeoutError", "timeout")
# Rows sent without a workspace's bot token (ClickUp, SMTP, a response_url): a workspace's
# 429 (OAuth mode) does not hold them, nor does theirs hold the workspace.
_NO_BOT_TOKEN = frozenset(
    {OutboxKind.CLICKUP.value, OutboxKind.EMAIL.value, OutboxKind.RESPOND.value}
)
# What a take reads of a candidate row (not its payload).
_CANDIDATE = (
    OutboxRow.id,
    OutboxRow.kind,
    OutboxRow.lane,
    OutboxRow.channel,
    OutboxRow.status,
    OutboxRow.attempts,
    OutboxRow.parent_id,
    OutboxRow.team_id,
)
# How often the worker walks every due row (rows it was not told about: another process's,
# retries coming due); rows it is told about are taken at once.
SWEEP_SECONDS = 0.5
# Homes yield to commands. A Home is rendered from the database at send time (the heaviest
# work the worker does, on the GIL the acks need), and a pending Home row stands for every
# change since, so a Home published later loses nothing. One Home is rendered at a time, and
# while commands keep coming (rows were queued within BUSY_SECONDS) the next is taken only
# after a pause that holds the renders to HOME_SHARE of the process's time: a burst of
# commands acks at full speed and its Homes follow, each once, when it calms down.
HOME_SHARE = 0.1
BUSY_SECONDS = 1.0
# How often the loop has the database refresh its planner statistics (`Database.optimize`:
# on SQLite `PRAGMA optimize`, and at start an ANALYZE of a database never analyzed): the
# takes and the ack path's lookups use partial indexes a planner without statistics skips.
OPTIMIZE_SECONDS = 600.0
# The shortest time between two takes of the loop (see `_loop`).
TAKE_GAP_SECONDS = 0.005
# The longest a thread waits for the GIL while another runs Python (CPython's default: 5 ms).
# The worker's threads render cards and Homes, CPU-bound, beside the acks; a command gives the
# GIL up at each database call and waited up to the full interval to get it back each time.
SWITCH_INTERVAL = 0.001
_ONE_SECOND = timedelta(seconds=1)
# How many delivered rows' results (channel and ts) the worker keeps in memory: a job run's
# thread continuations and files find their parent's message there, not by a read.
RESULTS_KEPT = 4096
RESULTS_SECONDS = 3600.0


@dataclass(frozen=True)
class _Takes:
    """The statements of a take, built once (building SQLAlchemy expressions costs more of
    the GIL than running them), with their values bound per take: `now`, `expired_before`,
    `skip` (ids), `busy` (channels), `left` (kinds), `n`, `lane`, `channel`, `ids`."""

    taken_over: Select[*tuple[Any, ...]]
    waiting: Select[*tuple[Any, ...]]
    next_in_lane: Select[*tuple[Any, ...]]
    unpaced: Select[*tuple[Any, ...]]
    in_channel: Select[*tuple[Any, ...]]
    home: Select[*tuple[Any, ...]]
    mark: ReturningUpdate[int, dict[str, Any]]


@cache
def _takes(postgres: bool) -> _Takes:
    # Core, not ORM objects: the candidates' few columns; a row's payload (a report's blocks,
    # a CSV) is read only once the row is taken.
    earlier = aliased(OutboxRow)
    blocked = exists().where(
        # `ix_deliveries_open_lane`: the lane's open rows, not every row it ever had.
        earlier.lane == OutboxRow.lane,
        earlier.id < OutboxRow.id,
        earlier.status.in_(_OPEN_SQL),
    )
    # Core: the ORM's hook that hides an import not complete does not see these statements.
    due = and_(
        _PENDING,
        OutboxRow.next_attempt_at <= bindparam("now"),
        ~blocked,
        published(OutboxRow.import_id),
    )
    waiting = select(*_CANDIDATE).where(
        due, OutboxRow.kind.not_in(bindparam("left", expanding=True))
    )
    not_busy = or_(
        OutboxRow.channel.is_(None), OutboxRow.channel.not_in(bindparam("busy", expanding=True))
    )
    by_due = (OutboxRow.next_attempt_at, OutboxRow.id)
    # A lane's next row is its first open row (`ix_deliveries_open_lane`), taken if it is
    # due: found by its id, not among every due row.
    first_open = (
        select(func.min(earlier.id))
        .where(earlier.lane == bindparam("lane"), earlier.status.in_(_OPEN_SQL))
        .scalar_subquery()
    )
    statements: list[Select[*tuple[Any, ...]]] = [
        # Rows left in flight by a dead process first, then due rows, the longest-due first.
        # Two queries, not one with OR: each walks its own index and stops at the limit, so
        # a take costs the same with ten rows waiting or ten thousand (Slack down for an hour).
        select(*_CANDIDATE)
        .where(
            # `ix_deliveries_in_flight`
            OutboxRow.status == literal(OutboxStatus.IN_FLIGHT.value, literal_execute=True),
            OutboxRow.claimed_at < bindparam("expired_before"),
            OutboxRow.id.not_in(bindparam("skip", expanding=True)),
        )
        .order_by(OutboxRow.claimed_at, OutboxRow.id)
        .limit(bindparam("n")),
        waiting.where(not_busy).order_by(*by_due).limit(bindparam("n")),
        waiting.where(not_busy, OutboxRow.id == first_open),
        # A channel's rows, or the rows with none (edits, Homes): `ix_deliveries_pending_channel`.
        waiting.where(OutboxRow.channel.is_(None)).order_by(*by_due).limit(bindparam("n")),
        waiting.where(OutboxRow.channel == bindparam("channel")).order_by(*by_due).limit(1),
        select(*_CANDIDATE)
        .where(
            due, OutboxRow.channel.is_(None), OutboxRow.kind == literal(_HOME, literal_execute=True)
        )
        .order_by(*by_due)
        .limit(1),
    ]
    if postgres:  # several processes share the work
        statements = [s.with_for_update(skip_locked=True) for s in statements]
    ids = OutboxRow.id.in_(bindparam("ids", expanding=True))
    mark = (
        update(OutboxRow)
        .where(ids)
        .values(
            status=OutboxStatus.IN_FLIGHT.value,
            claimed_by=WORKER,
            claimed_at=bindparam("now"),
            attempts=OutboxRow.attempts + 1,
        )
        # A row's payload (a report's blocks, a CSV) is read only once it is taken.
        .returning(OutboxRow.id, OutboxRow.payload)
    )
    taken_over, due_rows, next_in_lane, unpaced, in_channel, home = statements
    return _Takes(taken_over, due_rows, next_in_lane, unpaced, in_channel, home, mark)


# A row delivered: built once, as the takes are.
_FINISH = (
    update(OutboxRow)
    .where(OutboxRow.id == bindparam("row"))
    .values(
        status=OutboxStatus.DELIVERED.value,
        delivered_at=bindparam("at"),
        result=bindparam("result"),
        last_error=None,
    )
)


class Taken(NamedTuple):
    """A row this worker took, as its sending thread needs it."""

    id: int
    kind: str
    payload: dict[str, Any]
    recovering: bool  # look in Slack before sending: a retry, or a takeover after a crash
    channel: str | None
    lane: str
    parent: int | None = None  # the row whose message this one replies under
    team: str | None = None  # whose token sends it (OAuth mode, many workspaces)


class OutboxWorker:
    """Delivers pending outbox rows on a background thread (or on demand with `drain`)."""

    def __init__(
        self,
        db: Database,
        slack: SlackApi,
        config: Config,
        *,
        slack_timeout: float = 30.0,
        clock: Clock | None = None,
        lease: timedelta | None = None,
        batch: int = 32,
        threads: int | None = None,
        domain_clock: Clock | None = None,
        pace_clock: Callable[[], float] = time.monotonic,
        smtp: SmtpSettings | None = None,
    ) -> None:
        # Narrow dependencies, not the whole runtime: the worker needs the rows, Slack, and the
        # config to render what a card or claim shows at send time.
        self.db, self.slack, self.config = db, slack, config
        self.smtp = smtp  # the SMTP relay of `email` rows (issue 32); None: none configured
        self.slack_timeout = slack_timeout
        # OutboxRow timing (due, backoff, lease, "Slack is back") is on the delivery clock: real
        # time, even when the domain clock is set by a test or `--at`; a test's simulated
        # clock makes a minute's outage take no minute.
        self.clock = clock or SystemClock()
        # What a Home shows (due, overdue, days left) is as of the domain's clock, the runtime's.
        self.domain_clock = domain_clock or self.clock
        seconds = float(os.environ.get("PODBOT_DELIVERY_LEASE_SECONDS", "60"))
        self.lease = lease if lease is not None else timedelta(seconds=seconds)
        # Short enough that a Slack outage ends for every lane within seconds of Slack coming
        # back; only the first row of each lane retries, so an outage costs Slack little.
        self.max_backoff = float(os.environ.get("PODBOT_DELIVERY_MAX_BACKOFF", "10"))
        self.batch = batch
        # A sending thread mostly waits for Slack; posts to different channels go side by
        # side, so there is one per POD channel (at least 8): fifty PODs' 09:00 reports queued
        # at once all start posting at once, as when each job thread posted for itself.
        pods = len(config.pods)
        self.threads = threads or int(os.environ.get("PODBOT_DELIVERY_THREADS") or max(8, pods))
        self._pool = ThreadPoolExecutor(
            max_workers=self.threads, thread_name_prefix="podbot-deliver"
        )
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        # Channels (None: rows with no channel) that new or freed rows wait for, and whether a
        # sweep of every due row was asked for (rows of unknown channel, another process's).
        self._looks = threading.Lock()
        self._wanted: set[str | None] = set()
        self._lanes: set[str] = set()  # lanes whose next row a finished delivery unblocked
        self._sweep = True
        self._busy: frozenset[str | None] = frozenset()  # as the loop last saw them
        self._card_locks = [threading.Lock() for _ in range(64)]
        self._back_checked: datetime | None = None
        # The reasons a post was parked for, per channel (or lane), already logged: the next
        # row parked there for the same reason is not logged again until one is delivered.
        self._parked_said: dict[str, set[str]] = {}
        # Kinds whose rows wait, undelivered and not counted as due, until `release` (none in
        # production; the sandbox holds Homes while it replays the demo's history).
        self._held: frozenset[str] = frozenset()
        # Home pacing (HOME_SHARE): a Home being rendered, the monotonic time before which no
        # Home is taken, and when rows were last queued here (by a command or a job run).
        # Seconds on `pace_clock` (monotonic; a test's stands still until it moves it).
        self._pace_clock = pace_clock
        self._rendering_home = False
        self._homes_after = 0.0
        self._queued_at = pace_clock() - BUSY_SECONDS
        self._senders: dict[OutboxKind, Callable[[Taken], dict[str, Any] | None]] = {
            OutboxKind.CARD: self._send_card,
            OutboxKind.THREAD: self._send_thread,
            OutboxKind.CLAIM: self._send_claim,
            OutboxKind.UPDATE: self._send_update,
            OutboxKind.MESSAGE: self._send_message,
            OutboxKind.DM: self._send_dm,
            OutboxKind.UPLOAD: self._send_upload,
            OutboxKind.HOME: self._send_home,
            OutboxKind.RESPOND: self._send_respond,
            OutboxKind.CLICKUP: self._send_clickup,
            OutboxKind.EMAIL: self._send_email,
            OutboxKind.CANVAS: self._send_canvas,
        }
        # The sender of `clickup` rows (bot/clickup/deliver.py), set by `build_runtime` when
        # ClickUp is configured; without it such rows are parked.
        self.clickup: Callable[[Taken], dict[str, Any]] | None = None
        # OAuth mode (issue 36): each workspace's installation, checked before a row is sent.
        self.installations: Installations | None = None
        # OAuth mode: until when each rate-limited workspace's rows wait (its Retry-After).
        self._team_waits: dict[str | None, datetime] = {}
        # The results of the rows this process delivered last (ts and channel), oldest first.
        self._results: dict[int, tuple[str, float, dict[str, Any]]] = {}
        # In a process of `podbot serve` that answers Slack, the worker runs in the delivery
        # process: `notify` rings it there (bot/slack/doorbell.py) instead of waking this one.
        self.doorbell: Callable[[set[str | None] | None], None] | None = None

    # -- running ------------------------------------------------------------------------------

    def start(self) -> None:
        """Run the delivery loop on a daemon thread (and shorten the process's GIL switch
        interval to SWITCH_INTERVAL: its rendering must not hold up the acks)."""
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._loop, name="podbot-deliveries", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop and wait for deliveries under way."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=30)
        self._pool.shutdown(wait=True)

    def hold(self, *kinds: OutboxKind) -> None:
        """Leave rows of these kinds pending (not taken, not due for `wait_idle`) until
        `release`. While a Home row is pending, later changes queue no second one for that
        user, so a replay of weeks of history publishes each Home once, from the end state."""
        self._held = frozenset(kind.value for kind in kinds)

    def release(self) -> None:
        """Deliver held rows again (a sweep looks at every due row now)."""
        self._held = frozenset()
        self.notify()

    def notify(self, channels: set[str | None] | None = None) -> None:
        """New rows were committed (for these channels, if known): look now rather than at
        the next sweep."""
        if self.doorbell is not None:
            self.doorbell(channels)
            return
        with self._looks:
            if channels is None:
                self._sweep = True
            else:
                self._queued_at = self._pace_clock()
                self._wanted |= channels
                if channels <= self._busy:
                    # Each is inside its window or being posted to: the loop looks at them
                    # when that ends (no wake per command while a channel is saturated).
                    return
        self._wake.set()

    def _loop(self) -> None:
        # A pipeline, not batches: whenever a thread is free, take more. No row is taken for
        # a channel inside Slack's one-second window (or being posted to), so a busy channel
        # never has threads waiting on it while other channels' posts queue. Finding a row
        # that is not waiting for a busy channel is cheap when the channel is known (a new
        # row's, a window that just opened: one indexed query each) and walks every due row
        # otherwise, so that sweep runs only every SWEEP_SECONDS or when asked for.
        running: dict[int, tuple[Future[None], str | None]] = {}
        was_paced: set[str] = set()
        next_sweep = 0.0
        next_optimize = 0.0
        took_at = -TAKE_GAP_SECONDS
        while not self._stop.is_set():
            # Commands arriving hundreds a second wake the loop for each: one take every
            # TAKE_GAP_SECONDS at most serves them all (a take is a write transaction).
            if self._stop.wait(max(0.0, took_at + TAKE_GAP_SECONDS - time.monotonic())):
                break
            if time.monotonic() >= next_optimize:
                self._optimize(first=next_optimize == 0.0)
                next_optimize = time.monotonic() + OPTIMIZE_SECONDS
            self._wake.clear()  # a wake from here on is seen by the wait below
            running = {row_id: item for row_id, item in running.items() if not item[0].done()}
            paced = self.slack.paced()
            opened, was_paced = was_paced - set(paced), set(paced)
            busy = set(paced) | {channel for _, channel in running.values() if channel}
            now = time.monotonic()
            with self._looks:
                if self._homes_after and self._pace_clock() >= self._homes_after:
                    self._homes_after = 0.0  # the pause is over: Homes (no channel) may go
                    self._wanted.add(None)
                wanted, self._wanted = self._wanted | opened, set()
                lanes, self._lanes = self._lanes, set()
                sweep, self._sweep = self._sweep or now >= next_sweep, False
                self._busy = frozenset(busy)
            taken: list[Taken] = []
            free = self.threads - len(running)
            if free <= 0:
                with self._looks:  # no thread to send with: look again once one is free
                    self._wanted |= wanted
                    self._lanes |= lanes
                    self._sweep |= sweep
            else:
                targets = None if sweep else {c for c in wanted if c is None or c not in busy}
                try:
                    if targets is None or targets or lanes:
                        took_at = now
                        taken = self._take(
                            limit=free,
                            skip=set(running),
                            busy=busy,
                            channels=targets,
                            lanes=None if sweep else lanes,
                            pace_homes=True,
                        )
                    if sweep:
                        next_sweep = now + SWEEP_SECONDS
                    elif len(taken) >= free:
                        # Stopped at the free threads: the channels and lanes it did not get
                        # to are looked at again once a thread is free, not at the next sweep
                        # (fifty PODs' reports queued at once name fifty channels).
                        with self._looks:
                            self._wanted |= (targets or set()) - {r.channel for r in taken}
                            self._lanes |= lanes - {r.lane for r in taken}
                except Exception:  # e.g. the database is unreachable: a sweep in a while
                    log.exception("taking outbox rows failed; retrying")
                    next_sweep = now + SWEEP_SECONDS
            for row in taken:
                future = self._pool.submit(self._deliver, row)
                future.add_done_callback(partial(self._delivered, row=row))
                running[row.id] = (future, row.channel)
            if len(running) >= self.threads:
                self._wake.wait(timeout=0.5)  # until a delivery finishes and frees a thread
            elif not taken:
                # Until the first paced channel opens, or the next sweep, or the end of the
                # Homes' pause, or a wake.
                until = [next_sweep - time.monotonic(), *(s + 0.001 for s in paced.values())]
                if self._homes_after:
                    until.append(self._homes_after - self._pace_clock())
                self._wake.wait(timeout=max(0.0, min(until)))

    def _optimize(self, *, first: bool) -> None:
        try:
            self.db.optimize(starting=first)
        except Exception:  # statistics are an optimisation: never stop delivering for them
            log.exception("refreshing the database's planner statistics failed")

    def _delivered(self, future: Future[None], row: Taken) -> None:
        # The lane's next row may be due now, and so may the channel's (once its window opens,
        # if Slack's pace applies), and waiters may be done waiting.
        if future.exception() is not None:  # recording the outcome failed; the lease recovers
            log.error("delivery bookkeeping failed", exc_info=future.exception())
        with self._looks:
            self._lanes.add(row.lane)
            self._wanted.add(row.channel)
        self._wake.set()
        with self._changed:
            self._changed.notify_all()

    def drain(self, timeout: float = 120.0, rows: list[int] | None = None) -> tuple[int, int]:
        """Deliver what is due, retries included, for up to `timeout` seconds (one-shot
        commands such as `jobs run`): until `rows` (default: every row open when it started)
        are delivered or parked. Returns (delivered, still open) of those rows."""
        deadline = time.monotonic() + timeout
        watched = sorted(set(rows) if rows is not None else self.open_rows())
        while watched and time.monotonic() < deadline:
            if self.run_once():
                if not self._open_ids(watched):
                    break
                continue
            open_now = self._open_ids(watched)
            if not open_now:
                break
            # Nothing due yet (retries waiting out their backoff, another process's rows in
            # flight): wait for the earliest to come due, looking at least twice a second.
            self._stop.wait(max(0.01, min(SWEEP_SECONDS, deadline - time.monotonic())))
        still = len(self._open_ids(watched)) if watched else 0
        return self._delivered_count(watched), still

    def open_rows(self) -> list[int]:
        """The ids of every row not yet delivered or parked."""
        return self._open_ids()

    def _open_ids(self, among: list[int] | None = None) -> list[int]:
        query = select(OutboxRow.id).where(OutboxRow.status.in_(_OPEN))
        if among is not None:
            query = query.where(OutboxRow.id.in_(among))
        with self.db.reading() as session:
            return list(session.scalars(query))

    def _delivered_count(self, among: list[int]) -> int:
        if not among:
            return 0
        with self.db.reading() as session:
            return len(
                session.scalars(
                    select(OutboxRow.id).where(
                        OutboxRow.id.in_(among), OutboxRow.status == OutboxStatus.DELIVERED.value
                    )
                ).all()
            )

    def pending(self) -> int:
        """Rows not yet delivered or parked (whenever they are due)."""
        with self.db.transaction() as session:
            return len(
                session.scalars(select(OutboxRow.id).where(OutboxRow.status.in_(_OPEN))).all()
            )

    def wait_delivered(self, timeout: float = 120.0) -> None:
        """Block until every row is delivered or parked, retries included."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.pending() == 0, timeout=timeout):
                raise TimeoutError(f"{self.pending()} deliveries still open")

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until no row is due or in flight (tests use it instead of sleeping)."""
        if not self.wait_until(self._idle, timeout):
            raise TimeoutError("deliveries still pending")

    def wait_until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Block until `done()` holds, asking again whenever a delivery ends (a test passing
        simulated time waits so for the due rows to be tried); False after `timeout`."""
        with self._changed:
            return self._changed.wait_for(done, timeout=timeout)

    def _idle(self) -> bool:
        now = self.clock.now()
        due = and_(OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.next_attempt_at <= now)
        # A row queued behind one held until later in its lane (a DM waiting for its reader's
        # office hours, a retry backing off) cannot go now either: not due.
        ahead = aliased(OutboxRow)
        held_ahead = exists().where(
            ahead.lane == OutboxRow.lane,
            ahead.id < OutboxRow.id,
            ahead.status == OutboxStatus.PENDING.value,
            ahead.next_attempt_at > now,
        )
        due = and_(due, ~held_ahead)
        if self._held:
            due = and_(due, OutboxRow.kind.not_in(sorted(self._held)))
        with self.db.transaction() as session:
            busy = session.scalar(
                select(OutboxRow.id)
                .where(or_(due, OutboxRow.status == OutboxStatus.IN_FLIGHT.value))
                .limit(1)
            )
        return busy is None

    # -- taking -------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Take a batch of eligible rows and deliver them (lanes in parallel); returns how many."""
        taken = self._take()
        if taken:
            list(self._pool.map(self._deliver, taken))
        with self._changed:
            self._changed.notify_all()
        return len(taken)

    def _take(
        self,
        limit: int | None = None,
        skip: set[int] | None = None,
        busy: set[str] | None = None,
        channels: set[str | None] | None = None,
        lanes: set[str] | None = None,
        *,
        pace_homes: bool = False,
    ) -> list[Taken]:
        """Take due rows, at most one per lane and per channel: `limit` rows, none of those in
        `skip` (rows this process is still sending: never taken over by itself, however long
        they take) and no new post for a channel in `busy` (paced or being posted to). With
        `channels` (None: rows without one) or `lanes`, only rows of those, one query each.
        `pace_homes` (the loop, beside the acks): Homes one at a time, at HOME_SHARE."""
        now = self.clock.now()
        with self._looks:
            homes_wait = self._rendering_home or self._pace_clock() < self._homes_after
        homes_wait = pace_homes and (homes_wait or _HOME in self._held)
        # Homes apart (HOME_SHARE): at most one, the longest-due, and none while one is being
        # rendered or in the pause after it.
        left = self._held | {_HOME} if pace_homes else self._held
        values = {
            "now": now,
            "expired_before": now - self.lease,
            "skip": sorted(skip or ()),
            "busy": sorted(busy or ()),
            "left": sorted(left),
        }
        want = limit or self.batch
        with self.db.transaction() as session:
            takes = _takes(session.get_bind().dialect.name == "postgresql")
            connection = session.connection()

            def run(statement: Any, **more: Any) -> list[Any]:
                return list(connection.execute(statement, {**values, **more}))

            if channels is None and lanes is None:
                rows = run(takes.taken_over, n=want)
                if len(rows) < want:
                    rows += run(takes.waiting, n=want - len(rows))
            else:
                rows = []
                for lane in sorted(lanes or ()):  # a lane's next row, now its turn
                    if len(rows) >= want:
                        break
                    rows += run(takes.next_in_lane, lane=lane)
                # None first: edits are not paced, so several may go; a channel's post is one.
                for channel in sorted(channels or (), key=lambda c: (c is not None, c or "")):
                    if len(rows) >= want:
                        break
                    if channel is None:
                        rows += run(takes.unpaced, n=want - len(rows))
                    elif channel not in (busy or ()):
                        rows += run(takes.in_channel, channel=channel)
            unpaced = channels is None or None in channels
            if pace_homes and not homes_wait and unpaced and len(rows) < want:
                rows += run(takes.home)
            # One row per lane per batch keeps each lane strictly ordered; one post per channel
            # per batch, as a second would only wait for the first's window.
            seen: set[str] = set()
            posting: set[str] = set()
            chosen = []
            for row in rows:
                if row.lane in seen or (row.channel is not None and row.channel in posting):
                    continue
                if pace_homes and row.kind == _HOME:
                    if homes_wait:  # one Home rendered at a time (a dead process's too)
                        continue
                    homes_wait = True
                seen.add(row.lane)
                if row.channel is not None:
                    posting.add(row.channel)
                # A retry may follow a timeout Slack had in fact accepted; a takeover may follow
                # a crash after Slack accepted: either way, look before posting again.
                recovering = row.status == OutboxStatus.IN_FLIGHT.value or row.attempts > 0
                chosen.append((row, recovering))
            if not chosen:
                return []
            ids = [row.id for row, _ in chosen]
            # Marked in flight and read in one statement (RETURNING, SQLite 3.35+).
            payloads: dict[int, dict[str, Any]] = {
                row_id: payload
                for row_id, payload in connection.execute(takes.mark, {"ids": ids, "now": now})
            }
            taken = [
                Taken(
                    row.id, row.kind, dict(payloads[row.id]), recovering, row.channel, row.lane,
                    row.parent_id, row.team_id,
                )
                for row, recovering in chosen
            ]  # fmt: skip
        if pace_homes and any(row.kind == _HOME for row in taken):  # taken: the transaction is over
            with self._looks:
                self._rendering_home = True
        return taken

    # -- delivering ---------------------------------------------------------------------------

    def _deliver(self, row: Taken) -> None:
        # A post's channel turn (pacing across processes) is handed back in the statement
        # that records the delivery, not in one of its own.
        turns = self.slack.turns
        if turns is None:
            self._deliver_row(row, [])
            return
        with turns.deferred() as kept:
            self._deliver_row(row, kept)

    def _deliver_row(self, row: Taken, kept: list[tuple[Turn, datetime]]) -> None:
        row_id, kind = row.id, row.kind
        try:
            # A report or digest a newer one of its kind was queued behind is dropped, not
            # posted stale (SPEC §5b): checked at every attempt, so one an outage held back
            # gives way to the newest when Slack is back.
            if drop_superseded(self.db, row_id, row.lane, kind, row.payload, self.clock.now()):
                self._record("superseded")
                return
            # OAuth mode: the workspace installed, its token good (renewed first if expiring)?
            installs = self.installations
            if installs is not None:
                try:
                    self._workspace_ready(installs, row)
                except WebApiError:
                    if kind == _HOME:  # not rendered after all: the next Home's turn is free
                        self._rendered_home(0.0)
                    raise
            # OAuth mode: a 429 comes back at once; the row, not this thread, waits it out.
            with acting_for(self.slack.client, row.team), ratelimits_at_once(installs is not None):
                result = self._senders[OutboxKind(kind)](row)
        except WebApiError as exc:
            if (
                self.installations is not None
                and exc.error == "ratelimited"
                and kind not in _NO_BOT_TOKEN
                and exc.method != "response_url"
            ):
                self._ratelimited(row.team, exc.retry_after or 1.0)
            self._failed(row_id, exc, row.channel or row.lane)
            return
        except _DATABASE_FAILURES as exc:  # the database, not the row: retried, never parked
            log.exception("delivery %s (%s) crashed", row_id, kind)
            self._failed(row_id, WebApiError(kind, type(exc).__name__))
            return
        except Exception as exc:  # building what the row sends failed: data it cannot show
            self._crashed(row_id, kind, exc)
            return
        self._finish(row_id, result, kept, row.lane)
        if self._parked_said:  # Slack takes this channel's posts again: a refusal is news
            with self._looks:
                self._parked_said.pop(row.channel or row.lane, None)
        if row.recovering:
            self.slack_is_back()
        self._record("delivered")

    def _workspace_ready(self, installs: Installations, row: Taken) -> None:
        """OAuth mode: raise the reason the row's workspace cannot be sent for now — not
        installed, its token not renewed, or rate-limited (the row waits out the rest of its
        Retry-After without a call; the other workspaces' rows go meanwhile)."""
        if (missing := installs.missing(row.team)) is not None:
            raise WebApiError(row.kind, missing)
        if row.kind not in _NO_BOT_TOKEN and (left := self._ratelimited_for(row.team)):
            raise WebApiError(row.kind, "ratelimited", left)

    def _ratelimited(self, team: str | None, seconds: float) -> None:
        """A workspace's 429 (OAuth mode): its rows wait `seconds` (Retry-After)."""
        until = self.clock.now() + timedelta(seconds=seconds)
        with self._looks:
            if until > self._team_waits.get(team, until - _ONE_SECOND):
                self._team_waits[team] = until

    def _ratelimited_for(self, team: str | None) -> float | None:
        """Seconds left of the workspace's Retry-After, or None when it may be called."""
        now = self.clock.now()
        with self._looks:
            until = self._team_waits.get(team)
            if until is None or until <= now:
                self._team_waits.pop(team, None)
                return None
        return (until - now).total_seconds()

    def slack_is_back(self) -> int:
        """Slack answers again (a retry got through): rows waiting out a backoff need not wait
        any longer (those waiting for a 429's Retry-After still do). At most once a second;
        returns how many rows were made due."""
        now = self.clock.now()
        with self._looks:
            if self._back_checked is not None and now < self._back_checked + _ONE_SECOND:
                return 0
            self._back_checked = now
        with self.db.transaction() as session:
            result = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.status == OutboxStatus.PENDING.value,
                    OutboxRow.attempts > 0,
                    OutboxRow.next_attempt_at > now,
                    # Not a 429 (its Retry-After stands), nor a timeout: Slack may still be
                    # storing that post, and a retry must not look before it has.
                    or_(OutboxRow.last_error.is_(None), OutboxRow.last_error.not_in(_WAIT_OUT)),
                )
                .values(next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )
            assert isinstance(result, CursorResult)  # what an UPDATE returns
            moved = result.rowcount
        if moved:
            log.info("Slack answers again: %d waiting deliveries are due now", moved)
            self.notify()
        return moved

    def _finish(
        self,
        row_id: int,
        result: dict[str, Any] | None,
        kept: list[tuple[Turn, datetime]] | None = None,
        lane: str | None = None,
    ) -> None:
        # One Core statement (on PostgreSQL in autocommit: one round trip), no session; the
        # channel turn its post kept is handed back on the same connection.
        with self.db.statements() as connection:
            values = {"row": row_id, "at": self.clock.now(), "result": result}
            connection.execute(_FINISH, values)
            if kept:
                ChannelTurns.write(connection, kept)
        if kept:
            kept.clear()
        if lane is not None and result is not None and result.get("ts"):
            # Where it landed, for the rows in its thread (`_parent_place`) without a read.
            with self._looks:
                self._results[row_id] = (lane, time.monotonic(), result)
                if len(self._results) > RESULTS_KEPT:
                    del self._results[next(iter(self._results))]

    def _failed(self, row_id: int, exc: WebApiError, place: str | None = None) -> None:
        now = self.clock.now()
        with self.db.transaction() as session:
            row = session.get(OutboxRow, row_id)
            assert row is not None
            row.last_error = exc.error
            if exc.error in PERMANENT:
                row.status = OutboxStatus.PARKED.value
                # One line per channel and reason (a channel podbot is not in refuses every
                # post: six days of reports are one line, not a hundred).
                with self._looks:
                    said = self._parked_said.setdefault(place or "", set())
                    first = exc.error not in said
                    said.add(exc.error)
                service = "ClickUp" if exc.method == "clickup" else "Slack"
                log.log(
                    logging.ERROR if first else logging.DEBUG,
                    "delivery %s parked: %s refused it for good (%s) in %s; payload kept for "
                    "review; later rows refused there for it are parked without a line each: "
                    "`podbot outbox list --parked`", row_id, service, exc.error, place,
                    extra={"delivery": row_id, "outcome": "parked"},
                )  # fmt: skip
                outcome = "parked"
            else:
                wait = exc.retry_after or self._backoff(row.attempts)
                if exc.error in _WAIT_OUT[1:]:
                    # Slack may still be handling the first try: let it finish before looking.
                    wait = max(wait, self.slack_timeout)
                row.status = OutboxStatus.PENDING.value
                row.next_attempt_at = now + timedelta(seconds=wait)
                log.log(
                    logging.INFO if exc.error in _EXPECTED else logging.WARNING,
                    "delivery %s failed (%s); retry in %.1f s", row_id, exc.error, wait,
                    extra={"delivery": row_id, "outcome": "retry"},
                )  # fmt: skip
                outcome = "retry"
        self._record(outcome)

    def _crashed(self, row_id: int, kind: str, exc: Exception) -> None:
        # Not Slack: podbot raised while building the row's content (a Home, a card) from data
        # it cannot show. The same data fails the same way every time, so after
        # CRASHED_ATTEMPTS attempts the row is parked (a retry can still get through first:
        # the data may be corrected meanwhile). One warning line per attempt, and the
        # traceback once, with the parking.
        error = type(exc).__name__
        with self.db.transaction() as session:
            row = session.get(OutboxRow, row_id)
            assert row is not None
            row.last_error = error
            attempts = row.attempts
            parked = attempts >= CRASHED_ATTEMPTS
            if parked:
                row.status = OutboxStatus.PARKED.value
            else:
                wait = self._backoff(attempts)
                row.status = OutboxStatus.PENDING.value
                row.next_attempt_at = self.clock.now() + timedelta(seconds=wait)
        if parked:
            log.error(
                "delivery %s (%s) parked after %d attempts: building it failed (%s); payload "
                "kept for review", row_id, kind, attempts, error, exc_info=exc,
                extra={"delivery": row_id, "outcome": "parked"},
            )  # fmt: skip
        else:
            log.warning(
                "delivery %s (%s) failed while building it (%s: %s), attempt %d of %d; retry "
                "in %.1f s", row_id, kind, error, exc, attempts, CRASHED_ATTEMPTS, wait,
                extra={"delivery": row_id, "outcome": "retry"},
            )  # fmt: skip
        self._record("parked" if parked else "retry")

    def _backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: doubling per attempt up to max_backoff, jittered."""
        backoff = min(self.max_backoff, 2.0 ** min(attempts, 6))
        return backoff * (0.5 + random.random() / 2)

    @staticmethod
    def _record(outcome: str) -> None:
        try:
            from bot.metrics import record_delivery
        except ImportError:  # metrics are optional
            return
        record_delivery(outcome)

    def _post(
        self,
        row_id: int,
        recovering: bool,
        channel: str,
        text: str,
        blocks: Any,
        thread_ts: str | None = None,
    ) -> str:
        slack = self.slack
        tag = {"delivery": row_id}
        if recovering:
            found = slack.find_tagged(channel, METADATA_TYPE, tag, thread_ts=thread_ts)
            if found:
                log.info("delivery %s had reached Slack before a crash; not posting again", row_id)
                return found
        return slack.post(
            channel,
            text,
            blocks,
            thread_ts=thread_ts,
            metadata={"event_type": METADATA_TYPE, "event_payload": tag},
        )

    def _send_card(self, row: Taken) -> dict[str, Any]:
        request_id = int(row.payload["request"])
        with self._card_locks[request_id % len(self._card_locks)]:
            # Read in a snapshot, not a write transaction: on SQLite that would hold the one
            # writer's lock (and every command behind it) while the card renders.
            with self.db.reading() as session:
                request = get_request(session, request_id)
                if request is None:
                    return {}
                data = card_data(session, self.config, request, self.domain_clock.now())
                channel, ts = request.card_channel, request.card_ts
                pod = self.config.find_pod(request.pod.key)
            if channel and ts:
                self.slack.update(channel, ts, card_text(data), card_blocks(data))
                return {"channel": channel, "ts": ts}
            if pod is None:
                log.warning("delivery %s: %s has no card and its POD is no longer configured; "
                            "nowhere to post it", row.id, data.key)  # fmt: skip
                return {}
            pod_channel = pod.channel
            ts = self._post(row.id, row.recovering, pod_channel, card_text(data), card_blocks(data))
            with self.db.transaction() as session:
                session.execute(
                    update(Request)
                    .where(Request.id == request_id, Request.card_ts.is_(None))
                    .values(card_channel=pod_channel, card_ts=ts)
                )
            return {"channel": pod_channel, "ts": ts}

    def _card_place(self, request_id: int) -> tuple[str, str | None] | None:
        with self.db.reading() as session:
            request = get_request(session, request_id)
            if request is None:
                return None
            if request.card_channel and request.card_ts:
                return request.card_channel, request.card_ts
            # No card (it was parked): say it in the POD channel rather than not at all.
            pod = self.config.find_pod(request.pod.key)
            if pod is None:  # a POD no longer configured: no channel to say it in
                log.warning("%s has no card and its POD is no longer configured", request.key)
                return None
            return pod.channel, None

    def _send_update(self, row: Taken) -> dict[str, Any]:
        # An edit is idempotent: sending it again after a crash changes nothing.
        payload = row.payload
        channel, ts = payload["channel"], payload["ts"]
        self.slack.update(channel, ts, payload["text"], payload.get("blocks"))
        return {"channel": channel, "ts": ts}

    def _send_thread(self, row: Taken) -> dict[str, Any]:
        # A reply in a request card's thread: the card is the lane's earlier row, so its ts
        # is on the request by now.
        payload = row.payload
        place = self._card_place(int(payload["request"]))
        if place is None:
            return {}
        channel, thread_ts = place
        ts = self._post(
            row.id, row.recovering, channel, payload["text"], payload.get("blocks"), thread_ts
        )
        return {"channel": channel, "ts": ts}

    def _parent_place(self, row: Taken) -> tuple[str, str | None]:
        """Where a job run's row goes: its channel, in the thread of its parent's message."""
        channel = str(row.payload["channel"])
        if row.parent is None:
            return channel, None
        with self._looks:
            lane, at, result = self._results.get(row.parent) or (None, 0.0, None)
        if lane != row.lane or time.monotonic() - at > RESULTS_SECONDS:
            # Delivered by another process, or not lately (the rows kept are recent ones: an
            # id can come back only after `retention` deleted its row, weeks later).
            with self.db.reading() as session:
                result = session.scalar(select(OutboxRow.result).where(OutboxRow.id == row.parent))
        if not result or not result.get("ts"):
            # The parent was refused for good (parked): say it in the channel, not at all.
            log.warning("delivery %s: its parent %s has no message; posting it in the channel",
                        row.id, row.parent)  # fmt: skip
            return channel, None
        return str(result.get("channel") or channel), str(result["ts"])

    def _send_message(self, row: Taken) -> dict[str, Any]:
        channel, thread_ts = self._parent_place(row)
        payload = row.payload
        ts = self._post(
            row.id, row.recovering, channel, payload["text"], payload.get("blocks"), thread_ts
        )
        return {"channel": channel, "ts": ts}

    def _send_dm(self, row: Taken) -> dict[str, Any]:
        # The conversation is opened now, not when the row was written (conversations.open
        # is idempotent: the same DM channel every time).
        payload = row.payload
        channel = self.slack.open_dm(str(payload["user"]))
        ts = self._post(row.id, row.recovering, channel, payload["text"], payload.get("blocks"))
        if payload.get("reminders"):
            self._place_reminders(payload["reminders"], channel, ts)
        return {"channel": channel, "ts": ts}

    def _place_reminders(self, keys: list[list[Any]], channel: str, ts: str) -> None:
        # A reminder's buttons find it by the DM that carried it.
        with self.db.transaction() as session:
            for kind, subject, user, window in keys:
                session.execute(
                    update(Reminder)
                    .where(
                        Reminder.kind == kind,
                        Reminder.subject == subject,
                        Reminder.user_id == user,
                        Reminder.window == window,
                    )
                    .values(message_channel=channel, message_ts=ts)
                    .execution_options(synchronize_session=False)
                )

    def _send_upload(self, row: Taken) -> dict[str, Any]:
        channel, thread_ts = self._parent_place(row)
        payload = row.payload
        slack, filename = self.slack, str(payload["filename"])
        if row.recovering:
            # Files carry no metadata; a run's file names are its own (POD and day or quarter).
            found = slack.find_file(channel, filename, thread_ts=thread_ts)
            if found:
                log.info("delivery %s: %s had reached Slack; not uploading again", row.id, filename)
                return {"channel": channel, "file": found}
        if "content_b64" in payload:  # a binary file (a PNG chart)
            content = base64.b64decode(str(payload["content_b64"]))
        else:
            content = str(payload["content"]).encode("utf-8")
        file_id = slack.upload(
            channel,
            filename,
            content,
            title=payload.get("title"),
            thread_ts=thread_ts,
            alt_text=payload.get("alt_text"),
        )
        return {"channel": channel, "file": file_id}

    def _send_home(self, row: Taken) -> dict[str, Any]:
        # Rendered now, from the database: a Home row still pending stands for every change
        # since (Outbox.homes queues no second one), so pending republishes collapse. A
        # publish is idempotent: sending it again after a crash changes nothing.
        user = str(row.payload["user"])
        spent = time.thread_time()
        try:
            with self.db.reading() as session:
                data = load_home(session, self.config, user, self.domain_clock.now())
            view = home_view(data)
        finally:
            self._rendered_home(time.thread_time() - spent)
        view_id = self.slack.publish_home(user, view)
        return {"user": user, "view": view_id}

    def _send_respond(self, row: Taken) -> dict[str, Any]:
        # A slash command's answer after its ack. Nothing in Slack tells whether a post to a
        # response_url arrived before a crash; a second copy of an ephemeral answer is harmless.
        payload = row.payload
        self.slack.respond(str(payload["url"]), payload["text"], payload.get("blocks"))
        return {"user": payload.get("user")}

    def _send_clickup(self, row: Taken) -> dict[str, Any]:
        if self.clickup is None:
            raise WebApiError("clickup", "clickup_not_configured")
        return self.clickup(row)

    def _send_email(self, row: Taken) -> dict[str, Any]:
        # A customer update's Send (issue 32): once per draft. The draft's status says whether
        # it is still to go (`sending`); the result is recorded on it. A server that cannot
        # take it now is retried like Slack; one that refuses it for good fails the draft.
        update_id = int(row.payload["update"])
        with self.db.reading() as session:
            draft = session.get(CustomerUpdate, update_id)
            if draft is None or draft.status != UpdateStatus.SENDING.value:
                return {"update": update_id, "skipped": draft.status if draft else "gone"}
            message = update_message(self.config, draft)
        if self.smtp is None:
            raise WebApiError("smtp", "smtp_not_configured")
        try:
            answer = send_mail(self.smtp, message)
            status = UpdateStatus.SENT
        except MailUnavailable as exc:
            log.warning("delivery %s: the SMTP server could not take the email: %s", row.id, exc)
            raise WebApiError("smtp", "smtp_unavailable") from exc
        except MailRefused as exc:
            answer, status = f"refused: {exc}", UpdateStatus.FAILED
        with self.db.transaction() as session:
            draft = session.get(CustomerUpdate, update_id)
            assert draft is not None
            draft.status = status.value
            draft.send_result = answer
            if status is UpdateStatus.SENT:
                draft.sent_at = self.domain_clock.now()
        return {"update": update_id, "result": answer}

    def _send_canvas(self, row: Taken) -> dict[str, Any]:
        # An account's customer canvas (issue 32), rendered now from the database: a pending
        # row stands for every change since. The channel's canvas is made once, then replaced
        # in place; a canvas a person deleted is made again once, with a note; a channel whose
        # plan allows no canvas gets a pinned message, edited in place.
        account_id = int(row.payload["account"])
        with self.db.reading() as session:
            account = session.get(Account, account_id)
            if account is None or not account.customer_channel:
                return {"account": account_id, "skipped": "no customer channel"}
            pod_key = session.scalar(select(PodRow.key).where(PodRow.id == account.pod_id))
            pod = self.config.find_pod(str(pod_key))
            zone = pod.timezone if pod is not None else "UTC"
            facts = update_facts(
                session, account, self.domain_clock.now(), zone,
                dict(self.config.procurement_stages), self.config.email.signature,
            )  # fmt: skip
            channel, canvas_id = account.customer_channel, account.canvas_id
            pinned, recreated = account.canvas_message_ts, account.canvas_recreated
            written = account.canvas_sections
        sections = canvas_sections(facts)
        markdown = "".join(text for _heading, text in sections)
        if recreated and not canvas_id and not pinned:
            return {"channel": channel, "skipped": "deleted twice; not recreated"}
        if pinned:
            self.slack.update(channel, pinned, markdown)
            return {"channel": channel, "ts": pinned}
        if canvas_id:
            try:
                edited = self._edit_canvas(canvas_id, sections, written)
                self._set_canvas(account_id, canvas_id=canvas_id, sections=sections)
                return {"channel": channel, "canvas": canvas_id, "sections": edited}
            except WebApiError as exc:
                if exc.error != "canvas_not_found":
                    raise
            if recreated:  # deleted a second time: people do not want it; left alone
                log.warning("delivery %s: the canvas of %s was deleted again; not recreated",
                            row.id, channel)  # fmt: skip
                self._set_canvas(account_id, canvas_id=None)
                return {"channel": channel, "deleted": canvas_id}
            day = plain_date(self.domain_clock.now(), zone)
            note = f"A person deleted this canvas; podbot recreated it on {day}."
            sections = canvas_sections(facts, note)
            markdown = "".join(text for _heading, text in sections)
            recreated = True
        try:
            made = self.slack.create_channel_canvas(channel, markdown)
        except WebApiError as exc:
            if exc.error == "channel_canvas_already_exists":  # made before a crash: edit it
                found = self.slack.channel_canvas(channel)
                if found is None:
                    raise
                self.slack.replace_canvas(found, markdown)
                made = found
            elif exc.error in CANVAS_NOT_ALLOWED:
                ts = self._post(row.id, row.recovering, channel, markdown, None)
                self.slack.pin(channel, ts)
                self._set_canvas(account_id, message_ts=ts)
                return {"channel": channel, "ts": ts, "pinned": True}
            else:
                raise
        self._set_canvas(account_id, canvas_id=made, recreated=recreated, sections=sections)
        return {"channel": channel, "canvas": made}

    def _edit_canvas(
        self, canvas_id: str, sections: list[tuple[str, str]], written: dict[str, Any] | None
    ) -> int:
        """Bring the canvas to `sections`: only the sections that changed since `written` (each
        found by its heading and replaced by id), or the whole canvas when its headings
        changed or a section cannot be found. Returns how many sections were written."""
        headings = [heading for heading, _text in sections]
        if written is not None and list(written) == headings:
            changed = [(h, text) for h, text in sections if written.get(h) != text]
            found = []
            for heading, text in changed:
                level = "h1" if heading == CANVAS_TITLE else "h2"
                # The title is found by what it says now (its date, a note may have changed).
                was = str(written.get(heading) or "")
                looked = was.splitlines()[0].lstrip("# ") if level == "h1" and was else heading
                section_id = self.slack.canvas_section(canvas_id, looked, level)
                if section_id is None:
                    break
                found.append((section_id, text))
            else:
                for section_id, text in found:
                    self.slack.replace_canvas_section(canvas_id, section_id, text)
                return len(found)
        self.slack.replace_canvas(canvas_id, "".join(text for _heading, text in sections))
        return len(sections)

    def _set_canvas(
        self,
        account_id: int,
        *,
        canvas_id: str | None = None,
        message_ts: str | None = None,
        recreated: bool | None = None,
        sections: list[tuple[str, str]] | None = None,
    ) -> None:
        with self.db.transaction() as session:
            account = session.get(Account, account_id)
            if account is None:
                return
            account.canvas_id = canvas_id
            account.canvas_sections = dict(sections) if sections is not None else None
            if message_ts is not None:
                account.canvas_message_ts = message_ts
            if recreated is not None:
                account.canvas_recreated = recreated

    def _rendered_home(self, spent: float) -> None:
        """A Home took `spent` seconds of CPU to render: while commands keep coming, the next
        waits long enough to hold the renders to HOME_SHARE of the time."""
        with self._looks:
            self._rendering_home = False
            now = self._pace_clock()
            if now - self._queued_at < BUSY_SECONDS:
                self._homes_after = now + spent * (1 / HOME_SHARE - 1)
        self._wake.set()

    def _send_claim(self, row: Taken) -> dict[str, Any]:
        claim_id = int(row.payload["claim"])
        with self._card_locks[claim_id % len(self._card_locks)]:
            with self.db.reading() as session:  # a snapshot, as for a card
                claim = session.get(SavingsClaim, claim_id)
                if claim is None:
                    return {}
                view = claim_view(session, self.config, claim, self.domain_clock.now())
                channel, ts, request_id = claim.message_channel, claim.message_ts, claim.request_id
            if channel and ts:
                self.slack.update(channel, ts, claim_text(view), claim_blocks(view))
                return {"channel": channel, "ts": ts}
            place = self._card_place(request_id)
            if place is None:
                return {}
            channel, thread = place
            ts = self._post(
                row.id, row.recovering, channel, claim_text(view), claim_blocks(view), thread
            )
            with self.db.transaction() as session:
                session.execute(
                    update(SavingsClaim)
                    .where(SavingsClaim.id == claim_id, SavingsClaim.message_ts.is_(None))
                    .values(message_channel=channel, message_ts=ts)
                )
            return {"channel": channel, "ts": ts}
