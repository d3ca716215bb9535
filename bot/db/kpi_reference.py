"""The reference engine: every approved claim a POD's KPI rules may need, read whole (ten
statements at any history size; columns only), and judged in Python by `bot.domain.kpis`.

This is how podbot computed its figures before `bot.db.kpis` read them scoped and summed
(issue 26). It is kept unchanged as the yardstick: tests compare every scoped figure with it
on generated histories, and `bench/` times it. The bot itself never calls it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.db.models import (
    Account,
    Contract,
    Hold,
    PendingResponse,
    PodRow,
    Request,
    RequestEvent,
    ResponseState,
    SavingsClaim,
    Target,
)
from bot.db.savings import effective_claim
from bot.domain.dates import day_start
from bot.domain.holds import HeldClock
from bot.domain.kpis import (
    AccountFact,
    ClaimFact,
    ContractFact,
    MentionFact,
    RequestFact,
    TargetFact,
    UpdateFact,
)
from bot.domain.money import Money
from bot.domain.quarters import Quarter
from bot.domain.savings import savings_percent
from bot.domain.scorecard import KpiFacts
from bot.domain.vocabulary import (
    OPEN_STAGES,
    BillingCycle,
    ClaimKind,
    ClaimStatus,
    Health,
    Outcome,
    RequestType,
    Stage,
    TargetScope,
)

if TYPE_CHECKING:
    from bot.config import Config, Pod

# A mention answered in its thread, or marked answered from a reminder, is answered at
# `closed_at`; a withdrawn one (the mention deleted or edited away) is no mention at all.
ANSWERED = (ResponseState.ANSWERED.value, ResponseState.MARKED.value)


def _start_of(pod: Pod, day: date) -> datetime:
    """The UTC instant the POD's local `day` begins; a stored placeholder such as 0001-01-01
    (an account's `initiated`) is held at the first instant rather than overflowing."""
    return day_start(day, pod.zone)


def load_facts(
    session: Session, config: Config, pod: Pod, quarter: Quarter, now: datetime
) -> KpiFacts:
    """Read the POD's facts for `quarter` as of `now`: ten SELECTs at any history size."""
    pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod.key)).one()
    first = _start_of(pod, quarter.start)
    after = _start_of(pod, quarter.end + timedelta(days=1))
    last = min(now, after)

    # 1. Accounts (their customers decide which claims and contracts the milestones need).
    account_rows = session.execute(
        select(
            Account.id, Account.customer, Account.customer_key, Account.initiated,
            Account.handover, Account.term_end, Account.msg, Account.pse, Account.ats,
            Account.currency, Account.health, Account.created_at,
        ).where(Account.pod_id == pod_id).order_by(Account.id)
    ).all()  # fmt: skip
    accounts, account_of_key = [], {}
    for a in account_rows:
        initiated = a.initiated or a.created_at.astimezone(pod.zone).date()
        accounts.append(
            AccountFact(
                account_id=str(a.id),
                customer=a.customer,
                initiated_on=initiated,
                handover_on=a.handover,
                term_end=a.term_end,
                msg=Money(a.msg, a.currency) if a.msg is not None else None,
                pse=Money(a.pse, a.currency) if a.pse is not None else None,
                ats=Money(a.ats, a.currency) if a.ats is not None else None,
                health=Health(a.health) if a.health else None,
            )
        )
        account_of_key[a.customer_key] = str(a.id)
    keys = list(account_of_key)
    since = min([first] + [_start_of(pod, f.initiated_on) for f in accounts])

    # 2. Requests whose clocks touch the quarter: created, closed or negotiating in it.
    closed_in = and_(Request.closed_at >= first, Request.closed_at < last)
    request_rows = session.execute(
        select(
            Request.id, Request.kind, Request.created_at, Request.buyer_id, Request.qualified_at,
            Request.analyst_id, Request.assigned_at, Request.closed_at, Request.outcome,
            Request.customer_key, Request.stage, Request.preapproved_at, Request.preapproved_by,
            Request.external_id, Request.tat_due_at,
            # Held at some time (issue 30): its TAT is judged by its moved due date.
            exists().where(Hold.request_id == Request.id, Hold.clock == HeldClock.TAT.value)
            .label("held"),
        ).where(
            Request.pod_id == pod_id,
            or_(
                and_(Request.created_at >= first, Request.created_at < last),
                closed_in,
                and_(
                    Request.assigned_at < last,
                    or_(Request.closed_at.is_(None), Request.closed_at >= first),
                ),
            ),
        )
    ).all()  # fmt: skip

    # 3. Buyer updates in the quarter, and disqualifications (a triage without qualified_at).
    event_rows = session.execute(
        select(RequestEvent.request_id, RequestEvent.kind, RequestEvent.at, RequestEvent.actor)
        .join(Request, Request.id == RequestEvent.request_id)
        .where(
            Request.pod_id == pod_id,
            RequestEvent.kind.in_(("update", "disqualified")),
            RequestEvent.at >= first,
            RequestEvent.at <= now,
        )
        # A request's first disqualification by time, whatever plan the database chose.
        .order_by(RequestEvent.at, RequestEvent.id)
    ).all()
    updates: list[UpdateFact] = []
    disqualified: dict[int, tuple[datetime, str]] = {}
    for e in event_rows:
        if e.kind == "update":
            updates.append(UpdateFact(e.request_id, e.at))
        else:
            disqualified.setdefault(e.request_id, (e.at, e.actor))

    requests, without_account = [], 0
    for r in request_rows:
        triaged_at, triaged_by = r.qualified_at, r.analyst_id if r.qualified_at else None
        if triaged_at is None and r.stage == Stage.DISQUALIFIED.value and r.id in disqualified:
            triaged_at, triaged_by = disqualified[r.id]
        # A pre-approval sent to the customer meets the qualification clock (SPEC §3b): the
        # request counts as triaged then, by whoever sent it, when that came first.
        if r.preapproved_at is not None and (triaged_at is None or r.preapproved_at < triaged_at):
            triaged_at, triaged_by = r.preapproved_at, r.preapproved_by
        requests.append(
            RequestFact(
                request_id=r.id,
                kind=RequestType(r.kind),
                created_at=r.created_at,
                buyer_id=r.buyer_id,
                triaged_at=triaged_at,
                triaged_by=triaged_by,
                assigned_at=r.assigned_at,
                closed_at=r.closed_at,
                outcome=Outcome(r.outcome) if r.outcome else None,
                tat_due_at=r.tat_due_at if r.held else None,
                # Imported past intake (`podbot import requests`): qualified, time unknown.
                triage_untimed=triaged_at is None
                and r.external_id is not None
                and r.stage != Stage.INTAKE.value,
            )
        )
        if first <= r.created_at < last and r.customer_key not in account_of_key:
            without_account += 1

    # 4. Approved claims decided from the earliest account start (or the quarter) to now: the
    # POD's requests' and its customers' (whichever POD ran the request).
    claim_rows = session.execute(
        select(
            SavingsClaim.id, SavingsClaim.request_id, SavingsClaim.kind, SavingsClaim.baseline,
            SavingsClaim.final, SavingsClaim.currency, SavingsClaim.decided_at, Request.buyer_id,
            Request.customer, Request.tool_key, Request.outcome, Request.closed_at,
        )
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(
            effective_claim(now),  # approved by now, not superseded by a revision by now
            or_(
                and_(Request.pod_id == pod_id, SavingsClaim.decided_at >= since),
                and_(Request.pod_id == pod_id, closed_in),
                and_(Request.customer_key.in_(keys), SavingsClaim.decided_at >= since),
            ),
        )
        .order_by(SavingsClaim.id)
    ).all()  # fmt: skip
    won_tools = {
        c.tool_key
        for c in claim_rows
        if c.outcome == Outcome.WON.value and c.closed_at is not None and first <= c.closed_at
    }

    # 5. The benchmark each won procurement's claims were judged by: the approved claims of
    # their tools, every POD's, up to now (revised ones too: the sweep replays history, and a
    # request's latest approved claim by an instant is its latest effective one then).
    bench_rows = session.execute(
            select(
                SavingsClaim.id, SavingsClaim.request_id, SavingsClaim.baseline,
                SavingsClaim.final, SavingsClaim.decided_at, Request.tool_key,
            )
            .join(Request, Request.id == SavingsClaim.request_id)
            .where(
                SavingsClaim.status == ClaimStatus.APPROVED.value,
                SavingsClaim.decided_at <= now,
                Request.tool_key.in_(sorted(won_tools)),
            )
            .order_by(SavingsClaim.decided_at, SavingsClaim.id)
        ).all()  # fmt: skip
    # Only the latest approved claim of a procurement won in the quarter is judged: sweep each
    # tool's claims once in decision order, keeping the sum of every request's latest %.
    latest_claim: dict[int, tuple[datetime, int]] = {}
    for c in claim_rows:
        if c.outcome == Outcome.WON.value and c.closed_at is not None and first <= c.closed_at:
            seen = latest_claim.get(c.request_id)
            if seen is None or (c.decided_at, c.id) > seen:
                latest_claim[c.request_id] = (c.decided_at, c.id)
    judged = {claim_id for _, claim_id in latest_claim.values()}
    bench_of: dict[int, Decimal | None] = {}
    percents: dict[str, dict[int, Decimal]] = defaultdict(dict)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for b in bench_rows:  # ordered by decision, then id
        mine = percents[b.tool_key]
        percent = savings_percent(b.baseline, b.final)
        totals[b.tool_key] += percent - mine.get(b.request_id, Decimal(0))
        mine[b.request_id] = percent
        if b.id in judged:
            # The tool's benchmark as the claim message showed it: the mean of every other
            # request's latest approved claim decided by then.
            others = len(mine) - 1
            rest = totals[b.tool_key] - percent
            bench_of[b.id] = rest / others if others else None

    claims = []
    for c in claim_rows:
        bm = bench_of.get(c.id)
        claims.append(
            ClaimFact(
                claim_id=c.id,
                request_id=c.request_id,
                buyer_id=c.buyer_id,
                customer=c.customer,
                kind=ClaimKind(c.kind),
                status=ClaimStatus.APPROVED,
                baseline=Money(c.baseline, c.currency),
                final=Money(c.final, c.currency),
                decided_at=c.decided_at,
                benchmark_percent=bm,
            )
        )

    # 6. Mentions of the quarter.
    mention_rows = session.execute(
        select(
            PendingResponse.id, PendingResponse.member, PendingResponse.mentioned_at,
            PendingResponse.state, PendingResponse.closed_at,
        ).where(
            PendingResponse.pod_id == pod_id,
            PendingResponse.mentioned_at >= first,
            PendingResponse.mentioned_at < last,
            PendingResponse.state != ResponseState.WITHDRAWN.value,
        )
    ).all()  # fmt: skip
    mentions = tuple(
        MentionFact(m.id, m.member, m.mentioned_at, m.closed_at if m.state in ANSWERED else None)
        for m in mention_rows
    )

    # 7. The POD's SaaS stack (conversion and ATS).
    contract_rows = session.execute(
        select(
            Contract.id, Contract.customer, Contract.annual_amount, Contract.currency,
            Contract.billing_cycle, Contract.created_at, Contract.converted_on,
        ).where(or_(Contract.pod_id == pod_id, Contract.customer_key.in_(keys)))
    ).all()  # fmt: skip
    contracts = tuple(
        ContractFact(
            c.id,
            c.customer,
            Money(c.annual_amount, c.currency),
            BillingCycle(c.billing_cycle),
            c.created_at.astimezone(pod.zone).date(),
            c.converted_on,  # set when a recorded new term turned monthly into annual
        )
        for c in contract_rows
    )

    # 8. The quarter's targets.
    target_rows = session.execute(
        select(Target.scope, Target.member_id, Target.amount, Target.currency).where(
            Target.pod_id == pod_id, Target.quarter == str(quarter)
        )
    ).all()
    pod_target, targets = None, []
    for t in target_rows:
        if t.scope == TargetScope.POD.value:
            pod_target = Money(t.amount, t.currency)
        elif t.member_id is not None and pod.role_of(t.member_id) in ("buyer", "em"):
            targets.append(TargetFact(t.member_id, Money(t.amount, t.currency)))

    # 9. Open requests per customer with an account.
    open_rows = session.execute(
        select(Request.customer_key, func.count())
        .where(
            Request.customer_key.in_(keys),
            Request.stage.in_([s.value for s in OPEN_STAGES]),
            Request.pod_id == pod_id,
        )
        .group_by(Request.customer_key)
    ).all()
    open_requests = {account_of_key[key]: count for key, count in open_rows}

    clocks = config.clocks
    return KpiFacts(
        quarter=quarter,
        as_of=now,
        calendar=pod.calendar,
        currency=pod.currency,
        tat_days={RequestType(k): v for k, v in clocks.tat_days.items()},
        qualification_hours=clocks.qualification_hours,
        reply_hours=clocks.response_hours,
        requests=tuple(requests),
        updates=tuple(updates),
        claims=tuple(claims),
        mentions=mentions,
        accounts=tuple(accounts),
        contracts=contracts,
        targets=tuple(targets),
        pod_target=pod_target,
        without_account=without_account,
        open_requests=open_requests,
    )
