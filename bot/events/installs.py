"""OAuth mode (issue 36): `app_uninstalled` and `tokens_revoked`. The workspace's (or org's)
installation and bot tokens are deleted, its pending deliveries parked, one line logged;
installing podbot there again resumes them (bot/app.py `on_installed`). A retried event finds
nothing left to delete and parks nothing more, so Slack's retries need no ledger."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App

from bot.slack.installs import UNINSTALLED

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def workspace_of(body: dict[str, Any]) -> str | None:
    """Whose installation an event is about: the org's for an org-wide install, else the
    workspace's."""
    authorizations = body.get("authorizations") or [{}]
    org_wide = bool(authorizations[0].get("is_enterprise_install"))
    enterprise = body.get("enterprise_id") or authorizations[0].get("enterprise_id")
    return str(enterprise) if org_wide and enterprise else body.get("team_id")


def handle_removal(runtime: Runtime, body: dict[str, Any]) -> str:
    """Forget an uninstalled (or bot-token-revoked) workspace; returns what it did, in words."""
    event = body.get("event") or {}
    installations = runtime.installations
    workspace = workspace_of(body)
    if installations is None or workspace is None:
        return "ignored: not in OAuth mode"
    if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
        return "ignored: only user tokens were revoked"
    parked = installations.remove(workspace)
    log.warning(
        "%s in workspace %s: its installation and bot token deleted, %d pending deliveries "
        "parked until podbot is installed there again", event.get("type"), workspace, parked,
    )  # fmt: skip
    return f"{workspace}: removed, {parked} parked ({UNINSTALLED})"


def register(app: App, runtime: Runtime) -> None:
    """Listen for the app's removal from a workspace (OAuth mode only)."""
    if runtime.installations is None:
        return

    @app.event("app_uninstalled")
    @app.event("tokens_revoked")
    def on_removal(body: dict[str, Any]) -> None:
        try:
            handle_removal(runtime, body)
        except Exception:
            log.exception("handling %s failed", (body.get("event") or {}).get("type"))
