"""The demo has customer accounts and targets: `/proc account` answers in the sandbox."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import Account, Target, TargetChange
from bot.sandbox.app import Sandbox
from bot.sandbox.demo import seed
from tests.sandbox.conftest import BENGALURU


def test_demo_accounts_and_targets_are_there(sandbox: Sandbox) -> None:
    assert seed(sandbox) == []
    assert sandbox.runtime is not None
    with sandbox.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 9
        # Each POD's own target and its buyers' (one or two buyers), each set once.
        targets = session.scalar(select(func.count()).select_from(Target))
        assert targets is not None and 6 <= targets <= 9
        assert session.scalar(select(func.count()).select_from(TargetChange)) == targets
        at_risk = session.scalars(select(Account.customer).where(Account.health == "at-risk"))
        assert sorted(at_risk) == ["Camden Studios", "Empire Insurance", "Nilgiri Foods"]
    answer = sandbox.command("U0PRIYA01", "/proc account kaveri fintech", BENGALURU)["answer"]
    text = str(answer["text"])
    assert text.startswith("*Kaveri Fintech* · POD Bengaluru"), text
    assert "Health: *favorable*" in text and "Open requests:" in text
    answer = sandbox.command("U0PRIYA01", "/proc account Nilgiri Foods", BENGALURU)["answer"]
    assert "Health: *at-risk* — " in str(answer["text"])
