"""Procurement stages' pure rules (issue 20): expected durations in weeks counted as calendar
days in the POD's zone (weekends and holidays count), day n of lower–upper, over the bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.aging import AgingItem, Flag, aging_line
from bot.domain.grammar import GrammarError, parse_stage_step
from bot.domain.procurement import (
    DEFAULT_STEP_WEEKS,
    bound_days,
    parse_step,
    preapproval_wait_due,
    step_clock,
    step_day,
)
from bot.domain.working_time import WorkCalendar

NY = "America/New_York"
EST = timedelta(hours=5)
# Mon–Fri, Thanksgiving (Thu 26 Nov 2026) off.
CALENDAR = WorkCalendar(
    timezone=ZoneInfo(NY),
    workdays=frozenset(range(5)),
    holidays=frozenset({datetime(2026, 11, 26).date()}),
)


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) + EST


def test_the_default_durations_are_the_issues_weeks_as_calendar_days() -> None:
    assert DEFAULT_STEP_WEEKS == {
        "vendor-qualification": (1, 2),
        "security-review": (2, 6),
        "legal-redline": (2, 4),
        "po": (1, 2),
    }
    assert bound_days(DEFAULT_STEP_WEEKS["security-review"]) == (14, 42)
    assert bound_days(DEFAULT_STEP_WEEKS["po"]) == (7, 14)


def test_day_n_counts_local_calendar_days_from_the_start_day() -> None:
    started = ny(16, 23, 30)  # Monday 23:30 New York (Tuesday 04:30 UTC)
    assert step_day(started, ny(16, 23, 59), NY) == 0
    assert step_day(started, ny(17, 0, 1), NY) == 1  # the next local day
    assert step_day(started, ny(25, 9), NY) == 9
    # In Kolkata the same instant is Tuesday: the POD's zone decides.
    assert step_day(started, ny(25, 9), "Asia/Kolkata") == 8


def test_day_9_of_14_to_42() -> None:
    clock = step_clock("security-review", ny(16, 10), ny(25, 15), NY, (2, 6))
    assert (clock.day, clock.lower, clock.upper, clock.over) == (9, 14, 42, False)
    assert clock.phrase() == "security review · day 9 of 14–42"


def test_the_bound_counts_weekends_and_holidays_like_any_day() -> None:
    # A PO (1–2 weeks) started Friday 20 Nov: the weekends of 21–22 and 28–29 Nov and
    # Thanksgiving (26 Nov) all count, so day 14 is Friday 4 Dec and day 15 Saturday 5 Dec.
    started = ny(20, 16)
    on_bound = step_clock("po", started, ny(4, 23, 59, month=12), NY, (1, 2))
    assert (on_bound.day, on_bound.over) == (14, False)
    past = step_clock("po", started, ny(5, 0, 0, month=12), NY, (1, 2))
    assert (past.day, past.over) == (15, True)
    assert past.phrase().endswith("over its bound")


def test_the_aging_line_flags_a_stage_past_its_bound_on_the_right_day() -> None:
    def line(now: datetime) -> set[Flag]:
        item = AgingItem(
            number=1, key="REQ-1", customer="Acme", tool="Figma", kind="renewal",
            stage="negotiating", owner="U1", created_at=ny(2, 10), qualification_due_at=ny(3, 10),
            tat_due_at=ny(31, 10, month=12), last_update_at=now,
            procurement_step="po", procurement_started_at=ny(20, 16), procurement_weeks=(1, 2),
        )  # fmt: skip
        result = aging_line(item, now, CALENDAR, 24)
        assert result.procurement is not None
        return set(result.flags)

    assert Flag.STAGE_OVER not in line(ny(4, 9, month=12))  # Friday: day 14
    assert Flag.STAGE_OVER in line(ny(7, 9, month=12))  # Monday: day 17, past since Saturday


def test_a_preapproved_intake_request_is_waiting_not_late() -> None:
    item = AgingItem(
        number=1, key="REQ-1", customer="Acme", tool="Figma", kind="new", stage="intake",
        owner="U1", created_at=ny(20, 10), qualification_due_at=ny(23, 10), tat_due_at=None,
        last_update_at=None, preapproved_at=ny(20, 11),
    )  # fmt: skip
    result = aging_line(item, ny(25, 9), CALENDAR, 24)
    assert result.flags == {Flag.WAITING_ON_CUSTOMER}
    assert result.waiting_since == datetime(2026, 11, 20).date()
    assert result.due_at is None


def test_the_customer_wait_is_counted_in_working_hours() -> None:
    # Wednesday 11:00 + 48 working hours: Friday 11:00 is 24 (Thursday is a holiday), then the
    # weekend is skipped → Monday 11:00.
    assert preapproval_wait_due(CALENDAR, ny(25, 11), 48) == ny(30, 11)


def test_the_stage_grammar() -> None:
    step = parse_stage_step("REQ-3 security-review started waiting on their CISO")
    assert (step.number, step.stage, step.done, step.note) == (
        3,
        "security-review",
        False,
        "waiting on their CISO",
    )
    step = parse_stage_step("3 PO done")
    assert (step.stage, step.done, step.note) == ("po", True, None)
    assert parse_stage_step("3 legal_redline").done is False
    assert parse_step("Vendor-Qualification") == "vendor-qualification"
    with pytest.raises(GrammarError, match="not a procurement stage"):
        parse_stage_step("3 procurement")
    with pytest.raises(GrammarError, match="Name the procurement stage"):
        parse_stage_step("3")
