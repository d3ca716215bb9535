"""Issue 35: `/proc people` (an account's people matrix, single-threaded flag), the customer's
sentiment history in `/proc account`, and the flag for repeat incorrect requests (an item of
the csms' and ems' digests)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import AccountPerson, AccountSentiment, RepeatDisqualificationFlag
from bot.domain.reminders import office_slot
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import ALPHA, ANALYST, BETA_EM, BUYER, CSM, EM, Proc, blocks_text
from tests.conftest import ManualClock, RunningBot
from tests.helpers.accounts import add_account
from tests.helpers.digests import dms
from tests.jobs.conftest import run_job

PEOPLE_USAGE = (
    "\nUsage: `/proc people <customer> [add <name or email> role "
    "decision-maker|approver|champion|user [escalation 1|2] | remove <name or email> | "
    "contacted <name or email> [YYYY-MM-DD]]`"
)


def refused(message: str, usage: str = PEOPLE_USAGE) -> str:
    return f":warning: {message}{usage}"


ACCOUNT_USAGE = (
    "\nUsage: `/proc account <customer> [health favorable|neutral|at-risk [note] "
    "| sentiment positive|neutral|negative <note>]`"
)


@pytest.fixture(autouse=True)
def acme(bot: RunningBot) -> None:
    add_account(bot, "Acme Corp")


def count(bot: RunningBot, model: type) -> int:
    with bot.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_matrix_is_listed_with_last_contacts_and_flagged_single_threaded(proc: Proc) -> None:
    assert proc(CSM, "people Acme Corp add Jane Roe role champion") == (
        "Jane Roe is in the people of Acme Corp: champion. "
        "Acme Corp is *single-threaded* (1 contact)."
    )
    assert proc(ANALYST, "people acme corp add <mailto:cfo@acme.com|cfo@acme.com> role "
                "decision-maker") == (
        "cfo@acme.com is in the people of Acme Corp: decision-maker. "
        "Acme Corp is *single-threaded* (no escalation contact)."
    )  # fmt: skip
    assert proc(CSM, "people Acme Corp contacted jane roe 2026-11-20") == (
        "Last contact with Jane Roe of Acme Corp: 2026-11-20. "
        "Acme Corp is *single-threaded* (no escalation contact)."
    )
    assert proc(EM, "people Acme Corp add cfo@acme.com role decision-maker escalation 1") == (
        "cfo@acme.com is in the people of Acme Corp: decision-maker, escalation 1."
    )
    assert proc(BUYER, "people Acme Corp") == "\n".join(
        [
            "*People of Acme Corp* · POD Alpha",
            "• cfo@acme.com — decision-maker · escalation 1 · last contact never",
            "• Jane Roe — champion · last contact 2026-11-20",
            "Multi-threaded: 2 contacts.",
        ]
    )
    assert "People: 2 (`/proc people`) — Multi-threaded: 2 contacts." in proc(
        CSM, "account Acme Corp"
    )
    assert proc(CSM, "people Acme Corp remove JANE ROE") == (
        "Jane Roe is no longer in the people of Acme Corp. "
        "Acme Corp is *single-threaded* (1 contact)."
    )
    shown = proc(CSM, "account Acme Corp")
    assert "People: 1 (`/proc people`) — ⚠️ *Single-threaded* (1 contact)." in shown
    assert count(proc.bot, AccountPerson) == 1


def test_who_may_change_the_matrix_and_what_is_refused(proc: Proc) -> None:
    assert proc(BUYER, "people Acme Corp add Jane role user") == refused(
        "Only a csm, an analyst or an em of POD Alpha may change an account's people; "
        "in POD Alpha you are buyer."
    )
    assert proc(BETA_EM, "people Acme Corp add Jane role user") == refused(
        "Acme Corp is an account of POD Alpha, and you are not a member of it."
    )
    assert proc(CSM, "people Acme Corp add Jane role boss") == refused(
        "`boss` is not a role: write one of decision-maker, approver, champion, user."
    )
    assert proc(CSM, "people Acme Corp add Jane role user escalation 3") == refused(
        "After the role, only `escalation 1` or `escalation 2` may follow."
    )
    assert proc(CSM, "people Acme Corp remove Nobody") == refused(
        "Nobody is not in the people of Acme Corp (`/proc people Acme Corp` lists them)."
    )
    assert proc(CSM, "people Acme Corp") == "\n".join(
        [
            "*People of Acme Corp* · POD Alpha",
            "No one yet: `/proc people Acme Corp add <name or email> role "
            "decision-maker|approver|champion|user [escalation 1|2]`.",
            "⚠️ *Single-threaded* (0 contacts).",
        ]
    )
    assert count(proc.bot, AccountPerson) == 0


def test_sentiment_keeps_a_history_shown_in_the_account(proc: Proc, clock: ManualClock) -> None:
    assert proc(CSM, "account Acme Corp sentiment negative Unhappy with  the Zoom renewal") == (
        "Acme Corp's sentiment is negative (the first recorded): Unhappy with  the Zoom renewal"
    )
    clock.set(clock.now() + timedelta(days=3))
    assert proc(EM, "account Acme Corp sentiment positive Call went well") == (
        "Acme Corp's sentiment is positive (was negative): Call went well"
    )
    assert proc(ANALYST, "account Acme Corp sentiment neutral meh") == refused(
        "Only a csm or an em of POD Alpha may record a customer's sentiment; "
        "in POD Alpha you are analyst.",
        ACCOUNT_USAGE,
    )
    shown = proc(BUYER, "account Acme Corp").split("\n")
    at = shown.index("Sentiment:")
    assert shown[at + 1].startswith(f"• *positive* — Call went well (<@{EM}>, <!date^")
    assert shown[at + 2].startswith(
        f"• *negative* — Unhappy with  the Zoom renewal (<@{CSM}>, <!date^"
    )
    assert count(proc.bot, AccountSentiment) == 2
    # A customer named like the word is still a customer.
    assert proc(EM, "account Acme Corp health at-risk sentiment is bad").startswith(
        "Acme Corp is now at-risk"
    )


def flag_dms(bot: RunningBot, user: str) -> list[Message]:
    """The user's digests of repeat incorrect requests, once the `reminders` job has run at the
    POD's next office hours (a flag is a digest item, told in office hours, once)."""
    pod = bot.runtime.config.pod("alpha")
    at = office_slot(
        pod.calendar, bot.runtime.config.schedule.office_hours, bot.runtime.clock.now()
    )
    run_job(bot.runtime, JOBS["reminders"], pod, now=at)
    return dms(bot, user, having="Repeat incorrect requests")


def test_three_disqualified_requests_in_30_days_flag_the_customer_once(
    proc: Proc, clock: ManualClock
) -> None:
    bot = proc.bot
    start = clock.now()
    for tool in ["Figma", "Slack", "Zoom", "Jira", "Miro"]:
        proc(CSM, f"new Acme Corp | {tool} | new")
    proc(ANALYST, "new Globex | Figma | new")  # another customer: not counted
    proc(ANALYST, "disqualify REQ-6 duplicate")
    proc(ANALYST, "disqualify REQ-1 duplicate of REQ-9")
    clock.set(start + timedelta(days=10))
    proc(ANALYST, "disqualify REQ-2 no budget")
    assert flag_dms(bot, CSM) == [] and count(bot, RepeatDisqualificationFlag) == 0
    clock.set(start + timedelta(days=20))
    proc(ANALYST, "disqualify REQ-3 already owned <!channel>")
    for user in (CSM, EM):
        [dm] = flag_dms(bot, user)
        body = blocks_text(dm.blocks)
        assert (
            ":warning: Acme Corp (POD Alpha) had 3 requests disqualified in 30 days: "
            "worth a word with the customer."
        ) in body
        assert "REQ-1: duplicate of REQ-9" in body and "REQ-2: no budget" in body
        assert "already owned" in body and "<!channel>" not in body
    assert flag_dms(bot, ANALYST) == [] and flag_dms(bot, BUYER) == []
    # A fourth inside the window flags nothing more.
    clock.set(start + timedelta(days=25))
    proc(ANALYST, "disqualify REQ-4 duplicate")
    assert len(flag_dms(bot, CSM)) == 1 and count(bot, RepeatDisqualificationFlag) == 1


def test_disqualifications_spread_over_more_than_30_days_flag_nothing(
    proc: Proc, clock: ManualClock
) -> None:
    start = clock.now()
    for tool in ["Figma", "Slack", "Zoom"]:
        proc(CSM, f"new Acme Corp | {tool} | new")
    for n, days in ((1, 0), (2, 20), (3, 31)):
        clock.set(start + timedelta(days=days))
        proc(ANALYST, f"disqualify REQ-{n} duplicate")
    assert flag_dms(proc.bot, EM) == [] and count(proc.bot, RepeatDisqualificationFlag) == 0


def test_a_customer_is_flagged_again_once_its_flag_window_has_passed(
    proc: Proc, clock: ManualClock
) -> None:
    start = clock.now()
    for tool in ["Figma", "Slack", "Zoom", "Jira", "Miro", "Okta"]:
        proc(CSM, f"new Acme Corp | {tool} | new")
    for n, days in ((1, 0), (2, 1), (3, 2), (4, 31), (5, 40), (6, 41)):
        clock.set(start + timedelta(days=days))
        proc(ANALYST, f"disqualify REQ-{n} duplicate")
    # Flagged on day 2 (REQ-1..3) and on day 41 (REQ-4..6); not on day 31, though REQ-2..4
    # fall within 30 days: REQ-2 and REQ-3 were flagged already. Both told in one digest.
    [dm] = flag_dms(proc.bot, EM)
    assert blocks_text(dm.blocks).count("had 3 requests disqualified in 30 days") == 2
    with proc.bot.db.transaction() as session:
        flags = session.scalars(
            select(RepeatDisqualificationFlag).order_by(RepeatDisqualificationFlag.id)
        ).all()
        assert [f.reasons.count("\n") + 1 for f in flags] == [3, 3]
        assert flags[1].reasons.startswith("REQ-4: duplicate")


def test_help_lists_people(proc: Proc) -> None:
    assert "`/proc people <customer>" in proc(BUYER, "help")


@pytest.mark.postgres
def test_two_disqualifications_at_once_flag_the_customer_once(
    start_bot: Callable[..., RunningBot], postgres_url: str
) -> None:
    bot = start_bot(postgres_url)
    proc = Proc(bot)
    for tool in ["Figma", "Slack", "Zoom", "Jira"]:
        proc(CSM, f"new Acme Corp | {tool} | new")
    proc(ANALYST, "disqualify REQ-1 duplicate")
    proc(ANALYST, "disqualify REQ-2 duplicate")
    start = threading.Barrier(2)
    statuses: list[int] = []

    def disqualify(number: int) -> None:
        start.wait()
        response = bot.slack.slash_command(
            f"disqualify REQ-{number} duplicate", user_id=ANALYST, channel_id=ALPHA
        )
        statuses.append(response.status)

    threads = [threading.Thread(target=disqualify, args=(n,)) for n in (3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.wait_idle()
    assert statuses == [200, 200]
    assert [proc.request(n).stage for n in (3, 4)] == ["disqualified", "disqualified"]
    assert count(bot, RepeatDisqualificationFlag) == 1
    assert len(flag_dms(bot, EM)) == 1 and len(flag_dms(bot, CSM)) == 1
