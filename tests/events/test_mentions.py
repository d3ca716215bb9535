"""SPEC §2 response clock: a mention in a POD channel opens a pending response; replies close it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import PendingResponse
from tests.conftest import RunningBot

BETA = "C0BETA001"
ANALYST = "U0ANA0002"
BUYER = "U0BUY0002"
EM = "U0EM00002"
MONDAY_10 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York


def message(user: str, text: str, ts: str, thread_ts: str | None = None, **extra: object) -> dict:
    event = {
        "type": "message", "channel": BETA, "user": user, "text": text, "ts": ts,
        "event_ts": ts, "channel_type": "channel", **extra,
    }  # fmt: skip
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def pending(bot: RunningBot) -> list[PendingResponse]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(PendingResponse).order_by(PendingResponse.id)))


def deliver(bot: RunningBot, event: dict, event_id: str, retry: int | None = None) -> None:
    response = bot.slack.event(event, event_id=event_id, retry_num=retry)
    assert response.status == 200
    bot.wait_idle()


def test_a_retried_event_opens_one_pending_response_and_a_reply_closes_it(
    bot: RunningBot, clock: ManualClock
) -> None:
    clock.set(MONDAY_10)
    mention = message(ANALYST, f"<@{BUYER}> can you get the Zoom quote?", "1763910000.000100")
    for retry in (None, 1, 2):
        deliver(bot, mention, "Ev0MENTION1", retry)
    (p,) = pending(bot)
    assert (p.member, p.author, p.state) == (BUYER, ANALYST, "open")
    assert p.thread_ts == "1763910000.000100"
    assert p.due_at == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 24 working hours later
    assert p.escalate_at == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    # Its reply clock, recorded as it opens (what `/proc stats` counts replies by).
    assert p.reply_late_from == p.reply_due_by == p.due_at

    # Someone else replying does not answer for the buyer; the buyer's reply does.
    deliver(bot, message(EM, "bump", "1763910100.000100", "1763910000.000100"), "Ev0REPLY01")
    assert pending(bot)[0].state == "open"
    deliver(bot, message(BUYER, "on it", "1763910200.000100", "1763910000.000100"), "Ev0REPLY02")
    assert pending(bot)[0].state == "answered"


def test_a_mention_inside_a_thread_is_answered_in_that_thread(bot: RunningBot) -> None:
    root = "1763910000.000100"
    deliver(
        bot, message(ANALYST, f"<@{BUYER}> and <@{EM}> see above", "1763910300.000100", root), "Ev1"
    )
    assert {p.member for p in pending(bot)} == {BUYER, EM}
    assert {p.thread_ts for p in pending(bot)} == {root}
    deliver(bot, message(EM, "seen", "1763910400.000100", root), "Ev2")
    assert {(p.member, p.state) for p in pending(bot)} == {(BUYER, "open"), (EM, "answered")}


def test_only_people_mentioning_pod_members_in_pod_channels_count(bot: RunningBot) -> None:
    deliver(bot, message(ANALYST, "<@U0NOBODY1> hi", "1.1"), "Ev1")  # not a member
    deliver(bot, message(BUYER, f"<@{BUYER}> note to self", "1.2"), "Ev2")  # self-mention
    deliver(bot, {**message(ANALYST, f"<@{BUYER}>", "1.3"), "channel": "C0OTHER01"}, "Ev3")
    bot_post = message(ANALYST, f"<@{BUYER}> from a bot", "1.4", subtype="bot_message")
    deliver(bot, {**bot_post, "bot_id": "B0OTHER01"}, "Ev4")
    deliver(bot, message(ANALYST, f"<@{BUYER}> joined", "1.5", subtype="channel_join"), "Ev5")
    assert pending(bot) == []


def test_deleting_the_mention_withdraws_it(bot: RunningBot) -> None:
    deliver(bot, message(ANALYST, f"<@{BUYER}> ping", "1763910000.000100"), "Ev1")
    deleted = {
        "type": "message", "subtype": "message_deleted", "channel": BETA,
        "deleted_ts": "1763910000.000100", "ts": "1763910999.000100", "hidden": True,
    }  # fmt: skip
    deliver(bot, deleted, "Ev2")
    assert pending(bot)[0].state == "withdrawn"


def test_editing_a_mention_follows_the_new_text(bot: RunningBot) -> None:
    ts = "1763910000.000100"
    deliver(bot, message(ANALYST, f"<@{BUYER}> ping", ts), "Ev1")
    edited = {
        "type": "message", "subtype": "message_changed", "channel": BETA,
        "ts": "1763910500.000100", "hidden": True,
        "message": {"type": "message", "user": ANALYST, "text": f"<@{EM}> ping", "ts": ts},
        "previous_message": {
            "type": "message", "user": ANALYST, "text": f"<@{BUYER}> ping", "ts": ts,
        },
    }  # fmt: skip
    deliver(bot, edited, "Ev2")
    assert {(p.member, p.state) for p in pending(bot)} == {(BUYER, "withdrawn"), (EM, "open")}
