"""Test helpers shared by several test modules: stats."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.db.models import (
    Account,
    Contract,
    PendingResponse,
    PodRow,
    Request,
    RequestEvent,
    SavingsClaim,
    Target,
)
from tests.commands.conftest import ALPHA, ANALYST, BUYER, CSM, EM, Proc
from tests.conftest import RunningBot

# Moved here from tests/commands/test_stats.py by move_helpers.py (issue 28).


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def seed(bot: RunningBot, copies: int = 1) -> None:
    """The quarter below; `copies` > 1 adds that many more copies of the history, years back
    (for the statement count: more rows, the same statements)."""
    with bot.db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == "alpha")).one()
        stamp = dict(created_at=at("2026-09-01 00:00"), updated_at=at("2026-09-01 00:00"))
        session.add_all(
            [
                # Acme: started 1 Oct, handed over 15 Oct; Globex: a customer since 2025.
                Account(pod_id=pod_id, customer="Acme Corp", initiated=date(2026, 10, 1),
                        handover=date(2026, 10, 15), term_end=date(2027, 9, 30),
                        msg=Decimal(20000), pse=Decimal(100000), ats=Decimal(200000),
                        currency="USD", health="favorable", updated_by="import", **stamp),
                Account(pod_id=pod_id, customer="Globex", initiated=date(2025, 1, 1),
                        handover=date(2025, 2, 1), term_end=date(2027, 12, 31),
                        msg=Decimal(250000), currency="USD", health="at-risk",
                        updated_by="import", **stamp),
                Target(pod_id=pod_id, quarter="2026Q4", scope="pod", amount=Decimal(100000),
                       currency="USD", set_at=stamp["created_at"], set_by="import"),
                Target(pod_id=pod_id, quarter="2026Q4", scope="member", member_id=BUYER,
                       amount=Decimal(50000), currency="USD", set_at=stamp["created_at"],
                       set_by="import"),
                Contract(pod_id=pod_id, customer="Acme Corp", tool="Figma",
                         annual_amount=Decimal(120000), currency="USD",
                         renewal_date=date(2027, 10, 10), billing_cycle="annual",
                         created_at=at("2026-10-10 06:00"), updated_at=at("2026-10-10 06:00")),
                Contract(pod_id=pod_id, customer="acme corp", tool="Slack",
                         annual_amount=Decimal(60000), currency="USD",
                         renewal_date=date(2027, 9, 1), billing_cycle="monthly",
                         created_at=at("2026-09-01 06:00"), updated_at=at("2026-09-01 06:00")),
            ]
        )  # fmt: skip

        def request(
            number: int,
            customer: str,
            tool: str,
            kind: str,
            created: str,
            qualified: str | None = None,
            assigned: str | None = None,
            closed: str | None = None,
            outcome: str | None = None,
        ) -> Request:
            stage = ("closed" if closed else "negotiating" if assigned
                     else "qualified" if qualified else "intake")  # fmt: skip
            row = Request(
                id=number, pod_id=pod_id, customer=customer, tool=tool, kind=kind, stage=stage,
                outcome=outcome, currency="USD", created_by=ANALYST,
                analyst_id=ANALYST if qualified else None,
                buyer_id=BUYER if assigned else None, created_at=at(created),
                qualification_due_at=at(created), qualified_at=at(qualified) if qualified else None,
                assigned_at=at(assigned) if assigned else None,
                tat_due_at=at(assigned) if assigned else None,
                closed_at=at(closed) if closed else None, updated_at=at(created),
            )  # fmt: skip
            session.add(row)
            return row

        # R10 closed in Q3; its claim is approved on 2 Oct, so it is Q4's saving.
        request(
            10,
            "Acme Corp",
            "Notion",
            "new",
            "2026-09-14 04:00",
            "2026-09-14 05:00",
            "2026-09-14 06:00",
            "2026-09-28 06:00",
            "won",
        )
        # R1: qualified in 2 h, won 10 days after assignment (TAT due 20 Oct).
        request(
            1,
            "Acme Corp",
            "Figma",
            "new",
            "2026-10-05 04:00",
            "2026-10-05 06:00",
            "2026-10-05 08:00",
            "2026-10-15 08:00",
            "won",
        )
        # R2: created Tue 6 Oct 09:30 IST, due Wed 09:30 (04:00 UTC), qualified Thu: late;
        # still negotiating.
        request(
            2,
            "ACME corp",
            "Slack",
            "renewal",
            "2026-10-06 04:00",
            "2026-10-08 10:00",
            "2026-10-08 11:00",
        )
        # R3: won 2 Nov, past its TAT (due 22 Oct).
        request(
            3,
            "Globex",
            "Zoom",
            "new",
            "2026-10-07 04:00",
            "2026-10-07 05:00",
            "2026-10-07 06:00",
            "2026-11-02 06:00",
            "won",
        )
        # R4: no account, never triaged: due 3 Nov 04:00, a miss by now.
        request(4, "Initech", "Miro", "new", "2026-11-02 04:00")
        # R5: won 16 Nov inside its TAT (due 24 Nov).
        request(
            5,
            "Globex",
            "Figma",
            "new",
            "2026-11-09 04:00",
            "2026-11-09 05:00",
            "2026-11-09 06:00",
            "2026-11-16 06:00",
            "won",
        )
        session.flush()

        def claim(
            number: int,
            kind: str,
            baseline: int,
            final: int,
            decided: str | None,
            status: str = "approved",
        ) -> None:
            session.add(SavingsClaim(
                request_id=number, kind=kind, baseline=Decimal(baseline), final=Decimal(final),
                currency="USD", status=status, created_by=BUYER, created_at=at("2026-09-01 00:00"),
                decided_by=EM if decided else None, decided_at=at(decided) if decided else None,
            ))  # fmt: skip

        claim(10, "savings", 10000, 8000, "2026-10-02 06:00")  # 2,000, Acme
        claim(1, "savings", 50000, 38000, "2026-10-16 06:00")  # 12,000 (24 %), Acme
        claim(3, "avoidance", 40000, 30000, "2026-11-03 06:00")  # 10,000, Globex
        claim(5, "savings", 30000, 22000, "2026-11-17 06:00")  # 8,000 (26.7 %), Globex
        claim(2, "savings", 90000, 10000, None, status="pending")  # not counted
        for number, when in [(1, "2026-10-06 06:00"), (1, "2026-10-07 06:00"),
                             (1, "2026-10-08 06:00"), (5, "2026-11-10 06:00"),
                             (5, "2026-11-10 09:00")]:  # fmt: skip
            session.add(RequestEvent(request_id=number, at=at(when), actor=BUYER, kind="update"))

        numbers = itertools.count(1)

        def mention(
            member: str,
            when: str,
            state: str = "open",
            closed: str | None = None,
        ) -> None:
            n = next(numbers)
            session.add(PendingResponse(
                pod_id=pod_id, channel=ALPHA, message_ts=f"{n}.0", thread_ts=f"{n}.0",
                author=CSM, member=member, mentioned_at=at(when), due_at=at(when),
                escalate_at=at(when), state=state, closed_at=at(closed) if closed else None,
            ))  # fmt: skip

        mention(BUYER, "2026-10-12 04:00", "answered", "2026-10-12 10:00")  # on time
        mention(BUYER, "2026-10-15 04:00", "answered", "2026-10-19 06:00")  # Thu→Mon: 50 wh
        mention(BUYER, "2026-11-23 10:00")  # 5 h ago: not due yet, apart
        mention(ANALYST, "2026-11-02 04:00")  # never answered: a miss
        mention(EM, "2026-10-20 04:00", "marked", "2026-10-20 08:00")  # marked answered
        mention(EM, "2026-10-21 04:00", "withdrawn", "2026-10-21 05:00")  # no mention at all

        # Older history that changes no Q4 figure: Globex's requests closed and claims decided
        # in 2025 (loaded: Globex's MSG counts from its handover).
        for copy in range(copies - 1):
            for i in range(20):
                number = 1000 + copy * 100 + i
                request(
                    number,
                    "Globex",
                    "Zoom",
                    "new",
                    "2025-03-04 04:00",
                    "2025-03-04 05:00",
                    "2025-03-04 06:00",
                    "2025-03-10 06:00",
                    "won",
                )
                session.flush()
                claim(number, "savings", 1000, 900, "2025-03-11 06:00")
                session.add(
                    RequestEvent(
                        request_id=number, at=at("2025-03-05 06:00"), actor=BUYER, kind="update"
                    )
                )
                mention(BUYER, "2025-03-05 04:00", "answered", "2025-03-05 06:00")


# Net savings: 2,000 + 12,000 + 8,000 savings and 10,000 avoidance = 32,000 of 100,000.
# Benchmarks at approval: R1's claim had no other Figma claim yet, R3 no other Zoom claim
# (2 apart); R5's Figma benchmark is R1's 24 %, its 26.7 % ≥ 70 % of it: 1 of 1.
# TAT: R1 and R5 in time, R3 late: 2 of 3. Qualification of Q4's requests: R1, R3, R5 in
# time, R2 late, R4 untriaged past due: 3 of 5; the analyst's own triages: 3 of 4.
# Replies: on time (buyer), late (buyer), marked (em), unanswered (analyst): 2 of 4; the
# buyer's mention of 5 h ago is apart. Health: Acme favorable, Globex at-risk: 1 of 2 (not a
# running figure: ❌). Conversion: Acme's Slack, monthly since September, 0 of 1.
# Under every scorecard: where its words are explained.
HINT = "What these mean: `/proc help kpis`"
POD_LINES = [
    "*Stats 2026Q4* (as of <!date^1795415400^{date_short}|Nov 23, 2026>)",
    "*POD Alpha*",
    "⚠️ *Net savings vs POD target*: 32.0% (bar 100.0%) — $32,000 of $100,000 · "
    "savings $22,000 + avoidance $10,000",
    "⚠️ *Buyers at ≥ 70 % of quota*: 0.0% (bar 70.0%) — 0 of 1",
    "✅ *Benchmark attainment*: 100.0% (bar 80.0%) — 1 of 1 · 2 counted apart",
    "⚠️ *Negotiation TAT adherence*: 66.7% (bar 80.0%) — 2 of 3",
    "⚠️ *Qualified within 24 working hours*: 60.0% (bar 80.0%) — 3 of 5",
    "⚠️ *Qualified within 24 working hours — <@U0ANA0001>*: 75.0% (bar 80.0%) — 3 of 4",
    "⚠️ *Replies within 24 working hours*: 50.0% (bar 80.0%) — 2 of 4 · 1 counted apart",
    "➖ *Gross dollar retention*: no data (bar 70.0%) — 0 of 0",
    "❌ *Accounts in favorable health*: 50.0% (bar 70.0%) — 1 of 2",
    "⚠️ *Monthly → annual conversion*: 0.0% (bar 30.0%) — 0 of 1",
    "Requests this quarter with no account: 1",
]
# The buyer's quota: all four approved claims are their requests': 32,000 of 50,000 = 64 %.
# Update cadence: working days judged — R1 6–14 Oct: 7; R2 9 Oct–22 Nov: 31; R3 8 Oct–1 Nov:
# 17; R5 10–13 Nov: 4 — 59, with an update on 6, 7, 8 Oct (R1) and 10 Nov (R5, twice): 4.
BUYER_LINES = [
    "*Stats 2026Q4* (as of <!date^1795415400^{date_short}|Nov 23, 2026>)",
    "<@U0BUY0001> · POD Alpha",
    "⚠️ *Savings quota*: 64.0% (bar 70.0%) — $32,000 of $50,000",
    "✅ *Benchmark attainment*: 100.0% (bar 80.0%) — 1 of 1 · 2 counted apart",
    "⚠️ *Negotiation TAT adherence*: 66.7% (bar 80.0%) — 2 of 3",
    "⚠️ *Update cadence*: 6.8% (bar 80.0%) — 4 of 59",
    "⚠️ *Replies within 24 working hours*: 50.0% (bar 80.0%) — 1 of 2 · 1 counted apart",
]
# Acme: first saving on 2 Oct, a day after it started; MSG: 12,000 decided since handover of
# 20,000, 39 days in (⏳ before day 90); PSE: 2,000 + 12,000 of 100,000, term far off; ATS:
# 120,000 + 60,000 uploaded by handover of 200,000 = 90 %. R2 is its open request.
MILESTONES = [
    "✅ *First time value*: 1 day (bar 14 days)",
    "⏳ *Minimum savings guarantee*: 60.0% (bar 100.0%) — $12,000 of $20,000",
    "⏳ *Projected savings estimate*: 14.0% (bar 60.0%) — $14,000 of $100,000",
    "✅ *ATS uploaded*: 90.0% (bar 75.0%) — $180,000 of $200,000",
]
CUSTOMER_LINES = [
    "*Stats 2026Q4* (as of <!date^1795415400^{date_short}|Nov 23, 2026>)",
    "*Acme Corp* · POD Alpha",
    *MILESTONES,
    "Health: favorable",
    "Open requests: 1",
]


def ask(proc: Proc, user: str, text: str) -> dict[str, Any]:
    answer = proc.answer(user, text)
    assert answer["response_type"] == "ephemeral"
    return answer
