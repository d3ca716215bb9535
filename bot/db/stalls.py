"""Quiet negotiations (bot/domain/stalls.py): each request's last activity, read in one query."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.holds import open_hold
from bot.db.models import Request, RequestEvent
from bot.domain.stalls import ACTIVITY_KINDS, is_stalled, last_activity
from bot.domain.vocabulary import Stage

if TYPE_CHECKING:
    from bot.config import Config


def last_activities(session: Session, request_ids: Iterable[int]) -> dict[int, datetime]:
    """request id → the instant of its last activity (an update, quote, procurement-stage
    change, savings claim, its handover or a resume), for the ids that have one."""
    ids = sorted(set(request_ids))
    found: dict[int, datetime] = {}
    kinds = [k.value for k in ACTIVITY_KINDS]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(RequestEvent.request_id, func.max(RequestEvent.at))
            .where(RequestEvent.request_id.in_(chunk), RequestEvent.kind.in_(kinds))
            .group_by(RequestEvent.request_id)
        )
        for request_id, at in rows:
            if at is not None:
                found[request_id] = at
    return found


def stalled_since(
    session: Session, config: Config, request: Request, now: datetime | None
) -> datetime | None:
    """The last activity of a stalled negotiating request (None: not stalled, or no `now`)."""
    if now is None or request.stage != Stage.NEGOTIATING:
        return None
    last = last_activity(
        [last_activities(session, [request.id]).get(request.id), request.assigned_at]
    )
    held = open_hold(session, request.id) is not None
    return last if last is not None and is_stalled(last, now, held=held) else None
