"""Issue 19 item 2: reminder DMs you can act on, that stay true — resolved, they are edited to
say so (buttons gone); a stale button changes nothing and says why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.db.models import OutboxRow, PendingResponse, Reminder
from slackfake.web_api import Message
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.modals import fill, opened_view
from tests.helpers.reminders import (
    ANALYST,
    BETA,
    BUYER,
    EM,
    click,
    dms,
    negotiating_with_update_at,
    ny,
    remind,
)


def _types(message: Message) -> list[str]:
    return [b["type"] for b in message.blocks]


def _has_buttons(blocks: list[dict[str, Any]]) -> bool:
    return any(b["type"] == "actions" or "accessory" in b for b in blocks)


def _mention(bot: RunningBot, clock: ManualClock) -> dict[str, Any]:
    clock.set(ny(23, 10))
    event = {
        "type": "message", "channel": BETA, "user": ANALYST, "ts": "1763910000.000100",
        "text": f"<@{BUYER}> did Zoom send the renewal terms?", "channel_type": "channel",
    }  # fmt: skip
    bot.slack.event(event, event_id="EvMENTION")
    bot.wait_idle()
    return event


def test_an_answered_mention_edits_its_reminder_and_escalation(
    bot: RunningBot, clock: ManualClock
) -> None:
    _mention(bot, clock)
    remind(bot, ny(24, 10))
    remind(bot, ny(25, 10))  # 48 working hours: the em's escalation, the buyer's digest again
    (escalation,) = dms(bot, EM)
    reminder = dms(bot, BUYER)[-1]
    assert "actions" in _types(escalation) and "actions" in _types(reminder)
    # The buyer answers in the thread.
    clock.set(ny(25, 11))
    reply = {
        "type": "message", "channel": BETA, "user": BUYER, "ts": "1764086400.000200",
        "thread_ts": "1763910000.000100", "text": "yes, this morning", "channel_type": "channel",
    }  # fmt: skip
    bot.slack.event(reply, event_id="EvREPLY")
    bot.wait_idle()
    for dm in (escalation, reminder):
        edited = bot.api.message(dm.channel, dm.ts)
        assert not _has_buttons(edited.blocks), edited.blocks
        assert "*Answered*" in blocks_text(edited.blocks)
        assert "has not answered" in edited.text or "mentioned you" in edited.text  # text kept
    edits = len(bot.api.calls_to("chat.update"))

    # A stale Snooze on the answered mention: nothing written, the clicker told.
    with bot.db.transaction() as session:
        before = [(r.id, r.snoozed_until) for r in session.scalars(select(Reminder))]
        rows_before = session.scalar(select(func.count()).select_from(OutboxRow))
    click(bot, EM, "reminder_snooze_hour", escalation)
    with bot.db.transaction() as session:
        assert [(r.id, r.snoozed_until) for r in session.scalars(select(Reminder))] == before
        rows_after = session.scalar(select(func.count()).select_from(OutboxRow))
    told = [c.params["text"] for c in bot.api.calls_to("chat.postEphemeral")]
    assert any("already resolved" in t and "Answered" not in t for t in told), told
    assert not any("Snoozed until" in t for t in told)
    assert len(bot.api.calls_to("chat.update")) == edits  # the DM is not edited again
    assert rows_after == rows_before  # nothing queued (the ephemeral goes out directly)


def test_mark_answered_edits_the_em_escalation_too(bot: RunningBot, clock: ManualClock) -> None:
    _mention(bot, clock)
    remind(bot, ny(24, 10))
    remind(bot, ny(25, 10))
    (escalation,) = dms(bot, EM)
    reminder = dms(bot, BUYER)[-1]
    clock.set(ny(25, 10, 30))
    click(bot, BUYER, "reminder_mark_answered", reminder)
    with bot.db.transaction() as session:
        assert session.scalars(select(PendingResponse.state)).one() == "marked"
    mine = bot.api.message(reminder.channel, reminder.ts)
    assert "*Answered*" in blocks_text(mine.blocks) and not _has_buttons(mine.blocks)
    theirs = bot.api.message(escalation.channel, escalation.ts)
    assert "*Answered*" in blocks_text(theirs.blocks) and not _has_buttons(theirs.blocks)
    # Each DM edited once.
    by_ts = [c.params["ts"] for c in bot.api.calls_to("chat.update")]
    assert by_ts.count(reminder.ts) == 1 and by_ts.count(escalation.ts) == 1


def test_update_digest_has_post_update_per_request_and_the_update_edits_it(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating_with_update_at(proc, clock, ny(20, 10))  # REQ-1, Friday 10:00
    clock.set(ny(20, 10, 30))
    proc(ANALYST, "new Initech | Slack | new", BETA)
    proc(ANALYST, "qualify 2", BETA)
    proc(ANALYST, f"assign 2 <@{BUYER}>", BETA)
    assert "1 reminder DM" in remind(bot, ny(23, 11))
    (dm,) = dms(bot, BUYER)
    buttons = [
        (b["accessory"]["action_id"], b["accessory"]["value"])
        for b in dm.blocks
        if "accessory" in b
    ]
    assert buttons == [("reminder_post_update", "1"), ("reminder_post_update", "2")]
    assert "archives/C0BETA001/p" in dm.text or "archives/C0BETA001/p" in blocks_text(dm.blocks)

    # Post update on REQ-1 opens the update modal; submitting it updates REQ-1 only.
    clock.set(ny(23, 11, 10))
    bot.slack.block_action("reminder_post_update", "1", BUYER, dm.channel, dm.ts, message=dm)
    bot.wait_idle()
    _, view = opened_view(bot)
    assert view["callback_id"] == "update" and "REQ-1" in blocks_text(view["blocks"])
    answers = {"status": "vendor sent terms", "vendor_position": "firm", "next_step": "sign",
               "blockers": "none"}  # fmt: skip
    response = bot.slack.view_submission(
        view["callback_id"], fill(view, answers), BUYER, private_metadata=view["private_metadata"]
    )
    assert response.status == 200
    bot.wait_idle()
    # REQ-1's line is settled, its button gone; REQ-2 still owes one and keeps its button.
    now = bot.api.message(dm.channel, dm.ts)
    lines = [b for b in now.blocks if b.get("block_id", "").startswith("dm_item:")]
    settled = [b["text"]["text"].startswith(":white_check_mark:") for b in lines]
    assert settled == [True, False] and ["accessory" in b for b in lines] == [False, True]
    assert "*Updated*" not in blocks_text(now.blocks)
    # Then REQ-2, by command: every request listed is updated, so the DM says so.
    proc(BUYER, "update 2 asked for a multi-year price", BETA)
    edited = bot.api.message(dm.channel, dm.ts)
    assert not _has_buttons(edited.blocks)
    assert "*Updated*" in blocks_text(edited.blocks)
    assert "REQ-1" in blocks_text(edited.blocks) and "REQ-2" in blocks_text(edited.blocks)
    # A stale Post update on a request closed since: refused, nothing opened.
    proc(BUYER, "close 2 lost went with another vendor", BETA)
    views = len(bot.api.calls_to("views.open"))
    bot.slack.block_action("reminder_post_update", "2", BUYER, dm.channel, dm.ts, message=dm)
    bot.wait_idle()
    assert len(bot.api.calls_to("views.open")) == views
