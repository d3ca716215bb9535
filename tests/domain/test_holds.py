"""Holds (issue 30): due = original + total held, whatever the sequence of holds and resumes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.holds import (
    HoldError,
    HoldState,
    Span,
    held_calendar_time,
    push_calendar,
    tat_due,
)

START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_a_hold_of_ten_calendar_days_pushes_the_due_by_ten_days_across_dst() -> None:
    # New York leaves DST on Nov 1 2026: a hold of 10 wall-clock days is 10 days.
    zone = "America/New_York"
    original = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)  # 10:00 EST
    start = datetime(2026, 10, 28, 14, 0, tzinfo=UTC)  # 10:00 EDT
    end = datetime(2026, 11, 7, 15, 0, tzinfo=UTC)  # 10:00 EST, ten days later
    assert held_calendar_time(start, end, zone) == timedelta(days=10)
    assert tat_due(original, [Span(start, end)], end, zone) == original + timedelta(days=10)


def test_two_holds_add_up_and_an_open_one_counts_up_to_now() -> None:
    zone = "Asia/Kolkata"
    original = START + timedelta(days=15)
    spans = [Span(START, START + timedelta(days=3)), Span(START + timedelta(days=5))]
    now = START + timedelta(days=9)
    assert tat_due(original, spans, now, zone) == original + timedelta(days=7)


def test_a_resume_without_a_hold_and_a_second_hold_are_refused() -> None:
    state = HoldState()
    with pytest.raises(HoldError, match="not on hold"):
        state.resume(START, "REQ-1")
    state.hold(START, "REQ-1")
    with pytest.raises(HoldError, match="already on hold"):
        state.hold(START + timedelta(hours=1), "REQ-1")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["hold", "resume"]), st.integers(min_value=0, max_value=10**6)),
        max_size=30,
    ),
    st.sampled_from(["UTC", "Asia/Kolkata", "America/New_York"]),
    st.integers(min_value=0, max_value=10**6),
)
def test_for_any_sequence_of_holds_and_resumes_due_is_original_plus_total_held(
    steps: list[tuple[str, int]], zone: str, tail: int
) -> None:
    state = HoldState()
    original = START + timedelta(days=15)
    at, held, since = START, timedelta(0), None
    for op, gap in steps:
        at += timedelta(seconds=gap)
        try:
            if op == "hold":
                state.hold(at)
                since = at
            else:
                state.resume(at)
                assert since is not None
                held += held_calendar_time(since, at, zone)
                since = None
        except HoldError:
            assert (op == "hold") == (since is not None)
    now = at + timedelta(seconds=tail)
    if since is not None:
        held += held_calendar_time(since, now, zone)
    assert tat_due(original, state.spans, now, zone) == push_calendar(original, held, zone)
    if zone == "UTC":
        assert tat_due(original, state.spans, now, zone) == original + held
