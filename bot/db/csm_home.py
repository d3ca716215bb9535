"""A csm's Home part, read from the database at send time (SPEC §3a; blocks in
`bot/blocks/csm_home.py`). A csm's customers are those they opened a request for in the POD."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, func, select

from bot.blocks.csm_home import (
    CSM_LIST_CAP,
    RENEWAL_DAYS,
    CsmDetail,
    CsmMsg,
    CsmRenewal,
    CsmRequest,
)
from bot.blocks.text import slack_date
from bot.db.kpis import ALL, load_facts
from bot.db.models import Contract, Request
from bot.db.requests import open_step
from bot.domain.digest import msg_progress
from bot.domain.money import Money
from bot.domain.names import name_key
from bot.domain.procurement import step_words
from bot.domain.quarters import quarter_of
from bot.domain.vocabulary import OPEN_STAGES, Stage
from bot.domain.working_time import add_working_hours

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Config, Pod

__all__ = ["load_csm"]

T = TypeVar("T")


def _next_step(session: Session, config: Config, pod: Pod, r: Request) -> str:
    """What the request waits for, in words."""
    if r.stage == Stage.INTAKE:
        if r.preapproved_at is not None:
            return "pre-approval sent: waiting on the customer"
        due = slack_date(r.qualification_due_at, pod.timezone, with_time=True)
        return f"to be qualified by an analyst (due {due})"
    if r.stage == Stage.QUALIFIED:
        return "to be assigned a buyer"
    step = open_step(session, r.id)
    if step is not None:
        return f"{step_words(step.stage)} under way"
    since = r.last_update_at or r.assigned_at
    buyer = f"<@{r.buyer_id}>" if r.buyer_id else "the buyer"
    if since is None:
        return f"an update from {buyer}"
    update_due = add_working_hours(pod.calendar, since, config.clocks.update_hours)
    return f"an update from {buyer} (due {slack_date(update_due, pod.timezone, with_time=True)})"


def _item(session: Session, config: Config, pod: Pod, r: Request) -> CsmRequest:
    return CsmRequest(r.key, r.customer, r.tool, r.stage, _next_step(session, config, pod, r))


def _first(session: Session, query: Select[T], *order: Any) -> tuple[Sequence[T], int]:
    """The first CSM_LIST_CAP rows of `query` in `order` (LIMIT), and how many (COUNT)."""
    rows = session.scalars(query.order_by(*order).limit(CSM_LIST_CAP)).all()
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return rows, total


def load_csm(
    session: Session, config: Config, pod: Pod, pod_id: int, user: str, now: datetime
) -> CsmDetail:
    """The csm `user`'s lists in `pod` as of `now`: each its first CSM_LIST_CAP items (LIMIT)
    and a COUNT for "and N more"."""
    open_stages = [s.value for s in OPEN_STAGES]
    keys = sorted(
        session.scalars(
            select(Request.customer_key)
            .where(Request.pod_id == pod_id, Request.created_by == user)
            .distinct()
        ).all()
    )
    opened, opened_total = _first(
        session,
        select(Request).where(
            Request.pod_id == pod_id, Request.created_by == user, Request.stage.in_(open_stages)
        ),
        Request.id,
    )
    theirs: Sequence[Request] = []
    renewals: Sequence[Contract] = []
    theirs_total = renewals_total = 0
    today = now.astimezone(pod.zone).date()
    msg: list[CsmMsg] = []
    if keys:
        theirs, theirs_total = _first(
            session,
            select(Request).where(
                Request.pod_id == pod_id,
                Request.customer_key.in_(keys),
                Request.stage.in_(open_stages),
            ),
            Request.customer_key,
            Request.id,
        )
        renewals, renewals_total = _first(
            session,
            select(Contract).where(
                Contract.pod_id == pod_id,
                Contract.customer_key.in_(keys),
                Contract.renewal_date.between(today, today + timedelta(days=RENEWAL_DAYS)),
            ),
            Contract.renewal_date,
            Contract.id,
        )
        # MSG progress is a customer milestone: every account's claims (`customers=ALL`).
        facts = load_facts(
            session, config, pod, quarter_of(today, pod.fiscal_year_start_month), now,
            customers=ALL,
        )  # fmt: skip
        for m in msg_progress(facts):
            if name_key(m.customer) in keys:
                msg.append(
                    CsmMsg(
                        m.customer, Money(m.approved, pod.currency), Money(m.msg, pod.currency),
                        m.share, m.status,
                    )
                )  # fmt: skip
    return CsmDetail(
        opened=tuple(_item(session, config, pod, r) for r in opened),
        opened_total=opened_total,
        customers_open=tuple(_item(session, config, pod, r) for r in theirs),
        customers_open_total=theirs_total,
        renewals=tuple(
            CsmRenewal(c.customer, c.tool, c.renewal_date, Money(c.annual_amount, c.currency))
            for c in renewals
        ),
        renewals_total=renewals_total,
        msg=tuple(sorted(msg, key=lambda m: name_key(m.customer))[:CSM_LIST_CAP]),
        timezone=pod.timezone,
    )
