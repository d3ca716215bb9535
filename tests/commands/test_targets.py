"""`/proc target`: an em sets a quarter's target for the POD or a buyer, until the quarter ends;
every change leaves an audit row, and a refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.db.models import PodRow, Target, TargetChange
from tests.commands.conftest import ANALYST, BETA, BETA_EM, BUYER, CSM, EM, STRANGER, Proc
from tests.conftest import RunningBot

USAGE = "Usage: `/proc target <YYYYQn|next> pod|@member <amount>`"
DANA = f"<@{BUYER}|dana>"


def counts(bot: RunningBot) -> tuple[int, int]:
    """(targets, audit rows)."""
    with bot.db.transaction() as session:
        return (
            int(session.scalar(select(func.count()).select_from(Target)) or 0),
            int(session.scalar(select(func.count()).select_from(TargetChange)) or 0),
        )


def targets(bot: RunningBot) -> list[tuple[str, str, str, str | None, Decimal, str, str]]:
    with bot.db.transaction() as session:
        rows = session.execute(
            select(
                PodRow.key,
                Target.quarter,
                Target.scope,
                Target.member_id,
                Target.amount,
                Target.currency,
                Target.set_by,
            )
            .join(PodRow, PodRow.id == Target.pod_id)
            .order_by(Target.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def audit(bot: RunningBot) -> list[tuple[Decimal | None, Decimal, str, datetime]]:
    with bot.db.transaction() as session:
        rows = session.execute(
            select(
                TargetChange.old_amount,
                TargetChange.new_amount,
                TargetChange.changed_by,
                TargetChange.changed_at,
            ).order_by(TargetChange.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.fixture(autouse=True)
def quiet(bot: RunningBot) -> Iterator[None]:
    """Every answer travels in the HTTP response: nothing is posted to Slack."""
    before = len(bot.api.calls)
    yield
    bot.wait_idle()
    assert bot.api.calls[before:] == []


def test_an_em_sets_the_pods_target_and_a_buyers_and_changes_it(
    proc: Proc, clock: ManualClock
) -> None:
    assert proc(EM, "target 2027Q1 pod 500k") == "2027Q1 target for POD Alpha: $500,000."
    assert proc(EM, f"target 2027q1 {DANA} $100,000") == (
        f"2027Q1 target for <@{BUYER}>: $100,000."
    )
    first = clock.now()
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert proc(EM, f"target  2027Q1  {DANA}  120k") == (
        f"2027Q1 target for <@{BUYER}>: $120,000 (was $100,000)."
    )
    assert proc(EM, f"target 2027Q1 <@{EM}> EUR 40k") == "2027Q1 target for <@U0EM00001>: €40,000."
    assert targets(proc.bot) == [
        ("alpha", "2027Q1", "pod", None, Decimal("500000.00"), "USD", EM),
        ("alpha", "2027Q1", "member", BUYER, Decimal("120000.00"), "USD", EM),
        ("alpha", "2027Q1", "member", EM, Decimal("40000.00"), "EUR", EM),
    ]
    assert audit(proc.bot) == [
        (None, Decimal("500000.00"), EM, first),
        (None, Decimal("100000.00"), EM, first),
        (Decimal("100000.00"), Decimal("120000.00"), EM, clock.now()),
        (None, Decimal("40000.00"), EM, clock.now()),
    ]


def test_the_same_amount_again_changes_nothing_and_writes_no_audit_row(proc: Proc) -> None:
    proc(EM, "target 2027Q1 pod 500k")
    assert proc(EM, "target 2027Q1 pod $500,000.00") == (
        "2027Q1 target for POD Alpha: $500,000, as it already was; nothing changed."
    )
    assert counts(proc.bot) == (1, 1)


def test_next_is_the_quarter_after_today_in_the_pods_calendar(proc: Proc) -> None:
    # 2026-11-23: next is 2027Q1.
    assert proc(BETA_EM, "target next pod 1.2m", channel=BETA) == (
        "2027Q1 target for POD Beta: $1,200,000."
    )


def test_a_buyer_analyst_or_csm_is_refused_and_nothing_is_written(proc: Proc) -> None:
    proc(EM, "target 2027Q1 pod 500k")
    before = counts(proc.bot)
    for user, role in ((BUYER, "buyer"), (ANALYST, "analyst"), (CSM, "csm")):
        assert proc(user, "target 2027Q1 pod 900k") == (
            f":warning: Only an em may do that; in POD Alpha you are {role}.\n{USAGE}"
        )
        assert proc(user, f"target 2027Q1 {DANA} 900k").startswith(":warning: Only an em")
    assert counts(proc.bot) == before
    assert targets(proc.bot)[0][4] == Decimal("500000.00")
    assert proc(STRANGER, "target 2027Q1 pod 1").startswith(
        ":warning: You are not a member of any procurement POD"
    )


def test_a_target_is_for_a_buyer_or_em_of_the_ems_pod(proc: Proc) -> None:
    assert proc(EM, f"target 2027Q1 <@{ANALYST}|ana> 50k") == (
        f":warning: <@{ANALYST}> is not a buyer or em of POD Alpha; targets are for the POD "
        f"and its buyers and ems.\n{USAGE}"
    )
    # U0BUY0002 is beta's buyer, not alpha's.
    assert proc(EM, "target 2027Q1 <@U0BUY0002> 50k").startswith(
        ":warning: <@U0BUY0002> is not a buyer or em of POD Alpha"
    )
    assert counts(proc.bot) == (0, 0)


def test_an_ended_quarter_is_refused_in_the_pods_time_zone(proc: Proc, clock: ManualClock) -> None:
    assert proc(EM, "target 2026Q3 pod 1") == (
        ":warning: 2026Q3 ended on 2026-09-30; a target can be set or changed only until its "
        f"quarter ends.\n{USAGE}"
    )
    # 20:00 UTC on 31 December is already 1 January in Kolkata (alpha), not in New York (beta).
    clock.set(datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    assert proc(EM, "target 2026Q4 pod 1").startswith(":warning: 2026Q4 ended on 2026-12-31")
    assert proc(BETA_EM, "target 2026Q4 pod 1", channel=BETA) == ("2026Q4 target for POD Beta: $1.")
    assert counts(proc.bot) == (1, 1)


BAD_GRAMMAR = [
    ("target", "Give the quarter, `pod` or the member, and the amount, like `2027Q1 pod 500k`."),
    ("target 2027Q1 pod", "Give the quarter, `pod` or the member, and the amount, like "
     "`2027Q1 pod 500k`."),
    ("target Q1 pod 5k", "`Q1` has no year; write the quarter like 2026Q1."),
    ("target soon pod 5k", "`soon` is not a quarter; write the quarter like 2026Q4, or `next`."),
    ("target 2027Q5 pod 5k", "`2027Q5` has no quarter 5: quarters are Q1 to Q4."),
    ("target 2027Q1 dana 5k",
     "`dana` is not a person; mention them with @, like @buyer. Or write `pod` for the POD's "
     "own target."),
    ("target 2027Q1 pod lots",
     "`lots` is not an amount; write it like 48000, 48,000, $48,000.50, 48k, 1.2m or EUR 40k."),
]  # fmt: skip


def test_bad_grammar_answers_with_the_usage_line(proc: Proc) -> None:
    for text, complaint in BAD_GRAMMAR:
        assert proc(EM, text) == f":warning: {complaint}\n{USAGE}", text
    assert counts(proc.bot) == (0, 0)
