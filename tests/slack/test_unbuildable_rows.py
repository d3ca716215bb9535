"""Issue 25 item 1: an outbox row whose content podbot cannot build (an exception while
rendering it, not a Slack error) is parked after a bounded number of attempts with one log line,
not retried forever with a traceback every ten seconds, and the backlog /readyz watches empties.

The worker runs on an injected clock: each round of the test moves it past the row's backoff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import OutboxKind, OutboxRow, OutboxStatus
from tests.commands.conftest import ALPHA, ANALYST
from tests.conftest import RunningBot


def test_an_outbox_row_that_cannot_render_is_parked_after_five_attempts_with_one_log_line(
    start_bot: Callable[..., RunningBot], sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    wall = datetime.now(UTC)
    clock = ManualClock(wall)
    # The worker is not started: the test runs it, round by round, on its own clock.
    bot = start_bot(sqlite_url, deliver=False, delivery_clock=clock)
    worker = bot.runtime.outbox_worker
    # A card row left an hour ago with a corrupt payload: its request named as text, where the
    # worker reads a number.
    with bot.db.transaction() as session:
        bad = OutboxRow(
            lane="req:99", kind=OutboxKind.CARD.value, payload={"request": "REQ-99"},
            created_at=wall - timedelta(hours=1), next_attempt_at=wall - timedelta(hours=1),
        )  # fmt: skip
        session.add(bad)
        session.flush()
        bad_id = bad.id
    response = bot.slack.slash_command("new Acme | Figma | new", user_id=ANALYST, channel_id=ALPHA)
    assert response.status == 200
    assert bot.executor.wait_idle()

    def status() -> tuple[str, int, str | None]:
        with bot.db.reading() as session:
            row = session.get(OutboxRow, bad_id)
            assert row is not None
            return row.status, row.attempts, row.last_error

    caplog.set_level(logging.INFO, logger="bot.slack.worker")
    rounds = 0
    while status()[0] == OutboxStatus.PENDING.value and rounds < 10:
        if rounds == 1:  # a row an hour old still waits: not ready
            answer = bot.ops.get("/readyz")
            assert (answer.status, answer.json()["failing"]) == (503, "delivery_backlog")
        worker.run_once()
        clock.advance(timedelta(seconds=worker.max_backoff + 1))
        rounds += 1

    assert status() == (OutboxStatus.PARKED.value, 5, "ValueError")
    assert rounds == 5
    # One line per attempt, about this row: four warnings without a traceback, then one error
    # with it, as the row is parked.
    lines = [
        r for r in caplog.records if r.levelno >= logging.WARNING and f"delivery {bad_id} " in
        r.getMessage()
    ]  # fmt: skip
    assert [r.levelname for r in lines] == ["WARNING"] * 4 + ["ERROR"]
    assert [r.exc_info is not None for r in lines] == [False] * 4 + [True]
    assert lines[-1].getMessage() == (
        f"delivery {bad_id} (card) parked after 5 attempts: building it failed (ValueError); "
        "payload kept for review"
    )
    assert "attempt 1 of 5" in lines[0].getMessage()

    # Everything else went out meanwhile (REQ-1's card), and /readyz recovers.
    with bot.db.reading() as session:
        open_rows = session.scalars(
            select(OutboxRow.id).where(OutboxRow.status != OutboxStatus.DELIVERED.value)
        ).all()
    assert open_rows == [bad_id]
    (card,) = [m for m in bot.api.messages(ALPHA) if not m.thread_ts]
    assert "REQ-1" in card.text
    answer = bot.ops.get("/readyz")
    assert (answer.status, answer.json()["status"]) == (200, "ready")
