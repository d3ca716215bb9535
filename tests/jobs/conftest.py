"""Helpers for job tests: requests placed directly in the database at chosen instants."""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.config import Pod as PodConfig
from bot.db.models import PodRow, Request
from bot.db.session import Database
from bot.domain.lifecycle import negotiation_due, qualification_due
from bot.jobs import runner
from bot.jobs.runner import JobSpec
from bot.runtime import Runtime
from tests.commands.conftest import Proc
from tests.conftest import BOT_TOKEN, TEST_CONFIG, RunningBot


@pytest.fixture
def proc(bot: RunningBot) -> Proc:
    return Proc(bot)


def add_request(
    db: Database,
    config: Config,
    pod_key: str,
    created_at: datetime,
    *,
    customer: str = "Acme",
    tool: str = "Figma",
    kind: str = "new",
    stage: str = "intake",
    assigned_at: datetime | None = None,
    buyer: str | None = None,
    last_update_at: datetime | None = None,
    card: tuple[str, str] | None = None,
) -> int:
    """Insert a request as if created (and assigned) at those instants; returns its number."""
    pod = config.pod(pod_key)
    with db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod_key)).one()
        request = Request(
            pod_id=pod_id,
            customer=customer,
            tool=tool,
            kind=kind,
            stage=stage,
            currency="USD",
            amount=Decimal("12000"),
            created_by=pod.members_with("analyst")[0],
            analyst_id=pod.members_with("analyst")[0] if stage != "intake" else None,
            created_at=created_at,
            qualification_due_at=qualification_due(pod.calendar, created_at, 24),
            updated_at=created_at,
        )
        if stage == "negotiating":
            assert assigned_at is not None
            request.buyer_id = buyer or pod.members_with("buyer")[0]
            request.assigned_at = assigned_at
            request.tat_due_at = negotiation_due(
                pod.timezone, assigned_at, config.clocks.tat_days[kind]
            )
            request.last_update_at = last_update_at or assigned_at
        if card:
            request.card_channel, request.card_ts = card
        session.add(request)
        session.flush()
        return request.id


def podbot_env(bot: RunningBot, **extra: str) -> dict[str, str]:
    """The environment of a `podbot` subprocess on this test's database and Slack."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PODBOT_"))},
        "PODBOT_CONFIG": str(TEST_CONFIG),
        "DATABASE_URL": bot.db.url,
        "SLACK_API_URL": bot.api.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "PODBOT_CHANNEL_INTERVAL": "0",
        **extra,
    }


def run_job(runtime: Runtime, spec: JobSpec, pod: PodConfig, **options: Any) -> str:
    """Run a job as the scheduler does, then wait until the worker has sent what it queued."""
    outcome = runner.run_job(runtime, spec, pod, **options)
    runtime.outbox_worker.wait_idle()
    return outcome


def catch_up(runtime: Runtime, specs: list[JobSpec], now: datetime | None = None) -> list[str]:
    """The scheduler's catch-up sweep, then wait until the worker has sent what it queued."""
    outcomes = runner.catch_up(runtime, specs, now)
    runtime.outbox_worker.wait_idle()
    return outcomes
