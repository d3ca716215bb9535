"""Scorecards: the KPI lines of a member, the POD or a customer for one quarter, computed from
the facts `bot.db.kpis.load_facts` reads (pure; the rules are `bot.domain.kpis`), and the
grammar of `/proc stats`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain import kpis
from bot.domain.grammar import GrammarError, customer_name
from bot.domain.kpis import (
    AccountFact,
    BenchmarkTotal,
    CadenceTotal,
    ClaimFact,
    ContractFact,
    Kpi,
    MentionFact,
    QualificationTotals,
    ReplyTotal,
    RequestFact,
    SavingsTotal,
    TargetFact,
    TatTotal,
    UpdateFact,
)
from bot.domain.mentions import MentionError, parse_user_mention
from bot.domain.money import Money
from bot.domain.quarters import Quarter, parse_quarter, quarter_at, split_quarter
from bot.domain.vocabulary import RequestType, Role, counts_as_buyer
from bot.domain.working_time import WorkCalendar

__all__ = [
    "EXTRA_EXPLAINS",
    "KpiFacts",
    "Scorecard",
    "StatsAsk",
    "customer_scorecard",
    "member_scorecard",
    "parse_stats",
    "pod_scorecard",
    "pod_scorecards",
]


@dataclass(frozen=True)
class KpiFacts:
    """Everything one POD's scorecards for one quarter need, as of one instant."""

    quarter: Quarter
    as_of: datetime
    calendar: WorkCalendar
    currency: str  # the POD's
    tat_days: Mapping[RequestType, int]
    qualification_hours: int
    reply_hours: int
    requests: tuple[RequestFact, ...]
    updates: tuple[UpdateFact, ...]
    claims: tuple[ClaimFact, ...]
    mentions: tuple[MentionFact, ...]
    accounts: tuple[AccountFact, ...]
    contracts: tuple[ContractFact, ...]
    targets: tuple[TargetFact, ...]  # members' targets for the quarter
    pod_target: Money | None
    # Requests created in the quarter whose customer has no account, and open requests per
    # account id.
    without_account: int = 0
    open_requests: Mapping[str, int] = field(default_factory=dict)
    # Read scoped (`bot.db.kpis`): the quarter's savings already summed, and the claims the
    # customer milestones judge (a customer's, or for GDR the quarter's with what came before
    # summed into one fact per account). None: both come from `claims`, which then holds every
    # approved claim the rules may need (`bot.db.kpi_reference`).
    savings: tuple[SavingsTotal, ...] | None = None
    customer_claims: tuple[ClaimFact, ...] | None = None
    # Read scoped: the quarter's mentions counted per member in SQL from each one's recorded
    # reply clock. None: counted from `mentions`.
    replies: tuple[ReplyTotal, ...] | None = None
    # Read scoped: the request clocks counted in SQL from what each request and update
    # recorded (`bot.db.request_clocks`): qualification, negotiation TAT per buyer, update
    # cadence per buyer. None: judged from `requests` and `updates`.
    qualification: QualificationTotals | None = None
    tat: tuple[TatTotal, ...] | None = None
    cadence: tuple[CadenceTotal, ...] | None = None
    # Read scoped: the quarter's won requests counted per buyer in SQL from each latest claim's
    # recorded `beats_benchmark`. None: judged from `requests` and `claims`.
    benchmarks: tuple[BenchmarkTotal, ...] | None = None

    @property
    def as_of_day(self) -> date:
        return self.as_of.astimezone(self.calendar.timezone).date()

    def quarter_savings(self) -> tuple[SavingsTotal, ...]:
        """The quarter's approved savings per buyer, kind and currency."""
        if self.savings is not None:
            return self.savings
        return kpis.quarter_savings(self.claims, self.calendar, self.quarter, self.as_of_day)

    def reply_totals(self) -> tuple[ReplyTotal, ...]:
        """The quarter's mentions per member, counted as the reply rule judges them."""
        if self.replies is not None:
            return self.replies
        return kpis.reply_totals(
            self.mentions, self.calendar, self.quarter, self.as_of, self.reply_hours
        )

    def qualification_totals(self) -> QualificationTotals:
        """The quarter's requests counted once for the qualification rule."""
        if self.qualification is not None:
            return self.qualification
        return kpis.qualification_totals(
            self.requests, self.calendar, self.quarter, self.as_of, self.qualification_hours
        )

    def negotiation_tat(self, buyer_id: str | None = None) -> Kpi:
        """Negotiation TAT adherence, the POD's or a buyer's."""
        if self.tat is not None:
            return kpis.negotiation_tat_of(self.tat, self.quarter, self.as_of_day, buyer_id)
        return kpis.negotiation_tat_adherence(
            self.requests, self.calendar, self.quarter, buyer_id, self.as_of_day, self.tat_days
        )

    def update_cadence(self, buyer_id: str) -> Kpi:
        """A buyer's update cadence."""
        if self.cadence is not None:
            return kpis.update_cadence_of(self.cadence, self.quarter, self.as_of_day, buyer_id)
        return kpis.update_cadence(
            self.requests, self.updates, self.calendar, self.quarter, self.as_of, buyer_id
        )

    def benchmark_attainment(self, buyer_id: str | None = None) -> Kpi:
        """The benchmark attainment of the POD's (or `buyer_id`'s) won requests."""
        q, day = self.quarter, self.as_of_day
        if self.benchmarks is not None:
            return kpis.benchmark_attainment_of(self.benchmarks, q, buyer_id, day)
        return kpis.benchmark_attainment(
            self.requests, self.claims, self.calendar, q, buyer_id, day
        )

    @property
    def milestone_claims(self) -> tuple[ClaimFact, ...]:
        """The claims the customer milestones (FTV, MSG, PSE, GDR) judge."""
        return self.claims if self.customer_claims is None else self.customer_claims


@dataclass(frozen=True)
class Scorecard:
    """The KPI lines of one subject; `extras` are figures without a bar (name, value)."""

    scope: str  # member | pod | customer
    subject: str  # a user id, the POD key, or the customer's name
    lines: tuple[Kpi, ...]
    extras: tuple[tuple[str, str], ...] = ()


def member_scorecard(facts: KpiFacts, member: str, role: str) -> Scorecard:
    """A buyer's (or em's) savings quota, benchmark attainment, TAT adherence, update cadence
    and reply time; an analyst's qualifications within TAT and reply time; a csm's reply time."""
    q, day = facts.quarter, facts.as_of_day
    lines: list[Kpi] = []
    if counts_as_buyer(role):
        target = next((t.target for t in facts.targets if t.buyer_id == member), None)
        lines += [
            kpis.buyer_quota_of(facts.quarter_savings(), member, target, q, day),
            facts.benchmark_attainment(member),
            facts.negotiation_tat(member),
            facts.update_cadence(member),
        ]
    if role == Role.ANALYST:
        lines.append(kpis.qualification_of(facts.qualification_totals(), q, day, member))
    lines.append(kpis.reply_time_of(facts.reply_totals(), q, day, member))
    return Scorecard("member", member, tuple(lines))


# What the lines without a bar mean (`/proc help kpis`), by the names the scorecards give them.
EXTRA_EXPLAINS: Mapping[str, str] = {
    "requests_without_account": (
        "requests created in the quarter for a customer with *no account* in the accounts file "
        "(names compared ignoring case, width and spacing). They work like any other request "
        "and count in the POD's and its members' figures, but toward no customer's milestones: "
        "add the customer's account to count them there."
    ),
    "health": "the account's health as its em last set it (favorable, neutral or at-risk).",
    "open_requests": "the POD's requests for the customer still in intake, qualified or "
    "negotiating.",
}


def pod_scorecard(facts: KpiFacts, pod_key: str, analysts: list[str]) -> Scorecard:
    """The POD's lines: net savings, buyers at quota, benchmark, TAT, qualification (overall
    and per analyst), reply time, GDR, favorable health, conversion; requests with no account."""
    q, cal, day = facts.quarter, facts.calendar, facts.as_of_day
    savings = facts.quarter_savings()
    lines = [
        kpis.pod_net_savings_of(savings, facts.pod_target, facts.currency, q, day),
        kpis.buyers_at_quota_of(savings, facts.targets, q, day),
        facts.benchmark_attainment(),
        facts.negotiation_tat(),
    ]
    # The quarter's requests judged once for the POD and every analyst.
    triaged = facts.qualification_totals()
    lines.append(kpis.qualification_of(triaged, q, day))
    lines += [kpis.qualification_of(triaged, q, day, analyst) for analyst in analysts]
    lines += [
        kpis.reply_time_of(facts.reply_totals(), q, day),
        kpis.gross_dollar_retention(facts.accounts, facts.milestone_claims, cal, q, day),
        kpis.accounts_in_favorable_health(facts.accounts),
        kpis.monthly_to_annual_conversion(facts.contracts, q, day),
    ]
    return Scorecard(
        "pod", pod_key, tuple(lines), (("requests_without_account", str(facts.without_account)),)
    )


def pod_scorecards(facts: KpiFacts, pod_key: str, members: Mapping[str, str]) -> list[Scorecard]:
    """Every scorecard of one POD's quarter: the POD's, each member's (config order), each
    customer's (what `podbot report kpis` and the weekly digest's CSV hold)."""
    analysts = [user for user, role in members.items() if role == Role.ANALYST]
    cards = [pod_scorecard(facts, pod_key, analysts)]
    cards += [member_scorecard(facts, user, role) for user, role in members.items()]
    cards += [customer_scorecard(facts, account) for account in facts.accounts]
    return cards


def customer_scorecard(facts: KpiFacts, account: AccountFact) -> Scorecard:
    """A customer's milestones (FTV, MSG, PSE, ATS uploaded), its health and open requests."""
    day = facts.as_of_day
    lines = (
        kpis.first_time_value(account, facts.milestone_claims, facts.calendar, day),
        kpis.minimum_savings_guarantee(account, facts.milestone_claims, facts.calendar, day),
        kpis.projected_savings_estimate(account, facts.milestone_claims, facts.calendar, day),
        kpis.ats_uploaded(account, facts.contracts, day),
    )
    health = account.health.value if account.health is not None else "not set"
    extras = (
        ("health", health),
        ("open_requests", str(facts.open_requests.get(account.account_id, 0))),
    )
    return Scorecard("customer", account.customer, lines, extras)


# --- grammar ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsAsk:
    """What `/proc stats [YYYYQn] [@member | <customer> | pod]` asks for (None: this quarter,
    the invoker's own view)."""

    quarter: Quarter | None = None
    member: str | None = None
    customer: str | None = None
    pod: bool = False


def parse_stats(args: str, start_month: int, today: date) -> StatsAsk:
    """Read the optional quarter, then `pod`, one `@member`, or a customer's name (all the
    words after the quarter: `stats Acme Corp` is Acme Corp, as `stats 2026Q4 Acme Corp` is).
    Text written as a quarter is one (`Q4` is refused as a quarter, never read as a customer);
    a quarter at the end is refused with the command as meant (`@kavya 2026Q4`)."""
    typed, rest = split_quarter(args)
    quarter = None
    if typed is not None:
        quarter = parse_quarter(typed, start_month, today, next_too=False)
    else:
        _quarter_last(rest, start_month, today)
    if not rest:
        return StatsAsk(quarter)
    if rest.lower() == "pod":
        return StatsAsk(quarter, pod=True)
    if rest.startswith("<@") or rest.startswith("@"):
        if len(rest.split()) > 1:
            raise GrammarError("Mention exactly one member.")
        try:
            return StatsAsk(quarter, member=parse_user_mention(rest))
        except MentionError as exc:
            raise GrammarError(str(exc)) from None
    return StatsAsk(quarter, customer=customer_name(rest))


def _quarter_last(text: str, start_month: int, today: date) -> None:
    """Refuse a quarter typed after the rest (`@kavya 2026Q4`, `Acme Corp Q4 2026`): with the
    command as meant, or the quarter's own refusal when it cannot be placed."""
    words = text.split()
    for width in (2, 1):
        if len(words) <= width:
            continue
        if quarter_at(words[-width:]) == (0, width):
            quarter = parse_quarter(" ".join(words[-width:]), start_month, today, next_too=False)
            meant = " ".join([str(quarter), *words[:-width]])
            raise GrammarError("The quarter comes first.", did_you_mean=meant)
