"""Simulated time for the outbox: a Slack outage of a minute that takes no minute.

The delivery clock (rows' due times, backoff, leases) is a `ManualClock` the test moves, and the
Slack stand-in's failures end on the same clock (`SlackApiServer.fail(until=…)`). Time passes
only when nothing is under way (every row the worker would take now has been tried, and every
request the stand-in received has been answered), and from one row coming due to the next.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from bot.clock import ManualClock
from bot.db.models import OutboxRow, OutboxStatus
from bot.slack.worker import OutboxWorker
from slackfake.web_api import SlackApiServer

# Where simulated delivery time starts (any instant: rows only compare it with itself).
EPOCH = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
_OPEN = (OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value)
_PENDING = OutboxRow.status == OutboxStatus.PENDING.value


class SimulatedTime:
    """The delivery clock of one podbot, shared with the Slack stand-in's outages."""

    def __init__(self, start: datetime = EPOCH) -> None:
        self.clock = ManualClock(start)
        self.worker: OutboxWorker | None = None
        self.api: SlackApiServer | None = None

    def attach(self, worker: OutboxWorker, api: SlackApiServer) -> None:
        """Drive `worker` (built on `self.clock`) and make `api`'s failures end on it."""
        self.worker, self.api = worker, api
        api.clock = self.seconds

    def seconds(self) -> float:
        """The simulated instant, in seconds since the epoch (the stand-in's clock)."""
        return self.clock.now().timestamp()

    @staticmethod
    def pause(seconds: float) -> None:
        """The Slack client's backoff between its own quick retries of a 5xx (under 2 s): no
        wait. What the outages exercise is the worker's backoff, on the clock."""

    def settle(self, timeout: float = 120.0) -> None:
        """Wait (in real time, at most `timeout`) until nothing is under way: no row in
        flight, none due that the worker would take now, no request unanswered in Slack."""
        assert self.worker is not None and self.api is not None, "attach() first"
        self.worker.notify()
        if not self.worker.wait_until(self._quiet, timeout):
            raise TimeoutError("deliveries still under way")
        self.api.wait_answered(timeout)

    def run_until(self, done: Callable[[], bool], limit: float) -> float:
        """Pass time, from one row coming due to the next, until `done()` holds once settled;
        returns the simulated seconds that took. Fails if `limit` seconds pass first."""
        started = self.clock.now()
        end = started + timedelta(seconds=limit)
        self.settle()
        while not done():
            after = self._next_due()
            assert after is not None and after <= end, (
                f"not done after {limit:.0f} simulated seconds"
            )
            self.clock.set(max(after, self.clock.now() + timedelta(milliseconds=1)))
            self.settle()
        return (self.clock.now() - started).total_seconds()

    def run_to(self, instant: float) -> None:
        """Pass time until `instant` (on `seconds()`), trying every row as it comes due."""
        end = datetime.fromtimestamp(instant, UTC)
        self.settle()
        while self.clock.now() < end:
            after = self._next_due()
            self.clock.set(end if after is None or after > end else after)
            self.settle()

    def _next_due(self) -> datetime | None:
        """When the next pending row the worker would take comes due (none: None)."""
        assert self.worker is not None
        first = and_(_PENDING, ~self._blocked())
        with self.worker.db.reading() as session:
            after = session.scalar(select(func.min(OutboxRow.next_attempt_at)).where(first))
        if after is None:
            return None
        return after if after.tzinfo else after.replace(tzinfo=UTC)

    @staticmethod
    def _blocked() -> ColumnElement[bool]:
        """An earlier row of the lane is still open: this one waits for it."""
        earlier = aliased(OutboxRow)
        return exists().where(
            earlier.lane == OutboxRow.lane, earlier.id < OutboxRow.id, earlier.status.in_(_OPEN)
        )

    def _quiet(self) -> bool:
        assert self.worker is not None
        due = and_(_PENDING, OutboxRow.next_attempt_at <= self.clock.now(), ~self._blocked())
        busy = or_(OutboxRow.status == OutboxStatus.IN_FLIGHT.value, due)
        with self.worker.db.reading() as session:
            return session.scalar(select(OutboxRow.id).where(busy).limit(1)) is None
