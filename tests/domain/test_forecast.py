"""The MSG/GDR forecast (issue 35, item 5): hand-worked dates and amounts for three accounts,
a hold pushing a forecast out by its length, and the at-risk sentence naming exactly the
requests that decide it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.forecast import (
    AccountInputs,
    OpenRequest,
    Source,
    Standing,
    StepState,
    expected_saving,
    forecast,
    projected_gdr,
    remaining_days,
)
from bot.domain.money import Money
from bot.domain.procurement import DEFAULT_STEP_WEEKS
from bot.domain.quarters import Quarter

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday
ZONE = "UTC"
TAT = {"new": 15, "renewal": 60}
WEEKS = DEFAULT_STEP_WEEKS  # lower bounds: vendor 7, security 14, legal 14, PO 7 days


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T10:00:00+00:00")


def req(n: int, stage: str, kind: str, amount: int, **rest: object) -> OpenRequest:
    return OpenRequest(n, f"REQ-{n}", stage, kind, D(amount), "USD", **rest)  # type: ignore[arg-type]


# Acme: handover Jul 1 (day 180 = Dec 28), MSG $80,000, $40,000 approved so far.
ACME = AccountInputs(
    1, "Acme", date(2026, 7, 1), Money(D(80_000), "USD"), D(40_000), date(2027, 6, 30),
    requests=(
        # No step started: 7 + 14 + 14 + 7 = 42 days → Jan 18; TAT due Jan 30. 12.5 % → 25,000.
        req(41, "negotiating", "renewal", 200_000, benchmark=D("12.5"),
            tat_due_at=at("2027-01-30")),
        # Unassigned renewal: 42 days → Jan 18, bound today + 60. 10 % → 15,000.
        req(44, "qualified", "renewal", 150_000, benchmark=D(10)),
        # Security done, legal on day 10: 14 − 10 + PO 7 = 11 days → Dec 18; TAT Dec 15 first.
        req(45, "negotiating", "new", 50_000, benchmark=D(20),
            steps=(StepState("security-review", None), StepState("legal-redline", 10)),
            tat_due_at=at("2026-12-15")),
        # PO on day 9 of 7–14: nothing left → today. 10 % → 3,000.
        req(46, "negotiating", "new", 30_000, benchmark=D(10),
            steps=(StepState("po", 9),), tat_due_at=at("2026-12-20")),
        # Intake renewal: 42 days → Jan 18. 10 % → 2,000 (not needed to cover the gap).
        req(47, "intake", "renewal", 20_000, benchmark=D(10)),
    ),
)  # fmt: skip
# Globex: handover Sep 1 (day 122 = Jan 1), MSG $50,000, $20,000 so far.
GLOBEX = AccountInputs(
    2, "Globex", date(2026, 9, 1), Money(D(50_000), "USD"), D(20_000), date(2027, 12, 31),
    requests=(
        # Quotes: 100,000 − 85,000 = 15,000; PO on day 3: 4 days left → Dec 11.
        req(50, "negotiating", "new", 100_000, best_quote=D(85_000), benchmark=D(30),
            steps=(StepState("vendor-qualification", None), StepState("po", 3)),
            tat_due_at=at("2026-12-20")),
        # 12.5 % of 120,000 = 15,000; 42 days, bounded by its TAT due Jan 1.
        req(51, "negotiating", "renewal", 120_000, benchmark=D("12.5"),
            tat_due_at=at("2027-01-01")),
    ),
)  # fmt: skip
# Initech: reached its MSG on Oct 10 (day 70 after an Aug 1 handover).
INITECH = AccountInputs(
    3, "Initech", date(2026, 8, 1), Money(D(30_000), "USD"), D(32_000), date(2027, 2, 15),
    reached_on=date(2026, 10, 10),
    requests=(req(60, "intake", "new", 10_000, benchmark=D(10)),),
)  # fmt: skip


def run(account: AccountInputs) -> object:
    return forecast(account, NOW, ZONE, WEEKS, TAT)


def test_acme_is_at_risk_by_the_hand_worked_figures() -> None:
    f = forecast(ACME, NOW, ZONE, WEEKS, TAT)
    closes = {line.key: (line.close, line.saving, line.running) for line in f.lines}
    assert closes == {
        "REQ-46": (date(2026, 12, 7), D(3_000), D(43_000)),
        "REQ-45": (date(2026, 12, 15), D(10_000), D(53_000)),
        "REQ-41": (date(2027, 1, 18), D(25_000), D(78_000)),
        "REQ-44": (date(2027, 1, 18), D(15_000), D(93_000)),
        "REQ-47": (date(2027, 1, 18), D(2_000), D(95_000)),
    }
    assert f.deadline == date(2026, 12, 28)
    assert f.standing == Standing.AT_RISK
    assert f.reach_on == date(2027, 1, 18) and f.reach_day == 201
    assert f.shortfall == D(27_000)  # 80,000 − (40,000 + 3,000 + 10,000)
    assert f.deciding == ("REQ-41", "REQ-44")


def test_the_at_risk_sentence_names_exactly_the_deciding_requests() -> None:
    f = forecast(ACME, NOW, ZONE, WEEKS, TAT)
    assert f.sentence == (
        "Acme misses its MSG at day 180 by $27,000 unless REQ-41 and REQ-44 close at benchmark."
    )
    assert "REQ-47" not in f.sentence and "REQ-45" not in f.sentence


def test_globex_reaches_its_msg_around_day_122() -> None:
    f = forecast(GLOBEX, NOW, ZONE, WEEKS, TAT)
    assert [(line.key, line.close, line.source, line.saving) for line in f.lines] == [
        ("REQ-50", date(2026, 12, 11), Source.QUOTES, D(15_000)),
        ("REQ-51", date(2027, 1, 1), Source.BENCHMARK, D(15_000)),
    ]
    assert f.standing == Standing.ON_TRACK and f.reach_on == date(2027, 1, 1)
    assert f.reach_day == 122 and f.shortfall == 0
    assert f.sentence == "Globex reaches its MSG around day 122 with REQ-50 and REQ-51."


def test_initech_has_reached_its_msg() -> None:
    f = forecast(INITECH, NOW, ZONE, WEEKS, TAT)
    assert f.standing == Standing.REACHED and f.reach_day == 70
    assert f.sentence == "Initech reached its MSG on day 70."


def test_an_open_hold_pushes_the_forecast_out_by_its_length() -> None:
    # Bounded by its TAT (due Dec 20; 42 days of steps would be Jan 18).
    free = req(70, "negotiating", "new", 100_000, benchmark=D(10), tat_due_at=at("2026-12-20"))
    held = req(70, "negotiating", "new", 100_000, benchmark=D(10), tat_due_at=at("2026-12-20"),
               hold_since=NOW - timedelta(days=10))  # fmt: skip
    account = AccountInputs(9, "Hooli", date(2026, 7, 1), Money(D(50_000), "USD"), D(0))
    before = forecast(
        AccountInputs(**{**account.__dict__, "requests": (free,)}), NOW, ZONE, WEEKS, TAT
    )
    after = forecast(
        AccountInputs(**{**account.__dict__, "requests": (held,)}), NOW, ZONE, WEEKS, TAT
    )
    assert before.lines[0].close == date(2026, 12, 20)
    assert after.lines[0].close == date(2026, 12, 30)


def test_an_unassigned_new_request_is_bounded_by_its_tat_from_today() -> None:
    f = forecast(
        AccountInputs(9, "Hooli", date(2026, 7, 1), Money(D(1), "USD"), D(0),
                      requests=(req(80, "intake", "new", 1_000),)),
        NOW, ZONE, WEEKS, TAT,
    )  # fmt: skip
    assert f.lines[0].close == date(2026, 12, 22)  # today + 15, before 42 days of steps
    assert f.lines[0].source == Source.NONE and f.lines[0].saving == 0


def test_a_tat_already_past_closes_it_today() -> None:
    late = req(81, "negotiating", "new", 1_000, tat_due_at=at("2026-12-01"))
    account = AccountInputs(
        9, "Hooli", date(2026, 7, 1), Money(D(1), "USD"), D(0), requests=(late,)
    )
    line = forecast(account, NOW, ZONE, WEEKS, TAT).lines[0]
    assert line.close == date(2026, 12, 7)


def test_a_gap_no_request_can_close_is_said_so() -> None:
    account = AccountInputs(
        9, "Hooli", date(2026, 7, 1), Money(D(100_000), "USD"), D(10_000),
        requests=(req(90, "intake", "renewal", 100_000, benchmark=D(10)),),
    )  # fmt: skip
    f = forecast(account, NOW, ZONE, WEEKS, TAT)
    assert f.deciding == ("REQ-90",) and not f.covered
    assert f.sentence == (
        "Hooli misses its MSG at day 180 by $90,000; even REQ-90 closing at benchmark leaves it "
        "$80,000 short."
    )


def test_requests_in_another_currency_are_counted_apart() -> None:
    other = OpenRequest(99, "REQ-99", "intake", "new", D(1_000), "EUR", benchmark=D(50))
    f = forecast(
        AccountInputs(9, "Hooli", date(2026, 7, 1), Money(D(10), "USD"), D(0), requests=(other,)),
        NOW, ZONE, WEEKS, TAT,
    )  # fmt: skip
    assert f.lines == () and f.apart == ("REQ-99",)


def test_a_quote_above_the_amount_saves_nothing() -> None:
    assert expected_saving(req(1, "intake", "new", 100, best_quote=D(120))) == (0, Source.QUOTES)


def test_projected_gdr_counts_each_account_in_the_quarter_it_is_decided() -> None:
    lapsing = AccountInputs(
        4, "Umbrella", date(2026, 6, 1), Money(D(1_000_000), "USD"), D(0), date(2027, 2, 15)
    )
    no_term = AccountInputs(5, "Vandelay", date(2026, 6, 1), Money(D(1), "USD"), D(0))
    forecasts = [run(a) for a in (ACME, GLOBEX, INITECH, lapsing, no_term)]
    q1 = projected_gdr(forecasts, Quarter(2027, 1))  # type: ignore[arg-type]
    # Acme (Jan 18) and Globex (Jan 1) reach it in Q1; Umbrella's term ends in Q1 unreached;
    # Initech was decided in Q4 2026.
    assert (q1.reached, q1.decided, q1.apart) == (2, 3, 1)
    q4 = projected_gdr(forecasts, Quarter(2026, 4))  # type: ignore[arg-type]
    assert (q4.reached, q4.decided) == (1, 1)


@given(st.lists(st.sampled_from(sorted(WEEKS)), unique=True), st.integers(0, 60))
def test_starting_a_later_step_never_adds_days(done: list[str], day: int) -> None:
    steps = tuple(StepState(s, None) for s in done)
    assert remaining_days(steps, WEEKS) <= remaining_days((), WEEKS)
    under_way = (*steps, StepState("po", day))
    assert remaining_days(under_way, WEEKS) <= 7


def test_what_a_request_had_approved_already_is_not_forecast_again() -> None:
    held = req(1, "negotiating", "renewal", 240_000, benchmark=D(9), approved=D(21_600))
    assert expected_saving(held) == (0, Source.BENCHMARK)
    more = req(2, "negotiating", "new", 100_000, best_quote=D(80_000), approved=D(5_000))
    assert expected_saving(more) == (D(15_000), Source.QUOTES)
