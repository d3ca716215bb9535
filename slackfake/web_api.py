"""A local Slack Web API: it records every call, keeps channel state and answers as Slack does.

The test suite and ``podbot sandbox`` both use it. Point slack_sdk at it with
``WebClient(token="xoxb-test", base_url=server.url)``. Answers follow the samples in
``slackfake/fixtures/web_api_*.json``; errors use Slack's own codes.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, InvalidOperation
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from slackfake.canvases import CanvasError, Canvases, document
from slackfake.oauth import ALLOW_PATH, AUTHORIZE_PATH, OAuth, OAuthError

FIXTURES = Path(__file__).parent / "fixtures"

BOT_USER_ID = "U0BOT0001"
BOT_ID = "B0BOT0001"
TEAM_ID = "T0TEAM001"
APP_ID = "A0APP0001"
TEAM_DOMAIN = "example"
DEFAULT_TOKEN = "xoxb-test"

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000

# Parameters slack_sdk may send as a JSON-encoded string inside a form (or JSON) body.
_JSON_FIELDS = frozenset(
    {
        "blocks",
        "attachments",
        "view",
        "metadata",
        "files",
        "outputs",
        "document_content",
        "changes",
        "criteria",
    }
)
# Methods Slack answers without a token.
_NO_AUTH = frozenset({"api.test", "oauth.v2.access"})
# The bot scopes a token of this server has unless told otherwise (`set_scopes`): every scope
# the methods below need. Slack names a token's scopes in the `x-oauth-scopes` header of every
# Web API answer, and refuses a method whose scope it lacks with `missing_scope`.
DEFAULT_SCOPES = (
    "commands", "chat:write", "im:write", "im:read", "channels:history", "groups:history",
    "im:history", "channels:read", "groups:read", "users:read", "users:read.email",
    "files:write", "canvases:write", "canvases:read", "pins:write",
)  # fmt: skip
# The scope each method needs (of a channel's kind for conversations.*: C public, G private,
# D a DM), as Slack's method reference lists it for bot tokens.
_NEEDS: dict[str, str | dict[str, str]] = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "chat.postEphemeral": "chat:write",
    "conversations.open": "im:write",
    "conversations.info": {"C": "channels:read", "G": "groups:read", "D": "im:read"},
    "conversations.history": {"C": "channels:history", "G": "groups:history", "D": "im:history"},
    "conversations.replies": {"C": "channels:history", "G": "groups:history", "D": "im:history"},
    "users.info": "users:read",
    "users.lookupByEmail": "users:read.email",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "conversations.canvases.create": "canvases:write",
    "canvases.edit": "canvases:write",
    "canvases.delete": "canvases:write",
    "canvases.sections.lookup": "canvases:read",
    "pins.add": "pins:write",
    "conversations.members": {"C": "channels:read", "G": "groups:read", "D": "im:read"},
}


@cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def load_fixture(name: str) -> Any:
    """Return a fresh copy of a JSON fixture from slackfake/fixtures."""
    return json.loads(_fixture_text(name))


@dataclass(frozen=True)
class ApiCall:
    """One request the server received, as Slack would have seen it."""

    method: str
    params: dict[str, Any]
    token: str | None
    headers: dict[str, str]
    failed: bool = False
    # When it was answered (time.monotonic), to check Slack's pace per channel.
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Message:
    """The current version of a message in a channel; ``history`` holds earlier versions."""

    channel: str
    ts: str
    text: str
    user: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    attachments: list[dict[str, Any]] | None = None
    files: list[dict[str, Any]] | None = None
    bot_id: str | None = None
    reply_broadcast: bool = False
    edited_ts: str | None = None
    history: tuple[Message, ...] = ()

    @property
    def is_reply(self) -> bool:
        """True when the message lives in another message's thread."""
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, include_metadata: bool = True) -> dict[str, Any]:
        """Return the message as the Web API (and interaction payloads) show it."""
        data: dict[str, Any] = {"type": "message", "text": self.text, "user": self.user}
        if self.bot_id:
            data.update(bot_id=self.bot_id, app_id=APP_ID)
        data["ts"] = self.ts
        data["team"] = TEAM_ID
        if self.blocks is not None:
            data["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments is not None:
            data["attachments"] = copy.deepcopy(self.attachments)
        if self.files is not None:
            data["files"] = copy.deepcopy(self.files)
        if self.thread_ts is not None:
            data["thread_ts"] = self.thread_ts
        if self.reply_broadcast:
            data["subtype"] = "thread_broadcast"
        if self.edited_ts is not None:
            data["edited"] = {"user": self.user, "ts": self.edited_ts}
        if include_metadata and self.metadata is not None:
            data["metadata"] = copy.deepcopy(self.metadata)
        return data


@dataclass(frozen=True)
class Ephemeral:
    """An ephemeral message: only ``user`` saw it, and it is not in the channel's history."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class UploadedFile:
    """A file completed through the v2 upload flow."""

    filename: str
    title: str
    content: bytes
    channel: str | None
    thread_ts: str | None
    file_id: str = ""
    initial_comment: str | None = None
    alt_txt: str | None = None


@dataclass
class _Failure:
    status: int
    error: str | None
    retry_after: int | None
    delay: float | None
    remaining: int | None
    until: float | None = None  # on the server's clock: the failure ends then (an outage)
    team: str | None = None  # only calls with a token of this workspace (or org) fail

    @property
    def answers_error(self) -> bool:
        return self.error is not None or self.status != 200


class SlackError(Exception):
    """Raised inside a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _ptr(path: str) -> str:
    return f"[json-pointer:{path}]"


def _text_errors(obj: Any, at: str, *, limit: int, plain_only: bool = False) -> list[str]:
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict):
        return [f"must provide an object {_ptr(at)}"]
    if obj.get("type") not in allowed:
        return [f"must be one of {', '.join(allowed)} {_ptr(at + '/type')}"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be more than 0 characters {_ptr(at + '/text')}"]
    if len(text) > limit:
        return [f"must be less than {limit + 1} characters {_ptr(at + '/text')}"]
    return []


def _length_error(value: Any, at: str, limit: int) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"must be less than {limit + 1} characters {_ptr(at)}"]
    return []


def _element_errors(element: Any, at: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"missing required field: type {_ptr(at)}"]
    errors = _length_error(element.get("action_id"), at + "/action_id", 255)
    if element["type"] == "button":
        errors += _text_errors(element.get("text"), at + "/text", limit=75, plain_only=True)
        errors += _length_error(element.get("value"), at + "/value", 2000)
        errors += _length_error(element.get("url"), at + "/url", 3000)
    return errors


def _elements_errors(block: dict[str, Any], at: str, *, limit: int) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"must provide a non-empty array {_ptr(at + '/elements')}"]
    if len(elements) > limit:
        return [f"no more than {limit} items allowed {_ptr(at + '/elements')}"]
    errors: list[str] = []
    action_ids: set[str] = set()
    for i, element in enumerate(elements):
        errors += _element_errors(element, f"{at}/elements/{i}")
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is not None:
            if action_id in action_ids:
                errors.append(f"duplicate action_id {action_id!r} {_ptr(f'{at}/elements/{i}')}")
            action_ids.add(action_id)
    return errors


def _section_errors(block: dict[str, Any], at: str) -> list[str]:
    if "text" not in block and "fields" not in block:
        return [f"must provide either text or fields {_ptr(at)}"]
    errors: list[str] = []
    if "text" in block:
        errors += _text_errors(block["text"], at + "/text", limit=3000)
    if "fields" in block:
        fields = block["fields"]
        if not isinstance(fields, list):
            errors.append(f"must be an array {_ptr(at + '/fields')}")
        elif len(fields) > 10:
            errors.append(f"no more than 10 items allowed {_ptr(at + '/fields')}")
        else:
            for i, item in enumerate(fields):
                errors += _text_errors(item, f"{at}/fields/{i}", limit=2000)
    if "accessory" in block:
        errors += _element_errors(block["accessory"], at + "/accessory")
    return errors


def _header_errors(block: dict[str, Any], at: str) -> list[str]:
    return _text_errors(block.get("text"), at + "/text", limit=150, plain_only=True)


def _actions_errors(block: dict[str, Any], at: str) -> list[str]:
    return _elements_errors(block, at, limit=25)


def _context_errors(block: dict[str, Any], at: str) -> list[str]:
    return _elements_errors(block, at, limit=10)


def _input_errors(block: dict[str, Any], at: str) -> list[str]:
    errors = _text_errors(block.get("label"), at + "/label", limit=2000, plain_only=True)
    return errors + _element_errors(block.get("element"), at + "/element")


_BLOCK_CHECKS: dict[str, Callable[[dict[str, Any], str], list[str]]] = {
    "section": _section_errors,
    "header": _header_errors,
    "actions": _actions_errors,
    "context": _context_errors,
    "input": _input_errors,
}


def block_errors(blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS, at: str = "/blocks") -> list[str]:
    """Return Slack-style validation errors for a list of Block Kit blocks (empty when valid)."""
    if not isinstance(blocks, list):
        return [f"must be an array {_ptr(at)}"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed {_ptr(at)}")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        here = f"{at}/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"missing required field: type {_ptr(here)}")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id or len(block_id) > 255:
                errors.append(f"must be 1 to 255 characters {_ptr(here + '/block_id')}")
            elif block_id in block_ids:
                errors.append(f"duplicate block_id {block_id!r} {_ptr(here + '/block_id')}")
            else:
                block_ids.add(block_id)
        check = _BLOCK_CHECKS.get(block["type"])
        if check is not None:
            errors += check(block, here)
    return errors


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _dec(ts: Any) -> Decimal:
    try:
        return Decimal(str(ts))
    except InvalidOperation as exc:
        raise SlackError("invalid_arguments") from exc


def _opt_str(params: dict[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    return str(value)


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            # Undecodable values stay strings; the method then answers a *_format error.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parsed = BytesParser(policy=HTTP).parsebytes(head + body)
    params: dict[str, Any] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            params[str(name)] = payload
        else:
            params[str(name)] = payload.decode(part.get_content_charset() or "utf-8")
    return params


def parse_params(body: bytes, content_type: str, query: str = "") -> dict[str, Any]:
    """Decode a Web API request's parameters from its query string and body, like Slack does."""
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    mime = content_type.split(";", 1)[0].strip().lower()
    if body:
        if mime == "application/json":
            data = json.loads(body.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("JSON body must be an object")
            params.update(data)
        elif mime == "multipart/form-data":
            params.update(_parse_multipart(body, content_type))
        else:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            params.update({k: v[0] for k, v in form.items()})
    return _decode_json_fields(params)


class SlackApiServer:
    """An in-process Slack Web API on 127.0.0.1 that records calls and keeps channel state."""

    def __init__(
        self,
        valid_tokens: Iterable[str] = (DEFAULT_TOKEN,),
        *,
        strict_channels: bool = True,
        channels: Iterable[str] = (),
        first_ts: str = "1700000000.000100",
        ts_source: Callable[[], float] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.valid_tokens = set(valid_tokens)
        # Seconds, for failures that last `until` an instant (an outage): real time, or a
        # test's simulated clock, so an outage of a minute takes no minute.
        self.clock = clock
        self.strict_channels = strict_channels
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[ApiCall] = []
        # Requests that arrived, answered or not yet (e.g. held by an injected delay).
        self._arrivals: list[str] = []
        self._holding = 0  # requests being answered (an injected delay holds some longer)
        self._failures: dict[str, list[_Failure]] = {}
        self._channels: dict[str, str] = {}
        # Channels the bot user is not a member of (`add_channel(…, member=False)`).
        self._outside: set[str] = set()
        self.scopes: tuple[str, ...] = DEFAULT_SCOPES
        self._dms: dict[str, str] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, dict[str, Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._home: dict[str, str] = {}
        self._pending_uploads: dict[str, dict[str, Any]] = {}
        self._files: dict[str, UploadedFile] = {}
        self.canvases = Canvases()
        # OAuth installs (issue 36): workspaces, the app's credentials, the tokens handed out.
        self.oauth = OAuth(clock=clock)
        self._current_token: str | None = None  # the token of the call being answered
        self._pins: dict[str, list[str]] = {}  # channel -> pinned message ts
        self._members: dict[str, list[str]] = {}  # channel -> members (`add_member`)
        self._external: set[str] = set()  # Slack Connect members of another organisation
        self._first_ts = Decimal(first_ts)
        self._serial = 0
        # With a ts_source (the sandbox's clock), message ts read that clock, kept unique.
        self._ts_source = ts_source
        self._used_ts: set[Decimal] = set()
        self._view_triggers: dict[str, str] = {}
        # response_url paths shown in the workspace (`show_responses`): where, and to whom;
        # and what was posted to each path so far.
        self._responders: dict[str, tuple[str, str, str | None]] = {}
        self._responses: dict[str, list[dict[str, Any]]] = {}
        self._changes = 0  # seeded changes (add_message, add_ephemeral, restore), for `version`
        self._address = (host, port)
        for channel in channels:
            self.add_channel(channel)
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "conversations.canvases.create": self._conversations_canvases_create,
            "canvases.edit": self._canvases_edit,
            "canvases.delete": self._canvases_delete,
            "canvases.sections.lookup": self._canvases_sections_lookup,
            "pins.add": self._pins_add,
            "conversations.members": self._conversations_members,
        }

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> SlackApiServer:
        """Bind a free port and serve on a daemon thread."""
        if self._httpd is not None:
            return self
        api = self

        class Handler(_RequestHandler):
            server_api = api

        self._stopping.clear()
        self._httpd = ThreadingHTTPServer(self._address, Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},  # stop() waits up to one poll
            name="slack-api-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; delayed answers are cut short."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SlackApiServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        if self._httpd is None:
            raise RuntimeError("SlackApiServer is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``; ends with ``/api/``."""
        return f"{self.origin}/api/"

    @property
    def response_url_base(self) -> str:
        """Prefix for response_url values that land here (recorded as method ``response_url``)."""
        return f"{self.origin}/hooks/"

    # -- configuration ---------------------------------------------------------------------

    def add_channel(self, channel_id: str, name: str | None = None, *, member: bool = True) -> None:
        """Make a channel known, so posting to it succeeds. ``member=False``: the bot user is
        not in it (until ``join``), as after creating a channel without inviting the app:
        posts are refused with ``not_in_channel`` and ``conversations.info`` says
        ``is_member: false`` (a private one, ``G…``, is ``channel_not_found`` to the bot)."""
        with self._cond:
            self._channels[channel_id] = name or channel_id.lower()
            if member:
                self._outside.discard(channel_id)
            else:
                self._outside.add(channel_id)

    def join(self, channel_id: str) -> None:
        """The bot user is invited into a known channel (``/invite @podbot``)."""
        with self._cond:
            self._outside.discard(channel_id)

    def set_scopes(self, scopes: Iterable[str]) -> None:
        """The bot token's scopes from now on (``DEFAULT_SCOPES`` until told): named in the
        ``x-oauth-scopes`` header of every answer; a method needing another is refused with
        ``missing_scope`` (``needed``, ``provided``)."""
        with self._cond:
            self.scopes = tuple(scopes)

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "America/New_York",
        tz_label: str = "Eastern Standard Time",
        tz_offset: int = -18000,
        email: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """Make a member of the workspace, whom ``users.info`` answers for (any other id is
        ``user_not_found``, as in Slack). ``name`` is the handle, ``real_name`` the full name,
        ``display_name`` what the member chose to be called (the handle when not given; ``""``
        for a member who chose none, as Slack leaves it). Returns the user object."""
        with self._cond:
            self._users[user_id] = self._user_shape(
                user_id,
                name=name,
                real_name=real_name,
                display_name=display_name,
                tz=tz,
                tz_label=tz_label,
                tz_offset=tz_offset,
                email=email,
                is_bot=is_bot,
                deleted=deleted,
            )
            return copy.deepcopy(self._users[user_id])

    def change_user(
        self,
        user_id: str,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str | None = None,
        deleted: bool | None = None,
    ) -> dict[str, Any]:
        """A member edits their profile (or is deactivated): the fields given change, and the
        user object is returned as Slack sends it in the ``user_change`` event (deliver it with
        ``SlackClient.event({"type": "user_change", "user": …})``). KeyError for an id the
        workspace does not have."""
        with self._cond:
            user = self._users[user_id]
            profile = user["profile"]
            if real_name is not None:
                user["real_name"] = profile["real_name"] = real_name
                profile["real_name_normalized"] = real_name
            if display_name is not None:
                profile["display_name"] = profile["display_name_normalized"] = display_name
            if tz is not None:
                user["tz"] = tz
            if deleted is not None:
                user["deleted"] = deleted
            user["updated"] = int(user.get("updated") or 0) + 1
            self._changes += 1
            self._cond.notify_all()
            return copy.deepcopy(user)

    def add_message(
        self,
        channel: str,
        text: str,
        user: str,
        *,
        thread_ts: str | None = None,
        ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        """Seed a message as if a person had written it (the channel becomes known)."""
        with self._cond:
            self._channels.setdefault(channel, channel.lower())
            message = Message(
                channel=channel,
                ts=ts or self._next_ts(),
                text=text,
                user=user,
                blocks=copy.deepcopy(blocks),
                thread_ts=thread_ts,
                metadata=copy.deepcopy(metadata),
            )
            self._messages.setdefault(channel, {})[message.ts] = message
            self._used_ts.add(Decimal(message.ts))
            self._changes += 1
            self._cond.notify_all()
            return message

    def add_ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> Ephemeral:
        """Show ``user`` a message only they see, as Slack does with a command's ephemeral ack."""
        with self._cond:
            ephemeral = Ephemeral(
                channel=channel,
                user=user,
                ts=self._next_ts(),
                text=text,
                blocks=copy.deepcopy(blocks),
                thread_ts=thread_ts,
            )
            self._ephemerals.append(ephemeral)
            self._changes += 1
            self._cond.notify_all()
            return ephemeral

    def show_responses(
        self, response_url: str, channel: str, user: str, thread_ts: str | None = None
    ) -> None:
        """Show what is posted to this response_url (one of ``response_url_base``) as Slack
        shows a slash command's later answers: to ``user`` only (``in_channel``: a message
        in the channel), in the thread where the command was typed. Posts that came before
        this call are shown now, after the command's own ack."""
        path = urlsplit(response_url).path
        with self._cond:
            self._responders[path] = (channel, user, thread_ts)
            earlier = list(self._responses.get(path, []))
        for params in earlier:
            self._show_response(path, params)

    def _show_response(self, path: str, params: dict[str, Any]) -> None:
        channel, user, thread_ts = self._responders[path]
        text, blocks = str(params.get("text") or ""), params.get("blocks")
        if params.get("response_type") == "in_channel":
            self.add_message(channel, text, BOT_USER_ID, blocks=blocks, thread_ts=thread_ts)
        else:
            self.add_ephemeral(channel, user, text, blocks, thread_ts)

    def forget_ephemerals(self) -> None:
        """Drop every ephemeral message, as a Slack client forgets them on reload."""
        with self._cond:
            self._ephemerals.clear()
            self._changes += 1
            self._cond.notify_all()

    def fail(
        self,
        method: str,
        error: str | None = None,
        status: int | None = None,
        retry_after: int | None = 1,
        times: int | None = 1,
        delay: float | None = None,
        until: float | None = None,
        team: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail (``times=None``: until reset).

        Defaults answer 429 ``ratelimited`` with ``Retry-After``. ``status=500`` (or 503) answers
        a server error; ``error="..."`` alone answers HTTP 200 with that Slack error; ``delay``
        alone answers normally but only after ``delay`` seconds (for client timeouts).
        ``until`` (an instant on the server's ``clock``) ends the failure then, whatever is
        left of ``times``: failures queued one after the other make the phases of an outage.
        ``team`` (OAuth mode: a workspace's ``T…`` or an org's ``E…``) limits the failure to
        calls made with a bot token installed there, as Slack's ``ratelimited`` is counted
        per app per workspace: another workspace's calls meanwhile are answered as usual.
        """
        if status is None:
            if error is None:
                status = 200 if delay is not None else 429
            else:
                status = 429 if error == "ratelimited" else 200
        if error is None and status == 429:
            error = "ratelimited"
        elif error is None and status >= 500:
            error = "internal_error"
        failure = _Failure(
            status, error, retry_after if status == 429 else None, delay, times, until, team
        )
        with self._cond:
            self._failures.setdefault(method, []).append(failure)

    def heal(self, method: str | None = None) -> None:
        """End injected failures (of one method, or all) and keep every message and call."""
        with self._cond:
            if method is None:
                self._failures.clear()
            else:
                self._failures.pop(method, None)

    def reset(self, *, state: bool = False) -> None:
        """Forget recorded calls; with ``state=True`` also messages, views, files and failures."""
        with self._cond:
            self._calls.clear()
            self._arrivals.clear()
            if state:
                self._failures.clear()
                self._messages.clear()
                self._ephemerals.clear()
                self._views.clear()
                self._home.clear()
                self._pending_uploads.clear()
                self._files.clear()

    def snapshot(self) -> dict[str, Any]:
        """The workspace's state (not the call log) as JSON-able data, for ``restore``."""
        with self._cond:
            return {
                "serial": self._serial,
                "channels": dict(self._channels),
                "outside": sorted(self._outside),
                "dms": dict(self._dms),
                "users": copy.deepcopy(self._users),
                "messages": {
                    channel: [asdict(m) for m in self._sorted(messages.values())]
                    for channel, messages in self._messages.items()
                },
                "ephemerals": [asdict(e) for e in self._ephemerals],
                "views": copy.deepcopy(self._views),
                "view_triggers": dict(self._view_triggers),
                "home": dict(self._home),
                "files": {
                    file_id: {
                        **asdict(upload),
                        "content": base64.b64encode(upload.content).decode("ascii"),
                    }
                    for file_id, upload in self._files.items()
                },
            }

    def restore(self, state: dict[str, Any]) -> None:
        """Replace the workspace's state with a ``snapshot``."""

        def message(data: dict[str, Any]) -> Message:
            history = tuple(message(h) for h in data.get("history") or ())
            return Message(**{**data, "history": history})

        with self._cond:
            self._serial = int(state.get("serial", 0))
            self._channels = dict(state.get("channels") or {})
            self._outside = set(state.get("outside") or ())
            self._dms = dict(state.get("dms") or {})
            self._users = copy.deepcopy(state.get("users") or {})
            self._messages = {
                channel: {m["ts"]: message(m) for m in items}
                for channel, items in (state.get("messages") or {}).items()
            }
            self._ephemerals = [Ephemeral(**e) for e in state.get("ephemerals") or []]
            self._views = copy.deepcopy(state.get("views") or {})
            self._view_triggers = dict(state.get("view_triggers") or {})
            self._home = dict(state.get("home") or {})
            self._files = {
                file_id: UploadedFile(
                    **{**data, "content": base64.b64decode(data.get("content") or "")}
                )
                for file_id, data in (state.get("files") or {}).items()
            }
            self._used_ts = {
                Decimal(m.ts) for messages in self._messages.values() for m in messages.values()
            } | {Decimal(e.ts) for e in self._ephemerals}
            self._changes += 1
            self._cond.notify_all()

    # -- inspection ------------------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        """Every call received so far, in order (a copy)."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        """Calls received for one method, in order."""
        with self._cond:
            return [call for call in self._calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[ApiCall]:
        """Block until ``count`` calls to ``method`` were answered; AssertionError on timeout."""
        with self._cond:
            done = self._cond.wait_for(
                lambda: sum(call.method == method for call in self._calls) >= count, timeout
            )
            calls = [call for call in self._calls if call.method == method]
            if not done:
                seen = [call.method for call in self._calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, got {len(calls)}; "
                    f"calls so far: {seen}"
                )
            return calls

    def wait_answered(self, timeout: float = 10.0) -> None:
        """Block until every Web API request and upload that arrived has been answered (what
        it stores, stored), those held by an injected delay too. A test passing simulated
        time waits for this first, as real Slack would have finished within that time."""
        with self._cond:
            answered = self._cond.wait_for(lambda: self._holding == 0, timeout)
        if not answered:
            raise AssertionError(f"{self._holding} request(s) unanswered after {timeout}s")

    def wait_for_arrival(self, method: str, count: int = 1, timeout: float = 10.0) -> None:
        """Block until ``count`` requests to ``method`` arrived, even if not yet answered."""
        with self._cond:
            arrived = self._cond.wait_for(lambda: self._arrivals.count(method) >= count, timeout)
        if not arrived:
            raise AssertionError(f"no {method} request arrived within {timeout}s")

    def messages(self, channel: str) -> list[Message]:
        """All messages of a channel, top-level and replies, in ts order (current versions)."""
        with self._cond:
            return self._sorted(self._messages.get(channel, {}).values())

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The replies under the message ``ts``, oldest first (without the parent)."""
        with self._cond:
            return self._replies(channel, ts)

    def message(self, channel: str, ts: str) -> Message:
        """One message by channel and ts; KeyError when there is none."""
        with self._cond:
            try:
                return self._messages[channel][ts]
            except KeyError:
                raise KeyError(f"no message {ts} in {channel}") from None

    def ephemerals(self, user: str | None = None) -> list[Ephemeral]:
        """Ephemeral messages sent so far, optionally only those shown to ``user``."""
        with self._cond:
            return [e for e in self._ephemerals if user is None or e.user == user]

    @property
    def files(self) -> dict[str, UploadedFile]:
        """Completed uploads by file id."""
        with self._cond:
            return dict(self._files)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every view opened, pushed or published, by view id (current versions)."""
        with self._cond:
            return copy.deepcopy(self._views)

    def view_trigger(self, view_id: str) -> str | None:
        """The trigger_id a modal was opened with (Slack knows whose click or command it was)."""
        with self._cond:
            return self._view_triggers.get(view_id)

    @property
    def version(self) -> int:
        """A number that grows whenever a call or a seeded change reached the server."""
        with self._cond:
            return self._serial + len(self._calls) + self._changes

    def dms(self) -> dict[str, str]:
        """Open DM channels, mapped to the user each one is with."""
        with self._cond:
            return dict(self._dms)

    def user(self, user_id: str) -> dict[str, Any]:
        """The user object ``users.info`` answers for a member; KeyError for any other id."""
        with self._cond:
            return copy.deepcopy(self._users[user_id])

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab last published for a user."""
        with self._cond:
            view_id = self._home.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    # -- HTTP ------------------------------------------------------------------------------

    def _handle(self, req: _RequestHandler) -> None:
        parts = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        if parts.path in (AUTHORIZE_PATH, ALLOW_PATH) and req.command == "GET":
            self._handle_authorize(req, parts.path, parts.query)
        elif parts.path.startswith("/api/"):
            self._handle_api(req, parts.path[len("/api/") :], parts.query, body)
        elif parts.path.startswith("/upload/") and req.command == "POST":
            self._handle_upload(req, parts.path[len("/upload/") :], body)
        elif parts.path.startswith("/hooks/") and req.command == "POST":
            self._handle_hook(req, body)
        else:
            _send(req, 404, b"not found", "text/plain")

    def _handle_api(self, req: _RequestHandler, method: str, query: str, body: bytes) -> None:
        headers = dict(req.headers.items())
        try:
            params = parse_params(body, req.headers.get("Content-Type", ""), query)
            parse_error = None
        except (ValueError, UnicodeDecodeError):
            params, parse_error = {}, "invalid_json"
        token = _bearer(req.headers.get("Authorization")) or _opt_str(params, "token")
        params.pop("token", None)

        with self._cond:
            self._arrivals.append(method)
            self._holding += 1  # until `_answered`
            self._cond.notify_all()
        failure = self._take_failure(method, token)
        try:
            if failure is not None and failure.delay:
                self._stopping.wait(failure.delay)
            if failure is not None and failure.answers_error:
                with self._cond:
                    self._record(ApiCall(method, params, token, headers, failed=True))
                _send_failure(req, failure)
                return
            with self._cond:
                if parse_error:
                    answer: dict[str, Any] = {"ok": False, "error": parse_error}
                elif method == "oauth.v2.access":
                    answer = self._oauth_access(params, req.headers.get("Authorization"))
                else:
                    answer = self._answer(method, copy.deepcopy(params), token)
                self._record(ApiCall(method, params, token, headers))
                granted = token is not None and (
                    token in self.valid_tokens or self.oauth.grant_of(token) is not None
                )
                scopes = {"x-oauth-scopes": ",".join(self.scopes)} if granted else {}
        finally:
            self._answered()
        _send_json(req, 200, answer, scopes)

    def _handle_authorize(self, req: _RequestHandler, path: str, query: str) -> None:
        """Slack's authorize page, and the installer's Allow (a redirect with a code)."""
        fields = {k: v[-1] for k, v in parse_qs(query).items()}
        with self._cond:
            self._record(ApiCall(path, fields, None, dict(req.headers.items())))
            try:
                if path == AUTHORIZE_PATH:
                    page = self.oauth.authorize_page(fields)
                else:
                    location = self.oauth.allow(fields)
            except OAuthError as exc:
                _send(req, 400, exc.error.encode(), "text/plain; charset=utf-8")
                return
        if path == AUTHORIZE_PATH:
            _send(req, 200, page.encode(), "text/html; charset=utf-8")
        else:
            _send(req, 302, b"", "text/plain", {"Location": location})

    def _handle_upload(self, req: _RequestHandler, file_id: str, body: bytes) -> None:
        headers = dict(req.headers.items())
        with self._cond:
            self._holding += 1  # until `_answered`
        failure = self._take_failure("upload")
        try:
            if failure is not None and failure.delay:
                self._stopping.wait(failure.delay)
            if failure is not None and failure.answers_error:
                with self._cond:
                    call = ApiCall("upload", {"file_id": file_id}, None, headers, failed=True)
                    self._record(call)
                _send_failure(req, failure)
                return
            with self._cond:
                pending = self._pending_uploads.get(file_id)
                if pending is not None:
                    pending["content"] = body
                call = ApiCall("upload", {"file_id": file_id, "size": len(body)}, None, headers)
                self._record(call)
        finally:
            self._answered()
        if pending is None:
            _send(req, 404, b"not found", "text/plain")
        else:
            _send(req, 200, f"OK - {len(body)}".encode(), "text/plain; charset=utf-8")

    def _handle_hook(self, req: _RequestHandler, body: bytes) -> None:
        headers = dict(req.headers.items())
        try:
            params = parse_params(body, req.headers.get("Content-Type", "application/json"))
        except (ValueError, UnicodeDecodeError):
            params = {"raw": body.decode("utf-8", "replace")}
        path = urlsplit(req.path).path
        with self._cond:
            self._record(ApiCall("response_url", params, None, headers))
            shown = path in self._responders
            if not shown and isinstance(params, dict):
                self._responses.setdefault(path, []).append(params)
        if shown and isinstance(params, dict):
            self._show_response(path, params)
        _send_json(req, 200, {"ok": True})

    def _take_failure(self, method: str, token: str | None = None) -> _Failure | None:
        with self._cond:
            queue = self._failures.get(method)
            now = self.clock() if queue else 0.0
            while queue and queue[0].until is not None and now >= queue[0].until:
                queue.pop(0)  # its phase of the outage is over
            if not queue:
                return None
            grant = self.oauth.grant_of(token)
            teams = {grant.team_id, grant.enterprise_id} - {None} if grant is not None else set()
            # The first failure meant for this call: any call's, or its workspace's.
            failure = next((f for f in queue if f.team is None or f.team in teams), None)
            if failure is None:
                return None
            if failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    queue.remove(failure)
            return failure

    def _answered(self) -> None:
        with self._cond:
            self._holding -= 1
            self._cond.notify_all()

    def _record(self, call: ApiCall) -> None:
        self._calls.append(call)
        self._cond.notify_all()

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        handler = self._methods.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        if method not in _NO_AUTH:
            if not token:
                return {"ok": False, "error": "not_authed"}
            if token not in self.valid_tokens and self.oauth.grant_of(token) is None:
                return {"ok": False, "error": "invalid_auth"}
            if (refused := self.oauth.refusal(token)) is not None:
                return {"ok": False, "error": refused}
        needed = self._needed(method, params)
        if needed is not None and needed not in self.scopes:
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": needed,
                "provided": ",".join(self.scopes),
            }
        self._current_token = token
        try:
            return {"ok": True, **handler(params)}
        except SlackError as exc:
            return {"ok": False, "error": exc.error, **exc.extra}
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # Malformed arguments reach here; say what broke instead of failing the HTTP call.
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [f"[ERROR] {exc!r}"]},
            }

    # -- state helpers (callers hold the lock) ---------------------------------------------

    def _needed(self, method: str, params: dict[str, Any]) -> str | None:
        needs = _NEEDS.get(method)
        if isinstance(needs, dict):
            channel = _opt_str(params, "channel") or "C"
            return needs.get(channel[0], needs["C"])
        return needs

    def _next_ts(self) -> str:
        self._serial += 1
        if self._ts_source is not None:
            value = Decimal(f"{self._ts_source():.6f}")
            while value in self._used_ts:
                value += Decimal("0.000001")
            self._used_ts.add(value)
            return f"{value:.6f}"
        value = self._first_ts + Decimal(self._serial - 1) / Decimal(10_000)
        return f"{value:.6f}"

    def _next_id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}0{self._serial:08d}"

    def _known(self, channel: str | None) -> bool:
        if not channel:
            return False
        return not self.strict_channels or channel in self._channels or channel in self._dms

    def _channel(self, params: dict[str, Any], key: str = "channel") -> str:
        channel = _opt_str(params, key)
        if channel and channel[0] in "UW" and channel not in self._channels:
            channel = self._open_dm(channel)  # posting to a user id lands in the DM with them
        if channel is None or not self._known(channel):
            raise SlackError("channel_not_found")
        return channel

    def _open_dm(self, user_id: str) -> str:
        dm = "D" + user_id[1:]
        self._dms[dm] = user_id
        return dm

    @staticmethod
    def _sorted(messages: Iterable[Message]) -> list[Message]:
        return sorted(messages, key=lambda m: Decimal(m.ts))

    def _replies(self, channel: str, ts: str) -> list[Message]:
        in_channel = self._messages.get(channel, {}).values()
        return self._sorted(m for m in in_channel if m.thread_ts == ts and m.ts != ts)

    def _find(self, channel: str, ts: str | None) -> Message:
        message = self._messages.get(channel, {}).get(ts or "")
        if message is None:
            raise SlackError("message_not_found")
        return message

    def _render(self, message: Message, *, include_metadata: bool = True) -> dict[str, Any]:
        data = message.to_api(include_metadata=include_metadata)
        if message.is_reply:
            parent = self._messages.get(message.channel, {}).get(message.thread_ts or "")
            if parent is not None:
                data["parent_user_id"] = parent.user
            return data
        replies = self._replies(message.channel, message.ts)
        if replies:
            users = list(dict.fromkeys(r.user for r in replies))
            data.update(
                thread_ts=message.ts,
                reply_count=len(replies),
                reply_users_count=len(users),
                latest_reply=replies[-1].ts,
                reply_users=users,
            )
        return data

    @staticmethod
    def _content(params: dict[str, Any], *, required: bool) -> tuple[str | None, list | None]:
        text = params.get("text")
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            if blocks.strip() == "":
                blocks = None
            else:
                raise SlackError("invalid_blocks_format")
        if required and not text and not blocks and not params.get("attachments"):
            raise SlackError("no_text")
        if text is not None and len(str(text)) > MAX_MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        if blocks is not None:
            errors = block_errors(blocks)
            if errors:
                raise SlackError("invalid_blocks", errors=errors)
        return (None if text is None else str(text)), blocks

    @staticmethod
    def _metadata(params: dict[str, Any]) -> dict[str, Any] | None:
        metadata = params.get("metadata")
        if metadata is None or metadata == "":
            return None
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackError("invalid_metadata_format")
        return metadata

    # -- methods ---------------------------------------------------------------------------

    def _api_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"args": params}

    def _oauth_access(self, params: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        try:
            return {"ok": True, **self.oauth.access(params, authorization)}
        except OAuthError as exc:
            return {"ok": False, "error": exc.error}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = load_fixture("web_api_auth_test_bot_response.json")
        grant = self.oauth.grant_of(self._current_token)
        if grant is not None:  # an installed workspace's (or org's) token: its identity
            answer.update(
                url=f"https://{(grant.team_id or grant.enterprise_id or '').lower()}.slack.com/",
                team=grant.team_name, user="podbot", team_id=grant.team_id,
                user_id=grant.bot_user_id, bot_id=grant.bot_id,
                enterprise_id=grant.enterprise_id,
                is_enterprise_install=grant.team_id is None,
            )  # fmt: skip
            answer.pop("ok", None)
            return answer
        answer.update(
            url=f"https://{TEAM_DOMAIN}.slack.com/",
            team="Podbot Test",
            user="podbot",
            team_id=TEAM_ID,
            user_id=BOT_USER_ID,
            bot_id=BOT_ID,
            is_enterprise_install=False,
        )
        answer.pop("ok", None)
        return answer

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel in self._outside:
            raise SlackError("not_in_channel")
        text, blocks = self._content(params, required=True)
        message = Message(
            channel=channel,
            ts=self._next_ts(),
            text=text or "",
            user=BOT_USER_ID,
            blocks=blocks,
            thread_ts=_opt_str(params, "thread_ts"),
            metadata=self._metadata(params),
            attachments=params.get("attachments") or None,
            bot_id=BOT_ID,
            reply_broadcast=_flag(params.get("reply_broadcast")) and "thread_ts" in params,
        )
        self._messages.setdefault(channel, {})[message.ts] = message
        return {"channel": channel, "ts": message.ts, "message": self._render(message)}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        old = self._find(channel, _opt_str(params, "ts"))
        if old.user != BOT_USER_ID:
            raise SlackError("cant_update_message")
        text, blocks = self._content(params, required=False)
        metadata = self._metadata(params)
        new = replace(
            old,
            text=old.text if text is None else text,
            # Slack keeps the previous blocks when the field is left out.
            blocks=old.blocks if "blocks" not in params else blocks,
            metadata=old.metadata if metadata is None else metadata,
            attachments=params.get("attachments", old.attachments),
            edited_ts=self._next_ts(),
            history=(*old.history, replace(old, history=())),
        )
        self._messages[channel][old.ts] = new
        return {
            "channel": channel,
            "ts": new.ts,
            "text": new.text,
            "message": self._render(new),
        }

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        message = self._find(channel, _opt_str(params, "ts"))
        if message.user != BOT_USER_ID:
            raise SlackError("cant_delete_message")
        del self._messages[channel][message.ts]
        return {"channel": channel, "ts": message.ts}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        user = _opt_str(params, "user")
        if user is None:
            raise SlackError("user_not_in_channel")
        text, blocks = self._content(params, required=True)
        ephemeral = Ephemeral(
            channel=channel,
            user=user,
            ts=self._next_ts(),
            text=text or "",
            blocks=blocks,
            thread_ts=_opt_str(params, "thread_ts"),
        )
        self._ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        message = self._find(channel, _opt_str(params, "message_ts"))
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{message.ts.replace('.', '')}"
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if _opt_str(params, "channel"):
            return {"channel": {"id": self._channel(params)}}
        users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) == 1:
            channel_id = self._open_dm(users[0])
        else:
            digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest().upper()
            channel_id = "G" + digest[:10]
            self._channels.setdefault(channel_id, "mpdm-" + "--".join(sorted(users)))
        channel: dict[str, Any] = {"id": channel_id}
        if _flag(params.get("return_im")):
            channel.update(created=1700000000, is_im=len(users) == 1, user=users[0])
        return {"channel": channel}

    # -- canvases, pins and members (issue 32) -------------------------------------------------

    def _conversations_canvases_create(self, params: dict[str, Any]) -> dict[str, Any]:
        if _opt_str(params, "channel_id") is None:
            raise SlackError("invalid_arguments")
        channel = self._channel(params, "channel_id")
        try:
            markdown = document(params)
            canvas_id = self.canvases.create_for_channel(
                channel, markdown, _opt_str(params, "title")
            )
        except CanvasError as exc:
            raise SlackError(exc.error) from None
        return {"canvas_id": canvas_id}

    def _canvases_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        if _opt_str(params, "canvas_id") is None:
            raise SlackError("invalid_arguments")
        try:
            self.canvases.edit(_opt_str(params, "canvas_id"), params.get("changes"))
        except CanvasError as exc:
            raise SlackError(exc.error) from None
        return {}

    def _canvases_sections_lookup(self, params: dict[str, Any]) -> dict[str, Any]:
        if _opt_str(params, "canvas_id") is None:
            raise SlackError("invalid_arguments")
        try:
            found = self.canvases.lookup(_opt_str(params, "canvas_id"), params.get("criteria"))
        except CanvasError as exc:
            raise SlackError(exc.error) from None
        return {"sections": [{"id": section_id} for section_id in found]}

    def _canvases_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            self.canvases.delete(_opt_str(params, "canvas_id"))
        except CanvasError as exc:
            raise SlackError(exc.error) from None
        return {}

    def _pins_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        ts = _opt_str(params, "timestamp")
        if ts is None or ts not in self._messages.get(channel, {}):
            raise SlackError("message_not_found")
        pins = self._pins.setdefault(channel, [])
        if ts in pins:
            raise SlackError("already_pinned")
        pins.append(ts)
        return {}

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        return {"members": list(self._members.get(channel, [])), "response_metadata": {
            "next_cursor": ""}}  # fmt: skip

    def canvas_markdown(self, channel: str) -> str | None:
        """The markdown of the channel's canvas now (None: none, or deleted)."""
        with self._cond:
            canvas_id = self.canvases.of_channel.get(channel)
            canvas = self.canvases.by_id.get(canvas_id or "")
            return None if canvas is None or canvas.deleted else canvas.markdown

    def delete_canvas_as_person(self, channel: str) -> None:
        """A person deletes the channel's canvas (in Slack's UI)."""
        with self._cond:
            self.canvases.delete(self.canvases.of_channel.get(channel))
            self._changes += 1

    def limit_canvases(self, channel: str) -> None:
        """The workspace's plan holds no canvas in this channel."""
        with self._cond:
            self.canvases.limited.add(channel)

    def pins(self, channel: str) -> list[str]:
        with self._cond:
            return list(self._pins.get(channel, []))

    def add_member(self, channel: str, user: str, *, external: bool = False) -> None:
        """`user` is in `channel`; `external`: a Slack Connect member of another organisation."""
        with self._cond:
            self._members.setdefault(channel, [])
            if user not in self._members[channel]:
                self._members[channel].append(user)
            if external:
                self._external.add(user)

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        # `channel` is required; a private channel the bot is not in does not exist for it.
        if _opt_str(params, "channel") is None:
            raise SlackError("invalid_arguments")
        channel = self._channel(params)
        outside = channel in self._outside
        if outside and not channel.startswith("C"):
            raise SlackError("channel_not_found")
        is_im = channel in self._dms
        info: dict[str, Any] = {
            "id": channel,
            "created": 1700000000,
            "is_channel": channel.startswith("C"),
            "is_group": channel.startswith("G"),
            "is_im": is_im,
            "is_private": not channel.startswith("C"),
            "is_archived": False,
            "is_member": not outside,
        }
        if is_im:
            info["user"] = self._dms[channel]
        else:
            info["name"] = self._channels.get(channel, channel.lower())
        canvas_id = self.canvases.of_channel.get(channel)
        canvas = self.canvases.by_id.get(canvas_id or "")
        if canvas is not None and not canvas.deleted:
            info["properties"] = {"canvas": {"file_id": canvas.canvas_id, "is_empty": False}}
        return {"channel": info}

    def _page(
        self, messages: list[Message], params: dict[str, Any], default_limit: int
    ) -> tuple[list[Message], dict[str, Any]]:
        inclusive = _flag(params.get("inclusive"))
        oldest, latest = _opt_str(params, "oldest"), _opt_str(params, "latest")
        if oldest is not None:
            low = _dec(oldest)
            messages = [
                m for m in messages if Decimal(m.ts) > low or (inclusive and Decimal(m.ts) == low)
            ]
        if latest is not None:
            high = _dec(latest)
            messages = [
                m for m in messages if Decimal(m.ts) < high or (inclusive and Decimal(m.ts) == high)
            ]
        limit = int(params.get("limit") or default_limit)
        cursor = _opt_str(params, "cursor")
        start = int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0
        page = messages[start : start + limit]
        more = start + limit < len(messages)
        next_cursor = base64.b64encode(f"next_ts:{start + limit}".encode()).decode() if more else ""
        return page, {"has_more": more, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        metadata = _flag(params.get("include_all_metadata"))
        visible = [
            m
            for m in self._messages.get(channel, {}).values()
            if not m.is_reply or m.reply_broadcast
        ]
        newest_first = list(reversed(self._sorted(visible)))
        page, paging = self._page(newest_first, params, default_limit=100)
        rendered = [self._render(m, include_metadata=metadata) for m in page]
        return {"messages": rendered, "pin_count": 0, **paging}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        parent = self._messages.get(channel, {}).get(_opt_str(params, "ts") or "")
        if parent is None:
            raise SlackError("thread_not_found")
        # Asked for a reply's ts, Slack answers with just that reply.
        thread = [parent] if parent.is_reply else [parent, *self._replies(channel, parent.ts)]
        metadata = _flag(params.get("include_all_metadata"))
        page, paging = self._page(thread, params, default_limit=1000)
        return {"messages": [self._render(m, include_metadata=metadata) for m in page], **paging}

    def _view_from(self, params: dict[str, Any], *, home: bool = False) -> dict[str, Any]:
        view = params.get("view")
        if isinstance(view, str):
            raise SlackError("invalid_arguments", response_metadata={"messages": ["invalid view"]})
        if not isinstance(view, dict):
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: view"]},
            )
        problems: list[str] = []
        expected = ("home",) if home else ("modal",)
        if view.get("type") not in expected:
            problems.append(f"[ERROR] must be one of {expected} [json-pointer:/view/type]")
        if not home:
            problems += [f"[ERROR] {e}" for e in _view_text("title", view, required=True)]
            problems += [f"[ERROR] {e}" for e in _view_text("submit", view, required=False)]
            problems += [f"[ERROR] {e}" for e in _view_text("close", view, required=False)]
        for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
            problems += [
                f"[ERROR] {e}" for e in _length_error(view.get(key), f"/view/{key}", limit)
            ]
        if problems:
            raise SlackError("invalid_arguments", response_metadata={"messages": problems})
        errors = block_errors(view.get("blocks", []), limit=MAX_VIEW_BLOCKS, at="/view/blocks")
        if errors:
            raise SlackError("invalid_blocks", errors=errors)
        return view

    def _store_view(
        self, view: dict[str, Any], *, view_id: str | None = None, previous: str | None = None
    ) -> dict[str, Any]:
        view_id = view_id or self._next_id("V")
        external_id = view.get("external_id") or ""
        if external_id and any(
            v["external_id"] == external_id and v["id"] != view_id for v in self._views.values()
        ):
            raise SlackError("duplicate_external_id")
        old = self._views.get(view_id)
        root = self._views[previous]["root_view_id"] if previous else view_id
        stored = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view["type"],
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"1700000000.{self._serial + 1:08x}",
            "title": copy.deepcopy(view.get("title")),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": copy.deepcopy(view.get("close")),
            "submit": copy.deepcopy(view.get("submit")),
            "previous_view_id": old["previous_view_id"] if old else previous,
            "root_view_id": old["root_view_id"] if old else root,
            "app_id": APP_ID,
            "external_id": external_id,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        self._serial += 1
        self._views[view_id] = stored
        return copy.deepcopy(stored)

    def _require_trigger(self, params: dict[str, Any]) -> None:
        if not _opt_str(params, "trigger_id") and not _opt_str(params, "interactivity_pointer"):
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["invalid `trigger_id`"]}
            )

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require_trigger(params)
        stored = self._store_view(self._view_from(params))
        self._view_triggers[stored["id"]] = str(
            _opt_str(params, "trigger_id") or _opt_str(params, "interactivity_pointer")
        )
        return {"view": stored}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require_trigger(params)
        view = self._view_from(params)
        modals = [v for v in self._views.values() if v["type"] == "modal"]
        previous = modals[-1]["id"] if modals else None
        return {"view": self._store_view(view, previous=previous)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = _opt_str(params, "view_id"), _opt_str(params, "external_id")
        if view_id is None and external_id is None:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view_id or external_id is required"]},
            )
        current = self._views.get(view_id or "") or next(
            (v for v in self._views.values() if external_id and v["external_id"] == external_id),
            None,
        )
        if current is None:
            raise SlackError("not_found")
        given_hash = _opt_str(params, "hash")
        if given_hash is not None and given_hash != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._view_from(params, home=current["type"] == "home")
        if external_id and not view.get("external_id"):
            view = {**view, "external_id": external_id}
        return {"view": self._store_view(view, view_id=current["id"])}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = _opt_str(params, "user_id")
        if user_id is None:
            raise SlackError("user_not_found")
        view_id = self._home.get(user_id)
        given_hash = _opt_str(params, "hash")
        if view_id and given_hash is not None and given_hash != self._views[view_id]["hash"]:
            raise SlackError("hash_conflict")
        stored = self._store_view(self._view_from(params, home=True), view_id=view_id)
        self._home[user_id] = stored["id"]
        return {"view": stored}

    def _user_shape(self, user_id: str, **fields: Any) -> dict[str, Any]:
        user = load_fixture("web_api_users_info_response.json")["user"]
        name = fields.get("name") or user_id.lower()
        real_name = fields.get("real_name") or f"User {user_id}"
        display_name = fields.get("display_name")
        display_name = name if display_name is None else display_name
        user.update(
            id=user_id,
            team_id=TEAM_ID,
            name=name,
            real_name=real_name,
            deleted=fields.get("deleted", False),
            is_bot=fields.get("is_bot", False),
            is_admin=False,
            tz=fields.get("tz", "America/New_York"),
            tz_label=fields.get("tz_label", "Eastern Standard Time"),
            tz_offset=fields.get("tz_offset", -18000),
        )
        user["profile"].update(
            display_name=display_name,
            display_name_normalized=display_name,
            real_name=real_name,
            real_name_normalized=real_name,
            email=fields.get("email") or f"{name}@example.com",
            team=TEAM_ID,
            status_emoji="",
            status_text="",
        )
        return user

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        # `user` is required; an id the workspace does not have is not found, as in Slack.
        user_id = _opt_str(params, "user")
        if user_id is None:
            raise SlackError("user_not_found")
        if user_id == BOT_USER_ID and user_id not in self._users:
            return {"user": self._user_shape(user_id, name="podbot", is_bot=True)}
        if user_id not in self._users:
            raise SlackError("user_not_found")
        return {"user": copy.deepcopy(self._users[user_id])}

    def _users_lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        # `email` is required; an address no member of the workspace has is `users_not_found`
        # (Slack's code for this method, not users.info's `user_not_found`).
        email = _opt_str(params, "email")
        if email is None:
            raise SlackError("invalid_arguments")
        wanted = email.strip().lower()
        for user in self._users.values():
            if str(user["profile"].get("email") or "").lower() == wanted:
                return {"user": copy.deepcopy(user)}
        raise SlackError("users_not_found")

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = _opt_str(params, "filename")
        length = _opt_str(params, "length")
        if filename is None or length is None or not length.isdigit():
            raise SlackError("invalid_arguments")
        file_id = self._next_id("F")
        self._pending_uploads[file_id] = {
            "filename": filename,
            "length": int(length),
            "alt_txt": _opt_str(params, "alt_txt"),
        }
        return {"upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments")
        channel = self._channel(params, "channel_id") if params.get("channel_id") else None
        thread_ts = _opt_str(params, "thread_ts")
        comment = _opt_str(params, "initial_comment")
        completed: list[UploadedFile] = []
        for item in files:
            pending = self._pending_uploads.get(str(item.get("id")))
            if pending is None or "content" not in pending:
                raise SlackError("file_not_found")
            completed.append(
                UploadedFile(
                    filename=pending["filename"],
                    title=item.get("title") or pending["filename"],
                    content=pending["content"],
                    channel=channel,
                    thread_ts=thread_ts,
                    file_id=str(item["id"]),
                    initial_comment=comment,
                    alt_txt=pending.get("alt_txt"),
                )
            )
        answer = []
        for upload in completed:
            del self._pending_uploads[upload.file_id]
            self._files[upload.file_id] = upload
            answer.append(
                {
                    "id": upload.file_id,
                    "title": upload.title,
                    "name": upload.filename,
                    "size": len(upload.content),
                    "user": BOT_USER_ID,
                    "mimetype": _mimetype(upload.filename, upload.content),
                    **({"alt_txt": upload.alt_txt} if upload.alt_txt else {}),
                }
            )
        if channel is not None:
            share = Message(
                channel=channel,
                ts=self._next_ts(),
                text=comment or "",
                user=BOT_USER_ID,
                thread_ts=thread_ts,
                files=copy.deepcopy(answer),
                bot_id=BOT_ID,
            )
            self._messages.setdefault(channel, {})[share.ts] = share
        return {"files": answer}


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _mimetype(filename: str, content: bytes) -> str:
    """The file's type as Slack reports it: images by their bytes, text files by name."""
    if content.startswith(_PNG_SIGNATURE):
        return "image/png"
    if content[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {"csv": "text/csv", "ics": "text/calendar"}.get(suffix, "text/plain")


def _view_text(key: str, view: dict[str, Any], *, required: bool) -> list[str]:
    if key not in view or view[key] is None:
        return [f"missing required field: {key} [json-pointer:/view/{key}]"] if required else []
    return [e for e in _text_errors(view[key], f"/view/{key}", limit=24, plain_only=True)]


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[len("bearer ") :].strip() or None
    return None


def _send(
    req: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    try:
        req.send_response(status)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (e.g. its timeout was shorter than an injected delay)


def _send_json(
    req: BaseHTTPRequestHandler,
    status: int,
    payload: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    body = json.dumps(payload).encode("utf-8")
    _send(req, status, body, "application/json; charset=utf-8", headers)


def _send_failure(req: BaseHTTPRequestHandler, failure: _Failure) -> None:
    # Same bytes and headers as web_api_429_ratelimited.http.txt for the 429 case.
    body = json.dumps({"ok": False, "error": failure.error}, separators=(",", ":")).encode()
    headers = {"Connection": "close"}
    if failure.retry_after is not None:
        headers["Retry-After"] = str(failure.retry_after)
    _send(req, failure.status, body, "application/json;charset=utf-8", headers)


class _RequestHandler(BaseHTTPRequestHandler):
    server_api: SlackApiServer
    server_version = "SlackApiServer/1.0"

    def do_POST(self) -> None:
        self.server_api._handle(self)

    def do_GET(self) -> None:
        self.server_api._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output quiet
