"""Test helpers shared by several test modules: weekly digest job."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Account, PodRow
from bot.jobs import weekly_digest
from tests.commands.conftest import ALPHA
from tests.conftest import RunningBot

# Moved here from tests/jobs/test_weekly_digest_job.py by move_helpers.py (issue 28).


# The stats tests' clock: Monday 2026-11-23 15:00 UTC, 20:30 in Kolkata (POD Alpha), ISO week 48.
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def digests(bot: RunningBot) -> list[Any]:
    return [
        m for m in bot.api.messages(ALPHA) if not m.thread_ts and m.text.startswith("Weekly digest")
    ]


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The data every chart of a run was drawn from, as the job handed it to the renderer."""
    seen: list[Any] = []
    plans = weekly_digest.chart_plans

    def spy(data: Any, pod_name: str, names: Any = None) -> Any:
        seen.append((pod_name, data))
        return plans(data, pod_name, names)

    monkeypatch.setattr(weekly_digest, "chart_plans", spy)
    return seen


def add_account(bot: RunningBot, customer: str, handover: date, msg: int) -> None:
    """A customer of POD Alpha handed over on `handover`, with an MSG: a point of the MSG
    chart."""
    stamp = datetime(2026, 9, 1, tzinfo=UTC)
    with bot.db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == "alpha")).one()
        session.add(
            Account(pod_id=pod_id, customer=customer, initiated=handover, handover=handover,
                    msg=Decimal(msg), currency="USD", created_at=stamp, updated_at=stamp,
                    updated_by="import")
        )  # fmt: skip
