"""Test helpers shared by several test modules: claim revisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Config, parse_config
from bot.db.models import Account, PodRow, Target
from tests.commands.conftest import ANALYST, BUYER, EM, Proc
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.savings import claim_message, click
from tests.helpers.savings_race import SECOND_EM

# Moved here from tests/commands/test_claim_revisions.py by move_helpers.py (issue 28).


MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def test_config() -> Config:
    """POD Alpha with a second em, so two ems can race on a revision."""
    text = TEST_CONFIG.read_text().replace(
        'U0EM00001 = "em",', f'U0EM00001 = "em", {SECOND_EM} = "em",', 1
    )
    return parse_config(text, TEST_CONFIG)


def setup(bot: RunningBot) -> Proc:
    """Acme Corp's account and the quarter's targets; REQ-1, Acme Corp · Miro, $48,000, with
    the buyer negotiating."""
    with bot.db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == "alpha")).one()
        stamp = datetime(2026, 9, 1, tzinfo=UTC)
        session.add_all([
            Account(pod_id=pod_id, customer="Acme Corp", initiated=date(2026, 10, 1),
                    handover=date(2026, 10, 15), term_end=date(2027, 9, 30),
                    msg=Decimal(20000), pse=Decimal(100000), currency="USD",
                    health="favorable", updated_by="import", created_at=stamp,
                    updated_at=stamp),
            Target(pod_id=pod_id, quarter="2026Q4", scope="pod", amount=Decimal(100000),
                   currency="USD", set_at=stamp, set_by="import"),
            Target(pod_id=pod_id, quarter="2026Q4", scope="member", member_id=BUYER,
                   amount=Decimal(50000), currency="USD", set_at=stamp, set_by="import"),
        ])  # fmt: skip
    proc = Proc(bot)
    proc(ANALYST, "new Acme Corp | Miro | new | 48000")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    return proc


def approve_first(bot: RunningBot, proc: Proc) -> None:
    """Monday: $48,000 → $41,000, $7,000 saved, approved by the em."""
    proc(BUYER, "savings 1 48000 41000")
    click(bot, EM, "savings_approve", claim_message(proc, 1))


def claim_revision(bot: RunningBot, proc: Proc, clock: ManualClock) -> str:
    """Tuesday: the same baseline, $39,900 → $8,100 saved."""
    clock.set(TUESDAY)
    return proc(BUYER, "savings 1 48000 39900")
