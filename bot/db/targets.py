"""Quarterly targets in the database: one row per POD, quarter and scope (and member), and
an audit row in `target_changes` for every value a target is set to."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.text import plural
from bot.db.models import Target, TargetChange
from bot.domain.csv_table import RowError
from bot.domain.money import Money
from bot.domain.quarters import Quarter
from bot.domain.targets import TargetRow, ended_refusal, quarter_has_ended
from bot.domain.vocabulary import TargetScope

Outcome = Literal["inserted", "updated", "unchanged"]
IMPORTED_BY = "import"


@dataclass(frozen=True)
class TargetSaved:
    """What setting a target did, and the amount it replaced (None when it is new)."""

    outcome: Outcome
    amount: Money
    before: Money | None


class TargetsRefused(Exception):
    """Rows of an import that would change the target of an ended quarter."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{plural(len(errors), 'target')} of ended quarters")
        self.errors = errors


def find_target(
    session: Session, pod_id: int, quarter: Quarter, member: str | None, *, for_update: bool = False
) -> Target | None:
    """The POD's target for the quarter (member None) or the member's."""
    query = select(Target).where(Target.pod_id == pod_id, Target.quarter == str(quarter))
    if member is None:
        query = query.where(Target.scope == TargetScope.POD.value)
    else:
        query = query.where(Target.scope == TargetScope.MEMBER.value, Target.member_id == member)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def set_target(
    session: Session,
    pod_id: int,
    quarter: Quarter,
    member: str | None,
    amount: Money,
    by: str,
    now: datetime,
) -> TargetSaved:
    """Set the target and write its audit row; the amount it already has changes nothing."""
    target = find_target(session, pod_id, quarter, member, for_update=True)
    before = Money(target.amount, target.currency) if target is not None else None
    if before == amount:
        return TargetSaved("unchanged", amount, before)
    if target is None:
        target = Target(
            pod_id=pod_id,
            quarter=str(quarter),
            scope=(TargetScope.POD if member is None else TargetScope.MEMBER).value,
            member_id=member,
        )
        session.add(target)
    target.amount = amount.amount
    target.currency = amount.currency
    target.set_at = now
    target.set_by = by
    session.flush()
    session.add(
        TargetChange(
            target_id=target.id,
            old_amount=before.amount if before is not None else None,
            old_currency=before.currency if before is not None else None,
            new_amount=amount.amount,
            new_currency=amount.currency,
            changed_by=by,
            changed_at=now,
        )
    )
    return TargetSaved("inserted" if before is None else "updated", amount, before)


def import_targets(
    session: Session,
    rows: Iterable[TargetRow],
    pod_ids: Mapping[str, int],
    today_of: Callable[[str], date],
    now: datetime,
) -> tuple[int, int, int]:
    """Set every row's target in the caller's transaction; returns (inserted, updated,
    unchanged). A row that would change an ended quarter's target raises TargetsRefused with
    every such row (the caller's transaction then rolls back: all or none)."""
    counts: dict[Outcome, int] = {"inserted": 0, "updated": 0, "unchanged": 0}
    refused: list[RowError] = []
    for row in rows:
        pod_id = pod_ids[row.pod]
        if quarter_has_ended(row.quarter, today_of(row.pod)):
            target = find_target(session, pod_id, row.quarter, row.member)
            if target is None or Money(target.amount, target.currency) != row.amount:
                refused.append(RowError(row.line, ended_refusal(row.quarter)))
            else:
                counts["unchanged"] += 1
            continue
        saved = set_target(session, pod_id, row.quarter, row.member, row.amount, IMPORTED_BY, now)
        counts[saved.outcome] += 1
    if refused:
        raise TargetsRefused(refused)
    return counts["inserted"], counts["updated"], counts["unchanged"]
