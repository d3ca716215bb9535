"""The MSG/GDR forecast's reads and its stored weeks (issue 35, item 5).

`account_inputs` reads what `bot.domain.forecast.forecast` works on: each account of a POD with
an MSG and a handover, its approved savings from handover to now (two lookups of the claim
ledger's `customer_to_date`), and its open requests with their tool's benchmark, lowest current
quote, procurement steps and open hold. `store` keeps a week's forecasts (one per account and
week, a unique index), the requests deciding them and the POD's projected GDR; the em's and the
buyer's Homes read those rows (`em_home_forecast`, `deciding_requests`: what they show, no more),
the monthly report reads `latest_at_risk`, and `backtest` compares stored weeks with what
happened since.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, case, func, select, type_coerce
from sqlalchemy.orm import Session

from bot.blocks.forecast import EmForecast, ForecastItem
from bot.db import claim_ledger
from bot.db.holds import open_holds
from bot.db.models import (
    Account,
    ForecastDecider,
    ForecastRow,
    PodForecastRow,
    PodRow,
    ProcurementStep,
    Quote,
    Request,
    SavingsClaim,
)
from bot.db.savings import tool_benchmark
from bot.domain.dates import day_start
from bot.domain.digest import week_period
from bot.domain.forecast import (
    AccountInputs,
    Backtest,
    Forecast,
    GdrOutlook,
    OpenRequest,
    Standing,
    StepState,
    forecast,
    projected_gdr,
)
from bot.domain.holds import HeldClock
from bot.domain.money import Money
from bot.domain.procurement import step_day
from bot.domain.quarters import Quarter, quarter_of
from bot.domain.vocabulary import OPEN_STAGES, ClaimStatus, Stage

if TYPE_CHECKING:
    from bot.config import Config, Pod

_C = SavingsClaim.__table__.c


def _cents(column: Any) -> Any:
    return type_coerce(column, BigInteger)


def _best_quotes(session: Session, ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """(request id, currency) → the request's lowest current quote in that currency (each
    vendor's latest quote counts)."""
    lowest: dict[tuple[int, str], Decimal] = {}
    latest: dict[tuple[int, str], Quote] = {}
    for quote in session.scalars(select(Quote).where(Quote.request_id.in_(ids)).order_by(Quote.id)):
        latest[(quote.request_id, quote.vendor_key)] = quote
    for (request_id, _), quote in latest.items():
        key = (request_id, quote.currency)
        if key not in lowest or quote.amount < lowest[key]:
            lowest[key] = quote.amount
    return lowest


def _approved(session: Session, ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """(request id, currency) → the request's effective approved savings (savings and
    avoidance) in that currency: already in its customer's savings to date."""
    rows = session.execute(
        select(
            SavingsClaim.request_id, SavingsClaim.currency,
            func.sum(_cents(SavingsClaim.baseline) - _cents(SavingsClaim.final)),
        )
        .where(
            SavingsClaim.request_id.in_(ids),
            SavingsClaim.status == ClaimStatus.APPROVED.value,
            SavingsClaim.superseded_at.is_(None),
            SavingsClaim.kind.in_(claim_ledger.COUNTED_KINDS),
        )
        .group_by(SavingsClaim.request_id, SavingsClaim.currency)
    ).all()  # fmt: skip
    return {(rid, cur): Decimal(int(cents)) / 100 for rid, cur, cents in rows}


def account_inputs(
    session: Session, pod: Pod, now: datetime, customer_key: str | None = None
) -> list[AccountInputs]:
    """The POD's accounts with an MSG and a handover by today (or the one customer), with
    their savings to date and open requests, as the forecast reads them."""
    today = now.astimezone(pod.zone).date()
    query = (
        select(Account)
        .join(PodRow, PodRow.id == Account.pod_id)
        .where(
            PodRow.key == pod.key,
            Account.msg.is_not(None),
            Account.msg > 0,
            Account.handover.is_not(None),
            Account.handover <= today,
        )
        .order_by(Account.customer_key)
    )
    if customer_key is not None:
        query = query.where(Account.customer_key == customer_key)
    accounts = list(session.scalars(query))
    if not accounts:
        return []
    keys = [a.customer_key for a in accounts]
    requests = list(
        session.scalars(
            select(Request)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(
                PodRow.key == pod.key,
                Request.customer_key.in_(keys),
                Request.stage.in_([s.value for s in OPEN_STAGES]),
            )
            .order_by(Request.id)
        )
    )
    ids = [r.id for r in requests]
    steps: dict[int, list[StepState]] = defaultdict(list)
    for step in session.scalars(
        select(ProcurementStep)
        .where(ProcurementStep.request_id.in_(ids))
        .order_by(ProcurementStep.id)
    ):
        day = None if step.done_at is not None else step_day(step.started_at, now, pod.timezone)
        steps[step.request_id].append(StepState(step.stage, day))
    holds = open_holds(session, ids)
    quotes = _best_quotes(session, ids)
    approved = _approved(session, ids)
    benchmarks: dict[str, Decimal | None] = {}
    by_customer: dict[str, list[OpenRequest]] = defaultdict(list)
    for r in requests:
        if r.tool_key not in benchmarks:
            benchmarks[r.tool_key] = tool_benchmark(session, r.tool).percent
        hold = holds.get(r.id)
        by_customer[r.customer_key].append(
            OpenRequest(
                r.id, r.key, r.stage, r.kind, r.amount, r.currency,
                benchmark=benchmarks[r.tool_key],
                best_quote=quotes.get((r.id, r.currency)),
                approved=approved.get((r.id, r.currency), Decimal(0)),
                steps=tuple(steps.get(r.id, ())),
                tat_due_at=r.tat_due_at if r.stage == Stage.NEGOTIATING else None,
                hold_since=hold.started_at
                if hold is not None and hold.clock == HeldClock.TAT else None,
            )
        )  # fmt: skip
    out = []
    for a in accounts:
        assert a.msg is not None and a.handover is not None
        since = day_start(a.handover, pod.zone)
        conn = session.connection()
        cents = claim_ledger.to_date(conn, a.customer_key, a.currency, now) - (
            claim_ledger.to_date(conn, a.customer_key, a.currency, since)
        )
        to_date = Decimal(cents) / 100
        reached_on = None
        if to_date >= a.msg:
            at = claim_ledger.reached_at(conn, a.customer_key, a.currency, since, int(a.msg * 100))
            reached_on = at.astimezone(pod.zone).date() if at is not None else today
        out.append(
            AccountInputs(
                a.id, a.customer, a.handover, Money(a.msg, a.currency), to_date, a.term_end,
                reached_on, tuple(by_customer.get(a.customer_key, ())),
            )
        )  # fmt: skip
    return out


def forecasts_now(
    session: Session, config: Config, pod: Pod, now: datetime, customer_key: str | None = None
) -> list[Forecast]:
    """Each account's forecast as of `now`, worked out afresh."""
    return [
        forecast(inputs, now, pod.timezone, pod_weeks(config), config.clocks.tat_days)
        for inputs in account_inputs(session, pod, now, customer_key)
    ]


def pod_weeks(config: Config) -> dict[str, tuple[int, int]]:
    """The configured weeks of each procurement step."""
    return dict(config.procurement_stages)


def _lines(f: Forecast) -> list[dict[str, Any]]:
    return [
        {
            "request_id": line.request_id, "key": line.key, "saving": str(line.saving),
            "source": line.source.value, "close": line.close.isoformat(),
            "running": str(line.running), "remaining_days": line.remaining_days,
            "bound": line.bound.isoformat(),
            "amount": None if line.amount is None else str(line.amount),
            "rate": None if line.rate is None else str(line.rate),
            "best_quote": None if line.best_quote is None else str(line.best_quote),
        }
        for line in f.lines
    ]  # fmt: skip


def store(
    session: Session, pod: Pod, now: datetime, forecasts: list[Forecast], quarter: Quarter
) -> int:
    """Keep the week's forecasts of the POD (an account's forecast of a week already kept is
    left as it is: once per account and week), their deciding requests and the POD's projected
    GDR for `quarter`. Returns how many forecasts were kept."""
    pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod.key)).one()
    week = week_period(now.astimezone(pod.zone).date())
    done = set(
        session.scalars(
            select(ForecastRow.account_id).where(
                ForecastRow.pod_id == pod_id, ForecastRow.week == week
            )
        )
    )
    kept = 0
    for f in forecasts:
        if f.account_id in done:
            continue
        row = ForecastRow(
            pod_id=pod_id, account_id=f.account_id, customer=f.customer, week=week, made_at=now,
            as_of=f.today, handover=f.handover, deadline=f.deadline, term_end=f.term_end,
            msg=f.msg.amount, currency=f.msg.currency, to_date=f.to_date,
            status=f.standing.value, reach_on=f.reach_on, shortfall=f.shortfall,
            sentence=f.sentence, lines=_lines(f),
        )  # fmt: skip
        session.add(row)
        session.flush()
        at_risk = f.standing == Standing.AT_RISK
        for request_id in f.deciding_ids:
            session.add(
                ForecastDecider(
                    forecast_id=row.id, request_id=request_id, week=week, at_risk=at_risk
                )
            )
        kept += 1
    outlook = projected_gdr(forecasts, quarter)
    exists = session.scalars(
        select(PodForecastRow).where(PodForecastRow.pod_id == pod_id, PodForecastRow.week == week)
    ).first()
    if exists is None:
        session.add(
            PodForecastRow(
                pod_id=pod_id, week=week, quarter=str(quarter), made_at=now,
                reached=outlook.reached, decided=outlook.decided, apart=outlook.apart,
            )
        )  # fmt: skip
    session.flush()
    return kept


# --- what the Homes and the reports read ------------------------------------------------------


@dataclass(frozen=True)
class StoredForecast:
    """A kept forecast as the Homes and reports show it."""

    customer: str
    week: str
    status: str
    sentence: str
    reach_on: date | None
    deadline: date
    shortfall: Money
    handover: date

    @property
    def reach_day(self) -> int | None:
        return None if self.reach_on is None else (self.reach_on - self.handover).days


def _latest_week(session: Session, pod_id: int) -> str | None:
    return session.scalar(
        select(func.max(PodForecastRow.week)).where(PodForecastRow.pod_id == pod_id)
    )


def _stored(row: ForecastRow) -> StoredForecast:
    return StoredForecast(
        row.customer, row.week, row.status, row.sentence, row.reach_on, row.deadline,
        Money(row.shortfall, row.currency), row.handover,
    )  # fmt: skip


# At risk first (the em can still change it), then missed, on track, reached.
_ORDER = case(
    (ForecastRow.status == "at-risk", 0),
    (ForecastRow.status == "missed", 1),
    (ForecastRow.status == "on-track", 2),
    else_=3,
)


def em_home_forecast(session: Session, pod_id: int, cap: int) -> EmForecast | None:
    """The em's Home part: the POD's latest kept week, its first `cap` forecasts (at risk
    first) and their count, and the POD's projected GDR (one row); None before any is kept."""
    week = _latest_week(session, pod_id)
    if week is None:
        return None
    where = (ForecastRow.pod_id == pod_id, ForecastRow.week == week)
    rows = session.scalars(
        select(ForecastRow).where(*where).order_by(_ORDER, ForecastRow.customer).limit(cap)
    ).all()
    total = session.scalar(select(func.count()).select_from(ForecastRow).where(*where)) or 0
    pod_row = session.scalars(
        select(PodForecastRow).where(PodForecastRow.pod_id == pod_id, PodForecastRow.week == week)
    ).one()
    return EmForecast(
        week,
        tuple(ForecastItem(r.customer, r.status, r.sentence, r.reach_on) for r in rows),
        total,
        GdrOutlook(pod_row.reached, pod_row.decided, pod_row.apart),
        pod_row.quarter,
    )


def deciding_requests(session: Session, pod_id: int, buyer: str, limit: int) -> list[int]:
    """The buyer's negotiating requests that decide an account's MSG forecast now at risk, in
    the POD's latest week of forecasts (at most `limit`, by request)."""
    week = _latest_week(session, pod_id)
    if week is None:
        return []
    return list(
        session.scalars(
            select(Request.id)
            .join(ForecastDecider, ForecastDecider.request_id == Request.id)
            .where(
                ForecastDecider.week == week,
                ForecastDecider.at_risk.is_(True),
                Request.pod_id == pod_id,
                Request.buyer_id == buyer,
                Request.stage == Stage.NEGOTIATING.value,
            )
            .order_by(Request.id)
            .limit(limit)
        )
    )


def deciding_first(
    session: Session, pod_id: int, buyer: str, shown: list[Request], cap: int
) -> tuple[list[Request], set[int]]:
    """The buyer's Home list with the requests deciding an MSG at risk added (at most `cap`
    read), and their ids: the Home puts them first."""
    deciding = deciding_requests(session, pod_id, buyer, cap)
    if not deciding:
        return shown, set()
    have = {r.id for r in shown}
    missing = [i for i in deciding if i not in have]
    extra = list(session.scalars(select(Request).where(Request.id.in_(missing)))) if missing else []
    return [*shown, *extra], set(deciding)


def latest_at_risk(session: Session, pod_key: str) -> list[StoredForecast]:
    """The POD's accounts whose latest kept forecast is at risk of missing the MSG at day 180
    (or has missed it), by customer: what the monthly leadership report lists."""
    pod_id = session.scalar(select(PodRow.id).where(PodRow.key == pod_key))
    if pod_id is None:
        return []
    week = _latest_week(session, pod_id)
    if week is None:
        return []
    rows = session.scalars(
        select(ForecastRow)
        .where(
            ForecastRow.pod_id == pod_id,
            ForecastRow.week == week,
            ForecastRow.status.in_(("at-risk", "missed")),
        )
        .order_by(_ORDER, ForecastRow.customer)
    )
    return [_stored(r) for r in rows]


# --- the back-test ----------------------------------------------------------------------------


def backtest(session: Session, pod: Pod, today: date) -> Backtest:
    """Compare every kept forecast of the POD with what happened since."""
    pod_id = session.scalar(select(PodRow.id).where(PodRow.key == pod.key))
    rows = (
        []
        if pod_id is None
        else list(
            session.scalars(
                select(ForecastRow)
                .where(ForecastRow.pod_id == pod_id)
                .order_by(ForecastRow.week, ForecastRow.customer)
            )
        )
    )
    reach_judged: list[int] = []
    late_open: list[int] = []
    pending = judged_forecasts = unforeseen = 0
    reached_cache: dict[int, date | None] = {}
    accounts = {
        a.id: a
        for a in session.scalars(
            select(Account).where(Account.id.in_({r.account_id for r in rows}))
        )
    }
    for row in rows:
        if row.status == Standing.REACHED.value:
            continue
        judged_forecasts += 1
        account = accounts.get(row.account_id)
        if account is None:
            continue
        if row.account_id not in reached_cache:
            since = day_start(row.handover, pod.zone)
            at = claim_ledger.reached_at(
                session.connection(), account.customer_key, row.currency, since,
                int(row.msg * 100),
            )  # fmt: skip
            reached_cache[row.account_id] = at.astimezone(pod.zone).date() if at else None
        actual = reached_cache[row.account_id]
        if actual is not None and row.reach_on is not None:
            reach_judged.append((actual - row.reach_on).days)
        elif actual is None and row.reach_on is not None and row.reach_on < today:
            late_open.append((today - row.reach_on).days)
        elif actual is None:
            pending += 1
        else:
            unforeseen += 1
    close_judged: list[int] = []
    saving_judged: list[tuple[Decimal, Decimal]] = []
    close_pending = 0
    lines = [(line, row) for row in rows for line in row.lines]
    ids = {int(line["request_id"]) for line, _ in lines}
    closed = {r.id: r for r in session.scalars(select(Request).where(Request.id.in_(ids)))}
    approved: dict[int, Decimal] = defaultdict(Decimal)
    for claim in session.scalars(
        select(SavingsClaim).where(
            SavingsClaim.request_id.in_(ids),
            SavingsClaim.status == "approved",
            SavingsClaim.superseded_at.is_(None),
        )
    ):
        approved[claim.request_id] += claim.baseline - claim.final
    for line, _row in lines:
        request = closed.get(int(line["request_id"]))
        if request is None or request.closed_at is None:
            close_pending += 1
            continue
        actual_day = request.closed_at.astimezone(pod.zone).date()
        close_judged.append((actual_day - date.fromisoformat(line["close"])).days)
        if request.outcome == "won":
            saving_judged.append((Decimal(line["saving"]), approved.get(request.id, Decimal(0))))
    weeks = sorted({row.week for row in rows})
    return Backtest(
        judged_forecasts, tuple(weeks), tuple(reach_judged), tuple(late_open), pending,
        unforeseen, tuple(close_judged), close_pending, tuple(saving_judged),
    )  # fmt: skip


def forecast_week(pod: Pod, now: datetime) -> str:
    """The ISO week a forecast made at `now` belongs to."""
    return week_period(now.astimezone(pod.zone).date())


def quarter_now(pod: Pod, now: datetime) -> Quarter:
    """The POD's fiscal quarter at `now`."""
    return quarter_of(now.astimezone(pod.zone).date(), pod.fiscal_year_start_month)
