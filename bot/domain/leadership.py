"""The monthly leadership report (issue 35): across PODs, each POD's ATS change over the
month (from the ATS snapshots), its MSG and GDR standing, its savings against target, the
forecast's at-risk accounts, and each customer's ROI where its fee is recorded (approved
savings ÷ fee). Pure: the figures come in as values (`bot/db/leadership.py`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bot.domain.csv_out import Cell, write_table
from bot.domain.kpis import Kpi, KpiStatus
from bot.domain.money import Money, format_money, format_percent
from bot.domain.working_time import WorkCalendar

__all__ = [
    "AccountRoi",
    "AtRiskAccount",
    "LeadershipReport",
    "PodStanding",
    "first_working_day",
    "leadership_csv",
    "leadership_lines",
    "roi",
]


@dataclass(frozen=True)
class AtRiskAccount:
    """An account the MSG forecast says misses its MSG (issue 35 item 5), with its sentence."""

    pod: str
    customer: str
    shortfall: Decimal
    currency: str
    sentence: str


@dataclass(frozen=True)
class AccountRoi:
    customer: str
    approved: Decimal  # approved savings from handover, in the fee's currency
    fee: Decimal
    currency: str

    @property
    def roi(self) -> Decimal | None:
        return roi(self.approved, self.fee)


def roi(approved: Decimal, fee: Decimal) -> Decimal | None:
    """Approved savings ÷ the customer's fee (None for no fee)."""
    return approved / fee if fee > 0 else None


@dataclass(frozen=True)
class PodStanding:
    pod: str
    name: str
    currency: str
    ats_now: Decimal | None  # the POD's ATS on the platform, this week's snapshots
    ats_before: Decimal | None  # … four weeks before
    msg: tuple[tuple[str, Kpi], ...]  # each customer's MSG line
    gdr: Kpi
    savings: Kpi  # net savings vs the POD's target, the quarter so far
    at_risk: tuple[AtRiskAccount, ...]
    rois: tuple[AccountRoi, ...]

    @property
    def ats_change(self) -> Decimal | None:
        if self.ats_now is None or self.ats_before is None:
            return None
        return self.ats_now - self.ats_before

    def msg_counts(self) -> Counter[str]:
        """Customers by MSG status (met, warning, missed, pending), no data left out."""
        return Counter(k.status.value for _, k in self.msg if k.status is not KpiStatus.NO_DATA)


@dataclass(frozen=True)
class LeadershipReport:
    month: str  # `2027-01`
    as_of: date
    quarter: str
    pods: tuple[PodStanding, ...]


def first_working_day(calendar: WorkCalendar, day: date) -> date:
    """The first working day of `day`'s month (its first day when the calendar has none)."""
    first = day.replace(day=1)
    for offset in range(31):
        candidate = first + timedelta(days=offset)
        if candidate.month != first.month:
            break
        if calendar.is_working_day(candidate):
            return candidate
    return first


def _money(amount: Decimal | None, currency: str) -> str:
    return "—" if amount is None else format_money(Money(amount, currency))


def _share(kpi: Kpi) -> str:
    return "no data" if kpi.value is None else format_percent(kpi.value * 100)


def _gdr(kpi: Kpi) -> str:
    if kpi.value is None or kpi.numerator is None or kpi.denominator is None:
        return "no customer's outcome known this quarter yet"
    return (
        f"{_share(kpi)}: {kpi.numerator:.0f} of {kpi.denominator:.0f} customers decided this "
        f"quarter reached their MSG (bar {format_percent(kpi.bar * 100)}, {kpi.status.value})"
    )


def leadership_lines(report: LeadershipReport) -> list[str]:
    """The report's message, a POD at a time (mrkdwn; names escaped by the caller's blocks)."""
    lines = [
        f"*Leadership report* · {report.month} (as of {report.as_of.isoformat()}, "
        f"quarter {report.quarter})"
    ]
    for pod in report.pods:
        c = pod.currency
        change = pod.ats_change
        moved = (
            f"{'+' if change >= 0 else '−'}{_money(abs(change), c)} over four weeks"
            if change is not None
            else "no snapshot four weeks ago"
        )
        counts = pod.msg_counts()
        msg = (
            ", ".join(f"{counts[s]} {s}" for s in ("met", "warning", "missed", "pending"))
            or "no MSG set"
        )
        target = pod.savings.denominator
        lines += [
            f"*{pod.name}*",
            f"• ATS on the platform: {_money(pod.ats_now, c)} ({moved})",
            f"• MSG: {msg}",
            f"• GDR: {_gdr(pod.gdr)}",
            f"• Savings: {_money(pod.savings.numerator, c)} of target {_money(target, c)}"
            f" ({_share(pod.savings)})",
        ]
        if pod.at_risk:
            lines.append(f"• At risk ({len(pod.at_risk)}):")
            lines += [f"    {a.customer}: {a.sentence}" for a in pod.at_risk]
        else:
            lines.append("• At risk: none forecast")
        for r in pod.rois:
            shown = f"{r.roi:.1f}×" if r.roi is not None else "—"
            lines.append(
                f"• ROI {r.customer}: {shown} ({_money(r.approved, r.currency)} approved ÷ "
                f"fee {_money(r.fee, r.currency)})"
            )
    return lines


CSV_HEADER = (
    "pod", "customer", "currency", "ats_now", "ats_4_weeks_ago", "ats_change", "msg_status",
    "msg_share", "gdr", "savings_approved", "savings_target", "at_risk", "at_risk_shortfall",
    "fee", "approved_savings", "roi",
)  # fmt: skip


def leadership_csv(report: LeadershipReport) -> str:
    """One row per POD (customer empty), then one per customer with its MSG, risk and ROI."""
    rows: list[list[Cell]] = []
    for pod in report.pods:
        rows.append(
            [
                pod.pod, "", pod.currency, pod.ats_now, pod.ats_before, pod.ats_change, "", None,
                pod.gdr.value, pod.savings.numerator, pod.savings.denominator, len(pod.at_risk),
                None, None, None, None,
            ]
        )  # fmt: skip
        risky = {a.customer: a for a in pod.at_risk}
        rois = {r.customer: r for r in pod.rois}
        for customer, kpi in pod.msg:
            risk, fee = risky.get(customer), rois.get(customer)
            rows.append(
                [
                    pod.pod, customer, pod.currency, None, None, None, kpi.status.value,
                    kpi.value, None, None, None, "yes" if risk else "no",
                    risk.shortfall if risk else None, fee.fee if fee else None,
                    fee.approved if fee else None, fee.roi if fee else None,
                ]
            )  # fmt: skip
    return write_table(CSV_HEADER, rows)
