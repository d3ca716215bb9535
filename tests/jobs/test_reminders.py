"""SPEC §5 `reminders`: DMs for overdue updates and unanswered mentions, once per window."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import PendingResponse
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
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
    test_config,  # noqa: F401 (this module's config: a fixture)
)


def test_friday_update_is_due_monday_at_the_same_time(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating_with_update_at(proc, clock, ny(20, 10))  # Friday 10:00
    assert "0 reminder DMs" in remind(bot, ny(23, 9, 59))  # Monday 09:59: 23h59 of work
    assert "1 reminder DM" in remind(bot, ny(23, 10))  # Monday 10:00's run
    assert "0 reminder DMs" in remind(bot, ny(23, 11))  # once per window
    (dm,) = dms(bot, BUYER)
    shown = blocks_text(dm.blocks)
    assert "*Update due* — 1 of your requests has had no update for 24 working hours" in shown
    assert "REQ-1" in shown and "Globex · Zoom" in shown
    assert [b["type"] for b in dm.blocks][-1] == "actions"


def test_a_holiday_monday_pushes_the_reminder_to_tuesday(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating_with_update_at(proc, clock, ny(27, 10))  # Friday 27th; Monday 30th is a holiday
    assert "not a working day" in remind(bot, ny(30, 10))
    assert "0 reminder DMs" in remind(bot, ny(1, 9, 59, month=12))
    assert "1 reminder DM" in remind(bot, ny(1, 10, month=12))


def test_a_new_update_starts_a_new_window(bot: RunningBot, proc: Proc, clock: ManualClock) -> None:
    negotiating_with_update_at(proc, clock, ny(20, 10))
    remind(bot, ny(23, 10))
    clock.set(ny(23, 12))
    proc(BUYER, "update 1 vendor replied", BETA)
    assert "0 reminder DMs" in remind(bot, ny(24, 11))
    assert "1 reminder DM" in remind(bot, ny(24, 12))
    assert len(dms(bot, BUYER)) == 2


def test_snooze_suppresses_until_its_time_then_reminds_once(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating_with_update_at(proc, clock, ny(20, 10))
    remind(bot, ny(23, 10))
    (dm,) = dms(bot, BUYER)
    clock.set(ny(23, 10, 5))
    click(bot, BUYER, "reminder_snooze_hour", dm)
    edited = bot.api.message(dm.channel, dm.ts)
    assert ":zzz: Snoozed until" in blocks_text(edited.blocks)
    assert "actions" not in [b["type"] for b in edited.blocks]
    assert "0 reminder DMs" in remind(bot, ny(23, 11))  # 11:00 < 11:05
    assert "1 reminder DM" in remind(bot, ny(23, 12))
    assert "0 reminder DMs" in remind(bot, ny(23, 13))
    assert len(dms(bot, BUYER)) == 2

    # Snooze until tomorrow: the next working day at 09:00.
    second = dms(bot, BUYER)[-1]
    clock.set(ny(23, 12, 30))
    click(bot, BUYER, "reminder_snooze_tomorrow", second)
    assert "0 reminder DMs" in remind(bot, ny(24, 8))
    assert "1 reminder DM" in remind(bot, ny(24, 9))


def test_unanswered_mention_reminds_at_24_and_escalates_at_48_working_hours(
    bot: RunningBot, clock: ManualClock
) -> None:
    clock.set(ny(23, 10))
    event = {
        "type": "message", "channel": BETA, "user": ANALYST, "ts": "1763910000.000100",
        "text": f"<@{BUYER}> did Zoom send the renewal terms?", "channel_type": "channel",
    }  # fmt: skip
    bot.slack.event(event, event_id="EvMENTION")
    bot.wait_idle()
    assert "0 reminder DMs" in remind(bot, ny(24, 9))
    assert "1 reminder DM" in remind(bot, ny(24, 10))
    (reminder,) = dms(bot, BUYER)
    assert f"<@{ANALYST}> mentioned you in <#{BETA}>" in reminder.text
    assert "archives/C0BETA001/p1763910000000100" in reminder.text
    buttons = [
        e["action_id"] for b in reminder.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["reminder_snooze_hour", "reminder_snooze_tomorrow"]
    # Mark answered is the mention's own button, on its line.
    (line,) = [b for b in reminder.blocks if "accessory" in b]
    assert (line["accessory"]["action_id"], line["accessory"]["value"]) == (
        "reminder_mark_answered", "1",
    )  # fmt: skip
    assert dms(bot, EM) == []
    # 48 working hours: the em; the member's digest lists the mention again (still unanswered).
    assert "2 reminder DMs" in remind(bot, ny(25, 10))
    (escalation,) = dms(bot, EM)
    assert f"<@{BUYER}> has not answered <@{ANALYST}>'s mention" in escalation.text
    assert len(dms(bot, BUYER)) == 2
    assert "🆕" in dms(bot, BUYER)[0].text and "🆕" not in dms(bot, BUYER)[1].text
    assert "0 reminder DMs" in remind(bot, ny(25, 11))  # one digest a day


def test_mark_answered_closes_the_mention(bot: RunningBot, clock: ManualClock) -> None:
    clock.set(ny(23, 10))
    event = {
        "type": "message", "channel": BETA, "user": ANALYST, "ts": "1763910000.000100",
        "text": f"<@{BUYER}> ping", "channel_type": "channel",
    }  # fmt: skip
    bot.slack.event(event, event_id="EvMENTION")
    bot.wait_idle()
    remind(bot, ny(24, 10))
    (reminder,) = dms(bot, BUYER)
    clock.set(ny(24, 10, 30))
    click(bot, BUYER, "reminder_mark_answered", reminder)
    with bot.db.transaction() as session:
        assert session.scalars(select(PendingResponse.state)).one() == "marked"
    edited = blocks_text(bot.api.message(reminder.channel, reminder.ts).blocks)
    assert ":white_check_mark: :speech_balloon:" in edited and "*Answered*" in edited
    assert "0 reminder DMs" in remind(bot, ny(25, 10))  # no escalation either


def test_mark_answered_on_an_update_reminder_changes_nothing(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    # POD Alpha's em has an open mention whose id (1) is also Beta's REQ-1's id: an update
    # reminder's subject is a request, never a mention, so a click on it must not close it.
    clock.set(ny(20, 8))
    event = {
        "type": "message", "channel": "C0ALPHA01", "user": "U0ANA0001",
        "ts": "1763643600.000100", "text": "<@U0EM00001> can you sign off?",
        "channel_type": "channel",
    }  # fmt: skip
    bot.slack.event(event, event_id="EvALPHAMENTION")
    bot.wait_idle()
    negotiating_with_update_at(proc, clock, ny(20, 10))
    assert "1 reminder DM" in remind(bot, ny(23, 10))
    (dm,) = dms(bot, BUYER)
    updates_before = len(bot.api.calls_to("chat.update"))
    clock.set(ny(23, 10, 5))
    click(bot, BUYER, "reminder_mark_answered", dm)  # forged: an update DM has no such button
    with bot.db.transaction() as session:
        (pending,) = session.scalars(select(PendingResponse)).all()
        assert (pending.id, pending.member, pending.state) == (1, "U0EM00001", "open")
    assert len(bot.api.calls_to("chat.update")) == updates_before
    told = [c.params["text"] for c in bot.api.calls_to("chat.postEphemeral")]
    assert told == [
        ":warning: This reminder is not about a mention, so there is nothing to mark answered."
    ]
