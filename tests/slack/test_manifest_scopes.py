"""Least privilege (issue 36): every bot scope the manifest asks for is needed by a Slack Web
API method podbot calls, an event it subscribes to, or a feature it declares, and every one of
those has its scopes in the manifest.

The methods are found statically: an AST scan of `bot/` for `_call("<method>")` (the Web API
seam in `bot/slack/web_api.py`), `api_call("<method>")`, and calls of `slack_sdk.WebClient`
methods on a `client` (`client.users_info(...)` in `podbot doctor`). A method the table below
does not know fails the test too, so a new call is never let through unexamined.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.manifest import BOT_SCOPES, manifest

BOT = Path(__file__).resolve().parents[2] / "bot"

# Method → the bot scopes podbot's use of it needs, from Slack's method reference
# (https://docs.slack.dev/reference/methods/<method>, "Scopes: Bot token"). Where Slack accepts
# one scope per conversation type, the types podbot uses the method on are listed.
METHOD_SCOPES: Mapping[str, frozenset[str]] = {
    "auth.test": frozenset(),  # no scope
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),  # no scope
    # podbot opens one-to-one DMs only (im:write; mpim:write is for group DMs).
    "conversations.open": frozenset({"im:write"}),
    # Public and private POD and customer channels: channels:read / groups:read.
    "conversations.info": frozenset({"channels:read", "groups:read"}),
    "conversations.members": frozenset({"channels:read", "groups:read"}),
    # Recent posts after a crash: POD channels (public, private) and reminder DMs.
    "conversations.history": frozenset({"channels:history", "groups:history", "im:history"}),
    "conversations.replies": frozenset({"channels:history", "groups:history", "im:history"}),
    "conversations.canvases.create": frozenset({"canvases:write"}),
    "canvases.edit": frozenset({"canvases:write"}),
    "canvases.sections.lookup": frozenset({"canvases:read"}),
    "pins.add": frozenset({"pins:write"}),
    "users.info": frozenset({"users:read"}),
    # users.info's profile email also needs users:read.email (asked for with users:read).
    "users.lookupByEmail": frozenset({"users:read.email"}),
    "views.open": frozenset(),  # no scope (a trigger id)
    "views.publish": frozenset(),  # no scope
    # slack_sdk's files_upload_v2: files.getUploadURLExternal + files.completeUploadExternal.
    "files.upload_v2": frozenset({"files:write"}),
}
# Scopes a method needs only for some of what podbot reads of its answer.
FIELD_SCOPES: Mapping[str, frozenset[str]] = {
    "users.info": frozenset({"users:read.email"}),  # `user_email`: the profile's email
}
# Event → scope (https://docs.slack.dev/reference/events/<event>, "Required scopes").
EVENT_SCOPES: Mapping[str, frozenset[str]] = {
    "message.channels": frozenset({"channels:history"}),
    "message.groups": frozenset({"groups:history"}),
    "message.im": frozenset({"im:history"}),
    "app_mention": frozenset({"app_mentions:read"}),
    "app_home_opened": frozenset(),
    "user_change": frozenset({"users:read"}),
}
# Manifest features that need a scope of their own.
FEATURE_SCOPES: Mapping[str, frozenset[str]] = {"slash_commands": frozenset({"commands"})}

_PY_NAMES = {method.replace(".", "_"): method for method in METHOD_SCOPES}


def _literal(node: ast.Call) -> str | None:
    first = node.args[0] if node.args else None
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def called_methods(root: Path = BOT) -> dict[str, set[str]]:
    """Every Slack Web API method the code under `root` calls → the files calling it."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            attr, receiver = node.func.attr, node.func.value
            method = None
            if attr in ("_call", "api_call"):
                literal = _literal(node)
                # Slack's methods are dotted; ClickUp's client has a `_call` of its own.
                if literal and "." in literal:
                    method = literal
            elif (
                isinstance(receiver, ast.Name | ast.Attribute)
                and (receiver.id if isinstance(receiver, ast.Name) else receiver.attr).endswith(
                    "client"
                )
                and callable(getattr(WebClient, attr, None))
                and not attr.startswith("_")
                and attr != "api_call"
            ):
                method = _PY_NAMES.get(attr, attr)
            if method:
                found.setdefault(method, set()).add(str(path.relative_to(root.parent)))
    return found


def scope_problems(app: Mapping[str, Any], methods: Iterable[str]) -> list[str]:
    """What is wrong with the manifest's bot scopes for these methods: one line each."""
    problems: list[str] = []
    needed: dict[str, list[str]] = {}
    for method in sorted(methods):
        if method not in METHOD_SCOPES:
            problems.append(f"{method} is called but not in METHOD_SCOPES: look up its scopes")
            continue
        for scope in METHOD_SCOPES[method] | FIELD_SCOPES.get(method, frozenset()):
            needed.setdefault(scope, []).append(method)
    settings = app.get("settings", {})
    for event in settings.get("event_subscriptions", {}).get("bot_events", []):
        if event not in EVENT_SCOPES:
            problems.append(f"event {event} is not in EVENT_SCOPES: look up its scope")
            continue
        for scope in EVENT_SCOPES[event]:
            needed.setdefault(scope, []).append(f"event {event}")
    for feature, scopes in FEATURE_SCOPES.items():
        if app.get("features", {}).get(feature):
            for scope in scopes:
                needed.setdefault(scope, []).append(f"feature {feature}")
    asked = set(app["oauth_config"]["scopes"]["bot"])
    problems += [
        f"scope {scope} is in the manifest but nothing podbot calls or subscribes to needs it"
        for scope in sorted(asked - set(needed))
    ]
    problems += [
        f"scope {scope} is missing from the manifest, needed by {', '.join(needed[scope])}"
        for scope in sorted(set(needed) - asked)
    ]
    return problems


def test_the_scan_finds_the_web_api_calls() -> None:
    found = called_methods()
    # The seam and `podbot doctor`'s direct WebClient calls are both seen.
    assert {"chat.postMessage", "files.upload_v2", "canvases.sections.lookup"} <= set(found)
    assert "bot/doctor.py" in found["users.lookupByEmail"]
    assert "bot/doctor.py" in found["conversations.info"]


def test_every_manifest_scope_is_used_and_every_used_scope_is_asked_for() -> None:
    app = manifest("https://podbot.example.com")
    assert scope_problems(app, called_methods()) == []
    assert scope_problems(manifest(socket_mode=True), called_methods()) == []


def test_a_scope_added_without_a_use_fails() -> None:
    app = manifest("https://podbot.example.com")
    app["oauth_config"]["scopes"]["bot"].append("reactions:write")
    assert scope_problems(app, called_methods()) == [
        "scope reactions:write is in the manifest but nothing podbot calls or subscribes to "
        "needs it"
    ]


def test_a_called_method_whose_scope_is_missing_fails() -> None:
    app = manifest("https://podbot.example.com")
    app["oauth_config"]["scopes"]["bot"].remove("pins:write")
    assert scope_problems(app, called_methods()) == [
        "scope pins:write is missing from the manifest, needed by pins.add"
    ]
    assert scope_problems(app, ["reactions.add"])[0].startswith("reactions.add is called but")


def test_an_unsubscribed_event_scope_is_flagged() -> None:
    app = manifest("https://podbot.example.com")
    app["settings"]["event_subscriptions"]["bot_events"].remove("message.groups")
    problems = scope_problems(app, called_methods())
    # groups:history is still needed by conversations.history in private channels.
    assert problems == []
    app["oauth_config"]["scopes"]["bot"].append("app_mentions:read")
    assert scope_problems(app, called_methods()) == [
        "scope app_mentions:read is in the manifest but nothing podbot calls or subscribes to "
        "needs it"
    ]


def test_every_scope_is_explained_in_the_readme() -> None:
    readme = (BOT.parent / "README.md").read_text()
    for scope in BOT_SCOPES:
        assert f"| `{scope}` |" in readme, f"README has no row for {scope}"
