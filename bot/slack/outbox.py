"""Slack work a handler decides inside its transaction, delivered in order once it has committed.

Cards are rendered at delivery time from the database, so several edits of one card collapse
into one `chat.update` showing the latest state. Thread replies find the card's ts at delivery
time and post the card first if it is not there yet. Failures are logged and the rest goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import update

from bot.db.models import Request, SavingsClaim
from bot.db.requests import get_request
from bot.slack.cards import card_blocks, card_text
from bot.slack.claims import claim_blocks, claim_text
from bot.slack.content import card_data, claim_view
from bot.slack.delivery import DeliveryError

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Striped locks: one process never posts the same card twice or edits it out of order.
_CARD_LOCKS = [threading.Lock() for _ in range(64)]


@dataclass
class Outbox:
    """An ordered list of Slack deliveries, filled during a transaction, sent after it."""

    runtime: Runtime
    _items: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def card(self, request_id: int) -> None:
        """Post the request's card, or refresh it in place (once per outbox)."""
        key = f"card:{request_id}"
        if all(k != key for k, _ in self._items):
            self._items.append((key, lambda: self._card(request_id)))

    def thread(self, request_id: int, text: str, blocks: list[Block] | None = None) -> None:
        """Reply in the request card's thread."""
        self._items.append(("thread", lambda: self._thread(request_id, text, blocks)))

    def claim(self, claim_id: int) -> None:
        """Post a savings claim's message in its request's thread, or refresh it in place."""
        key = f"claim:{claim_id}"
        if all(k != key for k, _ in self._items):
            self._items.append((key, lambda: self._claim(claim_id)))

    def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        blocks: list[Block] | None = None,
    ) -> None:
        """Tell one user something only they see, in the channel they used (else by DM)."""
        self._items.append(
            ("ephemeral", lambda: self._ephemeral(channel, user, text, thread_ts, blocks))
        )

    def view(self, trigger_id: str, view: View) -> None:
        """Open a modal for the user whose click or command carried `trigger_id`."""
        self._items.append(("view", lambda: self.runtime.slack.open_view(trigger_id, view)))

    def deliver(self) -> None:
        """Send everything in order; one failure is logged and does not stop the rest."""
        items, self._items = self._items, []
        for kind, send in items:
            try:
                send()
            except DeliveryError as exc:
                log.error("delivery of %s failed: %s", kind, exc)
            except Exception:
                log.exception("delivery of %s failed unexpectedly", kind)

    # -- the deliveries ---------------------------------------------------------------------

    def _card(self, request_id: int) -> tuple[str, str] | None:
        runtime = self.runtime
        with _CARD_LOCKS[request_id % len(_CARD_LOCKS)]:
            with runtime.db.transaction() as session:
                request = get_request(session, request_id)
                if request is None:
                    return None
                data = card_data(session, runtime, request)
                channel, ts = request.card_channel, request.card_ts
                pod_channel = runtime.config.pod(request.pod.key).channel
            if channel and ts:
                runtime.slack.update(channel, ts, card_text(data), card_blocks(data))
                return channel, ts
            ts = runtime.slack.post(pod_channel, card_text(data), card_blocks(data))
            with runtime.db.transaction() as session:
                session.execute(
                    update(Request)
                    .where(Request.id == request_id, Request.card_ts.is_(None))
                    .values(card_channel=pod_channel, card_ts=ts)
                )
            return pod_channel, ts

    def _thread(self, request_id: int, text: str, blocks: list[Block] | None) -> None:
        where = self._card_place(request_id)
        if where is None:
            return
        channel, ts = where
        self.runtime.slack.post(channel, text, blocks, thread_ts=ts)

    def _claim(self, claim_id: int) -> None:
        runtime = self.runtime
        with _CARD_LOCKS[claim_id % len(_CARD_LOCKS)]:
            with runtime.db.transaction() as session:
                claim = session.get(SavingsClaim, claim_id)
                if claim is None:
                    return
                view = claim_view(session, runtime, claim)
                channel, ts, request_id = claim.message_channel, claim.message_ts, claim.request_id
            if channel and ts:
                runtime.slack.update(channel, ts, claim_text(view), claim_blocks(view))
                return
            where = self._card_place(request_id)
            if where is None:
                return
            channel, thread = where
            ts = runtime.slack.post(channel, claim_text(view), claim_blocks(view), thread_ts=thread)
            with runtime.db.transaction() as session:
                session.execute(
                    update(SavingsClaim)
                    .where(SavingsClaim.id == claim_id, SavingsClaim.message_ts.is_(None))
                    .values(message_channel=channel, message_ts=ts)
                )

    def _card_place(self, request_id: int) -> tuple[str, str] | None:
        with self.runtime.db.transaction() as session:
            request = get_request(session, request_id)
            if request is None:
                return None
            if request.card_channel and request.card_ts:
                return request.card_channel, request.card_ts
        return self._card(request_id)

    def _ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None,
        blocks: list[Block] | None,
    ) -> None:
        try:
            self.runtime.slack.ephemeral(channel, user, text, blocks, thread_ts=thread_ts)
        except DeliveryError:
            # Not a channel the bot is in (e.g. a DM with someone else): fall back to a DM.
            self.runtime.slack.dm(user, text, blocks)


def mentions(users: list[str]) -> str:
    """`<@U1> <@U2>` for a list of user ids."""
    return " ".join(f"<@{u}>" for u in users)
