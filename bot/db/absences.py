"""Who is away (`absences`), read and written (SPEC §3 `/proc away`, `bot.domain.absences`)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.models import AbsenceRow
from bot.domain.absences import Absence

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bot.config import Pod

__all__ = ["absence_of", "away_in", "back", "ended", "ends_at", "set_away"]


def ends_at(until: date, timezone: str) -> datetime:
    """The instant an absence ends: the start of its return day in the POD's zone."""
    return datetime.combine(until, time(0), ZoneInfo(timezone))


def away_in(
    session: Session, pod: Pod, now: datetime, rows: Sequence[AbsenceRow] | None = None
) -> dict[str, Absence]:
    """The POD's members and fallback or rule approvers away at `now`, by user id (from
    `rows`, every absence recorded, when the caller has read them already)."""
    if rows is None:
        rows = session.scalars(select(AbsenceRow)).all()
    return {
        row.user_id: Absence(row.user_id, row.until, row.cover_id)
        for row in rows
        if now < ends_at(row.until, pod.timezone)
    }


def ended(session: Session, pod: Pod, now: datetime) -> list[Absence]:
    """The absences of the POD's people (members, fallback and rule approvers) that have run
    out by `now` (their return day has started in the POD's zone) and were not ended with
    `/proc back`: the job that notices them redraws what they changed, once (issue 30)."""
    people = {
        *pod.members,
        *pod.fallback_approvers,
        *(u for r in pod.approval_rules for u in r.then),
    }
    rows = session.scalars(select(AbsenceRow).order_by(AbsenceRow.user_id)).all()
    return [
        Absence(row.user_id, row.until, row.cover_id)
        for row in rows
        if row.user_id in people and now >= ends_at(row.until, pod.timezone)
    ]


def absence_of(
    session: Session,
    user: str,
    timezone: str,
    now: datetime,
    rows: Sequence[AbsenceRow] | None = None,
) -> Absence | None:
    """`user`'s absence at `now` (in the zone of their POD), if any (from `rows`, every
    absence recorded, when the caller has read them already)."""
    if rows is None:
        row = session.get(AbsenceRow, user)
    else:
        row = next((r for r in rows if r.user_id == user), None)
    if row is None or now >= ends_at(row.until, timezone):
        return None
    return Absence(row.user_id, row.until, row.cover_id)


def set_away(
    session: Session, user: str, until: date, cover: str | None, by: str, now: datetime
) -> None:
    """Record (or replace) `user`'s absence."""
    row = session.get(AbsenceRow, user)
    if row is None:
        row = AbsenceRow(user_id=user)
        session.add(row)
    row.until, row.cover_id, row.set_by, row.set_at = until, cover, by, now
    session.flush()


def back(session: Session, user: str) -> bool:
    """End `user`'s absence now; False when there was none."""
    result = session.execute(delete(AbsenceRow).where(AbsenceRow.user_id == user))
    return bool(getattr(result, "rowcount", 0))
