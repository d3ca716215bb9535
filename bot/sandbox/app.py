"""`podbot sandbox`: podbot, a Slack-compatible Web API and the sandbox page, in one process.

* podbot runs as `podbot serve` does (runtime, Bolt app, delivery worker, `/slack/events`), on a
  ManualClock that starts at the real now and moves only when the page says so;
* the Web API (`slack_api.SlackApiServer`) listens on a second, local port and is podbot's
  `SLACK_API_URL`; message timestamps follow the sandbox clock;
* the page (`/`) reads `/sandbox/state` every second and acts through `/sandbox/send`, which
  signs and POSTs slash commands, message events, button clicks and menu choices, message
  shortcuts (a message's "…" menu offers the manifest's) and modal submissions to
  `/slack/events` exactly as Slack would: podbot's production code path, not a shortcut;
* `/sandbox/clock` moves the clock forward only, through every fire time of every job and POD
  it crosses, in order: at each the clock reads the fire time and the job runs for that POD,
  as the scheduler would have run it; then the catch-up sweep and the TAT alerts run at the
  target. Going backwards is refused. `/sandbox/jobs/run` runs a job now, as
  `podbot jobs run NAME --at <sandbox time>` does; `/sandbox/slack` starts and ends a simulated
  Slack outage (posts answer 503; podbot queues them and delivers each once when it ends).

The Web API's state and the clock are saved next to the database, so a restart without
`--fresh` finds its cards and threads again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from bot.blocks.text import plural
from bot.clock import ManualClock
from bot.config import Config, Settings
from bot.db.models import OutboxRow, OutboxStatus
from bot.db.session import Database
from bot.domain.vocabulary import Role
from bot.domain.working_time import next_working_day_at
from bot.jobs import JOBS, ledger
from bot.jobs.runner import catch_up, run_job
from bot.jobs.scheduler import fires_between, next_runs
from bot.manifest import manifest
from bot.process import Listen, Plan, Process, Serves, open_process
from bot.runtime import Runtime, Schema
from bot.sandbox.clickup import SandboxClickUp, SandboxClickUpError
from slackfake.render import Renderer
from slackfake.signing import SlackClient
from slackfake.web_api import BOT_USER_ID, Message, SlackApiServer

__all__ = ["Member", "Sandbox", "people_for"]

log = logging.getLogger(__name__)

BOT_TOKEN = "xoxb-sandbox"
STATIC = resources.files("bot.sandbox") / "static"
_MENTION = re.compile(r"(?<![\w<@])@([A-Za-z0-9][A-Za-z0-9._-]*)")
_FILE_TYPES = {
    ".csv": "text/csv",
    ".ics": "text/calendar",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
_ROLE_ORDER: dict[str, int] = {Role.EM: 0, Role.ANALYST: 1, Role.BUYER: 2, Role.CSM: 3}


@dataclass(frozen=True)
class Member:
    """A configured member as the page shows them: name, @handle and their roles."""

    id: str
    name: str
    handle: str
    roles: tuple[tuple[str, str], ...]  # (POD key, role)
    timezone: str


def people_for(config: Config, names: Mapping[str, tuple[str, str]]) -> list[Member]:
    """Every member of every POD; `names` maps a user id to (full name, handle)."""
    people: dict[str, Member] = {}
    handles: set[str] = set()
    for pod in config.pods:
        for user, role in pod.members.items():
            if user in people:
                old = people[user]
                people[user] = Member(
                    old.id, old.name, old.handle, (*old.roles, (pod.key, role)), old.timezone
                )
                continue
            name, handle = names.get(user, (user, user.lower()))
            base, n = handle.lower(), 1
            while handle.lower() in handles:
                n += 1
                handle = f"{base}{n}"
            handles.add(handle.lower())
            people[user] = Member(user, name, handle, ((pod.key, role),), pod.timezone)
    return sorted(
        people.values(),
        key=lambda p: (min(_ROLE_ORDER.get(r, 9) for _, r in p.roles), p.name.lower()),
    )


class TrackedExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, counting unfinished work so callers can wait for quiet."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="podbot-listener")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no submitted work is unfinished; False if `timeout` ran out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)


class SandboxError(Exception):
    """Something the page asked for cannot be done; the message says why."""


class Sandbox:
    """podbot and its Slack stand-in in one process; `start()` serves them, `stop()` ends it."""

    def __init__(
        self,
        config: Config,
        database_url: str,
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        start: datetime | None = None,
        state_file: Path | None = None,
        names: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.config = config
        self.database_url = database_url
        self.host = host
        self.port = port
        self.state_file = state_file
        self.people = people_for(config, names or {})
        # Customer channels (issue 32): id -> (name, customer), with their guests in `people`.
        self.customer_channels: dict[str, tuple[str, str]] = {}
        self._by_id = {p.id: p for p in self.people}
        self._by_handle = {p.handle.lower(): p for p in self.people}
        for person in self.people:
            first = person.name.split()[0].lower()
            self._by_handle.setdefault(first, person)
        saved = self._load_state()
        # A saved workspace resumes at its own clock (`start` is where a new one begins).
        now = start or datetime.now(UTC)
        if saved.get("clock"):
            now = datetime.fromisoformat(saved["clock"])
        self.clock = ManualClock(now)
        self.signing_secret = secrets.token_hex(16)
        self.api = SlackApiServer(
            valid_tokens={BOT_TOKEN}, ts_source=lambda: self.clock.now().timestamp()
        )
        if saved.get("slack"):
            self.api.restore(saved["slack"])
        # The ClickUp stand-in (issue 31); its workspace is saved beside. It dates its events
        # in real time, as ClickUp does: podbot refuses a webhook event a day older than its
        # delivery clock (real time), and the sandbox's clock may stand days in the past.
        self.clickup = SandboxClickUp(config, self.people, time.time, saved.get("clickup"))
        self._closed_views: set[str] = set(saved.get("closed_views") or [])
        self._view_errors: dict[str, dict[str, str]] = {}
        self._triggers: dict[str, str] = dict(saved.get("triggers") or {})
        self._log: list[str] = list(saved.get("log") or [])[-50:]
        self._changes = 0
        self._slack_down = False  # a simulated outage (never saved: a restart ends it)
        self._lock = threading.RLock()  # one clock move or job run at a time
        self._state_lock = threading.Lock()
        self.ready = threading.Event()
        self.progress = ""
        self.url = ""
        self._saved_version: tuple[int, int, int] | None = None
        self._stopping = threading.Event()
        self._saver: threading.Thread | None = None
        self.runtime: Runtime | None = None
        self.db: Database | None = None
        self._process: Process | None = None
        self._executor: TrackedExecutor | None = None
        self.signer: SlackClient | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> str:
        """Start the Web API, podbot and the page; returns the page's URL."""
        for pod in self.config.pods:
            self.api.add_channel(pod.channel, _channel_name(pod.name))
        if self.config.leadership.channel is not None:  # the monthly leadership report's
            self.api.add_channel(self.config.leadership.channel, "leadership")
        for person in self.people:
            offset = self.clock.now().astimezone(ZoneInfo(person.timezone)).utcoffset()
            self.api.add_user(
                person.id,
                name=person.handle,
                real_name=person.name,
                # The name the page shows for their mentions, so charts and CSVs agree with it.
                display_name=person.name,
                tz=person.timezone,
                tz_label=person.timezone,
                tz_offset=int((offset or timedelta()).total_seconds()),
                email=f"{person.handle}@example.com",
            )
        self.api.start()
        self.clickup.start()
        settings = Settings(
            bot_token=BOT_TOKEN,
            signing_secret=self.signing_secret,
            api_url=self.api.url,
            database_url=self.database_url,
            channel_interval=0,  # no need to keep Slack's posting pace against ourselves
        )
        settings = self.clickup.settings(settings)
        self._executor = TrackedExecutor()
        self._process = open_process(
            self.config, settings, Plan(serves=Serves.HTTP, listen=Listen(self.host, self.port)),
            clock=self.clock, schema=Schema.UPGRADE, after_ack=self._executor, wrap=self.asgi,
        )  # fmt: skip
        runtime = self._process.runtime
        self.db, self.runtime = runtime.db, runtime
        # Members' names, as a real install's first catch-up sweep looks them up: the card's
        # buyer menu, charts and CSVs name people from the first minute, not from 06:00.
        for pod in self.config.pods:
            run_job(runtime, JOBS["people-refresh"], pod)
        self.url = self._process.start().url
        # ClickUp's webhook on each POD's list, to this sandbox's /clickup/webhook (issue 31).
        self.clickup.connect(runtime, self.url)
        # Command answers after the ack (response_url) come back to the Web API stand-in.
        self.signer = SlackClient(
            self.url, self.signing_secret, response_url_base=self.api.response_url_base
        )
        self._saver = threading.Thread(target=self._save_loop, name="sandbox-save", daemon=True)
        self._saver.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and save the workspace (a second call does nothing)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self.clickup.stop_webhooks()
        with contextlib.suppress(Exception):
            self.wait_idle(5)
        if self._process is not None:
            self._process.stop()  # the listener, the after-ack threads, the worker, the database
        if self._saver is not None:
            self._saver.join(timeout=5)
        self.save()
        self.api.stop()
        self.clickup.stop()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until podbot's listeners are done and every due delivery went out."""
        if self._executor is not None and not self._executor.wait_idle(timeout):
            raise TimeoutError("podbot listeners still running")
        if self.runtime is not None:
            self.runtime.outbox_worker.wait_idle(timeout)

    def _settle(self) -> None:
        if self.slack_down:
            # The outbox keeps what podbot decided until Slack is back: nothing to wait for.
            if self._executor is not None:
                self._executor.wait_idle(10)
            return
        try:
            self.wait_idle(10)
        except TimeoutError:
            log.warning("podbot is still busy; the page will catch up")

    # -- persistence -----------------------------------------------------------------------

    def _load_state(self) -> dict[str, Any]:
        if self.state_file is None or not self.state_file.exists():
            return {}
        try:
            return dict(json.loads(self.state_file.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable sandbox state %s: %s", self.state_file, exc)
            return {}

    def save(self) -> None:
        """Write the Web API's workspace and the clock next to the database."""
        if self.state_file is None:
            return
        with self._state_lock:
            slack = self.api.snapshot()
            opened = set(slack["view_triggers"].values())  # whose modal is whose
            state = {
                "clock": self.clock.now().isoformat(),
                "slack": slack,
                "clickup": self.clickup.snapshot(),
                "closed_views": sorted(self._closed_views),
                "triggers": {t: u for t, u in self._triggers.items() if t in opened},
                "log": self._log[-50:],
            }
            temporary = self.state_file.with_suffix(".tmp")
            temporary.write_text(json.dumps(state), encoding="utf-8")
            temporary.replace(self.state_file)

    def _save_loop(self) -> None:
        while not self._stopping.wait(1.0):
            version = (self.api.version, self._changes, self.clickup.version())
            if version != self._saved_version:
                try:
                    self.save()
                    self._saved_version = version
                except Exception:
                    log.exception("could not save the sandbox state")

    # -- acting as Slack -------------------------------------------------------------------

    def _client(self) -> SlackClient:
        if self.signer is None:
            raise SandboxError("the sandbox is not started")
        return self.signer

    def add_guest(
        self, user: str, name: str, handle: str, timezone: str, channel: str, channel_name: str,
        customer: str,
    ) -> None:  # fmt: skip
        """Someone of a customer's, in the customer's Slack Connect channel (issue 32): the page
        lets a person act as them (answer a pre-approval); the channel shows its canvas."""
        guest = Member(user, name, handle, (), timezone)
        if user not in self._by_id:
            self.people.append(guest)
            self._by_id[user] = guest
            self._by_handle[handle.lower()] = guest
        self.api.add_channel(channel, channel_name)
        self.api.add_user(
            user, name=handle, real_name=name, display_name=name, tz=timezone,
            tz_label=timezone, tz_offset=0, email=f"{handle}@customer.example",
        )  # fmt: skip
        self.api.add_member(channel, user, external=True)
        self.customer_channels[channel] = (channel_name, customer)

    def person(self, user: str) -> Member:
        """The configured member with this id; SandboxError when there is none."""
        try:
            return self._by_id[user]
        except KeyError:
            raise SandboxError(f"{user} is not a member of any POD") from None

    def escape(self, text: str, *, command: bool = False) -> str:
        """What Slack sends for typed text: &, < and > escaped, @handles turned into mentions."""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        def mention(match: re.Match[str]) -> str:
            word = match[1].rstrip(".")
            person = self._by_handle.get(word.lower()) or self._by_id.get(word.upper())
            if person is None:
                return match[0]
            tail = match[1][len(word) :]
            return (f"<@{person.id}|{person.handle}>" if command else f"<@{person.id}>") + tail

        return _MENTION.sub(mention, text)

    def command(
        self, user: str, text: str, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Type a slash command: Slack POSTs it signed; its ephemeral answer shows to `user`.

        Typed in a thread's composer (`thread_ts`), the ephemeral answer shows in that thread,
        as Slack's client shows it; the payload Slack sends carries no thread either way. So
        do the answers podbot posts to the command's response_url after the ack (`later`)."""
        self.person(user)
        typed, *tail = text.strip().split(maxsplit=1)
        name = self.config.slack.command
        if typed != name:
            raise SandboxError(f"{typed} is not a valid command. podbot's command is {name}.")
        rest = tail[0] if tail else ""
        client = self._client()
        trigger = client.trigger_id()
        self._triggers[trigger] = user
        response_url = client.response_url("commands")
        seen = len(self.api.ephemerals(user))
        response = client.slash_command(
            self.escape(rest, command=True),
            user_id=user,
            channel_id=channel,
            command=name,
            trigger_id=trigger,
            response_url=response_url,
        )
        if response.status != 200:
            raise SandboxError(f"podbot answered HTTP {response.status}: {response.text[:200]}")
        answer = response.json() if response.body.strip() else {}
        acked = None
        if answer.get("text") or answer.get("blocks"):
            if answer.get("response_type") == "in_channel":
                self.api.add_message(
                    channel, answer.get("text") or "", BOT_USER_ID, blocks=answer.get("blocks")
                )
            else:
                acked = self.api.add_ephemeral(
                    channel, user, answer.get("text") or "", answer.get("blocks"), thread_ts
                )
        self.api.show_responses(response_url, channel, user, thread_ts)  # after the ack
        self._settle()
        later = [
            {"text": e.text, "blocks": e.blocks}
            for e in self.api.ephemerals(user)[seen:]
            if e is not acked
        ]
        return {"ok": True, "answer": answer, "later": later}

    def message(
        self, user: str, text: str, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Post a person's message; for a channel podbot is in, Slack sends a `message` event."""
        self.person(user)
        if not text.strip():
            raise SandboxError("type a message first")
        typed = self.escape(text)
        message = self.api.add_message(channel, typed, user, thread_ts=thread_ts)
        delivered = False
        if channel[:1] in "CG":
            event: dict[str, Any] = {
                "type": "message",
                "channel": channel,
                "user": user,
                "text": typed,
                "ts": message.ts,
                "event_ts": message.ts,
                "team": self._client().team_id,
                "channel_type": "channel" if channel.startswith("C") else "group",
            }
            if thread_ts:
                event["thread_ts"] = thread_ts
                with contextlib.suppress(KeyError):
                    event["parent_user_id"] = self.api.message(channel, thread_ts).user
            response = self._client().event(event)
            if response.status != 200:
                raise SandboxError(f"podbot answered HTTP {response.status} to the event")
            delivered = True
            self._settle()
        return {"ok": True, "ts": message.ts, "event": delivered}

    def click(
        self,
        user: str,
        channel: str,
        ts: str,
        action_id: str,
        block_id: str | None = None,
        value: str | None = None,
    ) -> dict[str, Any]:
        """Click a button in a message, or choose `value` from one of its menus: Slack POSTs a
        signed `block_actions` payload (a menu's with the option chosen)."""
        self.person(user)
        try:
            message = self.api.message(channel, ts)
        except KeyError:
            raise SandboxError("that message is gone") from None
        client = self._client()
        trigger = client.trigger_id()
        self._triggers[trigger] = user
        response = client.block_action(
            action_id,
            value or None,
            user_id=user,
            channel_id=channel,
            message_ts=ts,
            block_id=block_id or None,
            message=message.to_api(include_metadata=False),
            trigger_id=trigger,
        )
        if response.status != 200:
            raise SandboxError(f"podbot answered HTTP {response.status} to the click")
        self._settle()
        return {"ok": True}

    def shortcuts(self) -> list[dict[str, str]]:
        """The app's message shortcuts, as its manifest declares them: what a message's "…"
        menu offers."""
        declared = manifest(config=self.config)["features"].get("shortcuts") or []
        return [
            {
                "callback_id": str(item["callback_id"]),
                "name": str(item["name"]),
                "description": str(item.get("description") or ""),
            }
            for item in declared
            if item.get("type") == "message"
        ]

    def shortcut(self, user: str, channel: str, ts: str, callback_id: str) -> dict[str, Any]:
        """Run a message shortcut from a message's "…" menu: Slack POSTs a signed
        `message_action` with the message; podbot answers with a modal (or says why not)."""
        self.person(user)
        if callback_id not in {item["callback_id"] for item in self.shortcuts()}:
            raise SandboxError(f"podbot has no message shortcut {callback_id!r}")
        try:
            message = self.api.message(channel, ts)
        except KeyError:
            raise SandboxError("that message is gone") from None
        client = self._client()
        trigger = client.trigger_id()
        self._triggers[trigger] = user  # the modal it opens is this person's
        response = client.message_shortcut(
            callback_id,
            user,
            channel,
            message.to_api(include_metadata=False),
            trigger_id=trigger,
        )
        if response.status != 200:
            raise SandboxError(f"podbot answered HTTP {response.status} to the shortcut")
        self._settle()
        return {"ok": True}

    def open_home(self, user: str) -> dict[str, Any]:
        """Open the App Home tab: Slack sends `app_home_opened`; podbot publishes the Home."""
        self.person(user)
        event = {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user[1:]}
        response = self._client().event(event)
        if response.status != 200:
            raise SandboxError(f"podbot answered HTTP {response.status} to app_home_opened")
        self._settle()
        return {"ok": True}

    def home_click(self, user: str, action_id: str, value: str | None = None) -> dict[str, Any]:
        """Click a button on the user's Home: a signed `block_actions` from a view."""
        self.person(user)
        view = self.api.home_view(user)
        if view is None:
            raise SandboxError("no Home published for you yet")
        client = self._client()
        trigger = client.trigger_id()
        self._triggers[trigger] = user
        try:
            response = client.view_action(action_id, user, view, value, trigger_id=trigger)
        except LookupError:
            raise SandboxError("that button is no longer on your Home") from None
        if response.status != 200:
            raise SandboxError(f"podbot answered HTTP {response.status} to the click")
        self._settle()
        return {"ok": True}

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Submit a modal: Slack POSTs a signed `view_submission`; errors keep the modal open."""
        self.person(user)
        view = self.api.views.get(view_id)
        if view is None or view_id in self._closed_views:
            raise SandboxError("that form is closed")
        fields = {
            key: view.get(key)
            for key in (
                "blocks", "title", "submit", "close", "hash", "previous_view_id",
                "root_view_id", "external_id", "clear_on_close", "notify_on_close",
            )
        }  # fmt: skip
        response = self._client().view_submission(
            str(view.get("callback_id") or ""),
            values,
            user_id=user,
            private_metadata=str(view.get("private_metadata") or ""),
            view_id=view_id,
            view=fields,
        )
        if response.status != 200:
            raise SandboxError(f"podbot answered HTTP {response.status} to the form")
        answer = response.json() if response.body.strip() else {}
        action = answer.get("response_action")
        with self._state_lock:
            if action == "errors":
                self._view_errors[view_id] = dict(answer.get("errors") or {})
            else:
                self._view_errors.pop(view_id, None)
                self._closed_views.add(view_id)
                if action == "clear":
                    self._closed_views.update(v for v in self.api.views if self._opener(v) == user)
            self._changes += 1
        self._settle()
        return {"ok": True, "answer": answer}

    def close_view(self, user: str, view_id: str) -> dict[str, Any]:
        """Close a modal with its Cancel button (podbot asks for no view_closed events)."""
        self.person(user)
        with self._state_lock:
            self._closed_views.add(view_id)
            self._view_errors.pop(view_id, None)
            self._changes += 1
        return {"ok": True}

    def _opener(self, view_id: str) -> str | None:
        trigger = self.api.view_trigger(view_id)
        return self._triggers.get(trigger or "")

    # -- time ------------------------------------------------------------------------------

    def note(self, line: str) -> None:
        """Add a line to the page's activity log."""
        stamp = self.clock.now().strftime("%Y-%m-%d %H:%M UTC")
        with self._state_lock:
            self._log.append(f"{stamp} · {line}")
            del self._log[:-50]
            self._changes += 1

    def set_clock(self, instant: datetime, *, tick: bool = True) -> list[str]:
        """Move the clock forward to `instant`, passing through every scheduled fire time on
        the way, in order: at each the clock reads that instant and the job runs for its POD,
        as the scheduler would have run it. Then the catch-up sweep and the TAT alerts run at
        `instant`. Going backwards is refused (the ledger and the messages already happened)."""
        with self._lock:
            now = self.clock.now()
            if instant < now:
                raise SandboxError(
                    f"the clock only moves forward: {instant.astimezone(UTC):%a %d %b %Y %H:%M} "
                    f"UTC is before the sandbox's now, {now:%a %d %b %Y %H:%M} UTC "
                    "(start over with make demo-fresh)"
                )
            self.note(f"clock set to {instant.astimezone(UTC):%a %d %b %H:%M} UTC")
            outcomes = self.pass_through(now, instant) if tick else []
            self._move_clock(instant)
            return outcomes + self.tick() if tick else outcomes

    def _move_clock(self, to: datetime) -> None:
        """Set the sandbox's clock; the outbox's waits pass with it. A row held for so long
        (a DM waiting for its reader's office hours, worked out on the sandbox's clock) is
        that much nearer due in real time, as it would be had the time really passed."""
        passed = to - self.clock.now()
        self.clock.set(to)
        if passed <= timedelta(0) or self.runtime is None:
            return
        now = self.runtime.outbox_worker.clock.now()
        with self.runtime.db.transaction() as session:
            rows = session.scalars(
                select(OutboxRow).where(
                    OutboxRow.status == OutboxStatus.PENDING.value,
                    OutboxRow.next_attempt_at > now,
                )
            ).all()
            for row in rows:
                row.next_attempt_at = max(now, row.next_attempt_at - passed)
        if rows:
            self.runtime.outbox_worker.notify()

    def pass_through(self, after: datetime, until: datetime) -> list[str]:
        """Run every job and POD whose trigger fires in (`after`, `until`], in time order, each
        with the clock set to its fire time; what they sent is delivered before the clock
        moves on, so its messages carry the time they were sent at."""
        runtime = self._runtime()
        outcomes: list[str] = []
        with self._lock:
            for fire, spec, pod in fires_between(self.config, after, until):
                self._move_clock(fire)
                queued: list[int] = []
                outcome = run_job(runtime, spec, pod, now=fire, queued=queued)
                if queued:
                    self._settle()
                if outcome.outcome not in ("idle", "skipped") and not _quiet(outcome):
                    outcomes.append(outcome)
                    self.note(outcome)
        return outcomes

    def advance(self, delta: timedelta) -> list[str]:
        """Move the clock forward by `delta`, through every fire time it crosses."""
        with self._lock:
            return self.set_clock(self.clock.now() + delta)

    def next_working_morning(self, pod_key: str) -> list[str]:
        """Move to the POD's next working day at the aging-report time (09:00)."""
        pod = self._pod(pod_key)
        with self._lock:
            at = next_working_day_at(
                pod.calendar, self.clock.now(), self.config.schedule.aging_report
            )
            return self.set_clock(at)

    def tick(self) -> list[str]:
        """Run each job whose time has come (the scheduler's catch-up sweep) and TAT alerts."""
        runtime = self._runtime()
        with self._lock:
            now = self.clock.now()
            outcomes = catch_up(runtime, list(JOBS.values()), now)
            alerts = JOBS.get("tat-alerts")
            if alerts is not None:
                outcomes += [run_job(runtime, alerts, pod, now=now) for pod in self.config.pods]
            self._settle()
        for outcome in outcomes:
            if not _quiet(outcome):
                self.note(outcome)
        return outcomes

    def run_job(self, name: str, pod_key: str | None = None) -> list[str]:
        """Run a job now for one POD or all, as `podbot jobs run NAME --at <sandbox time>`."""
        spec = JOBS.get(name)
        if spec is None:
            raise SandboxError(f"no job named {name!r}; jobs are {', '.join(JOBS)}")
        pods = [self._pod(pod_key)] if pod_key else list(self.config.pods)
        runtime = self._runtime()
        with self._lock:
            now = self.clock.now()
            outcomes: list[str] = [run_job(runtime, spec, pod, now=now) for pod in pods]
            self._settle()
        for outcome in outcomes:
            self.note(outcome)
        return outcomes

    # -- Slack outages -------------------------------------------------------------------------

    @property
    def slack_down(self) -> bool:
        """Whether the stand-in is failing posts, as Slack does during an outage."""
        return self._slack_down

    def slack_outage(self, down: bool) -> str:
        """Start (or end) a simulated Slack outage: every `chat.postMessage` and file upload
        answers HTTP 503 until it ends. podbot keeps queueing what it decides; at the end the
        queued messages go out, each once, in order."""
        with self._lock:
            if down == self._slack_down:
                return self.outage_line()
            self._slack_down = down
            if down:
                for method in ("chat.postMessage", "files.completeUploadExternal"):
                    self.api.fail(method, status=503, times=None)
                line = "Slack is down (the stand-in answers posts with HTTP 503): podbot queues"
                line += " what it decides and retries"
            else:
                self.api.heal()
                if self.runtime is not None:
                    self.runtime.outbox_worker.slack_is_back()
                    self.runtime.outbox_worker.notify()
                line = f"Slack is back: {plural(self.queued(), 'queued message')} going out now"
        self.note(line)
        return line

    def queued(self) -> int:
        """Outbox rows not yet delivered."""
        if self.runtime is None:
            return 0
        return self.runtime.outbox_worker.pending()

    def outage_line(self) -> str:
        return "Slack is down" if self._slack_down else "Slack is up"

    def _pod(self, key: str) -> Any:
        try:
            return self.config.pod(key)
        except KeyError:
            raise SandboxError(f"no POD with key {key!r}") from None

    def _runtime(self) -> Runtime:
        if self.runtime is None:
            raise SandboxError("the sandbox is not started")
        return self.runtime

    # -- what the page shows ---------------------------------------------------------------

    def version(self) -> str:
        """Changes whenever anything the page shows may have changed."""
        ready = "ready" if self.ready.is_set() else self.progress
        clickup = self.clickup.version()
        now = self.clock.now().timestamp()
        return f"{self.api.version}.{clickup}.{self._changes}.{now}.{ready}"

    def names(self, user: str) -> str:
        """A user's display name (podbot for the bot)."""
        if user == BOT_USER_ID:
            return "podbot"
        person = self._by_id.get(user)
        return person.name if person else user

    def state(self, user: str) -> dict[str, Any]:
        """Everything the page shows to `user`: channels, threads, DMs, ephemerals, modal."""
        me = self._by_id.get(user) or (self.people[0] if self.people else None)
        if me is None:
            raise SandboxError("the configuration has no members")
        now = self.clock.now()
        zone = ZoneInfo(me.timezone)
        channel_names = {pod.channel: _channel_name(pod.name) for pod in self.config.pods}
        render = Renderer(
            names=self.names,
            zone=zone,
            now=now,
            channel_names=channel_names,
            users=[(p.id, p.name) for p in self.people],
        )
        ephemerals = self.api.ephemerals(me.id)
        channels = []
        for pod in self.config.pods:
            member = pod.role_of(me.id)
            channels.append(
                {
                    "id": pod.channel,
                    "name": channel_names[pod.channel],
                    "pod": pod.key,
                    "title": pod.name,
                    "topic": f"{pod.name} · {pod.timezone} · {len(pod.members)} members",
                    "member": member is not None,
                    "messages": self._conversation(pod.channel, me.id, render, ephemerals),
                }
            )
        for channel, (name, customer) in self.customer_channels.items():
            channel_names[channel] = name
            channels.append(
                {
                    "id": channel,
                    "name": name,
                    "pod": "",
                    "title": customer,
                    "topic": f"Slack Connect with {customer} · podbot keeps the canvas current",
                    "member": not me.roles,
                    "messages": self._conversation(channel, me.id, render, ephemerals),
                    "canvas": self.api.canvas_markdown(channel),
                }
            )
        lead = self.config.leadership.channel
        if lead is not None:
            channel_names[lead] = "leadership"
            channels.append(
                {
                    "id": lead,
                    "name": "leadership",
                    "pod": "",
                    "title": "Leadership",
                    "topic": "The monthly leadership report across PODs, its CSV and .eml",
                    "member": True,
                    "messages": self._conversation(lead, me.id, render, ephemerals),
                }
            )
        dms = []
        my_dm = "D" + me.id[1:]
        dm_users = {my_dm: me.id, **self.api.dms()}
        for channel, other in sorted(dm_users.items(), key=lambda kv: (kv[1] != me.id, kv[0])):
            messages = self._conversation(channel, me.id, render, ephemerals)
            if other != me.id and not messages:
                continue
            dms.append(
                {
                    "id": channel,
                    "name": "podbot" if other == me.id else f"podbot ↔ {self.names(other)}",
                    "mine": other == me.id,
                    "messages": messages,
                }
            )
        return {
            "version": self.version(),
            "ready": self.ready.is_set(),
            "progress": self.progress,
            "me": self._person_json(me),
            "people": [self._person_json(p) for p in self.people],
            "channels": channels,
            "dms": dms,
            "modal": self._modal(me.id, render),
            "home": self._home(me.id, render),
            "clock": self._clock_json(now),
            "jobs": [{"name": s.name, "summary": s.summary} for s in JOBS.values()],
            "command": self.config.slack.command,
            "shortcuts": self.shortcuts(),
            "log": list(reversed(self._log[-20:])),
            "slack": {"down": self._slack_down, "queued": self.queued()},
            "clickup": self.clickup.state(now),
        }

    def _person_json(self, person: Member) -> dict[str, Any]:
        pods = {pod.key: pod.name for pod in self.config.pods}
        roles = ", ".join(f"{role} · {pods[key]}" for key, role in person.roles)
        roles = roles or "customer (Slack Connect)"
        return {
            "id": person.id,
            "name": person.name,
            "handle": person.handle,
            "roles": roles,
            "timezone": person.timezone,
        }

    def _conversation(
        self, channel: str, user: str, render: Renderer, ephemerals: list[Any]
    ) -> list[dict[str, Any]]:
        messages = self.api.messages(channel)
        replies: dict[str, list[dict[str, Any]]] = {}
        top: list[dict[str, Any]] = []
        for message in messages:
            shown = self._message_json(message, render)
            if message.is_reply:
                replies.setdefault(message.thread_ts or "", []).append(shown)
                if message.reply_broadcast:
                    top.append({**shown, "broadcast": True})
            else:
                top.append(shown)
        for ephemeral in ephemerals:
            if ephemeral.channel != channel:
                continue
            shown = {
                "ts": ephemeral.ts,
                "user": BOT_USER_ID,
                "name": "podbot",
                "bot": True,
                "ephemeral": True,
                "time": render.when(_ts_time(ephemeral.ts)),
                "html": render.message(ephemeral.text, ephemeral.blocks, interactive=False),
            }
            if ephemeral.thread_ts:
                replies.setdefault(ephemeral.thread_ts, []).append(shown)
            else:
                top.append(shown)
        top.sort(key=lambda m: float(m["ts"]))
        for shown in top:
            thread = sorted(replies.get(shown["ts"], []), key=lambda m: float(m["ts"]))
            shown["replies"] = thread
            people = [m for m in thread if not m.get("ephemeral")]
            shown["reply_count"] = len(people)
            shown["last_reply"] = people[-1]["time"] if people else ""
        return top

    def _message_json(self, message: Message, render: Renderer) -> dict[str, Any]:
        return {
            "ts": message.ts,
            "thread_ts": message.thread_ts,
            "user": message.user,
            "name": self.names(message.user),
            "bot": message.user == BOT_USER_ID,
            "time": render.when(_ts_time(message.ts)),
            "edited": message.edited_ts is not None,
            "html": render.message(
                message.text, message.blocks, message.files, message.attachments
            ),
        }

    def _home(self, user: str, render: Renderer) -> dict[str, Any] | None:
        view = self.api.home_view(user)
        if view is None:
            return None
        return {"id": view.get("id"), "html": render.blocks(view.get("blocks") or [])}

    def _modal(self, user: str, render: Renderer) -> dict[str, Any] | None:
        for view_id, view in reversed(list(self.api.views.items())):
            if view.get("type") != "modal" or view_id in self._closed_views:
                continue
            if self._opener(view_id) != user:
                continue
            errors = self._view_errors.get(view_id, {})
            return {
                "id": view_id,
                "hash": view.get("hash"),
                "errors": errors,
                "title": (view.get("title") or {}).get("text") or "",
                "submit": (view.get("submit") or {}).get("text") or "Submit",
                "close": (view.get("close") or {}).get("text") or "Cancel",
                "html": render.view(view, errors),
            }
        return None

    def _clock_json(self, now: datetime) -> dict[str, Any]:
        pods = []
        for pod in self.config.pods:
            local = now.astimezone(pod.zone)
            working = pod.calendar.is_working_day(local.date())
            pods.append(
                {
                    "key": pod.key,
                    "name": pod.name,
                    "timezone": pod.timezone,
                    "local": f"{local:%a %d %b %Y, %H:%M} ({local:%Z})",
                    "short": f"{local:%a %H:%M}",
                    "input": f"{local:%Y-%m-%dT%H:%M}",
                    "working_day": working,
                }
            )
        upcoming = []
        db = self.db
        done = None if db is None else (lambda j, s, p: ledger.is_done(db, j, s, p))
        for spec, pod, schedule, fire in next_runs(self.config, now, done):
            if fire is None:
                continue
            local = fire.astimezone(pod.zone)
            upcoming.append(
                {
                    "job": spec.name,
                    "pod": pod.key,
                    "pod_name": pod.name,
                    "schedule": schedule,
                    "at": fire.isoformat(),
                    "local": f"{local:%a %d %b %H:%M}",
                }
            )
        upcoming.sort(key=lambda row: row["at"])
        return {"utc": now.isoformat(), "pods": pods, "next": upcoming}

    def file(self, file_id: str) -> tuple[str, bytes]:
        """An uploaded file's name and bytes."""
        upload = self.api.files.get(file_id)
        if upload is None:
            raise SandboxError(f"no file {file_id}")
        return upload.filename, upload.content

    # -- HTTP ------------------------------------------------------------------------------

    def asgi(self, bolt: ASGIApp) -> Starlette:
        """The page and its JSON API, in front of podbot's own routes (/slack/events, …)."""

        guarded = self._guarded

        @guarded
        async def page(_request: Request) -> Response:
            return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

        @guarded
        async def static(request: Request) -> Response:
            name = request.path_params["name"]
            kind = _STATIC_TYPES.get(Path(name).suffix)
            resource = STATIC / name
            if kind is None or "/" in name or not resource.is_file():
                return Response("not found", 404, media_type="text/plain")
            return Response(resource.read_bytes(), media_type=kind)

        @guarded
        async def state(request: Request) -> Response:
            user = request.query_params.get("as", "")
            since = request.query_params.get("since")
            if since and since == f"{user}:{self.version()}":
                return JSONResponse({"unchanged": True})
            try:
                data = await run_in_threadpool(self.state, user)
            except SandboxError as exc:
                return JSONResponse({"ok": False, "error": str(exc)}, 400)
            data["version"] = f"{data['me']['id']}:{data['version']}"
            return JSONResponse(data)

        @guarded
        async def send(request: Request) -> Response:
            return await _answer(self._send, await _json(request))

        @guarded
        async def clock(request: Request) -> Response:
            return await _answer(self._clock, await _json(request))

        @guarded
        async def jobs(request: Request) -> Response:
            return await _answer(self._jobs, await _json(request))

        @guarded
        async def slack(request: Request) -> Response:
            return await _answer(self._slack, await _json(request))

        @guarded
        async def clickup(request: Request) -> Response:
            return await _answer(self._clickup, await _json(request))

        @guarded
        async def download(request: Request) -> Response:
            try:
                name, content = self.file(request.path_params["file_id"])
            except SandboxError as exc:
                return Response(str(exc), 404, media_type="text/plain")
            kind = _FILE_TYPES.get(Path(name).suffix.lower())
            safe = re.sub(r"[^\w.\- ]", "_", name)
            # Images are shown in the page (the preview's <img>); other files download.
            disposition = "inline" if kind and kind.startswith("image/") else "attachment"
            return Response(
                content,
                media_type=kind or "application/octet-stream",
                headers={"Content-Disposition": f'{disposition}; filename="{safe}"'},
            )

        return Starlette(
            routes=[
                Route("/", page, methods=["GET"]),
                Route("/static/{name}", static, methods=["GET"]),
                Route("/sandbox/state", state, methods=["GET"]),
                Route("/sandbox/send", send, methods=["POST"]),
                Route("/sandbox/clock", clock, methods=["POST"]),
                Route("/sandbox/jobs/run", jobs, methods=["POST"]),
                Route("/sandbox/slack", slack, methods=["POST"]),
                Route("/sandbox/clickup", clickup, methods=["POST"]),
                Route("/sandbox/files/{file_id}", download, methods=["GET"]),
                Mount("", app=bolt),
            ]
        )

    def _guarded(self, handler: Callable[[Request], Awaitable[Response]]) -> _Handler:
        """The handler, for requests from the sandbox's own page only.

        The page's API changes the workspace, so any web page the user has open could drive
        it with a "simple" cross-site POST (text/plain needs no preflight), and a DNS-rebound
        name could read it. So: the Host must be the sandbox's (a loopback name or the host it
        was started on, with its port), an Origin, when the browser sends one, the same, and a
        POST's body JSON (which a cross-site page cannot send without a preflight, refused).
        """

        async def guard(request: Request) -> Response:
            own = self._own_hosts()
            host = request.headers.get("host", "").lower()
            origin = request.headers.get("origin")
            if host not in own:
                return _refuse(request, 403, f"Host {host!r} is not this sandbox")
            if origin is not None and origin.lower() not in {f"http://{h}" for h in own}:
                return _refuse(request, 403, f"Origin {origin!r} is not this sandbox's page")
            if request.method == "POST":
                media = request.headers.get("content-type", "").split(";")[0].strip().lower()
                if media != "application/json":
                    return _refuse(request, 415, "the body must be JSON (application/json)")
            return await handler(request)

        return guard

    def _own_hosts(self) -> set[str]:
        """The Host values the page is served under: loopback names and the bound host."""
        port = urlsplit(self.url).port or self.port
        names = {"localhost", "127.0.0.1", "[::1]", self.host.lower()}
        names = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names}
        hosts = {f"{name}:{port}" for name in names}
        return hosts | (names if port == 80 else set())

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.ready.is_set():
            raise SandboxError(f"the demo data is still loading ({self.progress}); a moment…")
        user = str(body.get("as") or "")
        kind = body.get("kind")
        if kind == "text":
            text = str(body.get("text") or "")
            channel = str(body.get("channel") or "")
            if text.lstrip().startswith("/"):
                return self.command(user, text, channel, body.get("thread_ts") or None)
            return self.message(user, text, channel, body.get("thread_ts") or None)
        if kind == "action":
            return self.click(
                user,
                str(body.get("channel") or ""),
                str(body.get("ts") or ""),
                str(body.get("action_id") or ""),
                body.get("block_id"),
                body.get("value"),
            )
        if kind == "shortcut":
            return self.shortcut(
                user,
                str(body.get("channel") or ""),
                str(body.get("ts") or ""),
                str(body.get("callback_id") or ""),
            )
        if kind == "home":
            return self.open_home(user)
        if kind == "home_action":
            return self.home_click(
                user, str(body.get("action_id") or ""), body.get("value") or None
            )
        if kind == "submit":
            return self.submit(user, str(body.get("view_id") or ""), dict(body.get("values") or {}))
        if kind == "close":
            return self.close_view(user, str(body.get("view_id") or ""))
        raise SandboxError(f"unknown kind {kind!r}")

    def _jobs(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.ready.is_set():
            raise SandboxError("the demo data is still loading; a moment…")
        return {"ok": True, "outcomes": self.run_job(str(body.get("job")), body.get("pod"))}

    def _slack(self, body: dict[str, Any]) -> dict[str, Any]:
        action = body.get("action")
        if action not in ("outage", "restore"):
            raise SandboxError(f"unknown Slack action {action!r}; use outage or restore")
        return {"ok": True, "outcome": self.slack_outage(action == "outage")}

    def _clickup(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.ready.is_set():
            raise SandboxError("the demo data is still loading; a moment…")
        return {"ok": True, "outcome": self.clickup_act(body)}

    def clickup_act(self, body: dict[str, Any]) -> str:
        """A person acts in the POD's ClickUp list (comments on a task, moves its status); the
        stand-in fires the webhook to podbot's /clickup/webhook, and this waits until podbot
        has answered it and sent what it decided (a line in the card's thread)."""
        user = str(body.get("as") or "")
        task_id = str(body.get("task_id") or "")
        action = body.get("action")
        person = self.person(user)
        with self._lock:
            try:
                if action == "comment":
                    outcome = self.clickup.comment(person.id, task_id, str(body.get("text") or ""))
                elif action == "status":
                    status = str(body.get("status") or "")
                    outcome = self.clickup.set_status(person.id, task_id, status)
                else:
                    raise SandboxError(f"unknown ClickUp action {action!r}; use comment or status")
            except SandboxClickUpError as exc:
                raise SandboxError(str(exc)) from None
            self._settle()
        line = f"{person.name} {outcome}"
        self.note(line)
        return line

    def _clock(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.ready.is_set():
            raise SandboxError("the demo data is still loading; a moment…")
        action = body.get("action")
        if action == "advance":
            minutes = float(body.get("minutes") or 0)
            if minutes <= 0:
                raise SandboxError("advance by a positive number of minutes")
            outcomes = self.advance(timedelta(minutes=minutes))
        elif action == "set":
            outcomes = self.set_clock(_parse_instant(body))
        elif action == "next-morning":
            outcomes = self.next_working_morning(str(body.get("pod") or ""))
        else:
            raise SandboxError(f"unknown clock action {action!r}")
        return {"ok": True, "now": self.clock.now().isoformat(), "outcomes": outcomes}


def _parse_instant(body: dict[str, Any]) -> datetime:
    """`at` as ISO-8601; without an offset it is read in `timezone` (a POD's zone)."""
    text = str(body.get("at") or "")
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise SandboxError(f"{text!r} is not a date and time like 2026-11-24T09:00") from None
    if instant.tzinfo is None:
        try:
            instant = instant.replace(tzinfo=ZoneInfo(str(body.get("timezone") or "UTC")))
        except (KeyError, ValueError):
            raise SandboxError(f"unknown time zone {body.get('timezone')!r}") from None
    return instant


_Handler = Callable[[Request], Awaitable[Response]]


def _refuse(request: Request, status: int, why: str) -> Response:
    log.warning("sandbox: refused %s %s: %s", request.method, request.url.path, why)
    return JSONResponse({"ok": False, "error": f"refused: {why}"}, status)


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def _answer(
    handle: Callable[[dict[str, Any]], dict[str, Any]], body: dict[str, Any]
) -> Response:
    try:
        return JSONResponse(await run_in_threadpool(handle, body))
    except SandboxError as exc:
        return JSONResponse({"ok": False, "error": str(exc)}, 400)
    except Exception as exc:
        log.exception("sandbox request failed")
        return JSONResponse({"ok": False, "error": f"sandbox error: {exc!r}"}, 500)


def _quiet(outcome: str) -> bool:
    """A run that found nothing to send (not worth a line in the activity log)."""
    return "nothing to do" in outcome or ": 0 " in outcome or "already done" in outcome


def _channel_name(pod_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", pod_name.lower()).strip("-") or "pod"


def _ts_time(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)
