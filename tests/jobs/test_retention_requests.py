"""`retention.requests_days` (issue 36): closed requests past the keep go with everything
hanging off them; open ones, young ones, and every request when the key is unset, stay."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Config, Retention, load_config
from bot.db.models import PodRow, Reminder, Request, RequestEvent, SavingsClaim
from bot.jobs import JOBS
from tests.conftest import TEST_CONFIG, RunningBot
from tests.jobs.conftest import run_job

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the domain clock's Monday


def seed(bot: RunningBot) -> dict[str, int]:
    """Three requests: closed 400 days ago, closed 10 days ago, open since 400 days ago; each
    with a timeline line and an update reminder."""
    ids: dict[str, int] = {}
    with bot.db.transaction() as session:
        pod = session.scalar(select(PodRow.id).where(PodRow.key == "alpha"))
        assert pod is not None
        for name, age, closed in (("old", 400, True), ("young", 10, True), ("open", 400, False)):
            at = NOW - timedelta(days=age)
            request = Request(
                pod_id=pod,
                customer=f"Acme {name}",
                tool="Figma",
                kind="new",
                stage="closed" if closed else "intake",
                outcome="won" if closed else None,
                currency="USD",
                created_by="U0ANA0001",
                created_at=at - timedelta(days=30),
                qualification_due_at=at,
                closed_at=at if closed else None,
                updated_at=at,
            )
            session.add(request)
            session.flush()
            ids[name] = request.id
            session.add(RequestEvent(request_id=request.id, at=at, actor="U0ANA0001", kind="note"))
            session.add(
                Reminder(kind="update", subject=request.id, user_id="U0BUY0001", window=f"w{name}",
                         sent_at=at)
            )  # fmt: skip
        # The old request's claim, revised by a second one (they name each other), and the
        # approval reminder about the revision.
        old_at = NOW - timedelta(days=400)

        def claim(status: str) -> SavingsClaim:
            decided = status == "approved"
            return SavingsClaim(
                request_id=ids["old"], kind="savings", baseline=Decimal(100), final=Decimal(80),
                currency="USD", status=status, created_by="U0BUY0001", created_at=old_at,
                decided_by="U0EM00001" if decided else None, decided_at=old_at if decided else None,
            )  # fmt: skip

        first = claim("approved")
        session.add(first)
        session.flush()
        revision = claim("pending")
        revision.revises_id = first.id
        session.add(revision)
        session.flush()
        first.revised_by_id, first.superseded_at = revision.id, old_at
        session.flush()
        claims = [first, revision]
        session.add(
            Reminder(kind="approval", subject=claims[1].id, user_id="U0EM00001", window="a",
                     sent_at=old_at)
        )  # fmt: skip
    return ids


def counts(bot: RunningBot) -> dict[str, Any]:
    with bot.db.transaction() as session:
        return {
            "requests": set(session.scalars(select(Request.id))),
            "events": set(session.scalars(select(RequestEvent.request_id))),
            "reminders": set(
                session.scalars(select(Reminder.subject).where(Reminder.kind == "update"))
            ),
            "approvals": session.scalar(
                select(func.count(Reminder.id)).where(Reminder.kind == "approval")
            ),
            "claims": session.scalar(select(func.count(SavingsClaim.id))),
        }


@pytest.fixture
def test_config() -> Config:  # overrides the conftest's: a year's keep of closed requests
    config = load_config(TEST_CONFIG)
    return replace(config, retention=Retention(requests_days=365))


def test_closed_requests_past_the_keep_go_with_what_hangs_off_them(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    bot = start_bot(database_url)
    ids = seed(bot)
    said = run_job(bot.runtime, JOBS["retention"], bot.runtime.config.pod("alpha"), dry_run=True)
    assert "1 closed request" in said, said
    before = counts(bot)
    assert before["requests"] == set(ids.values())  # a dry run deletes nothing
    assert (before["claims"], before["approvals"]) == (2, 1)
    said = run_job(bot.runtime, JOBS["retention"], bot.runtime.config.pod("alpha"))
    assert "1 closed request closed over 365 days ago" in said, said
    kept = {ids["young"], ids["open"]}
    after = counts(bot)
    assert after["requests"] == kept
    assert after["events"] == kept
    assert after["reminders"] == kept
    assert (after["claims"], after["approvals"]) == (0, 0)


def test_config_reads_requests_days(tmp_path: Any) -> None:
    text = TEST_CONFIG.read_text()
    path = tmp_path / "podbot.toml"
    path.write_text(text + "\n[retention]\nrequests_days = 730\n")
    assert load_config(path).retention.requests_days == 730
    assert load_config(TEST_CONFIG).retention.requests_days is None  # default: keep
