"""What the monthly leadership report reads (issue 35): per POD its ATS on the platform from
the snapshots (this week's and four weeks before), its KPI facts (MSG per customer, GDR, net
savings vs target), the customers' approved savings against their fee, and the forecast's
at-risk accounts (`forecast_at_risk`, the hook to issue 35 item 5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Config, Pod
from bot.db import claim_ledger
from bot.db.forecast import latest_at_risk
from bot.db.kpis import ALL, load_facts
from bot.db.models import Account, AtsSnapshot, PodRow, Request, SavingsClaim
from bot.domain.digest import week_period
from bot.domain.leadership import AccountRoi, AtRiskAccount, LeadershipReport, PodStanding
from bot.domain.quarters import quarter_of
from bot.domain.scorecard import pod_scorecards
from bot.domain.vocabulary import ClaimStatus

__all__ = ["forecast_at_risk", "leadership_report", "pod_standing"]


def forecast_at_risk(session: Session, pod_key: str) -> list[AtRiskAccount]:
    """The POD's accounts its latest MSG forecast (issue 35 item 5, `bot/db/forecast.py`) says
    are at risk of missing, or have missed, the MSG at day 180, with the forecast's sentence."""
    return [
        AtRiskAccount(pod_key, f.customer, f.shortfall.amount, f.shortfall.currency, f.sentence)
        for f in latest_at_risk(session, pod_key)
    ]


def _ats_of_week(session: Session, pod_id: int, week: str, currency: str) -> Decimal | None:
    total, count = session.execute(
        select(func.sum(AtsSnapshot.platform_ats), func.count(AtsSnapshot.id))
        .join(Account, Account.id == AtsSnapshot.account_id)
        .where(Account.pod_id == pod_id, AtsSnapshot.week == week, AtsSnapshot.currency == currency)
    ).one()
    return Decimal(total) if count else None


def _approved_to_date(session: Session, account: Account) -> Decimal:
    """The customer's approved savings (baseline − final, revisions counted once) in the
    account's currency, all time: the claim ledger's running total (one index lookup), or,
    while some approved claim is not recorded yet, their sum."""
    conn = session.connection()
    if not claim_ledger.any_unrecorded(conn):
        cents = claim_ledger.to_date(conn, account.customer_key, account.currency)
        # As the sum of the amounts reads: two places, or 0 with nothing approved.
        return (Decimal(cents) / 100).quantize(Decimal("0.01")) if cents else Decimal(0)
    total = session.execute(
        select(func.sum(SavingsClaim.baseline), func.sum(SavingsClaim.final))
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(
            Request.customer_key == account.customer_key,
            SavingsClaim.status == ClaimStatus.APPROVED.value,
            SavingsClaim.superseded_at.is_(None),
            SavingsClaim.currency == account.currency,
        )
    ).one()
    return total[0] - total[1] if total[0] is not None else Decimal(0)


def pod_standing(session: Session, config: Config, pod: Pod, now: datetime) -> PodStanding:
    """One POD's part of the report as of `now`."""
    today = now.astimezone(pod.zone).date()
    quarter = quarter_of(today, pod.fiscal_year_start_month)
    facts = load_facts(session, config, pod, quarter, now, customers=ALL)
    cards = pod_scorecards(facts, pod.key, pod.members)
    pod_lines = {kpi.name: kpi for kpi in cards[0].lines}
    msg = tuple(
        (card.subject, line)
        for card in cards
        if card.scope == "customer"
        for line in card.lines
        if line.name == "msg"
    )
    pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod.key)).one()
    accounts = session.scalars(
        select(Account)
        .where(Account.pod_id == pod_id, Account.fee.is_not(None))
        .order_by(Account.customer_key)
    )
    rois = tuple(
        AccountRoi(a.customer, _approved_to_date(session, a), a.fee, a.currency)
        for a in accounts
        if a.fee is not None
    )
    return PodStanding(
        pod=pod.key,
        name=pod.name,
        currency=pod.currency,
        ats_now=_ats_of_week(session, pod_id, week_period(today), pod.currency),
        ats_before=_ats_of_week(
            session, pod_id, week_period(today - timedelta(days=28)), pod.currency
        ),
        msg=msg,
        gdr=pod_lines["gdr"],
        savings=pod_lines["net_savings"],
        at_risk=tuple(forecast_at_risk(session, pod.key)),
        rois=rois,
    )


def leadership_report(session: Session, config: Config, now: datetime) -> LeadershipReport:
    """Every configured POD's standing, in config order."""
    first = config.pods[0]
    today = now.astimezone(first.zone).date()
    return LeadershipReport(
        month=f"{today:%Y-%m}",
        as_of=today,
        quarter=str(quarter_of(today, first.fiscal_year_start_month)),
        pods=tuple(pod_standing(session, config, pod, now) for pod in config.pods),
    )
