"""When a retry gets through, the rows waiting out a backoff are due at once — except a 429's
(its Retry-After stands) and a timeout's (Slack may still be storing that post)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.clock import SystemClock
from bot.db.models import OutboxRow
from bot.slack.outbox import Outbox
from tests.conftest import RunningBot

ALPHA = "C0ALPHA01"


def test_waiting_retries_are_due_at_once_but_a_429_and_a_timeout_keep_their_wait(
    bot: RunningBot,
) -> None:
    bot.runtime.outbox_worker.stop()  # only this test touches the rows
    later = SystemClock().now() + timedelta(seconds=60)
    errors = {"http_500": None, "TimeoutError": None, "ratelimited": None, "fresh": None}
    with bot.db.transaction() as session:
        outbox = Outbox(bot.runtime)
        for error in errors:
            errors[error] = outbox.message(session, f"run:{error}", ALPHA, error)
    with bot.db.transaction() as session:
        for error, row in errors.items():
            if error != "fresh":  # a row never tried is not waiting out a backoff
                session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == row)
                    .values(attempts=1, last_error=error, next_attempt_at=later)
                )
    assert bot.runtime.outbox_worker.slack_is_back() == 1
    with bot.db.transaction() as session:
        due = {
            row.payload["text"]: row.next_attempt_at < later
            for row in session.scalars(select(OutboxRow))
        }
    assert due == {"http_500": True, "TimeoutError": False, "ratelimited": False, "fresh": True}
    # At most once a second: a burst of successful retries makes one UPDATE.
    assert bot.runtime.outbox_worker.slack_is_back() == 0
    with bot.db.transaction() as session:  # nothing left for the fixture's teardown to wait on
        session.execute(update(OutboxRow).values(status="parked"))
