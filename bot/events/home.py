"""The App Home tab: opening it (`app_home_opened`) republishes it, through the outbox.

The Home is rendered from the database when its row is sent (`OutboxKind.HOME`), so opening
the tab shows what is true now, including what only time changed (a TAT that passed, an update
that fell due); a Home row still pending for the user stands for this opening too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App

from bot.actions import homes
from bot.actions.homes import OpenHome
from bot.consequences import perform

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def handle_home_opened(runtime: Runtime, body: dict[str, Any]) -> str:
    """Queue the user's Home; returns what it did, in words (for logs and tests)."""
    event = body.get("event") or {}
    user = event.get("user")
    if not user or event.get("tab", "home") != "home":
        return "ignored: not the Home tab"
    outbox, _done = perform(runtime, homes.open_home, user, OpenHome())
    outbox.deliver()
    return f"home queued for {user}"


def register(app: App, runtime: Runtime) -> None:
    """Listen for the Home tab being opened."""

    @app.event("app_home_opened")
    def on_home_opened(body: dict[str, Any]) -> None:
        try:
            outcome = handle_home_opened(runtime, body)
        except Exception:
            log.exception("app_home_opened %s failed", body.get("event_id"))
            raise
        log.debug("app_home_opened %s: %s", body.get("event_id"), outcome)
