"""The MSG/GDR forecast (issue 35, item 5): when each account's approved savings will reach its
minimum savings guarantee, and which open requests decide it. Pure arithmetic; the day is
passed in (`today`, the POD's local day of the injected clock).

**Inputs** per account: its handover day, MSG, term end and approved savings since handover
in the MSG's currency (the claim ledger's `customer_to_date`), and each open request (intake,
qualified, negotiating) in that currency:

* **expected saving** — its quote-based estimate when it has quotes (the amount − the lowest
  current quote, never below 0), else its amount × the tool's savings benchmark (%), else 0;
* **expected close** — today + the remaining procurement steps' expected durations (each step
  not yet started after the furthest one started, its lower bound in calendar days; a step
  under way, what is left of its lower bound), **bounded by the TAT**: a negotiating request's
  TAT due (holds included: an open hold's time so far moves it out as a resume would), an
  unassigned one's today + its TAT days. A TAT already past closes it today.

**Reach**: the savings to date plus each request's expected saving in order of expected close;
the MSG is reached on the first close where the running total meets it, day r after handover.
On track when r ≤ MSG_BREACH_DAYS (180); **at risk** when later or never while day 180 is
still ahead; missed once day 180 passed unreached (the forecast still says when, for GDR).

**Deciding requests**: for an account at risk, the fewest requests expected to close after
day 180 whose savings (largest first) cover the shortfall at day 180 — the ones that must
close by then; on track, the requests expected to close by the reach day.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from bot.domain.holds import held_calendar_time, push_calendar
from bot.domain.kpis import MSG_BREACH_DAYS
from bot.domain.money import Money, format_money, format_percent
from bot.domain.procurement import STEP_ORDER, bound_days
from bot.domain.quarters import Quarter
from bot.domain.vocabulary import Stage

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class Source(enum.StrEnum):
    """Where a request's expected saving comes from."""

    QUOTES = "quotes"
    BENCHMARK = "benchmark"
    NONE = "none"  # no amount, or no quote and no benchmark yet: 0


class Standing(enum.StrEnum):
    """An account's forecast, in one word (`forecasts.status`)."""

    REACHED = "reached"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    MISSED = "missed"


@dataclass(frozen=True)
class StepState:
    """A procurement step of a request: its kind, and its day n while under way (None: done)."""

    step: str
    day: int | None


@dataclass(frozen=True)
class OpenRequest:
    """An open request as the forecast reads it; amounts in the request's currency."""

    request_id: int
    key: str
    stage: str
    kind: str  # new | renewal
    amount: Decimal | None
    currency: str
    benchmark: Decimal | None = None  # the tool's savings % now
    best_quote: Decimal | None = None  # the lowest current quote in the request's currency
    steps: tuple[StepState, ...] = ()
    tat_due_at: datetime | None = None  # negotiating: the stored due (ended holds included)
    hold_since: datetime | None = None  # an open hold on the TAT, since
    approved: Decimal = Decimal(0)  # its savings approved already (in the savings to date)


@dataclass(frozen=True)
class AccountInputs:
    """An account with an MSG and a handover, its savings to date and its open requests."""

    account_id: int
    customer: str
    handover: date
    msg: Money
    to_date: Decimal  # approved savings from handover to now, in the MSG's currency
    term_end: date | None = None
    reached_on: date | None = None  # the day the savings reached the MSG, when they have
    requests: tuple[OpenRequest, ...] = ()


@dataclass(frozen=True)
class Line:
    """One request's part in a forecast: what it is expected to save, when, the running total,
    and how its close was worked out (`remaining` step days, the TAT bound)."""

    request_id: int
    key: str
    saving: Decimal
    source: Source
    close: date
    running: Decimal
    remaining_days: int
    bound: date
    amount: Decimal | None
    rate: Decimal | None  # the benchmark % applied, or None
    best_quote: Decimal | None


@dataclass(frozen=True)
class Forecast:
    """An account's forecast on `today`."""

    account_id: int
    customer: str
    today: date
    handover: date
    deadline: date  # handover + MSG_BREACH_DAYS
    msg: Money
    to_date: Decimal
    standing: Standing
    reach_on: date | None
    shortfall: Decimal  # at the deadline, 0 when reached by then
    deciding: tuple[str, ...]  # REQ keys
    deciding_ids: tuple[int, ...]
    covered: bool  # the deciding requests cover the shortfall
    lines: tuple[Line, ...]
    apart: tuple[str, ...]  # open requests in another currency (keys)
    term_end: date | None = None

    @property
    def reach_day(self) -> int | None:
        """The day after handover the MSG is (forecast to be) reached."""
        return None if self.reach_on is None else (self.reach_on - self.handover).days

    def money(self, amount: Decimal) -> str:
        return format_money(Money(amount, self.msg.currency))

    @property
    def sentence(self) -> str:
        """What the em is told: "Acme misses its MSG at day 180 by $18,000 unless REQ-41 and
        REQ-44 close at benchmark", "Globex reaches its MSG around day 122"."""
        who = self.customer
        if self.standing == Standing.REACHED:
            when = f" on day {self.reach_day}" if self.reach_on is not None else ""
            return f"{who} reached its MSG{when}."
        if self.standing == Standing.ON_TRACK:
            return f"{who} reaches its MSG around day {self.reach_day}" + (
                f" with {_and(self.deciding)}." if self.deciding else "."
            )
        if self.standing == Standing.MISSED:
            later = (
                f"; at this pace it reaches it around day {self.reach_day}"
                if self.reach_on is not None
                else "; no open request reaches it"
            )
            return f"{who} missed its MSG at day {MSG_BREACH_DAYS}{later}."
        short = f"{who} misses its MSG at day {MSG_BREACH_DAYS} by {self.money(self.shortfall)}"
        if not self.deciding:
            return short + ": no open request can close the gap."
        how = _how(self.lines, self.deciding_ids)
        if self.covered:
            verb = "closes" if len(self.deciding) == 1 else "close"
            return f"{short} unless {_and(self.deciding)} {verb} {how}."
        left = self.shortfall - sum(
            (line.saving for line in self.lines if line.request_id in self.deciding_ids),
            Decimal(0),
        )
        leave = "leaves" if len(self.deciding) == 1 else "leave"
        even = f"even {_and(self.deciding)} closing {how}"
        return f"{short}; {even} {leave} it {self.money(left)} short."


def _and(keys: Sequence[str]) -> str:
    if len(keys) <= 1:
        return "".join(keys)
    return ", ".join(keys[:-1]) + " and " + keys[-1]


def _how(lines: Iterable[Line], ids: Sequence[int]) -> str:
    sources = {line.source for line in lines if line.request_id in ids}
    if sources == {Source.BENCHMARK}:
        return "at benchmark"
    if sources == {Source.QUOTES}:
        return "at their quotes" if len(ids) > 1 else "at its quotes"
    return "by then as forecast"


def expected_saving(request: OpenRequest) -> tuple[Decimal, Source]:
    """The quote-based estimate when there are quotes, else amount × benchmark %, else 0;
    less what the request has had approved already (counted in the savings to date)."""
    if request.amount is None:
        return Decimal(0), Source.NONE
    if request.best_quote is not None:
        estimate, source = request.amount - request.best_quote, Source.QUOTES
    elif request.benchmark is not None:
        estimate = (request.amount * request.benchmark / HUNDRED).quantize(CENT, ROUND_HALF_UP)
        source = Source.BENCHMARK
    else:
        return Decimal(0), Source.NONE
    return max(estimate - request.approved, Decimal(0)), source


def remaining_days(steps: Sequence[StepState], weeks: Mapping[str, tuple[int, int]]) -> int:
    """Calendar days of procurement steps left: the lower bound of each step after the
    furthest one started (or all of them when none has), and what is left of any under way."""
    started = [STEP_ORDER.index(s.step) for s in steps if s.step in STEP_ORDER]
    after = max(started) + 1 if started else 0
    days = sum(bound_days(weeks[step])[0] for step in STEP_ORDER[after:] if step in weeks)
    for state in steps:
        if state.day is not None and state.step in weeks:
            days += max(bound_days(weeks[state.step])[0] - state.day, 0)
    return days


def tat_bound(
    request: OpenRequest, today: date, now: datetime, timezone: str, tat_days: Mapping[str, int]
) -> date:
    """The last day the request may close by its TAT: a negotiating request's due (an open
    hold's time so far added), an unassigned one's today + its TAT days."""
    if request.tat_due_at is None or request.stage != Stage.NEGOTIATING:
        return today + timedelta(days=tat_days.get(request.kind, 0))
    due = request.tat_due_at
    if request.hold_since is not None:
        due = push_calendar(due, held_calendar_time(request.hold_since, now, timezone), timezone)
    return due.astimezone(ZoneInfo(timezone)).date()


def forecast(
    account: AccountInputs,
    now: datetime,
    timezone: str,
    weeks: Mapping[str, tuple[int, int]],
    tat_days: Mapping[str, int],
) -> Forecast:
    """The account's forecast as of `now` (its local day in the POD's `timezone`)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    currency = account.msg.currency
    target = account.msg.amount
    deadline = account.handover + timedelta(days=MSG_BREACH_DAYS)
    planned = []
    apart = []
    for request in account.requests:
        if request.currency != currency:
            apart.append(request.key)
            continue
        saving, source = expected_saving(request)
        left = remaining_days(request.steps, weeks)
        bound = tat_bound(request, today, now, timezone, tat_days)
        close = max(today, min(today + timedelta(days=left), bound))
        planned.append((close, request.request_id, request, saving, source, left, bound))
    planned.sort(key=lambda p: (p[0], p[1]))
    running = account.to_date
    lines = []
    for close, _, request, saving, source, left, bound in planned:
        running += saving
        lines.append(
            Line(
                request.request_id, request.key, saving, source, close, running, left, bound,
                request.amount, request.benchmark if source == Source.BENCHMARK else None,
                request.best_quote,
            )
        )  # fmt: skip
    by_deadline = account.to_date + sum(
        (line.saving for line in lines if line.close <= deadline), Decimal(0)
    )
    shortfall = max(target - by_deadline, Decimal(0))
    if account.to_date >= target:
        reach_on = account.reached_on
        standing = Standing.REACHED
        shortfall = Decimal(0)
    else:
        reach_on = next((line.close for line in lines if line.running >= target), None)
        if reach_on is not None and reach_on <= deadline:
            standing = Standing.ON_TRACK
        elif today > deadline:
            standing = Standing.MISSED
        else:
            standing = Standing.AT_RISK
    deciding: list[Line] = []
    covered = True
    if standing == Standing.AT_RISK:
        later = sorted(
            (line for line in lines if line.close > deadline and line.saving > 0),
            key=lambda line: (-line.saving, line.close, line.request_id),
        )
        gathered = Decimal(0)
        for line in later:
            if gathered >= shortfall:
                break
            deciding.append(line)
            gathered += line.saving
        covered = gathered >= shortfall
        deciding.sort(key=lambda line: line.request_id)
    elif standing == Standing.ON_TRACK:
        deciding = [
            line
            for line in lines
            if reach_on is not None and line.close <= reach_on and line.saving > 0
        ]
    return Forecast(
        account.account_id, account.customer, today, account.handover, deadline, account.msg,
        account.to_date, standing, reach_on, shortfall,
        tuple(line.key for line in deciding), tuple(line.request_id for line in deciding),
        covered, tuple(lines), tuple(apart), account.term_end,
    )  # fmt: skip


@dataclass(frozen=True)
class GdrOutlook:
    """The POD's projected GDR for a quarter: accounts forecast to reach their MSG by their
    term end among those whose outcome falls in the quarter, and those counted apart."""

    reached: int
    decided: int
    apart: int

    @property
    def share(self) -> Decimal | None:
        return None if not self.decided else Decimal(self.reached) / Decimal(self.decided)


def projected_gdr(forecasts: Iterable[Forecast], quarter: Quarter) -> GdrOutlook:
    """GDR's rule (`bot.domain.kpis.gross_dollar_retention`) on forecast reach days: an account
    is decided on its (forecast) reach day if by its term end, else on its term end; counted
    in the quarter that day falls in; without a term end, counted apart."""
    reached = decided = apart = 0
    for f in forecasts:
        if f.term_end is None:
            apart += 1
            continue
        won = f.reach_on is not None and f.reach_on <= f.term_end
        resolved = f.reach_on if won and f.reach_on is not None else f.term_end
        if quarter.start <= resolved <= quarter.end:
            decided += 1
            reached += won
    return GdrOutlook(reached, decided, apart)


# --- the back-test ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Backtest:
    """How far the kept forecasts were from what happened since (`podbot forecast backtest`):
    reach days (actual − forecast, per forecast whose MSG was reached since), forecast reach
    days passed unreached (days past), request closes (actual − expected day, per line closed
    since) and the savings of the lines closed won (expected, approved)."""

    forecasts: int  # kept forecasts of accounts not yet at their MSG when made
    weeks: tuple[str, ...]
    reach: tuple[int, ...]
    reach_overdue: tuple[int, ...]
    reach_pending: int
    reach_unforeseen: int  # MSGs reached though the forecast saw no day for it
    closes: tuple[int, ...]
    closes_pending: int
    savings: tuple[tuple[Decimal, Decimal], ...]


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _mean(values: Sequence[int]) -> Decimal:
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _errors(values: Sequence[int], noun: str) -> str:
    """`4 judged: mean absolute error 6.5 days (3 late, 1 early, 0 on the day)`."""
    if not values:
        return f"no {noun} to judge yet"
    late = sum(v > 0 for v in values)
    early = sum(v < 0 for v in values)
    exact = len(values) - late - early
    within = sum(abs(v) <= 7 for v in values)
    return (
        f"{len(values)} judged: mean absolute error {_mean([abs(v) for v in values])} days, "
        f"mean {_mean(values):+} days ({late} later than forecast, {early} earlier, {exact} on "
        f"the day; {within} within a week)"
    )


def backtest_lines(b: Backtest, currency: str) -> list[str]:
    """The back-test's figures in words, one line each."""
    span = f" over {_n(len(b.weeks), 'week')} ({b.weeks[0]} to {b.weeks[-1]})" if b.weeks else ""
    lines = [f"{_n(b.forecasts, 'forecast')} kept{span}"]
    lines.append(f"  MSG reach day: {_errors(b.reach, 'reach day')}")
    if b.reach_overdue:
        past = ", ".join(str(d) for d in sorted(b.reach_overdue))
        lines.append(
            f"  forecast reach day passed, MSG not reached yet: {len(b.reach_overdue)} "
            f"(by {past} days)"
        )
    if b.reach_unforeseen:
        lines.append(f"  MSG reached though no reach day was forecast: {b.reach_unforeseen}")
    lines.append(f"  forecast reach day still ahead (or none forecast): {b.reach_pending}")
    lines.append(f"  request closes: {_errors(b.closes, 'close')}; {b.closes_pending} still open")
    if b.savings:
        expected = sum((e for e, _ in b.savings), Decimal(0))
        approved = sum((a for _, a in b.savings), Decimal(0))
        off = (
            f" ({format_percent((approved - expected) * HUNDRED / expected)} against forecast)"
            if expected
            else ""
        )
        lines.append(
            f"  savings of {len(b.savings)} requests closed won: forecast "
            f"{format_money(Money(expected, currency))}, approved "
            f"{format_money(Money(approved, currency))}{off}"
        )
    return lines
