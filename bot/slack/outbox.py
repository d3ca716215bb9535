"""Slack work a handler or a job run decides inside its transaction.

Posts and edits (cards, thread replies, claim messages) and a job's reports, DMs and files
become `deliveries` rows written in the *same* transaction as the change that caused them, so
a refused or failed action sends nothing and a committed one is never lost; the delivery
worker sends them. Cards and claim
messages are rendered at delivery time from the database, so pending edits of one card
collapse into one `chat.update` showing the latest state.

Modals and follow-up ephemerals are answers to a person who is looking right now: they go out
directly after the ack and are not queued (a modal's trigger expires in 3 seconds). A slash
command answered after its ack (a deferred subcommand's) is queued: `respond`, by the
command's response_url.
"""

from __future__ import annotations

import base64
import enum
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import bindparam, delete, insert, literal_column, select, union_all
from sqlalchemy.orm import Session

from bot.blocks.text import mentions
from bot.db.models import OutboxKind, OutboxRow, OutboxStatus, PodRow, Request, SavingsClaim
from bot.db.requests import known_pod_key
from bot.domain.vocabulary import Role
from bot.slack.snapshots import Snapshot
from bot.slack.web_api import WebApiError

if TYPE_CHECKING:
    from sqlalchemy import CompoundSelect, Select

    from bot.runtime import Runtime

log = logging.getLogger(__name__)
__all__ = ["Lane", "Outbox", "mentions"]  # `mentions` lives in bot/blocks/text.py
_INSERT_DELIVERY = insert(OutboxRow.__table__)
_INSERT_RETURNING_ID = _INSERT_DELIVERY.returning(OutboxRow.__table__.c.id)
# The collapse checks below run before every command's ack; each is a lookup in the index of
# pending rows by lane and kind (`ix_deliveries_pending_lane_kind`), never a walk of the
# backlog. A partial index serves a query only when the query's WHERE implies the index's:
# SQLite checks that on the SQL text, and PostgreSQL cannot for a prepared statement's generic
# plan, so the status is written into the statement, not bound: as SQL text once, not as a
# literal rendered again on every execution (`literal_execute`, the same SQL at a cost).
_PENDING = OutboxRow.status == literal_column(f"'{OutboxStatus.PENDING.value}'")


@cache
def _pending_in(kind: OutboxKind, lanes: int) -> Select[str] | CompoundSelect[str]:
    """Which of `lanes` lanes (bound as lane0, lane1, …) have a pending row of `kind`: one
    index lookup each, in one statement (with `lane IN (…)` SQLite's planner, with no
    statistics, walks every pending row instead). Built once per kind and count: building a
    statement costs more than running it."""
    looks = [
        select(OutboxRow.lane).where(
            OutboxRow.lane == bindparam(f"lane{n}"), OutboxRow.kind == kind.value, _PENDING
        )
        for n in range(lanes)
    ]
    return looks[0] if lanes == 1 else union_all(*looks)


def _waiting(session: Session, kind: OutboxKind, lanes: list[str]) -> set[str]:
    """The lanes among `lanes` with a row of `kind` still pending."""
    statement = _pending_in(kind, len(lanes))
    values = {f"lane{n}": lane for n, lane in enumerate(lanes)}
    return set(session.connection().execute(statement, values).scalars())


_POD_KEY = select(PodRow.key).where(PodRow.id == bindparam("pod"))


def _pod_key(session: Session, pod_id: int) -> str | None:
    """The config key of a POD row: known already when the transaction loaded a request of it
    (`load_request`), else by Core (cheaper than loading the row on the ack path)."""
    key = known_pod_key(session, pod_id)
    if key is None:
        key = session.connection().execute(_POD_KEY, {"pod": pod_id}).scalar()
    return key


class Lane(enum.StrEnum):
    """Outbox rows sent strictly in order, one at a time: `Lane.REQUEST.of(12)` is "req:12"."""

    REQUEST = "req"  # a request's card, its thread replies and its claim messages
    DM = "dm"  # one user's direct messages
    # A channel's posts from job runs and shared check-ins, their thread continuations and
    # files: every run's reports in the order they were decided (issue 29), however long
    # Slack was away. A run's thread rows follow their parent in the same lane.
    CHANNEL = "chan"
    RUN = "run"  # before issue 29, one job run's rows (rows an older podbot queued still use it)
    MESSAGE = "msg"  # the edits of one message (channel and ts)
    HOME = "home"  # one user's App Home tab
    ANSWER = "ans"  # one user's answers to slash commands worked out after their ack
    # A request's ClickUp task (issue 31): `clickup:<task id>`, or `clickup:REQ-n` for a task
    # podbot creates (the lane is the link's, fixed for its life: bot/clickup/mirror.py).
    CLICKUP = "clickup"
    EMAIL = "email"  # one customer update's email (issue 32)
    CANVAS = "canvas"  # one account's customer canvas (issue 32)

    def of(self, *key: object) -> str:
        return ":".join([self.value, *(str(part) for part in key)])


def _dicts(blocks: list[Any] | None) -> list[dict[str, Any]] | None:
    if blocks is None:
        return None
    return [b.to_dict() if isinstance(b, Block) else b for b in blocks]


@dataclass
class Outbox:
    """Queues durable deliveries in the current transaction; sends direct answers after the ack."""

    runtime: Runtime
    _direct: list[tuple[str, Callable[[], object]]] = field(default_factory=list)
    # The channels of the rows queued (None: a row without one), for the worker to look at.
    _channels: set[str | None] = field(default_factory=set)
    # The ClickUp status row each task lane was given in this transaction: a later status in
    # the same transaction replaces it (a close that ends a hold sets the task's status once).
    _clickup_status: dict[str, int] = field(default_factory=dict)

    # -- durable: written in the caller's transaction -----------------------------------------

    def _enqueue(
        self,
        session: Session,
        lane: str,
        kind: OutboxKind,
        payload: dict[str, Any],
        channel: str | None = None,
        parent: int | None = None,
        *,
        returning: bool = False,
        wait: timedelta | None = None,
    ) -> int | None:
        now = self.runtime.outbox_worker.clock.now()  # the delivery clock (real time)
        # A row that waits (a DM held for its reader's hours) is not taken before then.
        due = now + wait if wait is not None and wait > timedelta(0) else now
        self._channels.add(channel)
        # A plain INSERT: no object to track, so no unit-of-work flush on the ack path; the
        # new row's id is read back only for a job run (parents, and `jobs run`'s count).
        result = session.connection().execute(
            _INSERT_RETURNING_ID if returning else _INSERT_DELIVERY,
            self._row(session, now, lane, kind, payload, channel, parent, due),
        )
        return result.scalar_one() if returning else None

    def _enqueue_all(
        self, session: Session, rows: list[tuple[str, OutboxKind, dict[str, Any]]]
    ) -> None:
        """Queue rows (lane, kind, payload) with no channel, in this order, in one statement
        (an executemany: a change republishes several Homes before its command's ack)."""
        if not rows:
            return
        now = self.runtime.outbox_worker.clock.now()
        self._channels.add(None)
        values = [
            self._row(session, now, lane, kind, payload, None, None, now)
            for lane, kind, payload in rows
        ]
        session.connection().execute(_INSERT_DELIVERY, values if len(values) > 1 else values[0])

    def _row(
        self,
        session: Session,
        now: datetime,
        lane: str,
        kind: OutboxKind,
        payload: dict[str, Any],
        channel: str | None,
        parent: int | None,
        due: datetime,
    ) -> dict[str, Any]:
        return {
            "lane": lane,
            "kind": kind.value,
            "payload": payload,
            "channel": channel,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": due,
            "parent_id": parent,
            "team_id": self._workspace(session, lane, channel, payload),
        }

    def _workspace(
        self, session: Session, lane: str, channel: str | None, payload: dict[str, Any]
    ) -> str | None:
        """Whose token sends the row (OAuth mode, PODs in many workspaces): the workspace of
        its request's POD, else of its channel's POD, else of its user's; None when the PODs
        name no workspace (one workspace: nothing to look up)."""
        config = self.runtime.config
        if not config.names_workspaces():
            return None
        kind, _, key = lane.partition(":")
        if kind == Lane.REQUEST.value and key.isdigit():
            request = session.get(Request, int(key))
            pod_key = _pod_key(session, request.pod_id) if request is not None else None
            pod = config.find_pod(pod_key) if pod_key is not None else None
            if pod is not None:
                return pod.workspace
        for place in (channel, payload.get("channel"), *key.split(":")):
            pod = config.pod_for_channel(place) if isinstance(place, str) else None
            if pod is not None:
                return pod.workspace
        user = payload.get("user")
        return config.workspace_of(None, user if isinstance(user, str) else None)

    def _posting_in(self, session: Session, request_id: int) -> str | None:
        # Where the request's thread (or its new card) is: the card's channel, else its POD's.
        # The request is usually in the session already (the handler loaded it): no query.
        return self._channel_of(session, session.get(Request, request_id))

    def _channel_of(self, session: Session, request: Request | None) -> str | None:
        if request is None:
            return None
        if request.card_channel:
            return request.card_channel
        key = _pod_key(session, request.pod_id)
        try:
            return self.runtime.config.pod(key).channel if key is not None else None
        except KeyError:  # a POD no longer configured: the worker will say so when it sends
            return None

    def card(self, session: Session, request_id: int) -> None:
        """Post the request's card, or refresh it in place."""
        lane = Lane.REQUEST.of(request_id)

        # A card edit still waiting will render the latest state: no second one.
        if not _waiting(session, OutboxKind.CARD, [lane]):
            # A card not posted yet is a post (paced per channel); later ones are edits.
            request = session.get(Request, request_id)
            posting = request is not None and request.card_ts is None
            channel = self._channel_of(session, request) if posting else None
            self._enqueue(session, lane, OutboxKind.CARD, {"request": request_id}, channel)

    def new_cards(
        self, session: Session, cards: Iterable[tuple[int, str]], *, import_id: int
    ) -> None:
        """Post the cards of new requests (number, channel) written by an import, in one
        statement; they are not taken until the import is complete (`bot.db.visible`)."""
        now = self.runtime.outbox_worker.clock.now()  # the delivery clock (real time)
        rows: list[dict[str, Any]] = [
            {
                "lane": Lane.REQUEST.of(number),
                "kind": OutboxKind.CARD.value,
                "payload": {"request": number},
                "channel": channel,
                "status": OutboxStatus.PENDING.value,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
                "parent_id": None,
                "import_id": import_id,
            }
            for number, channel in cards
        ]
        if rows:
            self._channels.update(row["channel"] for row in rows)
            session.connection().execute(_INSERT_DELIVERY, rows)

    def homes(self, session: Session, users: Iterable[str | None]) -> None:
        """Republish these users' App Home tabs (rendered from the database when sent). A
        Home row still pending for a user renders the latest state: no second one, so a
        transaction queues at most one row per user."""
        wanted = {Lane.HOME.of(user): user for user in dict.fromkeys(users) if user}
        if not wanted:
            return
        waiting = _waiting(session, OutboxKind.HOME, list(wanted))
        rows = [
            (lane, OutboxKind.HOME, {"user": user})
            for lane, user in wanted.items()
            if lane not in waiting
        ]
        self._enqueue_all(session, rows)

    def homes_of(self, session: Session, request: Request) -> None:
        """Republish the Home of everyone a change to `request` (or its claims) shows for:
        its buyer, the POD's analysts and ems, its fallback and rule approvers, and the csm who
        opened it (other csms see it when they open their Home)."""
        key = _pod_key(session, request.pod_id)
        configured = self.runtime.config.find_pod(key) if key is not None else None
        users: list[str | None] = [request.buyer_id]
        if configured is not None:
            users += configured.members_with(Role.ANALYST) + configured.members_with(Role.EM)
            users += configured.fallback_approvers
            users += [u for rule in configured.approval_rules for u in rule.then]
            if configured.role_of(request.created_by) == Role.CSM:
                users.append(request.created_by)  # a csm's Home lists what they opened
        self.homes(session, users)

    def thread(
        self, session: Session, request_id: int, text: str, blocks: list[Block] | None = None
    ) -> None:
        """Reply in the request card's thread."""
        self._reply(session, request_id, text, blocks)

    def _reply(
        self,
        session: Session,
        request_id: int,
        text: str,
        blocks: list[Any] | None = None,
        *,
        returning: bool = False,
    ) -> int | None:
        payload = {"request": request_id, "text": text, "blocks": _dicts(blocks)}
        channel = self._posting_in(session, request_id)
        lane = Lane.REQUEST.of(request_id)
        return self._enqueue(
            session, lane, OutboxKind.THREAD, payload, channel, returning=returning
        )

    def claim(self, session: Session, claim_id: int) -> None:
        """Post a savings claim's message in its request's thread, or refresh it in place."""
        claim = session.get(SavingsClaim, claim_id)
        assert claim is not None
        # Its first delivery posts in the request's thread; later ones edit that message.
        posting = claim.message_ts is None
        channel = self._posting_in(session, claim.request_id) if posting else None
        lane = Lane.REQUEST.of(claim.request_id)
        self._enqueue(session, lane, OutboxKind.CLAIM, {"claim": claim_id}, channel)

    def edit(
        self,
        session: Session,
        channel: str,
        ts: str,
        text: str,
        blocks: list[Any] | None = None,
        *,
        settled: bool = False,
    ) -> None:
        """Edit a message the bot posted (e.g. a reminder DM after a click); `settled`: the
        edit saying what the DM was about is resolved (so it is made once)."""
        payload: dict[str, Any] = {"channel": channel, "ts": ts, "text": text}
        payload["blocks"] = _dicts(blocks)
        if settled:
            payload["settled"] = True
        self._enqueue(session, Lane.MESSAGE.of(channel, ts), OutboxKind.UPDATE, payload)

    # -- a job run's messages: posts, DMs and files, each its own row ------------------------

    def message(
        self,
        session: Session,
        lane: str,
        channel: str,
        text: str,
        blocks: list[Any] | None = None,
        *,
        parent: int | None = None,
        snapshot: Snapshot | None = None,
    ) -> int:
        """Post in a channel, or in the thread of the message row `parent` posted (an earlier
        row of the same `lane`, so it is sent first); returns the new row's id. A `snapshot`
        post is not sent once a newer one of its key is queued behind it (`drop_superseded`)."""
        payload: dict[str, Any] = {"channel": channel, "text": text, "blocks": _dicts(blocks)}
        if snapshot is not None:
            payload.update(snapshot.payload())
        row = self._enqueue(
            session, lane, OutboxKind.MESSAGE, payload, channel, parent, returning=True
        )
        assert row is not None
        return row

    def dm(
        self,
        session: Session,
        user: str,
        text: str,
        blocks: list[Any] | None = None,
        *,
        reminders: list[list[Any]] | None = None,
        snapshot: Snapshot | None = None,
        renewal: int | None = None,
        wait: timedelta | None = None,
    ) -> int:
        """Message a user directly: the conversation is opened when the row is sent. A DM
        carrying reminders (their keys) records on them where it landed, for their buttons; a
        renewal reminder names its contract (`renewal`), for the renewal request that settles
        it; a `snapshot` DM (a digest) is not sent once a newer one of its key is queued. With
        `wait`, the row is not sent before that much time has passed (a one-off DM held until
        its reader's office hours: issue 30) — and the user's later DMs wait behind it."""
        payload: dict[str, Any] = {"user": user, "text": text, "blocks": _dicts(blocks)}
        if reminders:
            payload["reminders"] = reminders
        if renewal is not None:
            payload["renewal"] = renewal
        if snapshot is not None:
            payload.update(snapshot.payload())
        row = self._enqueue(
            session, Lane.DM.of(user), OutboxKind.DM, payload, returning=True, wait=wait
        )
        assert row is not None
        return row

    def upload(
        self,
        session: Session,
        lane: str,
        channel: str,
        filename: str,
        content: bytes,
        title: str,
        *,
        parent: int | None = None,
        alt_text: str | None = None,
    ) -> int:
        """Share a file in a channel, or in the thread of `parent`'s message: a text file (CSV,
        ICS) is kept as text (`content`), any other (a PNG chart) as base64 (`content_b64`);
        `alt_text` describes an image for screen readers (Slack's `alt_txt`)."""
        payload: dict[str, Any] = {"channel": channel, "filename": filename, "title": title}
        try:
            payload["content"] = content.decode("utf-8")
        except UnicodeDecodeError:
            payload["content_b64"] = base64.b64encode(content).decode("ascii")
        if alt_text:
            payload["alt_text"] = alt_text
        # No channel for the worker's pacing: sharing a file is files.completeUploadExternal,
        # not held to chat.postMessage's one message per second in a channel.
        row = self._enqueue(session, lane, OutboxKind.UPLOAD, payload, None, parent, returning=True)
        assert row is not None
        return row

    def respond(
        self,
        session: Session,
        user: str,
        response_url: str | None,
        text: str,
        blocks: list[Any] | None = None,
    ) -> None:
        """Answer `user`'s slash command after its ack, by the command's `response_url`: shown
        to them only, where they typed it (a thread included). Without one, by DM."""
        if response_url is None:
            self.dm(session, user, text, blocks)
            return
        payload = {"url": response_url, "user": user, "text": text, "blocks": _dicts(blocks)}
        self._enqueue(session, Lane.ANSWER.of(user), OutboxKind.RESPOND, payload)

    def clickup(self, session: Session, lane: str, payload: dict[str, Any]) -> None:
        """A change to a request's ClickUp task (`bot/clickup/deliver.py` sends it), in its
        task's lane; no channel: ClickUp's pace is the workspace's, kept by the sender. A
        status replaces the status this transaction queued for the task before."""
        if payload.get("op") == "status" and lane in self._clickup_status:
            session.connection().execute(
                delete(OutboxRow).where(OutboxRow.id == self._clickup_status.pop(lane), _PENDING)
            )
        row = self._enqueue(session, lane, OutboxKind.CLICKUP, payload, returning=True)
        if payload.get("op") == "status" and row is not None:
            self._clickup_status[lane] = row

    def respond_alone(
        self, user: str, response_url: str | None, text: str, blocks: list[Any] | None = None
    ) -> None:
        """`respond` in a transaction of its own: a deferred command's answer, worked out
        after the transaction that decided it (if any) committed."""
        with self.runtime.db.transaction() as session:
            self.respond(session, user, response_url, text, blocks)

    def email(self, session: Session, update_id: int) -> None:
        """Email a customer update by SMTP (issue 32): built from the stored draft when sent,
        and sent at most once by the worker whatever the clicks (the draft's status)."""
        self._enqueue(session, Lane.EMAIL.of(update_id), OutboxKind.EMAIL, {"update": update_id})

    def canvas(self, session: Session, account_id: int, channel: str) -> None:
        """Bring the account's customer canvas up to date (issue 32): rendered from the database
        when sent, so a canvas row still pending stands for every change since (no second one).
        Paced as a post in the customer channel."""
        lane = Lane.CANVAS.of(account_id)
        if not _waiting(session, OutboxKind.CANVAS, [lane]):
            self._enqueue(session, lane, OutboxKind.CANVAS, {"account": account_id}, channel)

    def reply(self, session: Session, request_id: int, text: str) -> int:
        """Reply in a request card's thread (after the card, in the request's lane)."""
        row = self._reply(session, request_id, text, returning=True)
        assert row is not None
        return row

    # -- direct: answers to someone looking right now -----------------------------------------

    def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        blocks: list[Block] | None = None,
    ) -> None:
        """Tell one user something only they see, in the channel they used (else by DM)."""
        self._direct.append(
            ("ephemeral", lambda: self._ephemeral(channel, user, text, thread_ts, blocks))
        )

    def view(self, trigger_id: str, view: View) -> None:
        """Open a modal for the user whose click or command carried `trigger_id`."""
        self._direct.append(("view", lambda: self.runtime.slack.open_view(trigger_id, view)))

    def deliver(self) -> None:
        """Wake the delivery worker for the queued rows; send the direct answers in the
        background, so a listener that has acked returns at once."""
        items, self._direct = self._direct, []
        channels, self._channels = self._channels, set()
        if channels:
            self.runtime.outbox_worker.notify(channels)
        if items and self.runtime.background is not None:
            self.runtime.background.submit(self._send, items)
        elif items:
            self._send(items)

    @staticmethod
    def _send(items: list[tuple[str, Callable[[], object]]]) -> None:
        for kind, send in items:
            try:
                send()
            except WebApiError as exc:
                log.error("delivery of %s failed: %s", kind, exc)
            except Exception:
                log.exception("delivery of %s failed unexpectedly", kind)

    def _ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None,
        blocks: list[Block] | None,
    ) -> None:
        if not channel:  # a click on the App Home: no channel to answer in, so a DM
            self.runtime.slack.dm(user, text, blocks)
            return
        try:
            self.runtime.slack.ephemeral(channel, user, text, blocks, thread_ts=thread_ts)
        except WebApiError:
            # Not a channel the bot is in (e.g. a DM with someone else): fall back to a DM.
            self.runtime.slack.dm(user, text, blocks)
