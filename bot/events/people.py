"""A member's name changed (`user_change`): the name podbot shows for them where a mention does
not render is updated from the event's user object. No Web API call: the event carries the
whole user, so the listener only writes.

Slack sends the event for every member of the workspace; only the people podbot names — a
POD's members, and anyone it already has a name for — are kept. An event whose user has no
name keeps what podbot had. Applying one twice changes nothing, so Slack's retries need no
ledger.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App

from bot.actions import people
from bot.consequences import perform
from bot.domain.people import profile_of

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def handle_user_change(runtime: Runtime, body: dict[str, Any]) -> str:
    """Apply one `user_change` event; returns what it did, in words (for logs and tests)."""
    user = (body.get("event") or {}).get("user")
    if not isinstance(user, dict) or not user.get("id"):
        return "ignored: no user in the event"
    profile = profile_of(user)
    if profile.name is None:
        return f"ignored: no name for {profile.user_id}"
    user_id = profile.user_id
    _outbox, done = perform(runtime, people.note_name, user_id, profile)
    if not done.kept:
        return f"ignored: {user_id} is in no POD"
    return f"{user_id} is now named {profile.name!r}"


def register(app: App, runtime: Runtime) -> None:
    """Listen for members' profile changes."""

    @app.event("user_change")
    def on_user_change(body: dict[str, Any]) -> None:
        try:
            outcome = handle_user_change(runtime, body)
        except Exception:
            log.exception("user_change %s failed", body.get("event_id"))
            raise
        log.debug("user_change %s: %s", body.get("event_id"), outcome)
