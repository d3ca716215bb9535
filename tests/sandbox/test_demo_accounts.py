"""The demo has customer accounts and targets: `/proc account` answers in the sandbox."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import Account, Target, TargetChange
from tests.sandbox.conftest import BENGALURU, READS_THE_DEMO, SeededDemo

pytestmark = READS_THE_DEMO


def test_demo_accounts_and_targets_are_there(demo: SeededDemo) -> None:
    assert demo.problems == []
    sandbox = demo.sandbox
    assert sandbox.runtime is not None
    with sandbox.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 18
        # Each POD's own target and its buyers' (one or two buyers), each set once.
        targets = session.scalar(select(func.count()).select_from(Target))
        assert targets is not None and 6 <= targets <= 9
        assert session.scalar(select(func.count()).select_from(TargetChange)) == targets
        at_risk = session.scalars(select(Account.customer).where(Account.health == "at-risk"))
        assert sorted(at_risk) == ["Camden Studios", "Empire Insurance", "Nilgiri Foods"]
    answer = sandbox.command("U0PRIYA01", "/proc account kaveri fintech", BENGALURU)["later"][0]
    text = str(answer["text"])
    assert text.startswith("*Kaveri Fintech* · POD Bengaluru"), text
    assert "Health: *favorable*" in text and "Open requests:" in text
    answer = sandbox.command("U0PRIYA01", "/proc account Nilgiri Foods", BENGALURU)["later"][0]
    assert "Health: *at-risk* — " in str(answer["text"])
    # Issue 35: the people matrix (one account single-threaded) and the sentiment history.
    assert "⚠️ *Single-threaded* (1 contact)." in str(answer["text"])
    assert "• *negative* — Frustrated by the slipped " in str(answer["text"])
    people = str(
        sandbox.command("U0PRIYA01", "/proc people Kaveri Fintech", BENGALURU)["answer"]["text"]
    )
    assert "Multi-threaded: 3 contacts." in people, people
    assert "• Priya Natarajan — champion · last contact 20" in people, people


def test_demo_stats_show_real_figures(demo: SeededDemo) -> None:
    # `make demo` shows the KPIs with the demo's own activity, not a page of "no data".
    assert demo.problems == []
    sandbox = demo.sandbox
    pod = sandbox.command("U0ANANYA1", "/proc stats pod", BENGALURU)["later"][0]
    text = str(pod["text"])
    assert text.startswith("*Stats ") and "*POD Bengaluru*" in text, text
    net = next(line for line in text.splitlines() if "*Net savings vs POD target*" in line)
    assert "no data" not in net and " of $" in net, net
    buyer = str(sandbox.command("U0ROHAN01", "/proc stats", BENGALURU)["later"][0]["text"])
    quota = next(line for line in buyer.splitlines() if "*Savings quota*" in line)
    assert "no data" not in quota, quota
