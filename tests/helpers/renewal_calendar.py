"""Test helpers shared by several test modules: renewal calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from bot.db.models import Contract, PodRow
from bot.db.session import Database

# Moved here from tests/jobs/test_renewal_calendar.py by move_helpers.py (issue 28).


# 2027Q1 starts Fri 1 Jan 2027; − 28 days = Fri 4 Dec 2026, a working day in both PODs.
# 09:00 that day in Kolkata (UTC+5:30) is 03:30 UTC.
ALPHA_POST = datetime(2026, 12, 4, 3, 30, tzinfo=UTC)
CREATED = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def add_contract(
    db: Database,
    pod_key: str,
    customer: str,
    tool: str,
    amount: str,
    renewal: date,
    *,
    cycle: str = "annual",
    notice_days: int | None = None,
    auto_renew: bool | None = None,
) -> int:
    """Insert one contract of the POD's SaaS stack; returns its id."""
    with db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod_key)).one()
        contract = Contract(
            pod_id=pod_id,
            customer=customer,
            tool=tool,
            annual_amount=Decimal(amount),
            currency="USD",
            renewal_date=renewal,
            billing_cycle=cycle,
            notice_days=notice_days,
            auto_renew=auto_renew,
            created_at=CREATED,
            updated_at=CREATED,
        )
        session.add(contract)
        session.flush()
        return contract.id
