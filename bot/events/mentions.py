"""Mention tracking (SPEC §2 response clock) from a POD channel's `message` events: each read
into a `ChannelMessage` and run through the use case (`bot.actions.mentions.track`), which opens
a pending response for a POD member mentioned, closes it on their reply in the thread, and
follows edits and deletions of the mentioning message.

Slack retries deliveries with the same `event_id`; the id is stored in the same transaction as
the changes, so a retried delivery changes nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from sqlalchemy.exc import IntegrityError

from bot.actions import mentions
from bot.actions.mentions import ChannelMessage, Said
from bot.consequences import perform

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
# Messages by people; anything else (bots, joins, topic changes) opens nothing.
_PERSON_SUBTYPES = {None, "thread_broadcast", "file_share"}


def handle_message_event(runtime: Runtime, body: dict[str, Any]) -> str:
    """Apply one `message` event; returns what it did, in words (for logs and tests)."""
    event = body.get("event") or {}
    if runtime.config.pod_for_channel(event.get("channel", "")) is None:
        return "ignored: not a POD channel"
    given = channel_message(body)
    try:
        outbox, done = perform(
            runtime, mentions.track, given.said.user if given.said else "", given
        )
    except IntegrityError:
        return "ignored: event already processed"
    outbox.deliver()
    return done.what


def channel_message(body: dict[str, Any]) -> ChannelMessage:
    """A `message` event as mention tracking reads it."""
    event = body.get("event") or {}
    event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('event_ts')}"
    channel = event["channel"]
    subtype = event.get("subtype")
    if subtype == "message_deleted":
        return ChannelMessage(event_id, channel, "deleted", deleted_ts=event.get("deleted_ts", ""))
    if subtype == "message_changed":
        message = event.get("message") or {}
        person = not message.get("bot_id") and message.get("user")
        return ChannelMessage(event_id, channel, "edited", _said(message) if person else None)
    person = subtype in _PERSON_SUBTYPES and not event.get("bot_id") and event.get("user")
    return ChannelMessage(event_id, channel, "posted", _said(event) if person else None)


def _said(message: dict[str, Any]) -> Said:
    return Said(
        ts=str(message.get("ts") or ""),
        thread_ts=message.get("thread_ts") or None,
        user=str(message["user"]),
        text=message.get("text") or "",
        # Issue 33: a file shared in an open request's thread is a final document of its close.
        files=tuple(str(f.get("name") or f.get("id")) for f in message.get("files") or [] if f),
    )


def register(app: App, runtime: Runtime) -> None:
    """One listener for every `message` event (Bolt runs only the first matching listener)."""

    @app.event("message")
    def on_message(body: dict[str, Any]) -> None:
        try:
            outcome = handle_message_event(runtime, body)
        except Exception:
            log.exception("message event %s failed", body.get("event_id"))
            raise
        log.debug("message event %s: %s", body.get("event_id"), outcome)
