"""Pre-approvals the customer answers (issue 32): `/proc preapproval` puts it to the customer in
the account's customer channel; a Slack Connect member of the customer's answers it once —
Approve, or Needs changes with a reason —, ending the customer hold, on the timeline, in the
thread, on the canvas; a POD member's click is refused and changes nothing; two external
members racing on PostgreSQL give one answer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Hold, PreapprovalAsk, RequestEvent
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import ANALYST, Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.accounts import add_account
from tests.jobs.conftest import run_job

ROOM = "C0ACMECUST"
CUSTOMER, COLLEAGUE, OUTSIDER = "U0CUST0001", "U0CUST0002", "U0OTHER001"


def set_up(bot: RunningBot) -> Proc:
    bot.api.add_channel(ROOM)
    for user in (CUSTOMER, COLLEAGUE):
        bot.api.add_member(ROOM, user, external=True)
    bot.api.add_member(ROOM, ANALYST)
    add_account(bot, "Acme Corp", customer_channel=ROOM, handover=date(2026, 11, 2))
    proc = Proc(bot)
    proc(ANALYST, "new Acme Corp | Figma | new | 48k")
    answer = proc(ANALYST, "preapproval REQ-1 Is a 3-year term at 48k a year OK?")
    assert answer.endswith(f"waiting on the customer (asked in <#{ROOM}>)."), answer
    return proc


def the_ask(bot: RunningBot) -> Message:
    [message] = [m for m in bot.api.messages(ROOM) if m.text.startswith("Pre-approval")]
    return message


def click(bot: RunningBot, user: str, action: str, message: Message | None = None) -> None:
    """Click a button of the pre-approval as the clicker's Slack shows it (`message`: as it
    was before an edit reached them — a double click)."""
    message = message or the_ask(bot)
    response = bot.slack.block_action(
        action, None, user_id=user, channel_id=ROOM, message_ts=message.ts, message=message
    )
    assert response.status == 200
    bot.wait_idle()


def stored(bot: RunningBot) -> PreapprovalAsk:
    with bot.db.transaction() as session:
        [ask] = session.scalars(select(PreapprovalAsk)).all()
        session.expunge(ask)
        return ask


def open_hold(bot: RunningBot) -> bool:
    with bot.db.transaction() as session:
        return session.scalar(select(Hold.id).where(Hold.ended_at.is_(None))) is not None


def test_the_customer_approves_once_and_a_pod_member_is_refused(bot: RunningBot) -> None:
    proc = set_up(bot)
    message = the_ask(bot)
    assert "*Pre-approval: Figma* · expected spend *$48,000*" in str(message.blocks)
    assert "Is a 3-year term at 48k a year OK?" in str(message.blocks)
    assert open_hold(bot)
    # A POD member's click: refused, nothing changes.
    click(bot, ANALYST, "preapproval_customer_approve")
    [told] = bot.api.ephemerals(ANALYST)
    assert told.text == (
        ":warning: Only the customer answers a pre-approval; POD members follow it in the "
        "request's thread."
    )
    assert stored(bot).answer is None and open_hold(bot)
    # Someone in no POD and not in the channel: refused too.
    click(bot, OUTSIDER, "preapproval_customer_approve")
    assert bot.api.ephemerals(OUTSIDER)[0].text.endswith("may answer its pre-approvals.")
    # The customer approves, twice: once.
    shown = the_ask(bot)
    click(bot, CUSTOMER, "preapproval_customer_approve", shown)
    click(bot, CUSTOMER, "preapproval_customer_approve", shown)
    ask = stored(bot)
    assert (ask.answer, ask.answered_by) == ("approved", CUSTOMER)
    assert not open_hold(bot)
    [refused] = bot.api.ephemerals(CUSTOMER)
    assert refused.text.startswith(f":warning: <@{CUSTOMER}> already approved this pre-approval")
    edited = bot.api.message(ROOM, the_ask(bot).ts)
    assert "Approved by" in str(edited.blocks) and "preapproval_customer_approve" not in str(
        edited.blocks
    )
    # Who and when as Slack markup (a mention, a date token), not escaped into text.
    assert f"Approved by <@{CUSTOMER}> <!date^" in str(edited.blocks)
    thread = " ".join(m.text for m in proc.thread(1))
    assert f"The customer (<@{CUSTOMER}>) approved on the pre-approval of Figma." in thread
    with bot.db.transaction() as session:
        kinds = [e.kind for e in session.scalars(select(RequestEvent).order_by(RequestEvent.id))]
    assert kinds.count("preapproval_answered") == 1 and kinds[-1] == "resumed"


def test_needs_changes_asks_for_the_reason_in_a_modal(bot: RunningBot) -> None:
    set_up(bot)
    click(bot, COLLEAGUE, "preapproval_customer_changes")
    [opened] = bot.api.calls_to("views.open")
    view = opened.params["view"]
    response = bot.slack.view_submission(
        "preapproval_changes",
        {"reason": {"value": {"type": "plain_text_input", "value": "Make it a 1-year term."}}},
        user_id=COLLEAGUE,
        private_metadata=view["private_metadata"],
    )
    assert response.status == 200
    bot.wait_idle()
    ask = stored(bot)
    assert (ask.answer, ask.reason, ask.answered_by) == (
        "changes",
        "Make it a 1-year term.",
        COLLEAGUE,
    )
    assert "Needs changes by" in str(bot.api.message(ROOM, the_ask(bot).ts).blocks)


@pytest.mark.postgres
def test_two_external_members_racing_give_one_answer(
    start_bot: Callable[..., RunningBot], postgres_url: str
) -> None:
    bot = start_bot(postgres_url)
    set_up(bot)
    message = the_ask(bot)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def press(user: str) -> None:
        start.wait()
        response = bot.slack.block_action(
            "preapproval_customer_approve", None, user_id=user, channel_id=ROOM,
            message_ts=message.ts, message=message,
        )  # fmt: skip
        statuses.append(response.status)

    threads = [threading.Thread(target=press, args=(u,)) for u in (CUSTOMER, COLLEAGUE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.wait_idle()
    assert statuses == [200, 200]
    ask = stored(bot)
    assert ask.answer == "approved" and ask.answered_by in (CUSTOMER, COLLEAGUE)
    loser = COLLEAGUE if ask.answered_by == CUSTOMER else CUSTOMER
    [refused] = bot.api.ephemerals(loser)
    assert "already approved this pre-approval" in refused.text
    with bot.db.transaction() as session:
        answered = session.scalars(
            select(RequestEvent).where(RequestEvent.kind == "preapproval_answered")
        ).all()
    assert len(answered) == 1 and not open_hold(bot)


def test_the_analyst_is_told_in_their_digest(bot: RunningBot) -> None:
    proc = set_up(bot)
    click(bot, CUSTOMER, "preapproval_customer_approve")
    morning = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)  # Tuesday 10:00 in Kolkata
    run_job(bot.runtime, JOBS["reminders"], bot.runtime.config.pod("alpha"), now=morning)
    told = [m for m in bot.api.messages(f"D{ANALYST[1:]}") if "The customer answered" in m.text]
    assert len(told) == 1, [m.text for m in bot.api.messages(f"D{ANALYST[1:]}")]
    text = blocks_text(told[0].blocks)
    assert f"the customer (<@{CUSTOMER}>) approved the pre-approval" in text, text
    # Listed once: the next day's digest does not list it again.
    run_job(
        bot.runtime, JOBS["reminders"], bot.runtime.config.pod("alpha"),
        now=morning + timedelta(days=1),
    )  # fmt: skip
    assert (
        len([m for m in bot.api.messages(f"D{ANALYST[1:]}") if "customer answered" in m.text]) == 1
    )
    # Qualified: the line is settled.
    proc(ANALYST, "qualify REQ-1")
    assert "moved on from intake" in blocks_text(
        bot.api.message(told[0].channel, told[0].ts).blocks
    )
