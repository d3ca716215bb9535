"""The facts of one POD's quarter for the KPI rules, read scoped to what is asked (issue 26).

Each figure reads what its rule needs, whatever the history's length:

* savings (a buyer's quota, the POD's net savings, buyers at quota): the quarter's effective
  claims summed in SQL per buyer, kind and currency (`quarter_savings`);
* benchmark attainment: the claims of the requests closed won in the quarter, each judged by
  the replay of its tool's approved claims up to the last of them;
* replies: the quarter's mentions counted per member in SQL from each one's reply clock,
  recorded when it opened (`bot.db.reply_clocks`);
* the request clocks (qualification, negotiation TAT, update cadence): counted per analyst and
  buyer in SQL from what each request and update recorded (`bot.db.request_clocks`); the
  requests closed won in the quarter read for benchmark attainment;
* a customer's milestones (FTV, MSG, PSE): that customer's claims; GDR (every account, the
  POD's scorecard): the quarter's claims of the accounts it may resolve, with the savings each
  had before the quarter summed in SQL into one fact per account (savings only grow: a claim's
  final is below its baseline, so what was reached before the quarter stays reached).

Every claim read is one `bot.db.savings.effective_claim(now)` counts, within the scope
`bot.db.kpi_reference` (today's whole-history engine, the yardstick) reads, so the figures are
the same; a hypothesis test compares them on generated histories. Columns only, never ORM
objects.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session

from bot.db import claim_ledger, reply_clocks, request_clocks
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
    TARGET_KINDS,
    AccountFact,
    BenchmarkTotal,
    ClaimFact,
    ContractFact,
    MentionFact,
    RequestFact,
    SavingsTotal,
    TargetFact,
    UpdateFact,
)
from bot.domain.money import Money
from bot.domain.quarters import Quarter
from bot.domain.scorecard import KpiFacts
from bot.domain.vocabulary import (
    OPEN_STAGES,
    BillingCycle,
    ClaimKind,
    ClaimStatus,
    EventKind,
    Health,
    Outcome,
    RequestType,
    Stage,
    TargetScope,
    counts_as_buyer,
)

if TYPE_CHECKING:
    from bot.config import Config, Pod

# A mention answered in its thread, or marked answered from a reminder, is answered at
# `closed_at`; a withdrawn one (the mention deleted or edited away) is no mention at all.
ANSWERED = (ResponseState.ANSWERED.value, ResponseState.MARKED.value)
# `load_facts(customers=ALL)`: every account's milestones (the reports, the weekly digest).
ALL = "all"
_KINDS = sorted(str(kind) for kind in TARGET_KINDS)
CENT = Decimal("0.01")


def _msg_currency(account: AccountFact) -> str:
    """The currency of an account's MSG (only accounts with one are judged on it)."""
    assert account.msg is not None
    return account.msg.currency


def _start_of(pod: Pod, day: date) -> datetime:
    """The UTC instant the POD's local `day` begins; a stored placeholder such as 0001-01-01
    (an account's `initiated`) is held at the first instant rather than overflowing."""
    return day_start(day, pod.zone)


def pod_row_id(session: Session, pod: Pod) -> int:
    return session.scalars(select(PodRow.id).where(PodRow.key == pod.key)).one()


def _pod_customers(pod_id: int) -> Any:
    return select(Account.customer_key).where(Account.pod_id == pod_id).scalar_subquery()


def _quarter_bounds(pod: Pod, quarter: Quarter, now: datetime) -> tuple[datetime, datetime]:
    """The instants a claim's decision must fall in to count in the quarter as of `now`'s day
    (the rules place it by its local day: from the quarter's first to min(its last, today))."""
    today = now.astimezone(pod.zone).date()
    return _start_of(pod, quarter.start), _start_of(
        pod, min(quarter.end, today) + timedelta(days=1)
    )


def quarter_savings(
    session: Session,
    pod: Pod,
    pod_id: int,
    quarter: Quarter,
    now: datetime,
    buyer_id: str | None = None,
) -> tuple[SavingsTotal, ...]:
    """The quarter's effective claims of TARGET_KINDS summed per buyer, kind and currency: the
    POD's requests' and its customers' (whichever POD ran the request), as the whole-history
    engine counts them. With `buyer_id`, that buyer's only. One aggregate SELECT."""
    first, after = _quarter_bounds(pod, quarter, now)
    query = (
        select(
            Request.buyer_id, SavingsClaim.kind, SavingsClaim.currency,
            func.sum(SavingsClaim.baseline), func.sum(SavingsClaim.final), func.count(),
        )
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(
            effective_claim(now),
            SavingsClaim.kind.in_(_KINDS),
            SavingsClaim.decided_at >= first,
            SavingsClaim.decided_at < after,
            or_(Request.pod_id == pod_id, Request.customer_key.in_(_pod_customers(pod_id))),
        )
        .group_by(Request.buyer_id, SavingsClaim.kind, SavingsClaim.currency)
    )  # fmt: skip
    if buyer_id is not None:
        query = query.where(Request.buyer_id == buyer_id)
    return tuple(
        SavingsTotal(buyer, ClaimKind(kind), currency, Decimal(baseline - final), int(count))
        for buyer, kind, currency, baseline, final, count in session.connection().execute(query)
    )


def member_target(session: Session, pod_id: int, quarter: Quarter, member: str) -> Money | None:
    """A member's savings target for the quarter, if set."""
    row = (
        session.connection()
        .execute(
            select(Target.amount, Target.currency).where(
                Target.pod_id == pod_id,
                Target.quarter == str(quarter),
                Target.scope == TargetScope.MEMBER.value,
                Target.member_id == member,
            )
        )
        .first()
    )
    return Money(row.amount, row.currency) if row is not None else None


def pod_target(session: Session, pod_id: int, quarter: Quarter) -> Money | None:
    """The POD's savings target for the quarter, if set."""
    row = (
        session.connection()
        .execute(
            select(Target.amount, Target.currency).where(
                Target.pod_id == pod_id,
                Target.quarter == str(quarter),
                Target.scope == TargetScope.POD.value,
            )
        )
        .first()
    )
    return Money(row.amount, row.currency) if row is not None else None


def load_facts(
    session: Session,
    config: Config,
    pod: Pod,
    quarter: Quarter,
    now: datetime,
    *,
    customers: str | None = None,
) -> KpiFacts:
    """Read the POD's facts for `quarter` as of `now`, scoped: the savings summed, the claims
    benchmark attainment judges, the clocks' rows of the quarter, and the claims the customer
    milestones need — GDR's only (`customers` None: the POD's and members' scorecards), one
    account's (its id as a string: that customer's scorecard) or every account's (`ALL`)."""
    pod_id = pod_row_id(session, pod)
    first = _start_of(pod, quarter.start)
    after = _start_of(pod, quarter.end + timedelta(days=1))
    last = min(now, after)

    # 1. Accounts (their customers decide which claims and contracts the milestones need).
    account_rows = session.connection().execute(
        select(
            Account.id, Account.customer, Account.customer_key, Account.initiated,
            Account.handover, Account.term_end, Account.msg, Account.pse, Account.ats,
            Account.currency, Account.health, Account.created_at,
        ).where(Account.pod_id == pod_id).order_by(Account.id)
    ).all()  # fmt: skip
    accounts, account_of_key, key_of_account = [], {}, {}
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
        key_of_account[str(a.id)] = a.customer_key
    keys = list(account_of_key)
    since = min([first] + [_start_of(pod, f.initiated_on) for f in accounts])
    closed_in = and_(Request.closed_at >= first, Request.closed_at < last)
    # The claims the whole-history engine reads; every claim below is read within it.
    scope = and_(
        effective_claim(now),  # approved by now, not superseded by a revision by now
        or_(
            and_(Request.pod_id == pod_id, SavingsClaim.decided_at >= since),
            and_(Request.pod_id == pod_id, closed_in),
            and_(Request.customer_key.in_(keys), SavingsClaim.decided_at >= since),
        ),
    )

    # 2. Requests whose clocks touch the quarter: created, closed or negotiating in it. Their
    # clocks counted in SQL from what each recorded (`bot.db.request_clocks`); then only the
    # requests closed won in the quarter are read (benchmark attainment judges them), else
    # (one not recorded yet) every one, with the quarter's updates, for the rules to judge.
    # (Each term of the OR names the POD and one indexed range: the database reads each by its
    # index, `ix_requests_pod_id_created_at` or `ix_requests_pod_id_closed_at`.)
    mine = Request.pod_id == pod_id
    touching = or_(
        and_(mine, Request.created_at >= first, Request.created_at < last),
        and_(mine, closed_in),
        and_(mine, Request.closed_at.is_(None), Request.assigned_at < last),
        and_(mine, Request.closed_at >= first, Request.assigned_at < last),
    )
    # A close counts on its local day in the quarter, by today.
    today = now.astimezone(pod.zone).date()
    judged_until = _start_of(pod, min(quarter.end, today) + timedelta(days=1))
    connection = session.connection()
    qualification = request_clocks.qualification_totals(connection, pod_id, first, after, now)
    tat = request_clocks.tat_totals(connection, pod_id, first, after, now, judged_until)
    cadence = request_clocks.cadence_totals(
        connection, pod_id, pod.calendar, quarter.start, quarter.end + timedelta(days=1),
        first, after, now,
    )  # fmt: skip
    clocks_recorded = qualification is not None and tat is not None and cadence is not None
    if not clocks_recorded:
        qualification = tat = cadence = None
    won_in = and_(
        Request.outcome == Outcome.WON.value,
        Request.closed_at >= first,
        Request.closed_at < judged_until,
    )
    # Every approved claim's figures recorded at its decision (`bot.db.claim_ledger`)? Else
    # (claims written around the use cases, until restated) the replays below, as before.
    recorded = not claim_ledger.any_unrecorded(session)
    # With both recorded, no rule judges request rows: none is read.
    request_rows = () if clocks_recorded and recorded else session.connection().execute(
        select(
            Request.id, Request.kind.label("kind"), Request.created_at, Request.buyer_id,
            Request.qualified_at, Request.analyst_id, Request.assigned_at, Request.closed_at,
            Request.outcome,
            Request.customer_key, Request.stage, Request.preapproved_at, Request.preapproved_by,
            Request.external_id, Request.tat_due_at,
            # Held at some time (issue 30): its TAT is judged by its moved due date.
            exists().where(Hold.request_id == Request.id, Hold.clock == HeldClock.TAT.value)
            .label("held"),
        ).where(touching, won_in if clocks_recorded else touching)
    ).all()  # fmt: skip

    # 3. Buyer updates in the quarter, and disqualifications (a triage without qualified_at;
    # a request's first by time).
    event_rows = (
        ()
        if clocks_recorded
        else session.connection()
        .execute(
            select(RequestEvent.request_id, RequestEvent.kind, RequestEvent.at, RequestEvent.actor)
            .join(Request, Request.id == RequestEvent.request_id)
            .where(
                Request.pod_id == pod_id,
                RequestEvent.kind.in_((EventKind.UPDATE.value, EventKind.DISQUALIFIED.value)),
                RequestEvent.at >= first,
                RequestEvent.at <= now,
            )
            .order_by(RequestEvent.at, RequestEvent.id)
        )
        .all()
    )
    updates: list[UpdateFact] = []
    disqualified: dict[int, tuple[datetime, str]] = {}
    for e in event_rows:
        if e.kind == EventKind.UPDATE:
            updates.append(UpdateFact(e.request_id, e.at))
        else:
            disqualified.setdefault(e.request_id, (e.at, e.actor))

    requests = []
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

    # Requests created in the quarter whose customer has no account.
    without_account = connection.execute(
        select(func.count()).where(
            mine,
            Request.created_at >= first,
            Request.created_at < last,
            Request.customer_key.not_in(keys),
        )
    ).scalar_one()

    # 4. The quarter's savings, summed.
    savings = quarter_savings(session, pod, pod_id, quarter, now)

    # 5. Benchmark attainment: the POD's requests closed won in the quarter, counted per buyer
    # in SQL by their latest claim's recorded `beats_benchmark`; or (some claim not recorded)
    # the claims, for the rule to judge.
    claims: tuple[ClaimFact, ...] = ()
    benchmarks: tuple[BenchmarkTotal, ...] | None = None
    if recorded:
        benchmarks = _benchmark_totals(session, pod, pod_id, quarter, now, since)
    else:
        claims = _won_claims(session, pod_id, scope, closed_in, recorded)

    # 6. The claims the customer milestones judge.
    if customers is None:
        customer_claims = _gdr_claims(
            session, pod, accounts, key_of_account, scope, quarter, now, since, recorded
        )
    else:
        wanted = keys if customers == ALL else [key_of_account.get(customers, "")]
        customer_claims = _claim_facts(
            session.connection()
            .execute(
                _claim_columns()
                .where(scope, Request.customer_key.in_(wanted))
                .order_by(SavingsClaim.id)
            )
            .all()
        )

    # 7. Mentions of the quarter: counted per member from their recorded reply clocks, or
    # (one not recorded yet) read for the rule to count.
    replies = reply_clocks.reply_totals(session, pod_id, first, last, now)
    mentions: tuple[MentionFact, ...] = ()
    if replies is None:
        mention_rows = session.connection().execute(
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
            MentionFact(
                m.id, m.member, m.mentioned_at, m.closed_at if m.state in ANSWERED else None
            )
            for m in mention_rows
        )

    # 8. The POD's SaaS stack (conversion and ATS).
    contract_rows = session.connection().execute(
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

    # 9. The quarter's targets.
    target_rows = (
        session.connection()
        .execute(
            select(Target.scope, Target.member_id, Target.amount, Target.currency).where(
                Target.pod_id == pod_id, Target.quarter == str(quarter)
            )
        )
        .all()
    )
    the_pod_target, targets = None, []
    for t in target_rows:
        if t.scope == TargetScope.POD.value:
            the_pod_target = Money(t.amount, t.currency)
        elif t.member_id is not None and counts_as_buyer(pod.role_of(t.member_id)):
            targets.append(TargetFact(t.member_id, Money(t.amount, t.currency)))

    # 10. Open requests per customer with an account.
    open_rows = (
        session.connection()
        .execute(
            select(Request.customer_key, func.count())
            .where(
                Request.customer_key.in_(keys),
                Request.stage.in_([s.value for s in OPEN_STAGES]),
                Request.pod_id == pod_id,
            )
            .group_by(Request.customer_key)
        )
        .all()
    )
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
        claims=claims,
        mentions=mentions,
        accounts=tuple(accounts),
        contracts=contracts,
        targets=tuple(targets),
        pod_target=the_pod_target,
        without_account=without_account,
        open_requests=open_requests,
        savings=savings,
        customer_claims=customer_claims,
        replies=replies,
        qualification=qualification,
        tat=tat,
        cadence=cadence,
        benchmarks=benchmarks,
    )


def _cents(column: Any) -> Any:
    """A money column as its stored whole cents (no Decimal per row)."""
    return type_coerce(column, BigInteger)


def _claim_columns() -> Any:
    return select(
        SavingsClaim.id, SavingsClaim.request_id, SavingsClaim.kind, SavingsClaim.baseline,
        SavingsClaim.final, SavingsClaim.currency, SavingsClaim.decided_at, Request.buyer_id,
        Request.customer, Request.tool_key,
    ).join(Request, Request.id == SavingsClaim.request_id)  # fmt: skip


def _claim_facts(
    rows: Any, bench_of: dict[int, Decimal | None] | None = None
) -> tuple[ClaimFact, ...]:
    bench_of = bench_of or {}
    return tuple(
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
            benchmark_percent=bench_of.get(c.id),
        )
        for c in rows
    )


def _benchmark_totals(
    session: Session, pod: Pod, pod_id: int, quarter: Quarter, now: datetime, since: datetime
) -> tuple[BenchmarkTotal, ...]:
    """The POD's requests closed won in the quarter (by their local day, to `now`'s), counted
    per buyer as `benchmark_attainment` judges them: each by its latest claim effective at
    `now` within the scope the whole-history engine reads (decided from `since`, or of a
    request closed in the quarter), whose approval recorded whether it beat its tool's
    benchmark then (`beats_benchmark`; NULL: no benchmark, counted apart); none: a miss.
    One aggregate SELECT."""
    first, after = _quarter_bounds(pod, quarter, now)
    last = min(now, _start_of(pod, quarter.end + timedelta(days=1)))
    won = and_(
        Request.pod_id == pod_id,
        Request.outcome == Outcome.WON.value,
        Request.closed_at >= first,
        Request.closed_at < after,
        # Among the requests the engine reads (their clocks touch the quarter).
        or_(
            and_(Request.created_at >= first, Request.created_at < last),
            Request.closed_at < last,
            Request.assigned_at < last,
        ),
    )
    # Each request's latest claim (by decision, then id), its verdict: 1 beat its benchmark,
    # 0 did not, 2 had none (counted apart); NULL: no claim (a miss). One lookup per won
    # request in `ix_savings_claims_approved_request_id`, which holds every column it reads.
    beats = SavingsClaim.beats_benchmark
    verdict = (
        select(case((beats.is_(None), 2), (beats == true(), 1), else_=0))
        .where(
            SavingsClaim.request_id == Request.id,
            effective_claim(now),
            or_(SavingsClaim.decided_at >= since, Request.closed_at < last),
        )
        .order_by(SavingsClaim.decided_at.desc(), SavingsClaim.id.desc())
        .limit(1)
        .correlate(Request)
        .scalar_subquery()
    )
    # One small integer per won request, counted here: grouped in SQL, SQLite would look each
    # verdict up twice (once to group, once to output).
    rows = session.connection().execute(select(Request.buyer_id, verdict).where(won))
    counts: dict[str | None, list[int]] = {}
    for buyer, outcome in rows:  # [passed, judged, apart] per buyer
        totals = counts.get(buyer)
        if totals is None:
            totals = counts[buyer] = [0, 0, 0]
        if outcome == 2:
            totals[2] += 1
        else:
            totals[1] += 1
            totals[0] += outcome == 1
    return tuple(BenchmarkTotal(buyer, *totals) for buyer, totals in counts.items())


def _won_claims(
    session: Session,
    pod_id: int,
    scope: ColumnElement[bool],
    closed_in: ColumnElement[bool],
    recorded: bool,
) -> tuple[ClaimFact, ...]:
    """The latest effective claim of each of the POD's requests closed won in the quarter (the
    one the rule judges), carrying the tool's benchmark as it stood when it was approved:
    recorded then (`bot.db.claim_ledger`), or replayed while some claim is not recorded."""
    rows = (
        session.connection()
        .execute(
            _claim_columns()
            .add_columns(SavingsClaim.tool_benchmark)
            .where(
                scope,
                Request.pod_id == pod_id,
                Request.outcome == Outcome.WON.value,
                closed_in,
            )
            .order_by(SavingsClaim.id)
        )
        .all()
    )
    if not rows:
        return ()
    # Only the latest approved claim of a procurement won in the quarter is judged.
    latest_claim: dict[int, tuple[datetime, int]] = {}
    for c in rows:
        seen = latest_claim.get(c.request_id)
        if seen is None or (c.decided_at, c.id) > seen:
            latest_claim[c.request_id] = (c.decided_at, c.id)
    judged = {claim_id for _, claim_id in latest_claim.values()}
    # The rule judges each request by its latest claim only: the others need no fact.
    judged_rows = [c for c in rows if c.id in judged]
    if recorded:
        return _claim_facts(
            judged_rows,
            {
                c.id: None if c.tool_benchmark is None else Decimal(c.tool_benchmark)
                for c in judged_rows
            },
        )
    until = max(at for at, _ in latest_claim.values())
    # The benchmark each was judged by: the approved claims of its tool, every POD's, up to the
    # last judged decision (revised ones too: the sweep replays history, and a request's
    # latest approved claim by an instant is its latest effective one then).
    bench_rows = session.connection().execute(
        select(
            SavingsClaim.id, SavingsClaim.request_id, _cents(SavingsClaim.baseline),
            _cents(SavingsClaim.final), Request.tool_key,
        )
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(
            SavingsClaim.status == ClaimStatus.APPROVED.value,
            SavingsClaim.decided_at <= until,
            Request.tool_key.in_(sorted({c.tool_key for c in rows})),
        )
        .order_by(SavingsClaim.decided_at, SavingsClaim.id)
    ).all()  # fmt: skip
    bench_of: dict[int, Decimal | None] = {}
    percents: dict[str, dict[int, Decimal]] = defaultdict(dict)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for claim_id, request_id, baseline, final, tool in bench_rows:  # by decision, then id
        mine = percents[tool]
        # `savings_percent` of the amounts in cents: the same quotient, rounded the same.
        percent = Decimal((baseline - final) * 100) / Decimal(baseline)
        totals[tool] += percent - mine.get(request_id, Decimal(0))
        mine[request_id] = percent
        if claim_id in judged:
            # The tool's benchmark as the claim message showed it: the mean of every other
            # request's latest approved claim decided by then.
            others = len(mine) - 1
            rest = totals[tool] - percent
            bench_of[claim_id] = rest / others if others else None
    return _claim_facts(judged_rows, bench_of)


def _gdr_claims(
    session: Session,
    pod: Pod,
    accounts: list[AccountFact],
    key_of_account: dict[str, str],
    scope: ColumnElement[bool],
    quarter: Quarter,
    now: datetime,
    since: datetime,
    recorded: bool,
) -> tuple[ClaimFact, ...]:
    """What GDR judges, scoped to the quarter: for each account it may resolve in the quarter
    (an MSG, a handover and a term end not before the quarter), its claims decided in the
    quarter summed per day and currency, and one fact dated the day before the quarter
    carrying its savings in the MSG's currency from handover to then (a saving reached before
    the quarter resolved the account then, and the rule sees it so)."""
    first_day = quarter.start
    last_day = min(quarter.end, now.astimezone(pod.zone).date())
    judged = [
        a
        for a in accounts
        if a.msg is not None
        and a.msg.amount > 0
        and a.handover_on is not None
        and a.term_end is not None
        and a.term_end >= first_day
        and a.handover_on <= min(last_day, a.term_end)
    ]
    if not judged:
        return ()
    if recorded:
        reached = _gdr_reached(session, pod, judged, key_of_account, now, since, last_day)
        if reached is not None:
            return reached
    before = _start_of(pod, first_day)
    earlier = [a for a in judged if a.handover_on < first_day]  # type: ignore[operator]
    prefix: dict[str, Decimal] = {}
    if earlier and recorded:
        prefix = _savings_before(session, pod, earlier, key_of_account, scope, before, now, since)
    elif earlier:
        rows = session.connection().execute(
            select(Request.customer_key, func.sum(SavingsClaim.baseline),
                   func.sum(SavingsClaim.final))
            .join(Request, Request.id == SavingsClaim.request_id)
            .where(
                scope,
                SavingsClaim.kind.in_(_KINDS),
                SavingsClaim.decided_at < before,
                or_(*(
                    and_(
                        Request.customer_key == key_of_account[a.account_id],
                        SavingsClaim.currency == _msg_currency(a),
                        SavingsClaim.decided_at >= _start_of(pod, a.handover_on),  # type: ignore[arg-type]
                    )
                    for a in earlier
                )),
            )
            .group_by(Request.customer_key)
        ).all()  # fmt: skip
        prefix = {key: Decimal(baseline - final) for key, baseline, final in rows}
    # The quarter's claims, summed per customer, local day and currency (GDR asks only on
    # which day a customer's savings reached its MSG: a day's claims together say the same).
    in_quarter = session.connection().execute(
        select(
            Request.customer_key, Request.customer, SavingsClaim.currency,
            SavingsClaim.decided_at, _cents(SavingsClaim.baseline) - _cents(SavingsClaim.final),
        )
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(
            scope,
            SavingsClaim.kind.in_(_KINDS),
            Request.customer_key.in_([key_of_account[a.account_id] for a in judged]),
            SavingsClaim.decided_at >= before,
            SavingsClaim.decided_at < _start_of(pod, last_day + timedelta(days=1)),
        )
    ).all()  # fmt: skip
    by_day: dict[tuple[str, date, str], list[Any]] = {}
    # Each claim's local day by where its instant falls among the days' first instants (the
    # rows are the quarter's: bisecting 92 instants costs less than a time zone conversion).
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    starts = [_start_of(pod, d) for d in days]
    for key, customer, currency, decided_at, cents in in_quarter:
        group = by_day.setdefault(
            (key, days[bisect_right(starts, decided_at) - 1], currency), [customer, 0]
        )
        group[1] += cents
    facts = []
    for n, ((_, day, currency), (customer, cents)) in enumerate(sorted(by_day.items()), 1):
        amount = (Decimal(cents) / 100).quantize(Decimal("0.01"))
        facts.append(
            ClaimFact(
                claim_id=-n, request_id=-n, buyer_id=None, customer=customer,
                kind=ClaimKind.SAVINGS, status=ClaimStatus.APPROVED,
                baseline=Money(amount, currency), final=Money(Decimal(0), currency),
                decided_at=_start_of(pod, day),
            )
        )  # fmt: skip
    day_before = _start_of(pod, first_day - timedelta(days=1))
    for n, a in enumerate(judged, start=len(facts) + 1):
        total = prefix.get(key_of_account[a.account_id])
        if not total:
            continue
        currency = _msg_currency(a)
        facts.append(
            ClaimFact(
                claim_id=-n, request_id=-n, buyer_id=None, customer=a.customer,
                kind=ClaimKind.SAVINGS, status=ClaimStatus.APPROVED,
                baseline=Money(total, currency), final=Money(Decimal(0), currency),
                decided_at=day_before,
            )
        )  # fmt: skip
    return tuple(facts)


def _gdr_reached(
    session: Session,
    pod: Pod,
    judged: list[AccountFact],
    key_of_account: dict[str, str],
    now: datetime,
    since: datetime,
    last_day: date,
) -> tuple[ClaimFact, ...] | None:
    """GDR's facts from the recorded running totals: for each account, the first claim from
    its handover to min(the quarter's last day as of `now`, its term end) whose customer's
    savings to date reach the savings before its handover plus its MSG — one statement per
    account — as one fact of the MSG's amount on that claim's instant (the rule then sees the
    MSG reached that day, as it would summing every claim). None when the running totals
    are not what the scoped engine counts as of `now`: a claim they count no longer was still
    counted then (revised after `now`), or a handover before the engine's scope (`since`)."""
    handovers = {a.account_id: _start_of(pod, a.handover_on) for a in judged}  # type: ignore[arg-type]
    if min(handovers.values()) < since:
        return None
    keys = [key_of_account[a.account_id] for a in judged]
    conn = session.connection()
    revised_since = conn.execute(
        select(SavingsClaim.id)
        .where(SavingsClaim.superseded_at > now, SavingsClaim.customer_key.in_(keys))
        .limit(1)
    ).first()
    if revised_since is not None:
        return None
    # Decided by `now` (stored to the microsecond).
    by_now = now + timedelta(microseconds=1)
    facts = []
    for n, a in enumerate(judged, start=1):
        assert a.msg is not None and a.term_end is not None
        until = min(by_now, _start_of(pod, min(last_day, a.term_end) + timedelta(days=1)))
        at = claim_ledger.reached_at(
            conn, key_of_account[a.account_id], a.msg.currency, handovers[a.account_id],
            int(a.msg.amount * 100), until,
        )  # fmt: skip
        if at is not None:
            facts.append(
                ClaimFact(
                    claim_id=-n, request_id=-n, buyer_id=None, customer=a.customer,
                    kind=ClaimKind.SAVINGS, status=ClaimStatus.APPROVED, baseline=a.msg,
                    final=Money(Decimal(0), a.msg.currency), decided_at=at,
                )
            )  # fmt: skip
    return tuple(facts)


def _savings_before(
    session: Session,
    pod: Pod,
    earlier: list[AccountFact],
    key_of_account: dict[str, str],
    scope: ColumnElement[bool],
    before: datetime,
    now: datetime,
    since: datetime,
) -> dict[str, Decimal]:
    """Each account's savings in its MSG's currency from handover to `before`, as the scoped
    aggregate counts them, from the recorded running totals: two index lookups per account,
    plus the claims counted as of `now` that count no longer (revised after `now`: none when
    `now` is the present) and, for a handover before `since`, the claims the engine's scope
    reads from then (the POD's requests closed in the quarter)."""
    cents: dict[str, int] = {}
    windows = []
    for a in earlier:
        key, currency = key_of_account[a.account_id], _msg_currency(a)
        handover = _start_of(pod, a.handover_on)  # type: ignore[arg-type]
        low = max(handover, since)
        if low < before:
            conn = session.connection()
            cents[key] = claim_ledger.to_date(conn, key, currency, before) - claim_ledger.to_date(
                conn, key, currency, low
            )
        windows.append((key, currency, handover, low))
    # Counted as of `now`, though a revision approved since supersedes them.
    revised_since = session.connection().execute(
        select(Request.customer_key, SavingsClaim.currency, SavingsClaim.decided_at,
               _cents(SavingsClaim.baseline) - _cents(SavingsClaim.final))
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(
            SavingsClaim.superseded_at > now,
            scope,
            SavingsClaim.kind.in_(_KINDS),
            Request.customer_key.in_([w[0] for w in windows]),
            SavingsClaim.decided_at < before,
        )
    ).all()  # fmt: skip
    by_key = {w[0]: w for w in windows}
    for key, currency, decided_at, net in revised_since:
        _, wanted, _, low = by_key[key]
        if currency == wanted and low <= decided_at < before:
            cents[key] = cents.get(key, 0) + int(net)
    # A handover before the scope's start: the claims the scope reads before it.
    early = [w for w in windows if w[2] < w[3]]
    if early:
        rows = session.connection().execute(
            select(Request.customer_key, func.sum(SavingsClaim.baseline),
                   func.sum(SavingsClaim.final))
            .join(Request, Request.id == SavingsClaim.request_id)
            .where(
                scope,
                SavingsClaim.kind.in_(_KINDS),
                or_(*(
                    and_(
                        Request.customer_key == key,
                        SavingsClaim.currency == currency,
                        SavingsClaim.decided_at >= handover,
                        SavingsClaim.decided_at < min(low, before),
                    )
                    for key, currency, handover, low in early
                )),
            )
            .group_by(Request.customer_key)
        ).all()  # fmt: skip
        for key, baseline, final in rows:
            cents[key] = cents.get(key, 0) + int((baseline - final) * 100)
    return {key: (Decimal(value) / 100).quantize(CENT) for key, value in cents.items() if value}
