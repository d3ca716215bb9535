"""The buttons on reminder DMs: Snooze 1 h and Snooze until tomorrow (the whole DM), and Mark
answered (one mention of it: the button's value is the mention's pending response).

Snooze is the use case `bot/actions/reminders.py` (the DM's edit: `RemindersSnoozed` in
`bot/consequences.py`). Mark answered marks its one mention
(`bot/actions/mentions.py`), then the DMs listing it are settled as every change settles them
(`MentionResolved`): that line of this DM, the em's escalation, an older digest. A stale button
answers with one sentence about its item. (Post update is the Home's update handler,
`bot/commands/home.py`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import mentions, reminders
from bot.actions.mentions import MarkAnswered
from bot.actions.reminders import Snooze
from bot.blocks.ids import ActionId
from bot.commands.interactions import answer_click
from bot.consequences import perform
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime


def act(runtime: Runtime, action: str, user: str, channel: str, ts: str, value: str) -> Outbox:
    """Apply a reminder button; the outbox carries the edits it queued."""
    if action == ActionId.MARK_ANSWERED.value:
        outbox, _marked = perform(
            runtime, mentions.mark_answered, user, MarkAnswered(channel, ts, value)
        )
    else:
        tomorrow = action != ActionId.SNOOZE_HOUR.value
        outbox, _snoozed = perform(runtime, reminders.snooze, user, Snooze(channel, ts, tomorrow))
    return outbox


def register(app: App, runtime: Runtime) -> None:
    """Listen for the three reminder buttons."""

    def on_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body.get("user", {}).get("id", "")
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts", "")
        clicked = (body.get("actions") or [{}])[0]
        action, value = clicked.get("action_id", ""), str(clicked.get("value") or "")

        def handle() -> Outbox:
            return act(runtime, action, user, channel, ts, value)

        answer_click(runtime, body, handle, channel=channel, user=user, action="reminder button")

    for action in (ActionId.SNOOZE_HOUR, ActionId.SNOOZE_TOMORROW, ActionId.MARK_ANSWERED):
        app.action(action.value)(on_click)
