"""Prometheus metrics: commands, ack latency, deliveries, the delivery backlog, the parked
deliveries, job runs, channel turns and cut-off connections.

The counters live for the whole process, like the process itself; each ASGI app exposes them
through its own `CollectorRegistry` (never the global one), together with the backlog of its
own database, so tests can build several apps side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError

from bot.db.session import Database
from bot.db.types import UTCDateTime
from bot.db.visible import published

log = logging.getLogger(__name__)

# Rows not yet delivered: waiting, or taken by a worker that may have died with them.
BACKLOG_STATUSES = ("pending", "in_flight")

COMMANDS = Counter(
    "podbot_commands",
    "`/proc` commands handled, by subcommand and outcome (ok, refused, error).",
    ["subcommand", "outcome"],
    registry=None,
)
ACK_SECONDS = Histogram(
    "podbot_ack_seconds",
    "Time from a request's arrival on /slack/events to the ack response.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0),
    registry=None,
)
DELIVERIES = Counter(
    "podbot_deliveries",
    "Outbox deliveries to Slack, by outcome.",
    ["outcome"],
    registry=None,
)
JOB_RUNS = Counter(
    "podbot_job_runs",
    "Scheduled job runs per POD, by job and outcome.",
    ["job", "outcome"],
    registry=None,
)
CHANNEL_TURNS = Counter(
    "podbot_channel_turns",
    "Posts' turns in a channel shared with other processes, by outcome (taken at once;"
    " waited, for another process's post; unavailable, database unreachable).",
    ["outcome"],
    registry=None,
)
CONNECTIONS_CUT = Counter(
    "podbot_connections_cut",
    "HTTP connections the listener closed, by reason (header_timeout, body_timeout,"
    " headers_too_large; made_room and refused: over PODBOT_MAX_CONNECTIONS).",
    ["reason"],
    registry=None,
)
_PROCESS_METRICS = (COMMANDS, ACK_SECONDS, DELIVERIES, JOB_RUNS, CHANNEL_TURNS, CONNECTIONS_CUT)

_deliveries = table(
    "deliveries", column("id"), column("lane"), column("status"), column("attempts"),
    column("created_at", UTCDateTime()), column("next_attempt_at", UTCDateTime()),
    column("import_id"),
)  # fmt: skip
_earlier = _deliveries.alias("earlier")


def record_command(subcommand: str, outcome: str) -> None:
    """Count one `/proc` command by subcommand and outcome."""
    COMMANDS.labels(subcommand=subcommand, outcome=outcome).inc()


def record_ack(seconds: float) -> None:
    """Observe how long one request took to be acked."""
    ACK_SECONDS.observe(seconds)


def record_delivery(outcome: str) -> None:
    """Count one outbox delivery attempt by outcome (delivered, retried, parked, …)."""
    DELIVERIES.labels(outcome=outcome).inc()


def record_channel_turn(outcome: str) -> None:
    """Count one post's turn in its channel by outcome (taken, waited, unavailable)."""
    CHANNEL_TURNS.labels(outcome=outcome).inc()


def record_connection_cut(reason: str) -> None:
    """Count one connection the listener closed (bot/listener.py), by reason."""
    CONNECTIONS_CUT.labels(reason=reason).inc()


def record_job_run(job: str, outcome: str) -> None:
    """Count one run of a job for a POD by outcome."""
    JOB_RUNS.labels(job=job, outcome=outcome).inc()


@dataclass(frozen=True)
class Backlog:
    """Deliveries not yet made: how many, and how old the oldest is (None when there are none)."""

    size: int
    oldest_age_seconds: float | None

    @property
    def age_seconds(self) -> float:
        """The oldest undelivered row's age, 0 when there is none."""
        return self.oldest_age_seconds or 0.0


def delivery_backlog(db: Database, now: datetime) -> Backlog:
    """Count the undelivered rows of `deliveries` and age the oldest; empty if no such table.
    A row held until a time (a DM waiting for its reader's office hours: never tried, due
    later) is not late, nor is a row queued behind one in its lane."""
    d, e = _deliveries.c, _earlier.c
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("deliveries"):
            return Backlog(0, None)
        held = (d.attempts == 0) & (d.next_attempt_at > now)
        behind_held = (
            select(e.id)
            .where(e.lane == d.lane, e.id < d.id, e.status == "pending", e.attempts == 0)
            .where(e.next_attempt_at > now)
            .exists()
        )
        # The cards of an import still being written are not due yet (nor a failed one's).
        waiting = d.status.in_(BACKLOG_STATUSES) & published(d.import_id) & ~held & ~behind_held
        size, oldest = connection.execute(
            select(func.count(), func.min(_deliveries.c.created_at)).where(waiting)
        ).one()
    if oldest is None:
        return Backlog(int(size), None)
    return Backlog(int(size), max(0.0, (now - _utc(oldest)).total_seconds()))


def parked_deliveries(db: Database) -> int:
    """How many rows are parked (refused for good, or unbuildable): kept for review, out of
    the backlog; `podbot outbox list --parked` shows them. 0 if no such table."""
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("deliveries"):
            return 0
        parked = _deliveries.c.status == "parked"
        return int(connection.execute(select(func.count()).where(parked)).scalar() or 0)


def _utc(value: datetime | str) -> datetime:
    # min() keeps the column type, but a driver may still hand SQLite's text back as text.
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant


class BacklogCollector(Collector):
    """Reads the delivery backlog of one database at each scrape."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    def describe(self) -> list[Metric]:
        """Nothing up front, so registering never queries the database."""
        return []

    def collect(self) -> Iterator[Metric]:
        """The backlog size and age gauges; omitted (and logged) when the database fails."""
        try:
            backlog = delivery_backlog(self._db, self._now())
        except SQLAlchemyError as exc:
            log.warning("delivery backlog unavailable for /metrics: %s", exc.__class__.__name__)
            return
        yield GaugeMetricFamily(
            "podbot_delivery_backlog", "Deliveries not yet made.", value=backlog.size
        )
        yield GaugeMetricFamily(
            "podbot_delivery_backlog_age_seconds",
            "Age of the oldest delivery not yet made (0 when none).",
            value=backlog.age_seconds,
        )
        try:
            parked = parked_deliveries(self._db)
        except SQLAlchemyError as exc:
            log.warning("parked deliveries unavailable for /metrics: %s", type(exc).__name__)
            return
        yield GaugeMetricFamily(
            "podbot_deliveries_parked",
            "Deliveries parked: refused for good or unbuildable, kept for review"
            " (`podbot outbox list --parked`).",
            value=parked,
        )


def build_registry(db: Database, now: Callable[[], datetime]) -> CollectorRegistry:
    """A registry with the process's counters and the backlog gauges of `db`."""
    registry = CollectorRegistry(auto_describe=False)
    for metric in _PROCESS_METRICS:
        registry.register(metric)
    registry.register(BacklogCollector(db, now))
    return registry
