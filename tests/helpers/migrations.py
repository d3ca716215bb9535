"""Test helpers shared by several test modules: migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from bot.config import Config
from bot.db.models import PodRow, Request
from bot.db.pods import sync_pods
from bot.db.session import Database

# Moved here from tests/db/test_migrations.py by move_helpers.py (issue 28).


NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def seeded(database_url: str, config: Config) -> tuple[Database, int]:
    db = Database(database_url)
    with db.transaction() as session:
        sync_pods(session, config)
        pod = session.scalars(select(PodRow).where(PodRow.key == "alpha")).one()
        request = Request(
            pod_id=pod.id,
            customer="Acme",
            tool="Figma",
            kind="new",
            stage="negotiating",
            currency="USD",
            amount=Decimal("48000.50"),
            created_by="U0ANA0001",
            buyer_id="U0BUY0001",
            created_at=NOW,
            qualification_due_at=NOW,
            assigned_at=NOW,
            tat_due_at=NOW,
            updated_at=NOW,
        )
        session.add(request)
        session.flush()
        return db, request.id
