"""Issue 27 item 8: digest DMs item by item (SPEC §5). Each item of a digest carries its own
action (Post update, Mark answered, Approve / Reject); resolving one settles that line (✅, its
button gone) while the others stay live; the DM is settled as a whole only when every item is;
a stale item's button answers with one sentence about that item, never a usage line.

Driven as Slack drives podbot (signed events, commands and clicks), on the test clock; POD Beta
works Mon-Fri in New York, Thursday 26 November 2026 (Thanksgiving) is a holiday.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import PendingResponse
from slackfake.web_api import Message
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.digests import ANALYST, BETA, BUYER, EM, dms, negotiating, ny, remind

SETTLED = ":white_check_mark:"


def items(message: Message) -> dict[str, dict[str, Any]]:
    """The DM's item blocks by their block id (`dm_item:<kind>:<subject>[:actions]`)."""
    return {b["block_id"]: b for b in message.blocks if b.get("block_id", "").startswith("dm_item")}


def settled(block: dict[str, Any]) -> bool:
    return block["text"]["text"].startswith(SETTLED) and "accessory" not in block


def live(block: dict[str, Any], action: str) -> bool:
    return not block["text"]["text"].startswith(SETTLED) and (
        block.get("accessory", {}).get("action_id") == action
    )


def now(bot: RunningBot, dm: Message) -> Message:
    """The DM as it reads in Slack now."""
    return bot.api.message(dm.channel, dm.ts)


def mention(bot: RunningBot, clock: ManualClock, n: int, text: str) -> str:
    """The analyst mentions the buyer in POD Beta's channel (Monday 23rd 10:00); its ts."""
    clock.set(ny(23, 10))
    ts = f"1763910000.00010{n}"
    event = {
        "type": "message", "channel": BETA, "user": ANALYST, "ts": ts,
        "text": f"<@{BUYER}> {text}", "channel_type": "channel",
    }  # fmt: skip
    bot.slack.event(event, event_id=f"EvMENTION{n}")
    bot.wait_idle()
    return ts


def click(bot: RunningBot, user: str, action: str, value: str, dm: Message) -> None:
    bot.slack.block_action(action, value, user, dm.channel, dm.ts, message=dm)
    bot.wait_idle()


def told(bot: RunningBot) -> list[str]:
    return [c.params["text"] for c in bot.api.calls_to("chat.postEphemeral")]


def states(bot: RunningBot) -> list[str]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(PendingResponse.state).order_by(PendingResponse.id)))


def test_mark_answered_on_one_mention_of_a_two_mention_digest_leaves_the_other_open(
    bot: RunningBot, clock: ManualClock
) -> None:
    mention(bot, clock, 1, "did Zoom send the renewal terms?")
    mention(bot, clock, 2, "can you join the Miro call?")
    remind(bot, ny(24, 10))  # 24 working hours: one digest, two mentions
    (digest,) = dms(bot, BUYER)
    lines = items(digest)
    assert live(lines["dm_item:mention:1"], "reminder_mark_answered")
    assert live(lines["dm_item:mention:2"], "reminder_mark_answered")

    clock.set(ny(24, 10, 30))
    click(bot, BUYER, "reminder_mark_answered", "1", digest)
    assert states(bot) == ["marked", "open"]  # the other mention was never answered
    lines = items(now(bot, digest))
    assert settled(lines["dm_item:mention:1"]) and "🆕" not in lines["dm_item:mention:1"]["text"]
    assert live(lines["dm_item:mention:2"], "reminder_mark_answered")
    shown = blocks_text(now(bot, digest).blocks)
    assert "*Answered*" not in shown and "Snooze 1 hour" in shown  # the DM is still live

    # Its reminder is still due: the next digest lists the open mention only, and at 48 working
    # hours the em hears of that one alone.
    remind(bot, ny(25, 10))
    later = dms(bot, BUYER)[-1]
    assert later.ts != digest.ts
    assert list(items(later)) == ["dm_item:mention:2"]
    assert "p1763910000000102" in later.text  # the link to the second mention
    (escalation,) = dms(bot, EM)
    assert list(items(escalation)) == ["dm_item:escalation:2"]
    assert live(items(escalation)["dm_item:escalation:2"], "reminder_mark_answered")

    # Marking the second one (on today's DM) settles yesterday's digest as a whole.
    clock.set(ny(25, 10, 30))
    click(bot, BUYER, "reminder_mark_answered", "2", later)
    assert states(bot) == ["marked", "marked"]
    for dm in (digest, later, escalation):
        edited = now(bot, dm)
        assert "*Answered*" in blocks_text(edited.blocks), edited.blocks
        assert not any(b["type"] == "actions" or "accessory" in b for b in edited.blocks)
        assert all(settled(b) for b in items(edited).values())


def test_a_digest_with_one_resolved_item_shows_that_line_settled_and_the_other_live(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating(proc, clock, ny(20, 10), "Globex")  # REQ-1 and REQ-2: no update since Friday
    negotiating(proc, clock, ny(20, 10), "Initech")
    remind(bot, ny(23, 10))
    (digest,) = dms(bot, BUYER, "Update due")
    assert live(items(digest)["dm_item:update:1"], "reminder_post_update")
    assert live(items(digest)["dm_item:update:2"], "reminder_post_update")

    # REQ-1 closes: its line is settled, REQ-2's keeps its Post update.
    clock.set(ny(23, 11))
    proc(BUYER, "close 1 lost went with another vendor", BETA)
    lines = items(now(bot, digest))
    assert settled(lines["dm_item:update:1"])
    assert live(lines["dm_item:update:2"], "reminder_post_update")
    assert "*Updated*" not in blocks_text(now(bot, digest).blocks)

    # A snooze keeps what is settled and what is live.
    clock.set(ny(23, 11, 5))
    click(bot, BUYER, "reminder_snooze_hour", "1h", now(bot, digest))
    snoozed = now(bot, digest)
    assert ":zzz: Snoozed until" in blocks_text(snoozed.blocks)
    assert settled(items(snoozed)["dm_item:update:1"])
    assert live(items(snoozed)["dm_item:update:2"], "reminder_post_update")

    # REQ-2 updated: every item is resolved, so the DM as a whole says so, once.
    clock.set(ny(23, 11, 10))
    proc(BUYER, "update 2 asked for a multi-year price", BETA)
    done = now(bot, digest)
    assert "*Updated*" in blocks_text(done.blocks) and "Snoozed" not in blocks_text(done.blocks)
    assert all(settled(b) for b in items(done).values())
    assert not any(b["type"] == "actions" for b in done.blocks)
    edits = [c.params["ts"] for c in bot.api.calls_to("chat.update")].count(digest.ts)
    proc(BUYER, "update 2 vendor signed", BETA)
    assert [c.params["ts"] for c in bot.api.calls_to("chat.update")].count(digest.ts) == edits


def test_deciding_one_claim_on_the_approval_queue_settles_its_line_only(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating(proc, clock, ny(25, 14), "Globex")
    negotiating(proc, clock, ny(25, 14), "Initech")
    clock.set(ny(25, 15))
    proc(BUYER, "savings 1 48k 39.5k", BETA)
    proc(BUYER, "savings 2 20k 18k", BETA)
    remind(bot, ny(27, 15))  # 24 working hours (Thanksgiving skipped)
    (queue,) = dms(bot, EM)
    assert {"dm_item:approval:1:actions", "dm_item:approval:2:actions"} <= set(items(queue))

    clock.set(ny(27, 15, 5))
    click(bot, EM, "savings_approve", "1", queue)
    lines = items(now(bot, queue))
    assert settled(lines["dm_item:approval:1"]) and "dm_item:approval:1:actions" not in lines
    assert "dm_item:approval:2:actions" in lines  # Approve / Reject still there
    assert not lines["dm_item:approval:2"]["text"]["text"].startswith(SETTLED)
    assert "*Decided*" not in blocks_text(now(bot, queue).blocks)


def test_a_stale_items_button_answers_one_sentence_without_a_usage_line(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating(proc, clock, ny(20, 10), "Globex")
    negotiating(proc, clock, ny(20, 10), "Initech")
    remind(bot, ny(23, 10))
    (digest,) = dms(bot, BUYER, "Update due")  # as it was sent: both buttons live
    clock.set(ny(23, 11))
    proc(BUYER, "close 1 lost went with another vendor", BETA)
    views = len(bot.api.calls_to("views.open"))
    click(bot, BUYER, "reminder_post_update", "1", digest)
    assert len(bot.api.calls_to("views.open")) == views  # nothing opened
    assert told(bot)[-1] == ":warning: REQ-1 is closed; nothing to update."

    # A mention answered in its thread since: its Mark answered says so, and changes nothing.
    ts = mention(bot, clock, 1, "did Zoom send the renewal terms?")
    remind(bot, ny(24, 10))
    reminder = dms(bot, BUYER, "mentioned you")[-1]
    clock.set(ny(24, 11))
    reply = {
        "type": "message", "channel": BETA, "user": BUYER, "ts": "1764000000.000200",
        "thread_ts": ts, "text": "yes, this morning", "channel_type": "channel",
    }  # fmt: skip
    bot.slack.event(reply, event_id="EvREPLY")
    bot.wait_idle()
    click(bot, BUYER, "reminder_mark_answered", "1", reminder)
    assert states(bot) == ["answered"]
    assert told(bot)[-1] == (
        f":warning: <@{ANALYST}>'s mention of you in <#{BETA}> was answered in its thread."
    )
    assert not any("Usage" in text or "/proc" in text for text in told(bot))
