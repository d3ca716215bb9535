"""Test helpers shared by several test modules: accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from bot.db.models import Account, PodRow
from tests.conftest import RunningBot

# Moved here from tests/commands/test_accounts.py by move_helpers.py (issue 28).


IMPORTED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def add_account(bot: RunningBot, customer: str, pod: str = "alpha", **values: object) -> None:
    fields: dict[str, object] = dict(
        initiated=date(2025, 4, 1),
        handover=date(2025, 5, 15),
        term_end=date(2028, 3, 31),
        msg=Decimal("250000"),
        pse=Decimal("400000"),
        ats=Decimal("1200000"),
        currency="USD",
        health="favorable",
        created_at=IMPORTED,
        updated_at=IMPORTED,
        updated_by="import",
    )
    fields.update(values)
    with bot.db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod)).one()
        session.add(Account(pod_id=pod_id, customer=customer, **fields))
