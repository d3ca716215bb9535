"""Send requests to the app the way Slack does: same bodies, same headers, same signature.

The test suite and ``podbot sandbox`` both drive podbot through this client. Payload shapes
start from the samples in ``slackfake/fixtures`` (slash_command.form.txt,
block_actions_message_button.json, view_submission.json, message_shortcut.json,
events_api_event_callback_envelope_docs.json); only the values change.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPSConnection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"

# The same workspace and bot identity that slackfake/web_api.py answers with.
TEAM_ID = "T0TEAM001"
TEAM_DOMAIN = "example"
APP_ID = "A0APP0001"
BOT_USER_ID = "U0BOT0001"
BOT_ID = "B0BOT0001"
EVENTS_PATH = "/slack/events"

# The value an interaction carries for each kind of element that can be clicked or chosen.
_ACTION_VALUE_FIELD = {
    "button": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "overflow": "selected_option",
    "radio_buttons": "selected_option",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
}


def slack_signature(signing_secret: str, timestamp: str, body: str | bytes) -> str:
    """Return ``v0=<hex HMAC-SHA256>`` of ``v0:{timestamp}:{body}``, as Slack signs requests."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + timestamp.encode("ascii") + b":" + raw
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@functools.cache
def _form_fields(name: str) -> list[str]:
    return [key for key, _ in parse_qsl((FIXTURES / name).read_text(encoding="utf-8").strip())]


def _apply(target: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return target


@dataclass(frozen=True)
class Response:
    """What the app answered: status, headers (lower-case names) and raw body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class SlackClient:
    """Posts signed slash commands, interactions and events to ``{base_url}/slack/events``."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        api_app_id: str = APP_ID,
        response_url_base: str | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        # e.g. SlackApiServer.response_url_base, so respond() lands in the test server.
        self.response_url_base = response_url_base
        self.clock = clock
        self.timeout = timeout
        self._serial = itertools.count(1)
        # The last request posted, as sent (path, body, headers), for `replay`.
        self._last: tuple[str, bytes, dict[str, str]] | None = None

    # -- signing and transport -------------------------------------------------------------

    def sign(self, body: str | bytes, timestamp: str) -> str:
        """The ``X-Slack-Signature`` value for this body and timestamp."""
        return slack_signature(self.signing_secret, timestamp, body)

    def post_raw(
        self,
        body: str | bytes,
        content_type: str = "application/json",
        timestamp: str | None = None,
        signature: str | None = None,
        *,
        omit_timestamp: bool = False,
        omit_signature: bool = False,
        headers: Mapping[str, str] | None = None,
        path: str = EVENTS_PATH,
    ) -> Response:
        """POST a body as-is: timestamp defaults to now, signature to the correct one.

        Pass a wrong ``signature`` or an old ``timestamp`` to forge; ``omit_*`` drops a header.
        """
        raw = body.encode("utf-8") if isinstance(body, str) else body
        ts = timestamp if timestamp is not None else str(int(self.clock()))
        sent = {"Content-Type": content_type, **(headers or {})}
        if not omit_timestamp:
            sent["X-Slack-Request-Timestamp"] = ts
        if not omit_signature:
            sent["X-Slack-Signature"] = signature if signature is not None else self.sign(raw, ts)
        self._last = (path, raw, sent)
        return self._request("POST", path, raw, sent)

    def replay(self) -> Response:
        """Post the last request again byte for byte, with its timestamp and signature: a
        replay inside the five minutes a signature is good for, or Slack sending it twice."""
        if self._last is None:
            raise RuntimeError("nothing has been sent yet")
        path, raw, sent = self._last
        return self._request("POST", path, raw, dict(sent))

    def get(self, path: str) -> Response:
        """A plain, unsigned GET (health checks, OAuth pages)."""
        return self._request("GET", path if path.startswith("/") else f"/{path}", None, {})

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> Response:
        parts = urlsplit(self.base_url)
        connection_class = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        connection = connection_class(
            parts.hostname or "127.0.0.1", parts.port, timeout=self.timeout
        )
        try:
            connection.request(method, parts.path + path, body=body, headers=headers)
            answer = connection.getresponse()
            return Response(
                status=answer.status,
                headers={name.lower(): value for name, value in answer.getheaders()},
                body=answer.read(),
            )
        finally:
            connection.close()

    def _post_form(
        self, fields: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> Response:
        body = urlencode(fields)
        return self.post_raw(body, "application/x-www-form-urlencoded", headers=headers)

    def _post_payload(self, payload: dict[str, Any]) -> Response:
        return self._post_form({"payload": json.dumps(payload, separators=(",", ":"))})

    # -- realistic values ------------------------------------------------------------------

    def _n(self) -> int:
        return next(self._serial)

    def trigger_id(self) -> str:
        """A fresh trigger_id shaped like Slack's (``<n>.<n>.<hex>``)."""
        return f"{int(self.clock())}{self._n():03d}.4744562912.{secrets.token_hex(16)}"

    def response_url(self, kind: str = "commands") -> str:
        """A fresh response_url (``kind`` is ``commands`` or ``actions``)."""
        tail = f"{kind}/{self.team_id}/{self._n():012d}/{secrets.token_urlsafe(18)}"
        if self.response_url_base is not None:
            return self.response_url_base.rstrip("/") + "/" + tail
        return f"https://hooks.slack.com/{tail}"

    def _user(self, user_id: str) -> dict[str, Any]:
        name = user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": self.team_domain}

    # -- what Slack sends ------------------------------------------------------------------

    def slash_command(
        self,
        text: str,
        user_id: str,
        channel_id: str = "C0ALPHA01",
        command: str = "/proc",
        trigger_id: str | None = None,
        **overrides: Any,
    ) -> Response:
        """Invoke a slash command; ``overrides`` replace form fields (None removes one)."""
        fields = self.slash_command_form(text, user_id, channel_id, command, trigger_id)
        return self._post_form(_apply(fields, {k: _form_value(v) for k, v in overrides.items()}))

    def slash_command_form(
        self,
        text: str,
        user_id: str,
        channel_id: str = "C0ALPHA01",
        command: str = "/proc",
        trigger_id: str | None = None,
    ) -> dict[str, str]:
        """The form fields Slack posts for a slash command, in the fixture's order."""
        values = {
            "token": "verification_token",
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else channel_id.lower(),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "response_url": self.response_url("commands"),
            "trigger_id": trigger_id or self.trigger_id(),
        }
        # A workspace outside Enterprise Grid sends no enterprise_* fields but does send the
        # app id and is_enterprise_install.
        fields = {
            key: values[key] for key in _form_fields("slash_command.form.txt") if key in values
        }
        fields.update(api_app_id=self.api_app_id, is_enterprise_install="false")
        return fields

    def block_action(
        self,
        action_id: str,
        value: str | None,
        user_id: str,
        channel_id: str,
        message_ts: str,
        block_id: str | None = None,
        thread_ts: str | None = None,
        message: Any = None,
        **overrides: Any,
    ) -> Response:
        """Click an element in a message; ``message`` may be the stored message (or its dict).

        When ``message`` is given, ``block_id``, the element type and (if ``value`` is None)
        the value are read from the element with ``action_id`` in its blocks (with ``value``,
        the one carrying that value: a message may give each item its own button).
        """
        if message is not None and hasattr(message, "to_api"):
            message = message.to_api()
        if message is None:
            message = self._default_message(action_id, value, message_ts, block_id, thread_ts)
        message = copy.deepcopy(dict(message))
        found_block_id, element = _find_element(message.get("blocks") or [], action_id, value)
        element = element or {"type": "button", "action_id": action_id}
        block_id = block_id or found_block_id or "actions"
        thread_ts = thread_ts or message.get("thread_ts")
        if thread_ts == message_ts:
            thread_ts = None  # the parent of a thread is not "in" the thread
        if value is None:
            value = element.get("value")

        payload = _fixture("block_actions_message_button.json")
        payload["user"] = self._user(user_id)
        payload["api_app_id"] = self.api_app_id
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        if thread_ts:
            payload["container"]["thread_ts"] = thread_ts
        payload["trigger_id"] = self.trigger_id()
        payload["team"] = self._team()
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        payload["message"] = message
        payload["response_url"] = self.response_url("actions")
        action = _action(element, action_id, block_id, value, self.clock())
        payload["state"] = {"values": _message_state(action)}
        payload["actions"] = [action]
        return self._post_payload(_apply(payload, overrides))

    def view_action(
        self,
        action_id: str,
        user_id: str,
        view: Mapping[str, Any],
        value: str | None = None,
        **overrides: Any,
    ) -> Response:
        """Click an element in a view (an App Home tab, or a modal's section): the payload has
        a ``view`` container and no channel, message or response_url, as Slack sends it.
        ``view`` is the stored view; with ``value``, the element carrying it is clicked (a
        Home repeats one action id per item), else the first with ``action_id``."""
        view = copy.deepcopy(dict(view))
        block_id, element = None, None
        for block in view.get("blocks") or []:
            candidates = [block.get("accessory"), block.get("element"), *block.get("elements", [])]
            for candidate in candidates:
                if (
                    isinstance(candidate, dict)
                    and candidate.get("action_id") == action_id
                    and (value is None or candidate.get("value") == value)
                ):
                    block_id, element = block.get("block_id"), candidate
                    break
            if element is not None:
                break
        if element is None:
            raise LookupError(
                f"no element {action_id!r} (value {value!r}) in view {view.get('id')}"
            )
        payload = _fixture("block_actions_message_button.json")
        for key in ("channel", "message", "response_url", "state"):
            payload.pop(key, None)
        payload["user"] = self._user(user_id)
        payload["api_app_id"] = self.api_app_id
        payload["container"] = {"type": "view", "view_id": view.get("id", "")}
        payload["trigger_id"] = self.trigger_id()
        payload["team"] = self._team()
        payload["view"] = view
        payload["actions"] = [
            _action(element, action_id, block_id or "actions", element.get("value"), self.clock())
        ]
        return self._post_payload(_apply(payload, overrides))

    def _default_message(
        self,
        action_id: str,
        value: str | None,
        message_ts: str,
        block_id: str | None,
        thread_ts: str | None,
    ) -> dict[str, Any]:
        button: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "text": {"type": "plain_text", "text": action_id},
        }
        if value is not None:
            button["value"] = value
        message: dict[str, Any] = {
            "bot_id": BOT_ID,
            "type": "message",
            "text": "",
            "user": BOT_USER_ID,
            "ts": message_ts,
            "app_id": self.api_app_id,
            "blocks": [
                {"type": "actions", "block_id": block_id or "actions", "elements": [button]}
            ],
            "team": self.team_id,
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        return message

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        user_id: str,
        private_metadata: str = "",
        view_id: str | None = None,
        **overrides: Any,
    ) -> Response:
        """Submit a modal; ``values`` is ``view.state.values``; ``view=`` overrides merge."""
        view_id = view_id or f"V{self._n():09d}"
        payload = _fixture("view_submission.json")
        payload["team"] = self._team()
        payload["user"] = self._user(user_id)
        payload["api_app_id"] = self.api_app_id
        payload["trigger_id"] = self.trigger_id()
        view = payload["view"]
        view.update(
            id=view_id,
            team_id=self.team_id,
            blocks=_input_blocks(values),
            private_metadata=private_metadata,
            callback_id=callback_id,
            state={"values": copy.deepcopy(values)},
            hash=f"{int(self.clock())}.{secrets.token_hex(4)}",
            root_view_id=view_id,
            app_id=self.api_app_id,
            app_installed_team_id=self.team_id,
            bot_id=BOT_ID,
        )
        view_overrides = overrides.pop("view", None)
        if view_overrides:
            _apply(view, view_overrides)
        return self._post_payload(_apply(payload, overrides))

    def message_shortcut(
        self,
        callback_id: str,
        user_id: str,
        channel_id: str,
        message: Any,
        **overrides: Any,
    ) -> Response:
        """Run a message shortcut (``message_action``) on ``message`` (a stored message's dict,
        or one with at least ``ts`` and ``text``), as Slack sends it from a message's "…" menu:
        the fixture's fields in its order (Slack's ``user`` is id and name only, its ``team``
        id and domain outside Enterprise Grid), plus the app id and the install kind modern
        payloads carry."""
        if hasattr(message, "to_api"):
            message = message.to_api()
        message = copy.deepcopy(dict(message))
        message.setdefault("type", "message")
        payload = _fixture("message_shortcut.json")
        payload.update(
            action_ts=f"{self.clock():.6f}",
            team=self._team(),
            user={"id": user_id, "name": user_id.lower()},
            channel={"id": channel_id, "name": channel_id.lower()},
            callback_id=callback_id,
            trigger_id=self.trigger_id(),
            message_ts=message.get("ts"),
            message=message,
            response_url=self.response_url("actions"),
            api_app_id=self.api_app_id,
            is_enterprise_install=False,
            enterprise=None,
        )
        return self._post_payload(_apply(payload, overrides))

    def event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> Response:
        """Deliver an Events API ``event_callback``; ``retry_num`` marks it as Slack's retry."""
        now = self.clock()
        event = copy.deepcopy(event)
        event.setdefault("event_ts", event.get("ts") or f"{now:.6f}")
        envelope = _fixture("events_api_event_callback_envelope_docs.json")
        envelope.update(
            token="verification_token",
            team_id=self.team_id,
            api_app_id=self.api_app_id,
            event=event,
            event_context=f"4-{secrets.token_urlsafe(24)}",
            event_id=event_id or f"Ev{self._n():09d}",
            event_time=int(now),
            authorizations=[
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            context_team_id=self.team_id,
            context_enterprise_id=None,
        )
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self.post_raw(json.dumps(envelope), "application/json", headers=headers)

    def url_verification(self, challenge: str) -> Response:
        """The handshake Slack sends when the Request URL is saved."""
        body = {"token": "verification_token", "challenge": challenge, "type": "url_verification"}
        return self.post_raw(json.dumps(body), "application/json")


def _form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _find_element(
    blocks: list[dict[str, Any]], action_id: str, value: str | None = None
) -> tuple[str | None, dict[str, Any] | None]:
    """The block id and element clicked: with `value`, the element carrying it (a message may
    repeat one action id, one button per item), else the first with `action_id`."""
    first: tuple[str | None, dict[str, Any] | None] = (None, None)
    for block in blocks:
        candidates = [block.get("accessory"), block.get("element"), *block.get("elements", [])]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                if value is None or element.get("value") == value:
                    return block.get("block_id"), element
                if first[1] is None:
                    first = (block.get("block_id"), element)
    return first


def _action(
    element: dict[str, Any], action_id: str, block_id: str, value: str | None, now: float
) -> dict[str, Any]:
    kind = element.get("type", "button")
    action: dict[str, Any] = {"action_id": action_id, "block_id": block_id}
    if "text" in element:
        action["text"] = copy.deepcopy(element["text"])
    field = _ACTION_VALUE_FIELD.get(kind, "value")
    if field == "selected_option":
        options = element.get("options") or []
        chosen = next((o for o in options if o.get("value") == value), None)
        action[field] = copy.deepcopy(chosen) or {
            "text": {"type": "plain_text", "text": str(value)},
            "value": value,
        }
    elif value is not None:
        action[field] = value
    if kind != "button":
        # A select echoes its placeholder and initial option, as Slack's payloads do.
        for key in ("initial_option", "placeholder"):
            if key in element:
                action[key] = copy.deepcopy(element[key])
    action.update(type=kind, action_ts=f"{now:.6f}")
    return action


def _message_state(action: dict[str, Any]) -> dict[str, Any]:
    """`state.values` of a click in a message: a select's choice is its block's state (Slack
    keeps what a menu shows); a button has none."""
    field = _ACTION_VALUE_FIELD.get(action["type"], "value")
    if action["type"] == "button" or field not in action:
        return {}
    value = {"type": action["type"], field: copy.deepcopy(action[field])}
    return {action["block_id"]: {action["action_id"]: value}}


def _input_blocks(values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    blocks = []
    for block_id, actions in values.items():
        for action_id, state in actions.items():
            blocks.append(
                {
                    "type": "input",
                    "block_id": block_id,
                    "label": {"type": "plain_text", "text": block_id},
                    "optional": False,
                    "element": {
                        "type": state.get("type", "plain_text_input"),
                        "action_id": action_id,
                    },
                }
            )
    return blocks
