"""The POD's KPIs (savings, TATs, cadence, replies, customer outcomes) as pure rules.

Every rule takes flat facts (frozen dataclasses a DB layer fills with one query per kind of
row: ids as ints or strings, instants aware UTC, days as `date`) and returns a `Kpi`: its value,
its bar, a `KpiStatus`, the numerator and denominator behind the value and how many items were
counted apart (left out of both). No clock: the quarter and the "as of" instant or day are
arguments. Instants are placed in days by the POD calendar's time zone.

Shared conventions:

* A share is numerator ÷ denominator; it is compared to its bar exactly
  (`numerator >= bar × denominator`), so 7/10 meets a 70 % bar and 6999/10000 does not.
  An empty denominator gives value None and status NO_DATA.
* A quarter KPI counts only facts on or before `as_of` (when given). While the quarter is
  still running (`as_of` before its last day) a figure below its bar is WARNING, not MISSED.
* Savings of a claim = baseline − final. A claim counts when it is approved, in the quarter
  its decision (`decided_at`) falls in — not the quarter its request closed in: an approval
  on 2 April for a request closed on 30 March is April's quarter's saving.
* Money: a figure is in one currency (the target's, the account's or the POD's). Claims and
  contracts in any other currency are never converted: they are counted apart.
* Both cost savings and cost avoidance count toward savings targets (`TARGET_KINDS`), and
  are reported apart in `Kpi.parts`: the SPEC §1 words distinguish them by baseline, but both
  are approved money a buyer negotiated off a price the customer would otherwise pay.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.domain.lifecycle import negotiation_due
from bot.domain.lifecycle import qualification_due as _qualification_due
from bot.domain.money import Money, format_percent
from bot.domain.names import name_key
from bot.domain.quarters import Quarter
from bot.domain.vocabulary import (
    BillingCycle,
    ClaimKind,
    ClaimStatus,
    Health,
    Outcome,
    RequestType,
)
from bot.domain.working_time import WorkCalendar, add_working_hours, working_hours_between

__all__ = [
    "APART_EXPLAINS",
    "ATS_BAR",
    "BAR_EXPLAINS",
    "BENCHMARK_ATTAINMENT_BAR",
    "BENCHMARK_SHARE",
    "BUYERS_AT_QUOTA_BAR",
    "CONVERSION_BAR",
    "DEFINITIONS",
    "FAVORABLE_HEALTH_BAR",
    "FTV_DAYS",
    "GDR_BAR",
    "MSG_BREACH_DAYS",
    "MSG_WARNING_DAYS",
    "NET_SAVINGS_BAR",
    "PSE_BAR",
    "PSE_WARNING_DAYS",
    "QUALIFICATION_BAR",
    "QUALIFICATION_HOURS",
    "QUOTA_BAR",
    "REPLY_BAR",
    "REPLY_HOURS",
    "SAVINGS_EXPLAINS",
    "STATUS_EXPLAINS",
    "TARGET_KINDS",
    "TAT_ADHERENCE_BAR",
    "TAT_DAYS",
    "UPDATE_CADENCE_BAR",
    "AccountFact",
    "BenchmarkTotal",
    "ClaimFact",
    "ContractFact",
    "Kpi",
    "KpiDefinition",
    "KpiStatus",
    "MentionFact",
    "QualificationTotals",
    "ReplyTotal",
    "RequestFact",
    "SavingsTotal",
    "TargetFact",
    "UpdateFact",
    "accounts_in_favorable_health",
    "ats_uploaded",
    "beats_benchmark",
    "benchmark_attainment",
    "benchmark_attainment_of",
    "buyer_quota_of",
    "buyer_savings_quota",
    "buyers_at_quota",
    "buyers_at_quota_of",
    "definition",
    "first_time_value",
    "gross_dollar_retention",
    "minimum_savings_guarantee",
    "monthly_to_annual_conversion",
    "negotiation_tat_adherence",
    "pod_net_savings",
    "pod_net_savings_of",
    "projected_savings_estimate",
    "qualification_of",
    "qualification_totals",
    "qualification_within_tat",
    "quarter_savings",
    "reply_due_by",
    "reply_late_from",
    "reply_time",
    "reply_time_of",
    "reply_totals",
    "update_cadence",
]

D = Decimal
ZERO = D(0)
ONE = D(1)
HUNDRED = D(100)

# Bars (shares in [0, 1], or a number of days for FTV).
QUOTA_BAR = D("0.70")  # a buyer's approved savings ÷ their quarter target
NET_SAVINGS_BAR = D("1")  # the POD's approved savings ÷ the POD target (choice: the whole target)
BUYERS_AT_QUOTA_BAR = D("0.70")  # share of buyers with a target at ≥ QUOTA_BAR (choice)
BENCHMARK_SHARE = D("0.70")  # a procurement passes at ≥ 70 % of the benchmark at approval
BENCHMARK_ATTAINMENT_BAR = D("0.80")  # share of procurements that pass
TAT_ADHERENCE_BAR = D("0.80")  # share of closed requests inside their TAT (choice)
UPDATE_CADENCE_BAR = D("0.80")  # share of working days with an update (choice)
REPLY_BAR = D("0.80")  # share of mentions answered in time (choice)
QUALIFICATION_BAR = D("0.80")  # share of intake requests triaged in time (choice)
GDR_BAR = D("0.70")
FAVORABLE_HEALTH_BAR = D("0.70")
CONVERSION_BAR = D("0.30")
ATS_BAR = D("0.75")
PSE_BAR = D("0.60")

# Clocks (SPEC §2 and the customer windows).
TAT_DAYS: Mapping[RequestType, int] = {RequestType.NEW: 15, RequestType.RENEWAL: 60}
QUALIFICATION_HOURS = 24
REPLY_HOURS = 24
FTV_DAYS = 14
MSG_WARNING_DAYS = 90
MSG_BREACH_DAYS = 180
PSE_WARNING_DAYS = 90

# Which claim kinds count toward savings targets, MSG and PSE: both (see the module docstring).
TARGET_KINDS = frozenset({ClaimKind.SAVINGS, ClaimKind.AVOIDANCE})


class KpiStatus(enum.StrEnum):
    """How a figure stands against its bar."""

    MET = "met"
    WARNING = "warning"  # below the bar while it can still be met, or inside a warning window
    MISSED = "missed"
    NO_DATA = "no_data"  # nothing to measure (no target, empty denominator)
    PENDING = "pending"  # measurable but not judged yet: its window is still open


@dataclass(frozen=True)
class Kpi:
    """One figure: `value` is a share (numerator ÷ denominator), a ratio, or days for FTV."""

    name: str
    value: Decimal | None
    bar: Decimal
    status: KpiStatus
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    counted_apart: int = 0
    subject: str | None = None  # the buyer, analyst, member or account it is about
    currency: str | None = None  # for amounts: the currency of numerator and denominator
    parts: tuple[tuple[str, Decimal], ...] = ()  # e.g. (("savings", …), ("avoidance", …))


@dataclass(frozen=True)
class KpiDefinition:
    """What a KPI means, as its rule computes it, written beside the rule (`/proc help kpis` is
    built from these, so it says what the engine does): the `Kpi.name` and bar the rule
    returns, `explains` (its rule, in words) and `apart` (what it counts apart; None when
    nothing). Both mrkdwn, where `{reply_hours}`, `{qualification_hours}`, `{tat_new}` and
    `{tat_renewal}` stand for the configured clocks (`explained`)."""

    name: str
    bar: Decimal
    explains: str
    apart: str | None = None

    def explained(self, **clocks: int) -> tuple[str, str | None]:
        """(explains, apart) with the configured clocks filled in."""
        return self.explains.format(**clocks), (
            self.apart.format(**clocks) if self.apart is not None else None
        )


def _pct(share: Decimal) -> str:
    return format_percent(share * HUNDRED)


# The words every scorecard line uses, as the rules below apply them.
BAR_EXPLAINS = (
    "The *bar* is what a figure must reach. A share meets it exactly when numerator ≥ bar × "
    "denominator: 7 of 10 meets a 70.0% bar, 6,999 of 10,000 does not. A quarter's figures "
    "count what happened in the quarter up to its *as of* day, in the POD's days and fiscal "
    "quarters."
)
APART_EXPLAINS = (
    "*Counted apart*: what a rule cannot judge — each KPI below says what — is left out of both "
    "sides of its share, so it neither helps nor hurts; the line says how many."
)
SAVINGS_EXPLAINS = (
    "A *saving* is an approved claim's baseline − final, counted in the quarter of its "
    "approval (not of its request's close); cost savings and cost avoidance both count. A "
    "figure is in one currency (the target's, the account's or the POD's): amounts in another "
    "are never converted, they are counted apart."
)
STATUS_EXPLAINS: Mapping[KpiStatus, str] = {
    KpiStatus.MET: "met: the figure reached its bar",
    KpiStatus.WARNING: "warning: under its bar while the quarter (or a customer's window) "
    "still runs, so it can still be met",
    KpiStatus.MISSED: "missed: under its bar, and its time is up",
    KpiStatus.NO_DATA: "no data: nothing to measure (no target, or nothing to count)",
    KpiStatus.PENDING: "pending: measurable, but not judged until its window closes",
}


@dataclass(frozen=True)
class ClaimFact:
    """A savings claim with what its request contributes: its buyer and customer."""

    claim_id: int
    request_id: int
    buyer_id: str | None  # the request's assigned buyer (whose quota the saving counts for)
    customer: str
    kind: ClaimKind
    status: ClaimStatus
    baseline: Money
    final: Money
    decided_at: datetime | None  # UTC; set for approved and rejected claims
    benchmark_percent: Decimal | None = None  # the tool's benchmark % when it was approved

    @property
    def savings(self) -> Decimal:
        return self.baseline.amount - self.final.amount


@dataclass(frozen=True)
class TargetFact:
    """A buyer's savings target for a quarter."""

    buyer_id: str
    target: Money


@dataclass(frozen=True)
class RequestFact:
    """A request's clock instants (UTC). `triaged_*`: its qualification or disqualification;
    `triage_untimed`: it was qualified at a time nobody recorded (imported past intake)."""

    request_id: int
    kind: RequestType
    created_at: datetime
    buyer_id: str | None = None
    triaged_at: datetime | None = None
    triaged_by: str | None = None
    assigned_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    triage_untimed: bool = False
    # The negotiation TAT's due instant as it stands (moved out by holds, issue 30); None:
    # assignment + the TAT's days.
    tat_due_at: datetime | None = None


@dataclass(frozen=True)
class UpdateFact:
    """A buyer's update on a request (a `/proc update`), at a UTC instant."""

    request_id: int
    at: datetime


@dataclass(frozen=True)
class MentionFact:
    """A POD member mentioned in a POD channel; `answered_at` when they replied (or marked it)."""

    mention_id: int
    member: str
    mentioned_at: datetime
    answered_at: datetime | None = None


@dataclass(frozen=True)
class AccountFact:
    """A customer account and its commitments; amounts None when not agreed."""

    account_id: str
    customer: str
    initiated_on: date
    handover_on: date | None = None
    term_end: date | None = None
    msg: Money | None = None  # minimum savings guarantee
    pse: Money | None = None  # projected savings estimate
    ats: Money | None = None  # annual total spend to upload before handover
    health: Health | None = None


@dataclass(frozen=True)
class ContractFact:
    """A contract of the SaaS stack; `converted_on` is when it moved from monthly to annual."""

    contract_id: int
    customer: str
    annual: Money
    billing_cycle: BillingCycle
    created_on: date
    converted_on: date | None = None


@dataclass(frozen=True)
class SavingsTotal:
    """The savings of a quarter's approved claims of one buyer, kind and currency, summed:
    what the savings rules read (`quarter_savings` sums claims into them; a database can sum
    them with SQL)."""

    buyer_id: str | None
    kind: ClaimKind
    currency: str
    amount: Decimal  # Σ baseline − final
    claims: int


@dataclass(frozen=True)
class BenchmarkTotal:
    """One buyer's requests closed won in a quarter as of an instant, counted as
    `benchmark_attainment` judges them: passed, judged (`total`) and with no benchmark
    (`apart`). What `benchmark_attainment_of` reads (a database can count them with SQL from
    each claim's recorded `beats_benchmark`)."""

    buyer_id: str | None
    passed: int
    total: int
    apart: int


@dataclass(frozen=True)
class ReplyTotal:
    """One member's mentions of a quarter as of an instant, counted: answered in time (`ok`),
    judged (`total`: answered, or unanswered past the clock) and not yet due (`apart`). What
    `reply_time` reads (`reply_totals` counts mentions into them; a database can count them
    with SQL from each mention's recorded clock, `reply_late_from` and `reply_due_by`)."""

    member: str
    ok: int
    total: int
    apart: int


@dataclass(frozen=True)
class TatTotal:
    """One buyer's requests closed won or lost in a quarter, counted as `negotiation_tat_adherence`
    judges them: closed within their TAT (`within`), judged (`total`), without an assignment
    instant (`apart`). A database counts them with SQL from each request's recorded TAT due
    (`bot.db.request_clocks`)."""

    buyer_id: str | None
    within: int
    total: int
    apart: int


@dataclass(frozen=True)
class CadenceTotal:
    """One buyer's working days of negotiation in a quarter (`total`) and those with an update
    (`hit`), as `update_cadence` counts them; a database counts them with SQL from the working
    day numbers each request and update records (`bot.db.request_clocks`)."""

    buyer_id: str | None
    hit: int
    total: int


# --- shared arithmetic --------------------------------------------------------------------------


def _judge(num: Decimal, den: Decimal, bar: Decimal, *, running: bool) -> KpiStatus:
    if den == 0:
        return KpiStatus.NO_DATA
    if num >= bar * den:
        return KpiStatus.MET
    return KpiStatus.WARNING if running else KpiStatus.MISSED


def _share(
    name: str,
    num: Decimal | int,
    den: Decimal | int,
    bar: Decimal,
    *,
    running: bool = False,
    apart: int = 0,
    subject: str | None = None,
    currency: str | None = None,
    parts: tuple[tuple[str, Decimal], ...] = (),
) -> Kpi:
    num, den = D(num), D(den)
    return Kpi(
        name=name,
        value=num / den if den else None,
        bar=bar,
        status=_judge(num, den, bar, running=running),
        numerator=num,
        denominator=den,
        counted_apart=apart,
        subject=subject,
        currency=currency,
        parts=parts,
    )


def _day(calendar: WorkCalendar, instant: datetime) -> date:
    return instant.astimezone(calendar.timezone).date()


def _in_quarter(day: date, quarter: Quarter, as_of: date | None) -> bool:
    return quarter.contains(day) and (as_of is None or day <= as_of)


def _running(quarter: Quarter, as_of: date | None) -> bool:
    return as_of is not None and as_of < quarter.end


def _approved(
    claims: Iterable[ClaimFact], calendar: WorkCalendar, first: date | None, last: date | None
) -> list[tuple[date, ClaimFact]]:
    """Approved claims of TARGET_KINDS decided in [first, last], with their decision day."""
    out = []
    for c in claims:
        if c.status != ClaimStatus.APPROVED or c.decided_at is None:
            continue
        if c.kind not in TARGET_KINDS:
            continue
        day = _day(calendar, c.decided_at)
        if (first is None or day >= first) and (last is None or day <= last):
            out.append((day, c))
    return out


def _parts(by_kind: Mapping[ClaimKind, Decimal]) -> tuple[tuple[str, Decimal], ...]:
    return tuple((str(kind), by_kind[kind]) for kind in ClaimKind)


def _quarter_claims(
    claims: Iterable[ClaimFact], calendar: WorkCalendar, quarter: Quarter, as_of: date | None
) -> list[ClaimFact]:
    last = quarter.end if as_of is None else min(quarter.end, as_of)
    return [c for _, c in _approved(claims, calendar, quarter.start, last)]


def quarter_savings(
    claims: Iterable[ClaimFact], calendar: WorkCalendar, quarter: Quarter, as_of: date | None
) -> tuple[SavingsTotal, ...]:
    """The approved savings of TARGET_KINDS decided in the quarter (up to `as_of`), summed per
    buyer, kind and currency: what the savings rules below judge."""
    sums: dict[tuple[str | None, ClaimKind, str], list[Decimal | int]] = {}
    for c in _quarter_claims(claims, calendar, quarter, as_of):
        if c.baseline.currency != c.final.currency:
            # Never stored (one currency per claim); counted apart in every currency.
            key = (c.buyer_id, c.kind, "")
        else:
            key = (c.buyer_id, c.kind, c.baseline.currency)
        total = sums.setdefault(key, [ZERO, 0])
        total[0] += c.savings
        total[1] += 1
    return tuple(
        SavingsTotal(buyer, kind, currency, D(amount), int(n))
        for (buyer, kind, currency), (amount, n) in sums.items()
    )


def _sum_totals(
    totals: Iterable[SavingsTotal], currency: str, buyer_id: str | None = None
) -> tuple[dict[ClaimKind, Decimal], int]:
    """Savings in `currency` by kind (of `buyer_id` only, if given), and the claims apart."""
    by_kind = {kind: ZERO for kind in ClaimKind}
    apart = 0
    for t in totals:
        if buyer_id is not None and t.buyer_id != buyer_id:
            continue
        if t.currency != currency:
            apart += t.claims
            continue
        by_kind[t.kind] += t.amount
    return by_kind, apart


# --- savings ------------------------------------------------------------------------------------


SAVINGS_QUOTA = KpiDefinition(
    "savings_quota",
    QUOTA_BAR,
    "Approved savings (cost savings and avoidance) on the buyer's requests in the quarter ÷ "
    "the buyer's target for the quarter; may pass 100%. No target, or a target of 0: no data.",
    "claims in another currency than the target's.",
)


def buyer_savings_quota(
    claims: Iterable[ClaimFact],
    buyer_id: str,
    target: Money | None,
    calendar: WorkCalendar,
    quarter: Quarter,
    as_of: date | None = None,
) -> Kpi:
    """A buyer's approved savings in the quarter ÷ their target (may exceed 1); bar QUOTA_BAR.

    No target (or a target of 0) is NO_DATA. Claims in another currency than the target's are
    counted apart."""
    totals = quarter_savings(claims, calendar, quarter, as_of)
    return buyer_quota_of(totals, buyer_id, target, quarter, as_of)


def buyer_quota_of(
    totals: Iterable[SavingsTotal],
    buyer_id: str,
    target: Money | None,
    quarter: Quarter,
    as_of: date | None = None,
) -> Kpi:
    """`buyer_savings_quota` from the quarter's savings already summed (`quarter_savings`)."""
    if target is None or target.amount <= 0:
        return Kpi("savings_quota", None, QUOTA_BAR, KpiStatus.NO_DATA, subject=buyer_id)
    by_kind, apart = _sum_totals(totals, target.currency, buyer_id)
    return _share(
        "savings_quota",
        sum(by_kind.values(), ZERO),
        target.amount,
        QUOTA_BAR,
        running=_running(quarter, as_of),
        apart=apart,
        subject=buyer_id,
        currency=target.currency,
        parts=_parts(by_kind),
    )


NET_SAVINGS = KpiDefinition(
    "net_savings",
    NET_SAVINGS_BAR,
    "The POD's approved cost savings + cost avoidance in the quarter ÷ the POD's target, the "
    "two shown apart. No target: no data, the amounts still shown.",
    "claims in another currency than the target's (without a target, the POD's).",
)


def pod_net_savings(
    claims: Iterable[ClaimFact],
    target: Money | None,
    currency: str,
    calendar: WorkCalendar,
    quarter: Quarter,
    as_of: date | None = None,
) -> Kpi:
    """The POD's approved savings + avoidance in the quarter ÷ its target; bar NET_SAVINGS_BAR.

    Cost savings and cost avoidance are in `parts`; `numerator` is their sum (TARGET_KINDS).
    Amounts are in `currency` (the target's when there is one); others are counted apart."""
    totals = quarter_savings(claims, calendar, quarter, as_of)
    return pod_net_savings_of(totals, target, currency, quarter, as_of)


def pod_net_savings_of(
    totals: Iterable[SavingsTotal],
    target: Money | None,
    currency: str,
    quarter: Quarter,
    as_of: date | None = None,
) -> Kpi:
    """`pod_net_savings` from the quarter's savings already summed (`quarter_savings`)."""
    if target is not None:
        currency = target.currency
    by_kind, apart = _sum_totals(totals, currency)
    net = sum(by_kind.values(), ZERO)
    if target is None or target.amount <= 0:
        return Kpi(
            "net_savings", None, NET_SAVINGS_BAR, KpiStatus.NO_DATA, net, None, apart,
            None, currency, _parts(by_kind),
        )  # fmt: skip
    return _share(
        "net_savings",
        net,
        target.amount,
        NET_SAVINGS_BAR,
        running=_running(quarter, as_of),
        apart=apart,
        currency=currency,
        parts=_parts(by_kind),
    )


BUYERS_AT_QUOTA = KpiDefinition(
    "buyers_at_quota",
    BUYERS_AT_QUOTA_BAR,
    "The em's KPI: buyers with a target whose savings quota meets its bar "
    f"({_pct(QUOTA_BAR)}) ÷ buyers with a target.",
    "buyers whose target is 0.",
)


def buyers_at_quota(
    claims: Iterable[ClaimFact],
    targets: Iterable[TargetFact],
    calendar: WorkCalendar,
    quarter: Quarter,
    as_of: date | None = None,
) -> Kpi:
    """Share of buyers with a positive target whose quota attainment is ≥ QUOTA_BAR; bar
    BUYERS_AT_QUOTA_BAR. Targets of 0 are counted apart."""
    totals = quarter_savings(claims, calendar, quarter, as_of)
    return buyers_at_quota_of(totals, targets, quarter, as_of)


def buyers_at_quota_of(
    totals: Iterable[SavingsTotal],
    targets: Iterable[TargetFact],
    quarter: Quarter,
    as_of: date | None = None,
) -> Kpi:
    """`buyers_at_quota` from the quarter's savings already summed (`quarter_savings`)."""
    totals = tuple(totals)
    met = total = apart = 0
    for t in targets:
        if t.target.amount <= 0:
            apart += 1
            continue
        total += 1
        quota = buyer_quota_of(totals, t.buyer_id, t.target, quarter, as_of)
        met += quota.status == KpiStatus.MET
    return _share(
        "buyers_at_quota", met, total, BUYERS_AT_QUOTA_BAR, running=_running(quarter, as_of),
        apart=apart,
    )  # fmt: skip


BENCHMARK_ATTAINMENT = KpiDefinition(
    "benchmark_attainment",
    BENCHMARK_ATTAINMENT_BAR,
    "Requests closed *won* in the quarter, each judged by its latest approved claim: a pass "
    f"when its savings % is at least {_pct(BENCHMARK_SHARE)} of the tool's benchmark (the mean "
    "savings % of every other request's latest approved claim for the tool, all PODs) as it "
    "stood when the claim was approved. Passes ÷ won requests; a won request with no approved "
    "claim is a miss.",
    "won requests whose claim had no benchmark yet (or 0%).",
)


def benchmark_attainment(
    requests: Iterable[RequestFact],
    claims: Iterable[ClaimFact],
    calendar: WorkCalendar,
    quarter: Quarter,
    buyer_id: str | None = None,
    as_of: date | None = None,
) -> Kpi:
    """Share of procurements (requests closed *won* in the quarter, of `buyer_id` if given) whose
    latest approved claim saves ≥ BENCHMARK_SHARE of the benchmark its fact carries; bar
    BENCHMARK_ATTAINMENT_BAR.

    A won procurement with no approved claim saved nothing: it is in the denominator, a miss.
    One whose latest approved claim has no benchmark (none yet, or 0) is counted apart."""
    latest: dict[int, ClaimFact] = {}
    for _, c in _approved(claims, calendar, None, as_of):
        seen = latest.get(c.request_id)
        if seen is None or (c.decided_at, c.claim_id) > (seen.decided_at, seen.claim_id):
            latest[c.request_id] = c
    passed = total = apart = 0
    for r in requests:
        if r.outcome != Outcome.WON or r.closed_at is None:
            continue
        if buyer_id is not None and r.buyer_id != buyer_id:
            continue
        if not _in_quarter(_day(calendar, r.closed_at), quarter, as_of):
            continue
        claim = latest.get(r.request_id)
        if claim is None:
            total += 1
            continue
        beats = beats_benchmark(claim.savings, claim.baseline.amount, claim.benchmark_percent)
        if beats is None:
            apart += 1
            continue
        total += 1
        passed += beats
    return _share(
        "benchmark_attainment", passed, total, BENCHMARK_ATTAINMENT_BAR,
        running=_running(quarter, as_of), apart=apart, subject=buyer_id,
    )  # fmt: skip


def beats_benchmark(savings: Decimal, baseline: Decimal, benchmark: Decimal | None) -> bool | None:
    """Whether a claim saving `savings` of `baseline` passes against the tool's `benchmark` %
    (its savings % ≥ BENCHMARK_SHARE of it); None with no benchmark (none yet, or 0): counted
    apart. What `benchmark_attainment` judges, and what each approval records
    (`bot.db.claim_ledger`)."""
    if benchmark is None or benchmark == 0:
        return None
    # savings % ≥ 70 % × benchmark, without dividing: savings × 100 ≥ 0.7 × bm × baseline.
    return savings * HUNDRED >= BENCHMARK_SHARE * benchmark * baseline


def benchmark_attainment_of(
    totals: Iterable[BenchmarkTotal],
    quarter: Quarter,
    buyer_id: str | None = None,
    as_of: date | None = None,
) -> Kpi:
    """`benchmark_attainment` from the won requests already counted per buyer."""
    passed = total = apart = 0
    for t in totals:
        if buyer_id is None or t.buyer_id == buyer_id:
            passed, total, apart = passed + t.passed, total + t.total, apart + t.apart
    return _share(
        "benchmark_attainment", passed, total, BENCHMARK_ATTAINMENT_BAR,
        running=_running(quarter, as_of), apart=apart, subject=buyer_id,
    )  # fmt: skip


# --- clocks -------------------------------------------------------------------------------------


NEGOTIATION_TAT = KpiDefinition(
    "negotiation_tat",
    TAT_ADHERENCE_BAR,
    "Requests closed won or lost in the quarter that closed within their negotiation TAT: "
    "{tat_new} calendar days from assignment for a new purchase, {tat_renewal} for a renewal. "
    "Cancelled requests are left out.",
    "closed requests with no assignment time.",
)


def negotiation_tat_adherence(
    requests: Iterable[RequestFact],
    calendar: WorkCalendar,
    quarter: Quarter,
    buyer_id: str | None = None,
    as_of: date | None = None,
    tat_days: Mapping[RequestType, int] = TAT_DAYS,
) -> Kpi:
    """Share of requests closed won or lost in the quarter whose close came at or before their
    negotiation TAT (assignment + 15 days for new, 60 for renewal, same local time, moved out
    by the time the request was on hold: `RequestFact.tat_due_at`); bar
    TAT_ADHERENCE_BAR. Cancelled requests are left out; a closed request with no assignment
    instant is counted apart."""
    within = total = apart = 0
    zone = calendar.timezone.key
    for r in requests:
        if r.outcome not in (Outcome.WON, Outcome.LOST) or r.closed_at is None:
            continue
        if buyer_id is not None and r.buyer_id != buyer_id:
            continue
        if not _in_quarter(_day(calendar, r.closed_at), quarter, as_of):
            continue
        if r.assigned_at is None:
            apart += 1
            continue
        total += 1
        if r.tat_due_at is not None:
            within += r.closed_at <= r.tat_due_at
            continue
        # The due is the same local time `days` later: within a day of `days` × 24 h whatever
        # the zone's clock changes, so only a close near it needs the exact instant.
        days = tat_days[r.kind]
        if r.closed_at <= r.assigned_at + timedelta(days=days - 1):
            within += 1
        elif r.closed_at <= r.assigned_at + timedelta(days=days + 1):
            within += r.closed_at <= negotiation_due(zone, r.assigned_at, days)
    return _share(
        "negotiation_tat", within, total, TAT_ADHERENCE_BAR, running=_running(quarter, as_of),
        apart=apart, subject=buyer_id,
    )  # fmt: skip


def negotiation_tat_of(
    totals: Iterable[TatTotal], quarter: Quarter, as_of: date, buyer_id: str | None = None
) -> Kpi:
    """`negotiation_tat_adherence` from the requests already counted per buyer (`as_of`: its
    local day)."""
    within = total = apart = 0
    for t in totals:
        if buyer_id is None or t.buyer_id == buyer_id:
            within, total, apart = within + t.within, total + t.total, apart + t.apart
    return _share(
        "negotiation_tat", within, total, TAT_ADHERENCE_BAR, running=_running(quarter, as_of),
        apart=apart, subject=buyer_id,
    )  # fmt: skip


UPDATE_CADENCE = KpiDefinition(
    "update_cadence",
    UPDATE_CADENCE_BAR,
    "The POD's working days in the quarter that a request spent in negotiation — from the day "
    "after its assignment to the day before its close (while open, the day before *as of*) — "
    "with at least one buyer update ÷ those days, all requests pooled.",
)


def update_cadence(
    requests: Iterable[RequestFact],
    updates: Iterable[UpdateFact],
    calendar: WorkCalendar,
    quarter: Quarter,
    as_of: datetime,
    buyer_id: str | None = None,
) -> Kpi:
    """Share of the working days a request spent in negotiation that had an update, over all
    its requests (pooled); bar UPDATE_CADENCE_BAR.

    A request's days run from the day after its assignment to the day before its close (or
    before `as_of`'s day while it is open): the assignment day and the last, unfinished or
    closing day are not judged. Only working days of the POD calendar inside the quarter count.
    """
    end_of_view = _day(calendar, as_of)
    days_with: dict[int, set[date]] = {}
    for u in updates:
        days_with.setdefault(u.request_id, set()).add(_day(calendar, u.at))
    hit = total = 0
    for r in requests:
        if r.assigned_at is None or r.assigned_at > as_of:
            continue
        if buyer_id is not None and r.buyer_id != buyer_id:
            continue
        stop = end_of_view
        if r.closed_at is not None and r.closed_at <= as_of:
            stop = _day(calendar, r.closed_at)
        first = max(_day(calendar, r.assigned_at) + timedelta(days=1), quarter.start)
        last = min(stop - timedelta(days=1), quarter.end)
        seen = days_with.get(r.request_id, set())
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                total += 1
                hit += day in seen
            day += timedelta(days=1)
    return _share(
        "update_cadence", hit, total, UPDATE_CADENCE_BAR,
        running=end_of_view < quarter.end, subject=buyer_id,
    )  # fmt: skip


def update_cadence_of(
    totals: Iterable[CadenceTotal], quarter: Quarter, as_of: date, buyer_id: str | None = None
) -> Kpi:
    """`update_cadence` from the working days already counted per buyer (`as_of`: its local
    day)."""
    hit = total = 0
    for t in totals:
        if buyer_id is None or t.buyer_id == buyer_id:
            hit, total = hit + t.hit, total + t.total
    return _share(
        "update_cadence", hit, total, UPDATE_CADENCE_BAR, running=as_of < quarter.end,
        subject=buyer_id,
    )  # fmt: skip


REPLY_TIME = KpiDefinition(
    "reply_time",
    REPLY_BAR,
    "Mentions (of the member, or of the POD's members) in a POD channel in the quarter "
    "answered in their thread, or marked answered, within {reply_hours} working hours. One "
    "still unanswered past {reply_hours} working hours is a miss.",
    "mentions still unanswered with fewer than {reply_hours} working hours behind them.",
)


def reply_late_from(calendar: WorkCalendar, mentioned_at: datetime, hours: int) -> datetime:
    """The first instant `hours` working hours have passed since a mention: unanswered then or
    after, it is a miss (before, it is not yet due)."""
    tick = timedelta(microseconds=1)
    # The instant working time reaches `hours` less a tick lies inside a working day, so the
    # tick after it reaches `hours` (`add_working_hours` itself answers the *last* such
    # instant: a due falling on a Friday midnight is Monday 00:00).
    return add_working_hours(calendar, mentioned_at, timedelta(hours=hours) - tick) + tick


def reply_due_by(calendar: WorkCalendar, mentioned_at: datetime, hours: int) -> datetime:
    """The last instant an answer to a mention is within `hours` working hours of it."""
    return add_working_hours(calendar, mentioned_at, hours)


def reply_totals(
    mentions: Iterable[MentionFact],
    calendar: WorkCalendar,
    quarter: Quarter,
    as_of: datetime,
    hours: int = REPLY_HOURS,
) -> tuple[ReplyTotal, ...]:
    """Each member's mentions made in the quarter by `as_of`, counted as `reply_time` judges
    them (members in order of first mention)."""
    limit = timedelta(hours=hours)
    counts: dict[str, list[int]] = {}
    for m in mentions:
        if m.mentioned_at > as_of or not quarter.contains(_day(calendar, m.mentioned_at)):
            continue
        mine = counts.setdefault(m.member, [0, 0, 0])
        answered = m.answered_at if m.answered_at is not None and m.answered_at <= as_of else None
        # Working time never exceeds the wall-clock time it lies in: a span shorter than the
        # limit is within it without asking the calendar.
        if answered is None:
            if (
                as_of - m.mentioned_at < limit
                or working_hours_between(calendar, m.mentioned_at, as_of) < limit
            ):
                mine[2] += 1
            else:
                mine[1] += 1
            continue
        mine[1] += 1
        mine[0] += (
            answered - m.mentioned_at <= limit
            or working_hours_between(calendar, m.mentioned_at, answered) <= limit
        )
    return tuple(ReplyTotal(member, *c) for member, c in counts.items())


def reply_time_of(
    totals: Iterable[ReplyTotal], quarter: Quarter, as_of: date, member: str | None = None
) -> Kpi:
    """`reply_time` from the mentions already counted per member (`as_of`: its local day)."""
    ok = total = apart = 0
    for t in totals:
        if member is None or t.member == member:
            ok, total, apart = ok + t.ok, total + t.total, apart + t.apart
    return _share(
        "reply_time", ok, total, REPLY_BAR, running=as_of < quarter.end, apart=apart,
        subject=member,
    )  # fmt: skip


def reply_time(
    mentions: Iterable[MentionFact],
    calendar: WorkCalendar,
    quarter: Quarter,
    as_of: datetime,
    member: str | None = None,
    hours: int = REPLY_HOURS,
) -> Kpi:
    """Share of mentions (made in the quarter, of `member` if given) answered within `hours`
    working hours; bar REPLY_BAR. A mention still unanswered at `as_of` with fewer than `hours`
    working hours behind it is counted apart (not yet due); an answer after `as_of` is not seen.
    """
    totals = reply_totals(mentions, calendar, quarter, as_of, hours)
    return reply_time_of(totals, quarter, _day(calendar, as_of), member)


@functools.lru_cache(maxsize=1 << 14)
def qualification_due(calendar: WorkCalendar, created_at: datetime, hours: int) -> datetime:
    """`bot.domain.lifecycle.qualification_due`, remembered: a scorecard asks it of each
    request once for the POD and once per analyst."""
    return _qualification_due(calendar, created_at, hours)


QUALIFICATION = KpiDefinition(
    "qualification",
    QUALIFICATION_BAR,
    "Requests created in the quarter qualified or disqualified within {qualification_hours} "
    "working hours of creation. Per analyst: the requests that analyst triaged. The POD's: "
    "every request, one untriaged past its due time a miss.",
    "(the POD's) a request not triaged and not yet due, one cancelled before triage, and one "
    "imported past intake, whose qualification time nobody recorded.",
)


@dataclass(frozen=True)
class QualificationTotals:
    """A quarter's requests counted once for the qualification rule: the POD's (ok, total,
    apart) and each triaging analyst's (ok, total)."""

    pod: tuple[int, int, int]
    by_analyst: Mapping[str, tuple[int, int]]


def qualification_totals(
    requests: Iterable[RequestFact],
    calendar: WorkCalendar,
    quarter: Quarter,
    as_of: datetime,
    hours: int = QUALIFICATION_HOURS,
) -> QualificationTotals:
    """The requests created in the quarter judged once, for the POD and per analyst, as
    `qualification_within_tat` counts them (a scorecard asks for the POD and each analyst)."""
    ok = total = apart = 0
    by_analyst: dict[str, list[int]] = {}
    for r in requests:
        if r.created_at > as_of or not quarter.contains(_day(calendar, r.created_at)):
            continue
        triaged = r.triaged_at if r.triaged_at is not None and r.triaged_at <= as_of else None
        # The due is `hours` of working time on, so at least `hours` of wall-clock time: an
        # instant before that is before the due without asking the calendar.
        soon = r.created_at + timedelta(hours=hours)
        if triaged is None:
            if (
                r.triage_untimed
                or r.outcome == Outcome.CANCELLED
                or as_of < soon
                or as_of < qualification_due(calendar, r.created_at, hours)
            ):
                apart += 1
            else:
                total += 1
            continue
        total += 1
        met = triaged <= soon or triaged <= qualification_due(calendar, r.created_at, hours)
        ok += met
        if r.triaged_by is not None:
            mine = by_analyst.setdefault(r.triaged_by, [0, 0])
            mine[0] += met
            mine[1] += 1
    return QualificationTotals(
        (ok, total, apart), {who: (n, d) for who, (n, d) in by_analyst.items()}
    )


def qualification_of(
    totals: QualificationTotals, quarter: Quarter, as_of: date, analyst_id: str | None = None
) -> Kpi:
    """`qualification_within_tat` from the requests already counted (`as_of`: its local day)."""
    if analyst_id is None:
        ok, total, apart = totals.pod
    else:
        (ok, total), apart = totals.by_analyst.get(analyst_id, (0, 0)), 0
    return _share(
        "qualification", ok, total, QUALIFICATION_BAR, running=as_of < quarter.end,
        apart=apart, subject=analyst_id,
    )  # fmt: skip


def qualification_within_tat(
    requests: Iterable[RequestFact],
    calendar: WorkCalendar,
    quarter: Quarter,
    as_of: datetime,
    analyst_id: str | None = None,
    hours: int = QUALIFICATION_HOURS,
) -> Kpi:
    """Share of requests created in the quarter that were qualified or disqualified within
    `hours` working hours of creation; bar QUALIFICATION_BAR.

    With `analyst_id`, only requests that analyst triaged (their own record). For the POD:
    an untriaged request is a miss once its due time has passed by `as_of`, and counted apart
    before that, or when it was cancelled untriaged, or qualified at a time nobody recorded
    (imported past intake: neither on time nor late). A triage after `as_of` is not seen."""
    totals = qualification_totals(requests, calendar, quarter, as_of, hours)
    return qualification_of(totals, quarter, _day(calendar, as_of), analyst_id)


# --- customers ----------------------------------------------------------------------------------


def _claims_by_customer(
    claims: Iterable[ClaimFact], calendar: WorkCalendar
) -> dict[str, list[tuple[date, ClaimFact]]]:
    """Approved claims with their decision day, by customer name key, in decision order."""
    grouped: dict[str, list[tuple[date, ClaimFact]]] = {}
    for d, c in sorted(
        _approved(claims, calendar, None, None), key=lambda dc: (dc[0], dc[1].claim_id)
    ):
        grouped.setdefault(name_key(c.customer), []).append((d, c))
    return grouped


def _customer_claims(
    claims: Iterable[ClaimFact], account: AccountFact, calendar: WorkCalendar
) -> list[tuple[date, ClaimFact]]:
    return _claims_by_customer(claims, calendar).get(name_key(account.customer), [])


FIRST_TIME_VALUE = KpiDefinition(
    "ftv",
    D(FTV_DAYS),
    "Calendar days from the account's initiation to its first approved saving. Met within "
    f"{FTV_DAYS} days, missed later or when nothing is approved by day "
    f"{FTV_DAYS + 1}; pending inside the {FTV_DAYS} days.",
)


def first_time_value(
    account: AccountFact, claims: Iterable[ClaimFact], calendar: WorkCalendar, as_of: date
) -> Kpi:
    """FTV: days from initiation to the first approved saving (any currency); MET within
    FTV_DAYS calendar days (day 14 included), MISSED after, PENDING while none yet and the
    window is open. `value` is the days taken, None while none."""
    bar = D(FTV_DAYS)
    first = next(
        (d for d, _ in _customer_claims(claims, account, calendar) if d >= account.initiated_on),
        None,
    )
    if first is not None and first <= as_of:
        days = D((first - account.initiated_on).days)
        status = KpiStatus.MET if days <= bar else KpiStatus.MISSED
        return Kpi("ftv", days, bar, status, subject=account.account_id)
    late = (as_of - account.initiated_on).days > FTV_DAYS
    status = KpiStatus.MISSED if late else KpiStatus.PENDING
    return Kpi("ftv", None, bar, status, subject=account.account_id)


def _cumulative(
    dated: list[tuple[date, ClaimFact]], currency: str, first: date, last: date
) -> tuple[list[tuple[date, Decimal]], int]:
    """Running totals of savings in `currency` decided in [first, last], and claims apart."""
    running, out, apart = ZERO, [], 0
    for day, c in dated:
        if not first <= day <= last:
            continue
        if c.baseline.currency != currency:
            apart += 1
            continue
        running += c.savings
        out.append((day, running))
    return out, apart


def _msg_reached_on(
    account: AccountFact, dated: list[tuple[date, ClaimFact]], as_of: date
) -> tuple[date | None, Decimal, int]:
    """When the account's approved savings (`dated`: its claims in decision order) reached
    its MSG, the running total, and the claims counted apart."""
    assert account.msg is not None and account.handover_on is not None
    totals, apart = _cumulative(dated, account.msg.currency, account.handover_on, as_of)
    reached = next((d for d, total in totals if total >= account.msg.amount), None)
    return reached, (totals[-1][1] if totals else ZERO), apart


MINIMUM_SAVINGS_GUARANTEE = KpiDefinition(
    "msg",
    ONE,
    "Approved savings from handover to *as of* ÷ the account's minimum savings guarantee (MSG). "
    f"Reached within {MSG_BREACH_DAYS} days of handover: met; later: missed. Not reached: "
    f"pending before day {MSG_WARNING_DAYS}, warning from day {MSG_WARNING_DAYS}, missed from "
    f"day {MSG_BREACH_DAYS}. No MSG or handover: no data.",
    "claims in another currency than the MSG's.",
)


def minimum_savings_guarantee(
    account: AccountFact, claims: Iterable[ClaimFact], calendar: WorkCalendar, as_of: date
) -> Kpi:
    """MSG: approved savings decided from handover to `as_of` ÷ the MSG amount.

    Reached on day r after handover (the decision day of the claim that brings the total to the
    MSG): MET when r ≤ MSG_BREACH_DAYS, MISSED when later (the breach stands). Not reached:
    PENDING before day MSG_WARNING_DAYS, WARNING from day 90, MISSED from day 180.
    No MSG or no handover is NO_DATA; claims in another currency are counted apart."""
    bar = ONE
    if account.msg is None or account.msg.amount <= 0 or account.handover_on is None:
        return Kpi("msg", None, bar, KpiStatus.NO_DATA, subject=account.account_id)
    reached, total, apart = _msg_reached_on(
        account, _customer_claims(claims, account, calendar), as_of
    )
    if reached is not None:
        on_time = (reached - account.handover_on).days <= MSG_BREACH_DAYS
        status = KpiStatus.MET if on_time else KpiStatus.MISSED
    else:
        age = (as_of - account.handover_on).days
        status = (
            KpiStatus.MISSED
            if age >= MSG_BREACH_DAYS
            else KpiStatus.WARNING
            if age >= MSG_WARNING_DAYS
            else KpiStatus.PENDING
        )
    msg = account.msg.amount
    return Kpi(
        "msg", total / msg, bar, status, total, msg, apart, account.account_id,
        account.msg.currency,
    )  # fmt: skip


PROJECTED_SAVINGS_ESTIMATE = KpiDefinition(
    "pse",
    PSE_BAR,
    "Approved savings from initiation to the term end ÷ the account's projected savings "
    "estimate (PSE). Under its bar: pending with more than "
    f"{PSE_WARNING_DAYS} days of term left, warning with {PSE_WARNING_DAYS} or fewer, missed "
    "once the term has ended. No PSE or term end: no data.",
    "claims in another currency than the PSE's.",
)


def projected_savings_estimate(
    account: AccountFact, claims: Iterable[ClaimFact], calendar: WorkCalendar, as_of: date
) -> Kpi:
    """PSE: approved savings decided from initiation to min(as_of, term end) ÷ the PSE.

    MET at ≥ PSE_BAR; below it: MISSED once the term has ended (as_of after term end), WARNING
    with PSE_WARNING_DAYS or fewer left, PENDING before. No PSE or no term end is NO_DATA."""
    if account.pse is None or account.pse.amount <= 0 or account.term_end is None:
        return Kpi("pse", None, PSE_BAR, KpiStatus.NO_DATA, subject=account.account_id)
    totals, apart = _cumulative(
        _customer_claims(claims, account, calendar), account.pse.currency, account.initiated_on,
        min(as_of, account.term_end),
    )  # fmt: skip
    total = totals[-1][1] if totals else ZERO
    pse = account.pse.amount
    if total >= PSE_BAR * pse:
        status = KpiStatus.MET
    elif as_of > account.term_end:
        status = KpiStatus.MISSED
    elif (account.term_end - as_of).days <= PSE_WARNING_DAYS:
        status = KpiStatus.WARNING
    else:
        status = KpiStatus.PENDING
    return Kpi(
        "pse", total / pse, PSE_BAR, status, total, pse, apart, account.account_id,
        account.pse.currency,
    )  # fmt: skip


GROSS_DOLLAR_RETENTION = KpiDefinition(
    "gdr",
    GDR_BAR,
    "Customers with an MSG, a handover and a term end, each counted once, in the quarter its "
    "outcome became known: the day its approved savings reached the MSG (if by the term end), "
    "else the term end. Reached ÷ decided; customers still in term and short of the MSG are "
    "left out.",
    "accounts missing an MSG, a handover or a term end.",
)


def gross_dollar_retention(
    accounts: Iterable[AccountFact],
    claims: Iterable[ClaimFact],
    calendar: WorkCalendar,
    quarter: Quarter,
    as_of: date | None = None,
) -> Kpi:
    """GDR: share of the quarter's resolved customers that reached their MSG before their term
    ended; bar GDR_BAR.

    A customer (with an MSG, a handover and a term end) is resolved in the quarter its outcome
    became known: the day its savings reached the MSG (if on or before its term end), else its
    term end. So each customer term is counted once, in one quarter. Accounts without an MSG,
    handover or term end are counted apart."""
    # One pass over the claims for every account (not one per account).
    by_customer = _claims_by_customer(claims, calendar)
    last = quarter.end if as_of is None else min(quarter.end, as_of)
    won = total = apart = 0
    for a in accounts:
        if a.msg is None or a.msg.amount <= 0 or a.handover_on is None or a.term_end is None:
            apart += 1
            continue
        dated = by_customer.get(name_key(a.customer), [])
        reached, _, _ = _msg_reached_on(a, dated, min(last, a.term_end))
        resolved = reached if reached is not None else a.term_end
        if not quarter.start <= resolved <= last:
            continue
        total += 1
        won += reached is not None
    return _share("gdr", won, total, GDR_BAR, running=_running(quarter, as_of), apart=apart)


FAVORABLE_HEALTH = KpiDefinition(
    "favorable_health",
    FAVORABLE_HEALTH_BAR,
    "The POD's accounts in favorable health ÷ its accounts with a recorded health.",
    "accounts with no health recorded.",
)


def accounts_in_favorable_health(accounts: Iterable[AccountFact]) -> Kpi:
    """Share of accounts whose health is favorable; bar FAVORABLE_HEALTH_BAR. Accounts with no
    health recorded are counted apart. The caller passes the POD's current accounts."""
    good = total = apart = 0
    for a in accounts:
        if a.health is None:
            apart += 1
            continue
        total += 1
        good += a.health == Health.FAVORABLE
    return _share("favorable_health", good, total, FAVORABLE_HEALTH_BAR, apart=apart)


ANNUAL_CONVERSION = KpiDefinition(
    "annual_conversion",
    CONVERSION_BAR,
    "Contracts converted from monthly to annual billing in the quarter ÷ contracts monthly at "
    "its start (created before it, not converted before it).",
    "contracts created and converted within the quarter.",
)


def monthly_to_annual_conversion(
    contracts: Iterable[ContractFact], quarter: Quarter, as_of: date | None = None
) -> Kpi:
    """Contracts converted monthly→annual in the quarter ÷ contracts monthly at its start; bar
    CONVERSION_BAR.

    Monthly at the start: created before the quarter's first day and either still monthly and
    never converted, or converted on or after that day. A contract created during the quarter
    and converted in it is counted apart (it was never in the denominator)."""
    converted = base = apart = 0
    for c in contracts:
        converted_in = c.converted_on is not None and _in_quarter(c.converted_on, quarter, as_of)
        if c.created_on >= quarter.start:
            apart += converted_in and c.created_on <= quarter.end
            continue
        if c.converted_on is None:
            was_monthly = c.billing_cycle == BillingCycle.MONTHLY
        else:
            was_monthly = c.converted_on >= quarter.start
        if not was_monthly:
            continue
        base += 1
        converted += converted_in
    return _share(
        "annual_conversion", converted, base, CONVERSION_BAR, running=_running(quarter, as_of),
        apart=apart,
    )  # fmt: skip


ATS_UPLOADED = KpiDefinition(
    "ats_uploaded",
    ATS_BAR,
    "Annual amounts of the account's contracts added to the SaaS stack by handover (or *as "
    "of*, if earlier) ÷ its annual total spend (ATS); may pass 100%. Under its bar: pending "
    "before handover, missed from the handover day. No ATS: no data.",
    "contracts in another currency than the ATS's.",
)


def ats_uploaded(account: AccountFact, contracts: Iterable[ContractFact], as_of: date) -> Kpi:
    """Annual amounts of the account's contracts uploaded by min(as_of, handover) ÷ its ATS
    (may exceed 1); bar ATS_BAR. MET at ≥ 75 %; below it MISSED once handover has come (as_of on
    or after it), PENDING before. No ATS is NO_DATA; other currencies are counted apart."""
    if account.ats is None or account.ats.amount <= 0:
        return Kpi("ats_uploaded", None, ATS_BAR, KpiStatus.NO_DATA, subject=account.account_id)
    cutoff = as_of if account.handover_on is None else min(as_of, account.handover_on)
    key = name_key(account.customer)
    total, apart = ZERO, 0
    for c in contracts:
        if name_key(c.customer) != key or c.created_on > cutoff:
            continue
        if c.annual.currency != account.ats.currency:
            apart += 1
            continue
        total += c.annual.amount
    ats = account.ats.amount
    if total >= ATS_BAR * ats:
        status = KpiStatus.MET
    elif account.handover_on is not None and as_of >= account.handover_on:
        status = KpiStatus.MISSED
    else:
        status = KpiStatus.PENDING
    return Kpi(
        "ats_uploaded", total / ats, ATS_BAR, status, total, ats, apart, account.account_id,
        account.ats.currency,
    )  # fmt: skip


# Every KPI a scorecard prints, in SPEC §8's groups and order (`/proc help kpis`).
DEFINITIONS: tuple[tuple[str, tuple[KpiDefinition, ...]], ...] = (
    ("Savings", (SAVINGS_QUOTA, NET_SAVINGS, BUYERS_AT_QUOTA, BENCHMARK_ATTAINMENT)),
    ("Clocks", (NEGOTIATION_TAT, UPDATE_CADENCE, REPLY_TIME, QUALIFICATION)),
    (
        "Customers",
        (
            FIRST_TIME_VALUE,
            MINIMUM_SAVINGS_GUARANTEE,
            PROJECTED_SAVINGS_ESTIMATE,
            GROSS_DOLLAR_RETENTION,
            FAVORABLE_HEALTH,
            ANNUAL_CONVERSION,
            ATS_UPLOADED,
        ),
    ),
)


def definition(name: str) -> KpiDefinition | None:
    """The definition of the KPI a rule returns as `name`, if there is one."""
    return next((d for _, group in DEFINITIONS for d in group if d.name == name), None)
