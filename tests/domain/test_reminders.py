"""bot/domain/reminders.py: office hours, their slots, and digests (SPEC §5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.reminders import (
    DigestKind,
    Item,
    OfficeHours,
    approval_due,
    approval_escalation_due,
    digests,
    in_office_hours,
    office_slot,
    parse_office_hours,
    tat_warning_at,
)
from bot.domain.working_time import WorkCalendar

# Mon-Fri in New York, Thanksgiving (Thu 26 Nov 2026) a holiday.
NY = WorkCalendar.from_names(
    "America/New_York", ["mon", "tue", "wed", "thu", "fri"], [date(2026, 11, 26)]
)
HOURS = OfficeHours()
EST = timedelta(hours=5)


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) + EST


def test_office_hours_parse_and_refuse() -> None:
    assert parse_office_hours("09:00-18:00") == OfficeHours(time(9), time(18))
    assert parse_office_hours(" 08:30 - 17:15 ") == OfficeHours(time(8, 30), time(17, 15))
    assert parse_office_hours("00:00-24:00").end == time.max
    for bad in ("9-18", "18:00-09:00", "09:00-09:00", "09:00", "25:00-26:00", "09:00-24:30"):
        with pytest.raises(ValueError):
            parse_office_hours(bad)


def test_a_dm_due_at_23_waits_for_09_next_working_day() -> None:
    assert office_slot(NY, HOURS, ny(23, 23)) == ny(24, 9)  # Monday night → Tuesday 09:00
    assert office_slot(NY, HOURS, ny(20, 23)) == ny(23, 9)  # Friday night → Monday 09:00
    assert office_slot(NY, HOURS, ny(25, 18)) == ny(27, 9)  # Wed 18:00 → Fri (Thu holiday)
    assert office_slot(NY, HOURS, ny(24, 7)) == ny(24, 9)
    assert office_slot(NY, HOURS, ny(24, 10, 30)) == ny(24, 10, 30)
    assert not in_office_hours(NY, HOURS, ny(24, 18))
    assert in_office_hours(NY, HOURS, ny(24, 17, 59))
    assert not in_office_hours(NY, HOURS, ny(26, 12))  # the holiday


instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from(["America/New_York", "Asia/Kolkata", "Europe/London", "Pacific/Auckland"])
spans = st.tuples(st.integers(0, 22 * 60), st.integers(1, 24 * 60)).filter(
    lambda s: s[0] + s[1] <= 24 * 60
)


@settings(max_examples=300, deadline=None)
@given(
    due=instants,
    zone=zones,
    workdays=st.sets(
        st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1
    ),
    span=spans,
)
def test_the_slot_is_never_early_and_always_in_office_hours(
    due: datetime, zone: str, workdays: set[str], span: tuple[int, int]
) -> None:
    calendar = WorkCalendar.from_names(zone, workdays)
    start, length = span
    end = start + length
    hours = OfficeHours(
        time(start // 60, start % 60), time.max if end == 24 * 60 else time(end // 60, end % 60)
    )
    slot = office_slot(calendar, hours, due)
    assert slot >= due
    assert in_office_hours(calendar, hours, slot)
    # The first such instant: nothing between due and the slot was office hours.
    if slot > due:
        assert not in_office_hours(calendar, hours, slot - timedelta(microseconds=1)) or (
            slot - timedelta(microseconds=1) < due
        )


def test_due_instants_count_working_hours_and_calendar_days() -> None:
    # A claim made Wednesday 15:00: Thursday is Thanksgiving, so 24 wh is Friday 15:00 and
    # 48 wh (the weekend skipped) Monday 15:00.
    assert approval_due(NY, ny(25, 15)) == ny(27, 15)
    assert approval_escalation_due(NY, ny(25, 15)) == ny(30, 15)
    assert tat_warning_at(ny(30, 15)) == ny(27, 15)


def item(kind: str, subject: int, user: str, due: datetime) -> Item[str]:
    return Item(kind, subject, user, due, f"{kind}{subject}")


def test_one_digest_per_person_and_kind_listing_every_open_item() -> None:
    now = ny(24, 10)
    items = [
        item(DigestKind.UPDATE, 1, "B", ny(23, 10)),
        item(DigestKind.UPDATE, 2, "B", ny(24, 9)),
        item(DigestKind.UPDATE, 3, "B", ny(24, 9, 30)),
        item(DigestKind.UPDATE, 4, "B", ny(24, 11)),  # not due yet
        item(DigestKind.BREACH, 1, "A", ny(23, 12)),
        item(DigestKind.BREACH, 2, "A", ny(24, 8)),
    ]
    listed = {items[0].key}  # REQ-1 was listed yesterday
    out = digests(items, calendar=NY, hours=HOURS, now=now, listed=listed, sent_today={})
    assert [(d.user, d.kind, [i.subject for i in d.items]) for d in out] == [
        ("B", "update", [1, 2, 3]),
        ("A", "breach", [1, 2]),
    ]
    update = out[0]
    assert [update.is_new(i) for i in update.items] == [False, True, True]
    # Sent today already: nothing more today.
    sent = {("B", "update"): True, ("A", "breach"): True}
    assert digests(items, calendar=NY, hours=HOURS, now=now, listed=listed, sent_today=sent) == []
    # Night: nothing at all; the next morning everything still open is listed again.
    assert (
        digests(items, calendar=NY, hours=HOURS, now=ny(24, 23), listed=listed, sent_today={}) == []
    )
    tomorrow = digests(
        items, calendar=NY, hours=HOURS, now=ny(25, 9), listed={i.key for i in items[:4]},
        sent_today={},
    )  # fmt: skip
    assert [i.subject for i in tomorrow[0].items] == [1, 2, 3, 4]
    assert [tomorrow[0].is_new(i) for i in tomorrow[0].items] == [False, False, False, False]


def test_tat_warnings_are_listed_once() -> None:
    warning = item(DigestKind.TAT_WARNING, 7, "B", ny(23, 10))
    first = digests([warning], calendar=NY, hours=HOURS, now=ny(23, 10), listed=(), sent_today={})
    assert len(first) == 1 and first[0].is_new(warning)
    assert (
        digests(
            [warning], calendar=NY, hours=HOURS, now=ny(24, 10), listed={warning.key}, sent_today={}
        )
        == []
    )


@settings(max_examples=200, deadline=None)
@given(
    dues=st.lists(
        st.tuples(st.integers(1, 5), st.sampled_from("ABC"), st.integers(0, 200)), max_size=30
    ),
    hour=st.integers(0, 23),
)
def test_digests_law_every_due_item_once_one_digest_per_person_and_kind(
    dues: list[tuple[int, str, int]], hour: int
) -> None:
    now = ny(25, hour)
    items = list(
        {
            (s, u): item(DigestKind.UPDATE, s, u, now - timedelta(hours=h)) for s, u, h in dues
        }.values()
    )
    out = digests(items, calendar=NY, hours=HOURS, now=now, listed=(), sent_today={})
    keys = [(d.user, d.kind) for d in out]
    assert len(keys) == len(set(keys))
    listed = [i for d in out for i in d.items]
    assert len(listed) == len({i.key for i in listed})
    if in_office_hours(NY, HOURS, now):
        assert {i.key for i in listed} == {
            i.key for i in items if office_slot(NY, HOURS, i.due) <= now
        }
    else:
        assert out == []
