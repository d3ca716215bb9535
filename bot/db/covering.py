"""What a Home shows of absences (`/proc away`): the away line of someone away, and the claims
someone covering for them decides (SPEC §3a)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.blocks.home import LIST_CAP, ClaimItem, FallbackHome
from bot.blocks.text import slack_date
from bot.db.absences import absence_of, away_in
from bot.db.approvals import claim_progress
from bot.db.models import AbsenceRow, PodRow, Request, SavingsClaim
from bot.domain.money import Money
from bot.domain.vocabulary import ClaimStatus

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

    from bot.config import Config

__all__ = ["away_line", "covering_sections"]


def away_line(
    session: Session,
    config: Config,
    user: str,
    now: datetime,
    absences: Sequence[AbsenceRow] | None = None,
) -> str | None:
    """`Away until <date> — covered by <@U…>` while `user` is away (their first POD's zone).
    `absences`: every absence recorded, when the caller has read them already."""
    memberships = config.memberships(user)
    timezone = memberships[0][0].timezone if memberships else config.timezone
    absence = absence_of(session, user, timezone, now, absences)
    if absence is None:
        return None
    line = f":palm_tree: Away until {slack_date(absence.until, timezone)}"
    return line + (f" — covered by <@{absence.cover}>" if absence.cover else "")


def _item(claim: SavingsClaim, request: Request) -> ClaimItem:
    saved = claim.baseline - claim.final
    return ClaimItem(
        claim.id, request.key, request.customer, request.tool, Money(saved, claim.currency),
        saved * 100 / claim.baseline, claim.created_by, claim.created_at, claim.kind,
    )  # fmt: skip


def covering_sections(
    session: Session,
    config: Config,
    user: str,
    now: datetime,
    absences: Sequence[AbsenceRow] | None = None,
) -> list[FallbackHome]:
    """For each POD where `user` covers for someone away and is not an em (whose own part
    lists the claims they decide): the claims waiting for them. `absences`: every absence
    recorded, when the caller has read them already."""
    if absences is None:
        covers = session.scalar(select(AbsenceRow.user_id).where(AbsenceRow.cover_id == user))
        if covers is None:
            return []
    elif not any(row.cover_id == user for row in absences):
        return []
    sections = []
    for pod, role in config.memberships(user):
        if role == "em" or not away_in(session, pod, now, absences):
            continue
        rows = session.execute(
            select(SavingsClaim, Request)
            .join(Request, Request.id == SavingsClaim.request_id)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(PodRow.key == pod.key, SavingsClaim.status == ClaimStatus.PENDING.value)
            .order_by(SavingsClaim.created_at, SavingsClaim.id)
        ).all()
        mine = [
            (claim, request)
            for claim, request in rows
            if user in claim_progress(session, pod, claim, now).progress.waiting
        ]
        if not mine:
            continue
        items = tuple(_item(claim, request) for claim, request in mine[:LIST_CAP])
        sections.append(FallbackHome(pod.name, items, len(mine), pod.timezone, role="cover"))
    return sections
