"""Snapshots: a job's post or DM that shows the state of things *now* — a POD's aging report,
its weekly digest, a person's digest DM of a kind. Queued behind an older one of the same key
(after a Slack outage, a day's report behind the day before's), the newer one makes the older
stale: the worker drops the older one, with the rows in its thread, instead of posting it late
(SPEC §5b). Posts keep their order through the channel's lane (`Lane.CHANNEL`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from bot.blocks.text import plural
from bot.db.models import OutboxRow, OutboxStatus

if TYPE_CHECKING:
    from bot.db.session import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """What a post or DM that shows the state of things *now* stands for: its `key` (the
    POD's aging report, one person's digest of a kind; the lane names the channel or the
    person) and the `period` it was decided for. A newer snapshot of the same key queued
    behind it in its lane makes it stale: it is dropped, not posted late (SPEC §5b)."""

    key: str
    period: str

    def payload(self) -> dict[str, str]:
        return {"snapshot": self.key, "period": self.period}


_OPEN = (OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value)
# The newest open row queued after a row in its lane, of its kind and snapshot key: looked for
# among the lane's open rows (`ix_deliveries_open_lane`), however long its history.
_NEWER_SNAPSHOT = (
    select(OutboxRow.id, OutboxRow.payload["period"].as_string())
    .where(
        OutboxRow.lane == bindparam("lane"),
        OutboxRow.id > bindparam("row"),
        OutboxRow.status.in_(_OPEN),
        OutboxRow.kind == bindparam("kind"),
        OutboxRow.payload["snapshot"].as_string() == bindparam("key"),
    )
    .order_by(OutboxRow.id.desc())
    .limit(1)
)
_CHILDREN = select(OutboxRow.id).where(
    OutboxRow.lane == bindparam("lane"),
    OutboxRow.status.in_(_OPEN),
    OutboxRow.parent_id.in_(bindparam("parents", expanding=True)),
)


def drop_superseded(
    db: Database, row: int, lane: str, kind: str, payload: dict[str, Any], at: datetime
) -> int | None:
    """If `row` is a snapshot (its payload names one) and a newer snapshot of its key is
    queued behind it in its lane, drop it — with the rows in its thread — instead of sending
    it: they are recorded as delivered with `result = {"superseded_by": newer}` (never sent,
    never retried, and no reminder DM edit finds them), and one line is logged. Returns the
    newest such row, or None when `row` is to be sent."""
    key = payload.get("snapshot")
    if not key:
        return None
    values = {"lane": lane, "row": row, "kind": kind, "key": key}
    # Looked for in a snapshot first: the usual answer is "none", and on SQLite a write
    # transaction would queue behind (and hold up) the acks' writers for nothing.
    with db.reading() as session:
        if session.connection().execute(_NEWER_SNAPSHOT, values).first() is None:
            return None
    with db.transaction() as session:
        connection = session.connection()
        newer = connection.execute(_NEWER_SNAPSHOT, values).first()
        if newer is None:
            return None
        dropped, parents = [row], [row]
        while parents:  # a report's continuations and files, and theirs
            parents = list(
                connection.execute(_CHILDREN, {"lane": lane, "parents": parents}).scalars()
            )
            dropped += parents
        connection.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(dropped))
            .values(
                status=OutboxStatus.DELIVERED.value,
                delivered_at=at,
                result={"superseded_by": newer.id},
                last_error=None,
            )
        )
    log.info(
        "not sending %s for %s (delivery %s%s): superseded by the one for %s (delivery %s), "
        "queued while it waited",
        key, payload.get("period") or "an earlier run", row,
        f" and {plural(len(dropped) - 1, 'row')} in its thread" if len(dropped) > 1 else "",
        newer[1] or "a later run", newer.id,
        extra={"delivery": row, "superseded_by": newer.id, "snapshot": key},
    )  # fmt: skip
    return int(newer.id)
