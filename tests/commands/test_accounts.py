"""`/proc account`: a customer account shown to its POD's members; its health set by an em."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from bot.db.models import Account
from tests.commands.conftest import (
    ANALYST,
    BETA,
    BETA_EM,
    BUYER,
    CSM,
    EM,
    STRANGER,
    Proc,
    day_token,
)
from tests.conftest import RunningBot
from tests.helpers.accounts import add_account

USAGE = (
    "Usage: `/proc account <customer> [health favorable|neutral|at-risk [note] "
    "| sentiment positive|neutral|negative <note>]`"
)


# Every refusal of `/proc account` ends with its usage line.
ACCOUNT_USAGE = "\n" + USAGE


def stored(bot: RunningBot, customer: str) -> Account:
    with bot.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.customer == customer)).one()
        session.expunge(account)
        return account


@pytest.fixture
def quiet(bot: RunningBot) -> Iterator[None]:
    """Every answer is the invoker's only (by the command's response_url, after the ack):
    nothing is posted to Slack."""
    before = len(bot.api.calls)
    yield
    bot.wait_idle()
    assert {call.method for call in bot.api.calls[before:]} <= {"response_url"}


@pytest.fixture
def acme(bot: RunningBot) -> None:
    add_account(bot, "Acme Corp")


@pytest.mark.usefixtures("acme")
def test_a_member_sees_the_account_with_its_open_requests(proc: Proc) -> None:
    proc(ANALYST, "new ACME corp | Figma | renewal | 48k")
    proc(ANALYST, "new Acme Corp | Slack | new")
    proc(ANALYST, "qualify REQ-2")
    proc(ANALYST, "new Globex | Zoom | new")
    proc(ANALYST, "new Acme Corp | Jira | new")
    proc(ANALYST, "disqualify REQ-4 duplicate")
    posted = len(proc.bot.api.calls)
    assert proc(CSM, "account acme   CORP") == "\n".join(
        [
            "*Acme Corp* · POD Alpha",
            f"Customer since {day_token(date(2025, 4, 1))} · handed over "
            f"{day_token(date(2025, 5, 15))} · term ends {day_token(date(2028, 3, 31))}",
            "MSG $250,000 · PSE $400,000 · ATS $1,200,000",
            "Health: *favorable* (last updated by the accounts file, "
            "<!date^1793523600^{date_short}|Nov 1, 2026>)",
            "Open requests:",
            "• REQ-1 Figma — in intake",
            "• REQ-2 Slack — qualified",
            "Customer update: none sent yet (`/proc customer-update` drafts one).",
            # Issue 35: no one in its people matrix yet.
            "People: 0 (`/proc people`) — ⚠️ *Single-threaded* (0 contacts).",
            # No saving and no contract yet: FTV's 14 days and the MSG's 180 are past, and the
            # ATS was due at handover; the PSE has until the term ends.
            "Milestones:",
            "❌ *First time value*: none (bar 14 days)",
            "❌ *Minimum savings guarantee*: 0.0% (bar 100.0%) — $0 of $250,000",
            "⏳ *Projected savings estimate*: 0.0% (bar 60.0%) — $0 of $400,000",
            "❌ *ATS uploaded*: 0.0% (bar 75.0%) — $0 of $1,200,000",
            "What these mean: `/proc help kpis`",
        ]
    )
    assert [call.method for call in proc.bot.api.calls[posted:]] == ["response_url"]


@pytest.mark.usefixtures("quiet")
def test_money_and_dates_not_given_yet_are_said_so(proc: Proc) -> None:
    add_account(proc.bot, "Globex", handover=None, pse=None, ats=None, health="neutral")
    answer = proc(BUYER, "account Globex")
    assert "handed over not set" in answer
    assert "MSG $250,000 · PSE not set · ATS not set" in answer
    assert "No open requests.\nCustomer update: none sent yet" in answer
    assert (
        "drafts one).\nPeople: 0 (`/proc people`) — ⚠️ *Single-threaded* (0 contacts).\n" in answer
    )
    assert "(0 contacts).\nMilestones:\n" in answer


@pytest.mark.usefixtures("quiet", "acme")
def test_an_em_sets_health_with_a_note_and_it_is_recorded(proc: Proc) -> None:
    answer = proc(EM, "account  Acme Corp  health  at-risk  late payments, &lt;2 QBRs")
    assert answer == "Acme Corp is now at-risk (was favorable): late payments, &lt;2 QBRs"
    account = stored(proc.bot, "Acme Corp")
    assert (account.health, account.health_note, account.updated_by) == (
        "at-risk", "late payments, &lt;2 QBRs", EM
    )  # fmt: skip
    assert account.updated_at == proc.bot.runtime.clock.now()
    shown = proc(ANALYST, "account acme corp")
    assert "Health: *at-risk* — late payments, &lt;2 QBRs (last updated by <@U0EM00001>" in shown


@pytest.mark.usefixtures("quiet", "acme")
def test_health_is_read_the_ways_people_type_it(proc: Proc) -> None:
    assert (
        proc(EM, "account acme corp HEALTH At Risk") == "Acme Corp is now at-risk (was favorable)."
    )
    assert proc(EM, "account acme corp health favourable") == (
        "Acme Corp is now favorable (was at-risk)."
    )
    assert (
        proc(EM, "account acme corp health favorable") == "Acme Corp is now favorable (unchanged)."
    )


@pytest.mark.usefixtures("quiet")
def test_a_customer_called_health_co_and_one_with_an_ampersand(proc: Proc) -> None:
    add_account(proc.bot, "Health Co")
    add_account(proc.bot, "AT&T")
    assert proc(ANALYST, "account Health Co").startswith("*Health Co* · POD Alpha")
    assert (
        proc(EM, "account health co health neutral") == "Health Co is now neutral (was favorable)."
    )
    assert proc(EM, "account AT&amp;T health at-risk") == "AT&amp;T is now at-risk (was favorable)."
    assert stored(proc.bot, "AT&T").health == "at-risk"


@pytest.mark.usefixtures("quiet", "acme")
def test_only_an_em_of_the_accounts_pod_sets_health_and_a_refusal_writes_nothing(
    proc: Proc,
) -> None:
    before = stored(proc.bot, "Acme Corp")
    for user, role in ((BUYER, "buyer"), (ANALYST, "analyst"), (CSM, "csm")):
        assert proc(user, "account Acme Corp health at-risk") == (
            f":warning: Only an em of POD Alpha may set an account's health; "
            f"in POD Alpha you are {role}." + ACCOUNT_USAGE
        )
    assert proc(BETA_EM, "account Acme Corp health at-risk", channel=BETA) == (
        ":warning: Acme Corp is an account of POD Alpha, and you are not a member of it."
        + ACCOUNT_USAGE
    )
    after = stored(proc.bot, "Acme Corp")
    assert (after.health, after.updated_at, after.updated_by) == (
        before.health, before.updated_at, before.updated_by
    )  # fmt: skip


@pytest.mark.usefixtures("quiet", "acme")
def test_other_pods_and_strangers_do_not_see_it(proc: Proc) -> None:
    assert proc(BETA_EM, "account Acme Corp", channel=BETA) == (
        ":warning: Acme Corp is an account of POD Alpha, and you are not a member of it."
        + ACCOUNT_USAGE
    )
    assert proc(STRANGER, "account Acme Corp").startswith(
        ":warning: You are not a member of any procurement POD"
    )


@pytest.mark.usefixtures("quiet", "acme")
def test_an_unknown_customer_is_one_sentence_and_the_usage(proc: Proc) -> None:
    assert proc(ANALYST, "account Initech") == (
        f":warning: There is no account for Initech.\n{USAGE}"
    )
    assert proc(EM, "account Acme Corp health great") == (
        ":warning: There is no account for Acme Corp health great (`great` is not a health: "
        f"write favorable, neutral or at-risk).\n{USAGE}"
    )
    assert proc(ANALYST, "account") == (
        f":warning: Name the customer, like `account Acme Corp`.\n{USAGE}"
    )
    assert stored(proc.bot, "Acme Corp").health == "favorable"


def test_help_lists_account_and_target(proc: Proc) -> None:
    text = proc(ANALYST, "help")
    assert (
        "account <customer> [health favorable|neutral|at-risk [note] "
        "| sentiment positive|neutral|negative <note>]" in text
    )
    assert "target <YYYYQn|next> pod|@member <amount>" in text
