"""SPEC §3 `contract add`: an analyst or em keeps the POD's SaaS stack current, ephemerally."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import Contract, PodRow
from tests.commands.conftest import (
    ANALYST,
    BETA,
    BETA_ANALYST,
    BUYER,
    CSM,
    EM,
    STRANGER,
    Proc,
    day_token,
)
from tests.conftest import RunningBot

DM = "D0DM00001"
WHO = "an analyst or em"
USAGE = (
    "Usage: `/proc contract add <customer> | <tool> | <annual amount> | "
    "<renewal YYYY-MM-DD> [| monthly|annual]`"
)


def contracts(bot: RunningBot) -> list[tuple[str, str, str, Decimal, str, date, str]]:
    """Every stored contract as (pod, customer, tool, amount, currency, renewal, cycle)."""
    with bot.db.transaction() as session:
        rows = session.execute(
            select(
                PodRow.key,
                Contract.customer,
                Contract.tool,
                Contract.annual_amount,
                Contract.currency,
                Contract.renewal_date,
                Contract.billing_cycle,
            )
            .join(PodRow, PodRow.id == Contract.pod_id)
            .order_by(Contract.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.fixture
def quiet(bot: RunningBot) -> Iterator[None]:
    """The test posts nothing to Slack: every answer travels in the HTTP response."""
    before = len(bot.api.calls)
    yield
    bot.wait_idle()
    assert bot.api.calls[before:] == []


@pytest.mark.usefixtures("quiet")
def test_an_analyst_adds_a_contract_to_the_pods_saas_stack(proc: Proc) -> None:
    answer = proc(ANALYST, "contract add Acme | Figma | $48,000 | 2027-03-31")
    assert answer == (
        f"Added Acme · Figma ($48,000 a year, renews {day_token(date(2027, 3, 31))}, annual) "
        "to POD Alpha's SaaS stack."
    )
    assert contracts(proc.bot) == [
        ("alpha", "Acme", "Figma", Decimal("48000.00"), "USD", date(2027, 3, 31), "annual")
    ]


@pytest.mark.usefixtures("quiet")
def test_an_em_updates_it_and_sees_what_it_was(proc: Proc, clock: ManualClock) -> None:
    proc(ANALYST, "contract add Acme | Figma | 48k | 2027-03-31")
    clock.advance(timedelta(hours=1))
    answer = proc(EM, "contract add acme | FIGMA | EUR 52k | 2028-03-31 | Monthly")
    assert answer == (
        f"Updated acme · FIGMA (€52,000 a year, renews {day_token(date(2028, 3, 31))}, monthly; "
        f"was $48,000 a year, renews {day_token(date(2027, 3, 31))}, annual) in POD Alpha's "
        "SaaS stack."
    )
    assert contracts(proc.bot) == [
        ("alpha", "acme", "FIGMA", Decimal("52000.00"), "EUR", date(2028, 3, 31), "monthly")
    ]


@pytest.mark.usefixtures("quiet")
def test_the_same_terms_again_change_nothing_and_a_left_out_cycle_is_kept(
    proc: Proc, clock: ManualClock
) -> None:
    proc(ANALYST, "contract add Acme | Figma | 48k | 2027-03-31 | monthly")
    with proc.bot.db.transaction() as session:
        stamped = session.scalars(select(Contract.updated_at)).one()
    clock.advance(timedelta(hours=1))
    answer = proc(ANALYST, "contract add Acme | Figma | $48,000.00 | 2027-03-31")
    assert answer == (
        "Acme · Figma is already in POD Alpha's SaaS stack as $48,000 a year, renews "
        f"{day_token(date(2027, 3, 31))}, monthly; nothing changed."
    )
    with proc.bot.db.transaction() as session:
        assert session.scalars(select(Contract.updated_at)).one() == stamped


@pytest.mark.usefixtures("quiet")
def test_outside_a_pod_channel_it_goes_to_the_users_only_pod(proc: Proc) -> None:
    answer = proc(BETA_ANALYST, "contract add Globex | Slack | 120k | 2027-01-15", channel=DM)
    assert answer.endswith("to POD Beta's SaaS stack.")
    assert [c[0] for c in contracts(proc.bot)] == ["beta"]


@pytest.mark.usefixtures("quiet")
def test_buyers_and_csms_may_not_add_contracts(proc: Proc) -> None:
    for user, role in ((BUYER, "buyer"), (CSM, "csm")):
        answer = proc(user, "contract add Acme | Figma | 48k | 2027-03-31")
        assert answer == f":warning: Only {WHO} may do that; in POD Alpha you are {role}.\n" + USAGE
    assert contracts(proc.bot) == []


@pytest.mark.usefixtures("quiet")
def test_someone_in_no_pod_is_told_so(proc: Proc) -> None:
    answer = proc(STRANGER, "contract add Acme | Figma | 48k | 2027-03-31")
    assert answer.startswith(":warning: You are not a member of any procurement POD")


@pytest.mark.usefixtures("quiet")
def test_another_pods_contract_is_not_taken_over(proc: Proc) -> None:
    proc(BETA_ANALYST, "contract add Acme | Figma | 48k | 2027-03-31", channel=BETA)
    answer = proc(ANALYST, "contract add ACME | Figma | 1 | 2027-03-31")
    assert answer == (
        ":warning: Acme · Figma is in POD Beta's SaaS stack; ask its analyst or em to change it."
        "\n" + USAGE
    )
    assert contracts(proc.bot)[0][:4] == ("beta", "Acme", "Figma", Decimal("48000.00"))


BAD_GRAMMAR = [
    ("contract", "Say what to do with the SaaS stack: `contract add …`."),
    ("contract remove Acme | Figma", "`remove` is not something `contract` does; it can `add`."),
    ("contract add Acme | Figma | 48k",
     "Give the customer, the tool, the annual amount and the renewal date, separated by `|`."),
    ("contract add Acme | Figma | lots | 2027-03-31",
     "`lots` is not an amount; write it like 48000, 48,000, $48,000.50, 48k, 1.2m or EUR 40k."),
    ("contract add Acme | Figma | 48k | 31/03/2027",
     "`31/03/2027` is not a date; write it as YYYY-MM-DD."),
    ("contract add Acme | Figma | 48k | 2027-03-31 | quarterly",
     "`quarterly` is not a billing cycle; write `monthly` or `annual`."),
]  # fmt: skip


@pytest.mark.usefixtures("quiet")
def test_bad_grammar_answers_with_the_usage_line(proc: Proc) -> None:
    for text, complaint in BAD_GRAMMAR:
        assert proc(ANALYST, text) == f":warning: {complaint}\n{USAGE}", text
    assert contracts(proc.bot) == []


@pytest.mark.usefixtures("quiet")
def test_names_arrive_escaped_are_stored_plain_and_shown_escaped(proc: Proc) -> None:
    answer = proc(ANALYST, "contract add AT&amp;T | Slack &lt;Grid&gt; | 1k | 2027-01-01")
    assert answer.startswith("Added AT&amp;T · Slack &lt;Grid&gt; ($1,000 a year,")
    assert contracts(proc.bot)[0][1:3] == ("AT&T", "Slack <Grid>")


def test_help_lists_contract_add(proc: Proc) -> None:
    assert "contract add <customer>" in proc(ANALYST, "help")
