"""The Slack app manifest: the slash command, scopes, interactivity and events the SPEC needs."""

from __future__ import annotations

from typing import Any

import yaml

from bot.blocks.ids import CallbackId
from bot.config import Config

# Why each scope is asked for; nothing more is requested.
BOT_SCOPES = {
    "commands": "the /proc slash command",
    "chat:write": "cards, thread replies, reports and DMs",
    "im:write": "open DMs for reminders and alerts",
    "channels:history": "see mentions in public POD channels; find posts after a crash",
    "groups:history": "the same in private POD channels",
    "channels:read": "`podbot doctor` checking each public POD channel exists and has podbot in it",
    "groups:read": "the same for private POD channels",
    "im:history": "find a reminder DM after a crash instead of sending it twice",
    "users:read": "names and time zones of members",
    "users:read.email": "members given by their email (config, `podbot import requests`)",
    "files:write": "CSV and ICS attachments of reports; a customer update's .eml",
    "canvases:write": "the living canvas of each account's customer channel (issue 32)",
    "canvases:read": "find a section of the customer canvas to edit only what changed",
    "pins:write": "pin the customer channel's summary where no canvas is allowed (issue 32)",
}
# user_change (users:read): a member's new name, for charts, CSVs and plain text.
BOT_EVENTS = ["message.channels", "message.groups", "app_home_opened", "user_change"]
NEEDS_A_MODE = (
    "say where Slack reaches podbot: --url https://your-host.example.com (HTTP mode: Slack "
    "calls <url>/slack/events) or --socket-mode (no public URL; needs SLACK_APP_TOKEN)"
)


def manifest(
    request_url: str | None = None,
    socket_mode: bool = False,
    config: Config | None = None,
    name: str = "podbot",
    oauth: bool = False,
) -> dict[str, Any]:
    """The manifest as a dict; HTTP mode points every URL at `<request_url>/slack/events`.
    `oauth` (issue 36): installed by OAuth into many workspaces or a whole Grid org, with
    rotating tokens, Slack sending the installer back to `<request_url>/slack/oauth_redirect`."""
    command = config.slack.command if config else "/proc"
    events_url = f"{request_url.rstrip('/')}/slack/events" if request_url else None
    slash: dict[str, Any] = {
        "command": command,
        "description": "Procurement requests, updates, quotes, savings and reports",
        "usage_hint": "help | new | status REQ-12 | update REQ-12 <text> | mine | aging",
        # Escaping turns typed @names into <@U…> ids, which `assign` needs.
        "should_escape": True,
    }
    # OAuth mode hears of an uninstall and of revoked tokens (needs no scope).
    events: dict[str, Any] = {
        "bot_events": BOT_EVENTS + (["app_uninstalled", "tokens_revoked"] if oauth else [])
    }
    interactivity: dict[str, Any] = {"is_enabled": True}
    if events_url and not socket_mode:
        slash["url"] = events_url
        events["request_url"] = events_url
        interactivity["request_url"] = events_url
    oauth_config: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if oauth and request_url:
        oauth_config["redirect_urls"] = [f"{request_url.rstrip('/')}/slack/oauth_redirect"]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Procurement POD assistant: requests, TATs, savings approvals, renewals",
            "background_color": "#1d4f7c",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [slash],
            "shortcuts": [
                {
                    "name": "Log as update",
                    "type": "message",
                    "callback_id": CallbackId.LOG_AS_UPDATE.value,
                    "description": "Post this message as an update on one of your requests",
                }
            ],
        },
        "oauth_config": oauth_config,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": oauth,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": oauth,
        },
    }


def manifest_yaml(
    request_url: str | None = None,
    socket_mode: bool = False,
    config: Config | None = None,
    name: str = "podbot",
    oauth: bool = False,
) -> str:
    """The manifest as YAML, ready to paste into api.slack.com/apps → Create from manifest:
    for HTTP mode at `request_url`, or for Socket Mode (no URL). One of the two is needed: a
    manifest pointing Slack at a made-up host would install an app that never answers."""
    if not socket_mode and not request_url:
        raise ValueError(NEEDS_A_MODE)
    body = yaml.safe_dump(
        manifest(request_url, socket_mode, config, name, oauth),
        sort_keys=False,
        allow_unicode=True,
    )
    return "# podbot Slack app manifest\n" + body
