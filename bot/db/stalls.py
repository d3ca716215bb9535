"""Quiet negotiations (bot/domain/stalls.py): each request's last activity, read in one query;
and the stall and long-hold notices `tat-alerts` raised, read back from the ledger for the
digests (`notices`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.holds import open_hold, open_holds
from bot.db.models import JobRun, ProcurementStep, Request, RequestEvent, RunStatus
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
    session: Session,
    config: Config,
    request: Request,
    now: datetime | None,
    *,
    held: bool | None = None,
) -> datetime | None:
    """The last activity of a stalled negotiating request (None: not stalled, or no `now`).
    `held`: whether it has an open hold, when the caller has read that already."""
    if now is None or request.stage != Stage.NEGOTIATING:
        return None
    last = last_activity(
        [last_activities(session, [request.id]).get(request.id), request.assigned_at]
    )
    if held is None:
        held = open_hold(session, request.id) is not None
    return last if last is not None and is_stalled(last, now, held=held) else None


# -- the notices `tat-alerts` raised, told in the digests (issue 30) -------------------------

HOLD_REVIEW_JOB = "hold-review"
STEP_WARNING_JOB = "stall-step"
QUIET_JOB = "stall-quiet"
NOTICE_JOBS = (HOLD_REVIEW_JOB, STEP_WARNING_JOB, QUIET_JOB)
# How long a raised notice waits to be told (someone away with no cover): then it is dropped.
NOTICE_DAYS = 60


def quiet_since(request: Request, activities: Mapping[int, datetime]) -> datetime | None:
    """A request's last activity as the quiet-spell rule reads it: its last update, quote,
    stage change, claim or resume (`last_activities`), else its last update or handover."""
    return last_activity([activities.get(request.id), request.last_update_at, request.assigned_at])


@dataclass(frozen=True)
class Notice:
    """What `tat-alerts` raised once (a ledger run: `run`) about a request, and to whom: a long
    hold, a procurement stage past its bound, a quiet negotiation. It stays to be told while
    what it is about still holds: the same hold open, the same step running, no activity since
    the quiet spell began."""

    run: int
    job: str
    request_id: int
    raised_at: datetime
    to: tuple[str, ...]
    title: str  # "Procurement stage over its bound"
    words: str  # "PO is on day 16 of 7–14"
    hold: int | None = None
    step: int | None = None
    quiet: datetime | None = None

    def detail(self) -> dict[str, Any]:
        """The ledger run's detail that records it (`notices` reads it back)."""
        return {
            "request": self.request_id, "to": list(self.to), "title": self.title,
            "words": self.words, "hold": self.hold, "step": self.step,
            "quiet": self.quiet.isoformat() if self.quiet is not None else None,
        }  # fmt: skip


def notices(session: Session, pod_key: str, now: datetime) -> list[Notice]:
    """The POD's notices raised in the last `NOTICE_DAYS` whose subject still holds."""
    rows = session.execute(
        select(JobRun.id, JobRun.job, JobRun.finished_at, JobRun.detail)
        .where(
            JobRun.job.in_(NOTICE_JOBS),
            JobRun.scope == pod_key,
            JobRun.status == RunStatus.DONE.value,
            JobRun.finished_at >= now - timedelta(days=NOTICE_DAYS),
        )
        .order_by(JobRun.id)
    ).all()
    raised: list[Notice] = []
    for run, job, at, detail in rows:
        if not isinstance(detail, dict) or "request" not in detail or at is None:
            continue  # a run an older podbot recorded (a thread line only)
        quiet = detail.get("quiet")
        notice = Notice(
            run, job, int(detail["request"]), at, tuple(detail.get("to") or ()),
            str(detail.get("title", "")), str(detail.get("words", "")),
            detail.get("hold"), detail.get("step"),
            datetime.fromisoformat(quiet) if isinstance(quiet, str) else None,
        )  # fmt: skip
        raised.append(notice)
    if not raised:
        return []
    ids = {n.request_id for n in raised}
    requests = {
        r.id: r
        for r in session.scalars(
            select(Request).where(
                Request.id.in_(ids),
                Request.stage.in_((Stage.INTAKE.value, Stage.NEGOTIATING.value)),
            )
        )
    }
    holds = open_holds(session, ids)
    running = set(
        session.scalars(
            select(ProcurementStep.id).where(
                ProcurementStep.request_id.in_(ids), ProcurementStep.done_at.is_(None)
            )
        )
    )
    active = last_activities(session, ids)

    def holds_still(n: Notice) -> bool:
        request = requests.get(n.request_id)
        if request is None:
            return False
        if n.hold is not None:
            return n.request_id in holds and holds[n.request_id].id == n.hold
        if n.request_id in holds:
            return False  # held: it waits on someone outside the POD, not stalled
        if n.step is not None:
            return n.step in running
        return n.quiet is not None and quiet_since(request, active) == n.quiet

    return [n for n in raised if holds_still(n)]
