"""`retention`: old processed event ids and delivered outbox rows go; what is still read stays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.clock import ManualClock
from bot.db.models import JobRun, OutboxRow, PendingResponse, ProcessedEvent
from bot.jobs import JOBS
from bot.jobs.retention import prune_deliveries
from tests.conftest import RunningBot
from tests.jobs.conftest import run_job

BETA = "C0BETA001"
ANALYST, BUYER = "U0ANA0002", "U0BUY0002"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the domain clock's Monday
REAL = datetime.now(UTC)  # deliveries are stamped in real time, whatever the domain clock


@pytest.fixture
def running(start_bot: Callable[..., RunningBot], database_url: str) -> RunningBot:
    return start_bot(database_url)


def event_ids(bot: RunningBot) -> set[str]:
    with bot.db.transaction() as session:
        return set(session.scalars(select(ProcessedEvent.event_id)))


def delivery_ids(bot: RunningBot) -> set[int]:
    with bot.db.transaction() as session:
        return set(session.scalars(select(OutboxRow.id)))


def row(id: int, lane: str, status: str, age_days: float, parent: int | None = None) -> dict:
    at = REAL - timedelta(days=age_days)
    delivered = status == "delivered"
    return {
        "id": id,
        "lane": lane,
        "kind": "message",
        "payload": {"channel": BETA, "text": f"row {id}"},
        "channel": BETA,
        "parent_id": parent,
        "status": status,
        "attempts": 1,
        "created_at": at,
        # An open row waits out a long backoff, so the running worker leaves it alone.
        "next_attempt_at": at if delivered else REAL + timedelta(days=1),
        "delivered_at": at if delivered else None,
        "result": {"channel": BETA, "ts": f"{id}.000100"} if delivered else None,
    }


def write(bot: RunningBot, model: Any, rows: list[dict]) -> None:
    with bot.db.transaction() as session:
        session.execute(insert(model), rows)


def retention(bot: RunningBot, pod: str = "alpha", **options: Any) -> str:
    return run_job(bot.runtime, JOBS["retention"], bot.runtime.config.pod(pod), **options)


def test_old_delivered_rows_go_and_rows_still_read_stay(running: RunningBot) -> None:
    write(
        running,
        OutboxRow,
        [
            row(1, "run:1", "delivered", 40),  # old, nothing needs it: goes
            row(2, "run:2", "delivered", 40),  # old parent of an open row: stays
            row(3, "run:2", "pending", 40, parent=2),
            row(4, "run:3", "delivered", 40),  # old parent of an old child: both go
            row(5, "run:3", "delivered", 40, parent=4),
            row(6, "dm:U0BUY0002", "delivered", 29),  # young: stays
            row(7, "req:9", "delivered", 40),  # old, but its lane still has an open row
            row(8, "req:9", "pending", 40),
            row(9, "run:5", "parked", 40),  # refused for good: kept for review
            row(10, "run:6", "delivered", 40),  # the newest row: its id must not come back
        ],
    )
    said = retention(running)
    assert "0 processed event ids" in said and "3 delivered outbox rows" in said, said
    assert delivery_ids(running) == {2, 3, 6, 7, 8, 9, 10}
    with running.db.transaction() as session:
        (run,) = session.scalars(select(JobRun).where(JobRun.job == "retention"))
        assert (run.scope, run.period) == ("*", "2026-11-23")
        assert run.detail == {"processed_events": 0, "deliveries": 3}


def test_one_run_a_day_for_every_pod(running: RunningBot, clock: ManualClock) -> None:
    write(running, OutboxRow, [row(1, "run:1", "delivered", 40), row(2, "run:2", "delivered", 1)])
    assert "1 delivered outbox row" in retention(running, "alpha")
    write(running, OutboxRow, [row(3, "run:3", "delivered", 40), row(4, "run:4", "delivered", 1)])
    assert "already done" in retention(running, "beta")
    assert "already done" in retention(running, "alpha")
    assert delivery_ids(running) == {2, 3, 4}
    assert "1 delivered outbox row" in retention(running, "beta", now=NOW + timedelta(days=1))
    assert delivery_ids(running) == {2, 4}


def test_a_dry_run_deletes_nothing_and_records_nothing(running: RunningBot) -> None:
    write(running, OutboxRow, [row(1, "run:1", "delivered", 40), row(2, "run:2", "delivered", 1)])
    said = retention(running, dry_run=True)
    assert "would delete 0 processed event ids and 1 delivered outbox row" in said, said
    assert delivery_ids(running) == {1, 2}
    assert "1 delivered outbox row" in retention(running)


def test_batches_take_children_then_their_parents(running: RunningBot) -> None:
    # A chain: each row the parent of the next; a batch of 2 frees one parent at a time.
    write(
        running,
        OutboxRow,
        [row(n, "run:1", "delivered", 40, parent=n - 1 if n > 1 else None) for n in range(1, 7)]
        + [row(7, "run:2", "delivered", 1)],
    )
    assert prune_deliveries(running.db, REAL - timedelta(days=30), batch=2) == 6
    assert delivery_ids(running) == {7}


def mention(ts: str) -> dict:
    return {
        "type": "message", "channel": BETA, "user": ANALYST, "text": f"<@{BUYER}> the quote?",
        "ts": ts, "event_ts": ts, "channel_type": "channel",
    }  # fmt: skip


def test_an_event_replayed_within_the_window_is_still_dropped(
    running: RunningBot, clock: ManualClock
) -> None:
    clock.set(NOW)
    write(
        running,
        ProcessedEvent,
        [
            {"event_id": "Ev0OLD", "received_at": NOW - timedelta(days=8)},
            {"event_id": "Ev0YOUNG", "received_at": NOW - timedelta(days=6)},
        ],
    )
    said = retention(running)
    assert "deleted 1 processed event id older than 7 days" in said, said
    assert event_ids(running) == {"Ev0YOUNG"}

    for event_id, ts in (("Ev0YOUNG", "1763910000.000100"), ("Ev0OLD", "1763910100.000100")):
        response = running.slack.event(mention(ts), event_id=event_id, retry_num=3)
        assert response.status == 200
    running.wait_idle()
    with running.db.transaction() as session:
        opened = list(session.scalars(select(PendingResponse.message_ts)))
    # The young id is a duplicate still; the old one is past Slack's retries, so it is new.
    assert opened == ["1763910100.000100"]
    assert event_ids(running) == {"Ev0YOUNG", "Ev0OLD"}


def test_a_replayed_command_within_the_window_is_still_refused(
    running: RunningBot, clock: ManualClock
) -> None:
    clock.set(NOW)
    first = running.slack.slash_command(
        "new Acme | Figma | new", user_id="U0ANA0001", channel_id="C0ALPHA01", trigger_id="T0NEW1"
    )
    assert "Created" in first.json()["text"]
    running.wait_idle()
    clock.set(NOW + timedelta(days=6))
    retention(running)
    again = running.slack.slash_command(
        "new Acme | Figma | new", user_id="U0ANA0001", channel_id="C0ALPHA01", trigger_id="T0NEW1"
    )
    assert "Already done" in again.json()["text"], again.json()
    running.wait_idle()
    assert "trigger:T0NEW1" in event_ids(running)
