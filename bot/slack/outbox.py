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
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import func, select, update

from bot.db.models import ClaimStatus, Request, SavingsClaim
from bot.db.requests import get_request
from bot.domain.money import Money
from bot.slack.cards import CardData, card_blocks, card_text
from bot.slack.delivery import DeliveryError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Striped locks: one process never posts the same card twice or edits it out of order.
_CARD_LOCKS = [threading.Lock() for _ in range(64)]


def card_data(session: Session, runtime: Runtime, request: Request) -> CardData:
    """The card's content for a request, from the database and its POD's config."""
    pod = runtime.config.pod(request.pod.key)
    approved = session.scalar(
        select(func.sum(SavingsClaim.baseline - SavingsClaim.final))
        .where(SavingsClaim.request_id == request.id)
        .where(SavingsClaim.status == ClaimStatus.APPROVED.value)
    )
    return CardData(
        key=request.key,
        pod_name=pod.name,
        timezone=pod.timezone,
        customer=request.customer,
        tool=request.tool,
        kind=request.kind,
        stage=request.stage,
        outcome=request.outcome,
        amount=Money(request.amount, request.currency) if request.amount is not None else None,
        renewal_date=request.renewal_date,
        created_by=request.created_by,
        analyst_id=request.analyst_id,
        buyer_id=request.buyer_id,
        created_at=request.created_at,
        qualification_due_at=request.qualification_due_at,
        tat_due_at=request.tat_due_at,
        closed_at=request.closed_at,
        resolution_note=request.resolution_note,
        approved_savings=Money(approved, request.currency) if approved else None,
        notes=request.notes,
    )


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

    def ephemeral(self, channel: str, user: str, text: str) -> None:
        """Tell one user something only they see, in the channel they used (else by DM)."""
        self._items.append(("ephemeral", lambda: self._ephemeral(channel, user, text)))

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
        with self.runtime.db.transaction() as session:
            request = get_request(session, request_id)
            where = (request.card_channel, request.card_ts) if request else (None, None)
        if where[1] is None:
            card = self._card(request_id)
            if card is None:
                return
            where = card
        channel, ts = where
        assert channel is not None and ts is not None
        self.runtime.slack.post(channel, text, blocks, thread_ts=ts)

    def _ephemeral(self, channel: str, user: str, text: str) -> None:
        try:
            self.runtime.slack.ephemeral(channel, user, text)
        except DeliveryError:
            # Not a channel the bot is in (e.g. a DM with someone else): fall back to a DM.
            self.runtime.slack.dm(user, text)


def mentions(users: list[str]) -> str:
    """`<@U1> <@U2>` for a list of user ids."""
    return " ".join(f"<@{u}>" for u in users)


def payload(**values: Any) -> dict[str, Any]:
    """Drop None values (for event data)."""
    return {k: v for k, v in values.items() if v is not None}
