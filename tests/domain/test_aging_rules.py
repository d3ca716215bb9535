"""SPEC §5 aging report rules: age, due date, days left and the four flags, each at its boundary.

Expected values are worked out by hand in each case's comment, not by calling the code under
test. Calendars: Mon–Fri in Asia/Kolkata (UTC+5:30, no DST, holiday Fri 25 Dec 2026) and in
America/New_York (DST starts Sun 8 Mar 2026, ends Sun 1 Nov 2026; holiday Thu 26 Nov 2026).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.aging import AgingItem, Flag, aging_line, aging_lines, aging_summary
from bot.domain.working_time import WorkCalendar, add_working_hours

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
KOLKATA = WorkCalendar.from_names("Asia/Kolkata", WEEKDAYS, [date(2026, 12, 25)])
NEW_YORK = WorkCalendar.from_names("America/New_York", WEEKDAYS, [date(2026, 11, 26)])
UPDATE_HOURS = 24


def ist(*args: int) -> datetime:
    """Wall time in Kolkata."""
    return datetime(*args, tzinfo=ZoneInfo("Asia/Kolkata"))


def nyc(*args: int) -> datetime:
    """Wall time in New York (EST or EDT, whichever applies on that date)."""
    return datetime(*args, tzinfo=ZoneInfo("America/New_York"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def item(
    stage: str,
    created_at: datetime,
    *,
    number: int = 1,
    qualification_due_at: datetime | None = None,
    tat_due_at: datetime | None = None,
    last_update_at: datetime | None = None,
) -> AgingItem:
    return AgingItem(
        number=number,
        key=f"REQ-{number}",
        customer="Acme",
        tool="Figma",
        kind="new",
        stage=stage,
        owner="U0BUY0001",
        created_at=created_at,
        # Irrelevant outside intake; a day after creation keeps the fixture plausible.
        qualification_due_at=qualification_due_at or created_at + timedelta(days=1),
        tat_due_at=tat_due_at,
        last_update_at=last_update_at,
    )


# --- age ------------------------------------------------------------------------------------

AGE_CASES = [
    pytest.param(
        # Fri 20 Nov → Mon 23 Nov local dates: 3 days.
        KOLKATA, ist(2026, 11, 20, 23, 50), ist(2026, 11, 23, 9, 0), 3,
        id="kolkata-friday-night-to-monday",
    ),
    pytest.param(
        # 00:10 IST Fri is 18:40 UTC Thu; the local date (Fri) counts, so 3, not 4.
        KOLKATA, ist(2026, 11, 20, 0, 10), ist(2026, 11, 23, 9, 0), 3,
        id="kolkata-just-after-local-midnight",
    ),
    pytest.param(
        # Created at 00:01 today: 0 days old at 09:00.
        KOLKATA, ist(2026, 11, 23, 0, 1), ist(2026, 11, 23, 9, 0), 0,
        id="kolkata-created-today",
    ),
    pytest.param(
        # Thu 24 Dec → Mon 28 Dec: 4 calendar days; the 25 Dec holiday still counts.
        KOLKATA, ist(2026, 12, 24, 18, 0), ist(2026, 12, 28, 9, 0), 4,
        id="kolkata-over-christmas",
    ),
    pytest.param(
        # Fri 6 Mar EST → Mon 9 Mar EDT: 3 local dates; the 23-hour Sunday is one day.
        NEW_YORK, nyc(2026, 3, 6, 18, 0), nyc(2026, 3, 9, 9, 0), 3,
        id="new-york-over-spring-forward",
    ),
    pytest.param(
        # Sat 31 Oct 22:30 EDT is 02:30 UTC Sun 1 Nov; Sat → Mon 2 Nov is 2 (UTC dates give 1).
        NEW_YORK, nyc(2026, 10, 31, 22, 30), nyc(2026, 11, 2, 9, 0), 2,
        id="new-york-over-fall-back",
    ),
    pytest.param(
        # Wed 25 Nov 20:00 EST (01:00 UTC Thu) → Mon 30 Nov: 5 days, Thanksgiving included.
        NEW_YORK, nyc(2026, 11, 25, 20, 0), nyc(2026, 11, 30, 9, 0), 5,
        id="new-york-over-thanksgiving",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("calendar", "created", "now", "age"), AGE_CASES)
def test_age_is_calendar_days_since_creation_in_the_pod_zone(
    calendar: WorkCalendar, created: datetime, now: datetime, age: int
) -> None:
    for stage in ("intake", "qualified", "negotiating"):
        assert aging_line(item(stage, created), now, calendar, UPDATE_HOURS).age_days == age


# --- negotiation TAT: due date, days left, breached, due soon --------------------------------

MON_0900_IST = ist(2026, 11, 23, 9, 0)
NO_FLAGS: frozenset[Flag] = frozenset()
SOON = frozenset({Flag.DUE_SOON})
BREACHED = frozenset({Flag.TAT_BREACHED})

TAT_CASES = [
    pytest.param(
        # Mon 23 → Fri 27 Nov: 4 days left, one more than "due soon" allows.
        KOLKATA, ist(2026, 11, 27, 9, 0), MON_0900_IST, date(2026, 11, 27), 4, NO_FLAGS,
        id="kolkata-4-days-left",
    ),
    pytest.param(
        # Mon 23 → Thu 26 Nov: 3 days left, due soon.
        KOLKATA, ist(2026, 11, 26, 23, 59), MON_0900_IST, date(2026, 11, 26), 3, SOON,
        id="kolkata-3-days-left",
    ),
    pytest.param(
        # 20:00 UTC Thu 26 Nov is 01:30 IST Fri 27 Nov: 4 days in Kolkata (3 by UTC dates).
        KOLKATA, utc(2026, 11, 26, 20, 0), MON_0900_IST, date(2026, 11, 27), 4, NO_FLAGS,
        id="kolkata-due-date-is-local",
    ),
    pytest.param(
        # Due at 17:00 today: 0 days left ("due today"), not breached yet, so due soon.
        KOLKATA, ist(2026, 11, 23, 17, 0), MON_0900_IST, date(2026, 11, 23), 0, SOON,
        id="kolkata-due-later-today",
    ),
    pytest.param(
        # One minute before the due instant: still only due soon.
        KOLKATA, ist(2026, 11, 23, 9, 1), MON_0900_IST, date(2026, 11, 23), 0, SOON,
        id="kolkata-a-minute-before-due",
    ),
    pytest.param(
        # now == due: breached (now >= due), and a breach is not also "due soon".
        KOLKATA, ist(2026, 11, 23, 9, 0), MON_0900_IST, date(2026, 11, 23), 0, BREACHED,
        id="kolkata-at-the-due-instant",
    ),
    pytest.param(
        # Due Sun 22 Nov: 1 day overdue.
        KOLKATA, ist(2026, 11, 22, 17, 0), MON_0900_IST, date(2026, 11, 22), -1, BREACHED,
        id="kolkata-1-day-overdue",
    ),
    pytest.param(
        # Tue 22 → Fri 25 Dec: 3 calendar days; the holiday does not stretch a calendar TAT.
        KOLKATA, ist(2026, 12, 25, 10, 0), ist(2026, 12, 22, 9, 0), date(2026, 12, 25), 3, SOON,
        id="kolkata-due-on-christmas",
    ),
    pytest.param(
        # 15-day TAT from Wed 21 Oct 11:00 EDT is Thu 5 Nov 11:00 EST; Fri 30 Oct → 6 days.
        NEW_YORK, nyc(2026, 11, 5, 11, 0), nyc(2026, 10, 30, 9, 0), date(2026, 11, 5), 6,
        NO_FLAGS, id="new-york-6-days-before-fall-back",
    ),
    pytest.param(
        # Mon 2 Nov (after fall back) → Thu 5 Nov: 3 days, due soon.
        NEW_YORK, nyc(2026, 11, 5, 11, 0), nyc(2026, 11, 2, 9, 0), date(2026, 11, 5), 3, SOON,
        id="new-york-3-days-after-fall-back",
    ),
    pytest.param(
        # Thu 5 Nov 10:59 EST: due today, not yet breached.
        NEW_YORK, nyc(2026, 11, 5, 11, 0), nyc(2026, 11, 5, 10, 59), date(2026, 11, 5), 0, SOON,
        id="new-york-a-minute-before-due",
    ),
    pytest.param(
        # Thu 5 Nov 11:00 EST: breached at the due instant.
        NEW_YORK, nyc(2026, 11, 5, 11, 0), nyc(2026, 11, 5, 11, 0), date(2026, 11, 5), 0,
        BREACHED, id="new-york-at-the-due-instant",
    ),
    pytest.param(
        # Fri 6 Nov: 1 day overdue.
        NEW_YORK, nyc(2026, 11, 5, 11, 0), nyc(2026, 11, 6, 9, 0), date(2026, 11, 5), -1,
        BREACHED, id="new-york-1-day-overdue",
    ),
    pytest.param(
        # Sat 7 Mar 23:30 EST → Wed 11 Mar: 4 days.
        NEW_YORK, nyc(2026, 3, 11, 10, 0), nyc(2026, 3, 7, 23, 30), date(2026, 3, 11), 4,
        NO_FLAGS, id="new-york-4-days-before-spring-forward",
    ),
    pytest.param(
        # Sun 8 Mar 00:30 EST, one hour later → Wed 11 Mar: 3 days (only ~80 h away in time).
        NEW_YORK, nyc(2026, 3, 11, 10, 0), nyc(2026, 3, 8, 0, 30), date(2026, 3, 11), 3, SOON,
        id="new-york-3-days-over-spring-forward",
    ),
    pytest.param(
        # Thanksgiving Thu 26 Nov → Mon 30 Nov: 4 calendar days; Fri 27 → 3.
        NEW_YORK, nyc(2026, 11, 30, 10, 0), nyc(2026, 11, 26, 9, 0), date(2026, 11, 30), 4,
        NO_FLAGS, id="new-york-on-thanksgiving",
    ),
    pytest.param(
        NEW_YORK, nyc(2026, 11, 30, 10, 0), nyc(2026, 11, 27, 9, 0), date(2026, 11, 30), 3, SOON,
        id="new-york-day-after-thanksgiving",
    ),
    pytest.param(
        # 03:00 UTC Tue 1 Dec is 22:00 EST Mon 30 Nov: Fri 27 → Mon 30 is 3 (4 by UTC dates).
        NEW_YORK, utc(2026, 12, 1, 3, 0), nyc(2026, 11, 27, 9, 0), date(2026, 11, 30), 3, SOON,
        id="new-york-due-date-is-local",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("calendar", "due", "now", "due_date", "left", "flags"), TAT_CASES)
def test_negotiation_tat_due_date_days_left_and_flags(
    calendar: WorkCalendar,
    due: datetime,
    now: datetime,
    due_date: date,
    left: int,
    flags: frozenset[Flag],
) -> None:
    created = now - timedelta(days=30)
    line = aging_line(item("negotiating", created, tat_due_at=due), now, calendar, UPDATE_HOURS)
    assert line.due_at == due
    assert line.due_date == due_date
    assert line.days_left == left
    assert line.flags == flags


def test_negotiating_without_a_tat_due_shows_no_due_and_no_tat_flags() -> None:
    line = aging_line(item("negotiating", MON_0900_IST), MON_0900_IST, KOLKATA, UPDATE_HOURS)
    assert (line.due_at, line.due_date, line.days_left, line.flags) == (None, None, None, NO_FLAGS)


# --- no update in 24 working hours ------------------------------------------------------------

NO_UPDATE_CASES = [
    # Fri 10:00 → Mon 09:59: Fri 14 h + Mon 9 h 59 = 23 h 59, one minute short.
    pytest.param(KOLKATA, ist(2026, 11, 20, 10, 0), ist(2026, 11, 23, 9, 59), False,
                 id="kolkata-weekend-a-minute-short"),
    # Fri 10:00 → Mon 10:00: Fri 14 h + Mon 10 h = 24 h exactly, flagged.
    pytest.param(KOLKATA, ist(2026, 11, 20, 10, 0), ist(2026, 11, 23, 10, 0), True,
                 id="kolkata-weekend-at-24h"),
    # Mon 09:00 → Mon 18:00: 9 working hours.
    pytest.param(KOLKATA, ist(2026, 11, 23, 9, 0), ist(2026, 11, 23, 18, 0), False,
                 id="kolkata-same-day"),
    # Thu 24 Dec 10:00 → Mon 28 Dec: Thu 14 h, Fri holiday and weekend skipped, Mon 10 h.
    pytest.param(KOLKATA, ist(2026, 12, 24, 10, 0), ist(2026, 12, 28, 9, 59), False,
                 id="kolkata-christmas-a-minute-short"),
    pytest.param(KOLKATA, ist(2026, 12, 24, 10, 0), ist(2026, 12, 28, 10, 0), True,
                 id="kolkata-christmas-at-24h"),
    # Fri 6 Mar 10:00 EST → Mon 9 Mar 10:00 EDT: 14 h + 10 h = 24 h (71 h elapsed).
    pytest.param(NEW_YORK, nyc(2026, 3, 6, 10, 0), nyc(2026, 3, 9, 9, 59), False,
                 id="new-york-spring-forward-a-minute-short"),
    pytest.param(NEW_YORK, nyc(2026, 3, 6, 10, 0), nyc(2026, 3, 9, 10, 0), True,
                 id="new-york-spring-forward-at-24h"),
    # Fri 30 Oct 10:00 EDT → Mon 2 Nov 10:00 EST: 14 h + 10 h = 24 h (73 h elapsed).
    pytest.param(NEW_YORK, nyc(2026, 10, 30, 10, 0), nyc(2026, 11, 2, 9, 59), False,
                 id="new-york-fall-back-a-minute-short"),
    pytest.param(NEW_YORK, nyc(2026, 10, 30, 10, 0), nyc(2026, 11, 2, 10, 0), True,
                 id="new-york-fall-back-at-24h"),
    # Wed 25 Nov 15:00 → Fri 27 Nov 15:00: Wed 9 h, Thanksgiving skipped, Fri 15 h = 24 h.
    pytest.param(NEW_YORK, nyc(2026, 11, 25, 15, 0), nyc(2026, 11, 27, 14, 59), False,
                 id="new-york-thanksgiving-a-minute-short"),
    pytest.param(NEW_YORK, nyc(2026, 11, 25, 15, 0), nyc(2026, 11, 27, 15, 0), True,
                 id="new-york-thanksgiving-at-24h"),
]  # fmt: skip


@pytest.mark.parametrize(("calendar", "last_update", "now", "flagged"), NO_UPDATE_CASES)
def test_no_update_flag_after_24_working_hours(
    calendar: WorkCalendar, last_update: datetime, now: datetime, flagged: bool
) -> None:
    # A TAT far away keeps the TAT flags out of the picture.
    request = item(
        "negotiating",
        last_update - timedelta(days=1),
        tat_due_at=now + timedelta(days=30),
        last_update_at=last_update,
    )
    line = aging_line(request, now, calendar, UPDATE_HOURS)
    assert (Flag.NO_UPDATE in line.flags) is flagged
    assert line.flags <= {Flag.NO_UPDATE}


def test_no_update_uses_the_configured_hours() -> None:
    # Mon 09:00 update with an 8-hour cadence: 16:59 is 7 h 59, 17:00 is 8 h.
    request = item(
        "negotiating",
        ist(2026, 11, 20, 9, 0),
        tat_due_at=ist(2026, 12, 20, 9, 0),
        last_update_at=ist(2026, 11, 23, 9, 0),
    )
    assert aging_line(request, ist(2026, 11, 23, 16, 59), KOLKATA, 8).flags == NO_FLAGS
    assert aging_line(request, ist(2026, 11, 23, 17, 0), KOLKATA, 8).flags == {Flag.NO_UPDATE}


def test_no_update_needs_a_known_assignment() -> None:
    # No last_update_at: the assignment time is unknown, so nothing is measured.
    request = item("negotiating", ist(2026, 10, 1, 9, 0), tat_due_at=ist(2026, 12, 20, 9, 0))
    assert aging_line(request, MON_0900_IST, KOLKATA, UPDATE_HOURS).flags == NO_FLAGS


@pytest.mark.parametrize("stage", ["intake", "qualified"])
def test_no_update_applies_only_while_negotiating(stage: str) -> None:
    # A month-old timestamp would be flagged if negotiating; other stages have no cadence.
    created = ist(2026, 10, 1, 9, 0)
    request = item(stage, created, qualification_due_at=ist(2027, 1, 1), last_update_at=created)
    assert Flag.NO_UPDATE not in aging_line(request, MON_0900_IST, KOLKATA, UPDATE_HOURS).flags


# --- not qualified within 24 working hours ---------------------------------------------------

QUALIFICATION_CASES = [
    # Fri 20 Nov 15:00 + 24 wh: Fri 9 h + Mon 15 h → Mon 23 Nov 15:00.
    pytest.param(KOLKATA, ist(2026, 11, 20, 15, 0), ist(2026, 11, 23, 15, 0), id="kolkata-weekend"),
    # Thu 24 Dec 15:00: Thu 9 h, Fri 25 holiday, weekend, Mon 15 h → Mon 28 Dec 15:00.
    pytest.param(KOLKATA, ist(2026, 12, 24, 15, 0), ist(2026, 12, 28, 15, 0),
                 id="kolkata-christmas"),
    # Fri 6 Mar 15:00 EST: Fri 9 h + Mon 15 h → Mon 9 Mar 15:00 EDT.
    pytest.param(NEW_YORK, nyc(2026, 3, 6, 15, 0), nyc(2026, 3, 9, 15, 0),
                 id="new-york-spring-forward"),
    # Fri 30 Oct 15:00 EDT: Fri 9 h + Mon 15 h → Mon 2 Nov 15:00 EST.
    pytest.param(NEW_YORK, nyc(2026, 10, 30, 15, 0), nyc(2026, 11, 2, 15, 0),
                 id="new-york-fall-back"),
    # Wed 25 Nov 15:00: Wed 9 h, Thanksgiving skipped, Fri 15 h → Fri 27 Nov 15:00.
    pytest.param(NEW_YORK, nyc(2026, 11, 25, 15, 0), nyc(2026, 11, 27, 15, 0),
                 id="new-york-thanksgiving"),
]  # fmt: skip


@pytest.mark.parametrize(("calendar", "created", "due"), QUALIFICATION_CASES)
def test_hand_computed_qualification_dues_match_the_working_time_rule(
    calendar: WorkCalendar, created: datetime, due: datetime
) -> None:
    # The fixtures stand for what intake stores; check them once against the §2 rule.
    assert add_working_hours(calendar, created, 24) == due


@pytest.mark.parametrize(("calendar", "created", "due"), QUALIFICATION_CASES)
def test_not_qualified_flag_from_the_qualification_due(
    calendar: WorkCalendar, created: datetime, due: datetime
) -> None:
    request = item("intake", created, qualification_due_at=due)
    before = aging_line(request, due - timedelta(minutes=1), calendar, UPDATE_HOURS)
    at_due = aging_line(request, due, calendar, UPDATE_HOURS)
    assert before.flags == NO_FLAGS
    assert at_due.flags == {Flag.NOT_QUALIFIED}
    # An intake line's due is the qualification due; on its own day, 0 days are left.
    assert at_due.due_at == due
    assert at_due.due_date == due.date()
    assert before.days_left == at_due.days_left == 0


def test_intake_days_left_counts_to_the_qualification_date() -> None:
    # Created Fri 20 Nov 15:00 IST, due Mon 23 Nov 15:00: on Fri 3 days left, Tue 1 overdue.
    request = item(
        "intake", ist(2026, 11, 20, 15, 0), qualification_due_at=ist(2026, 11, 23, 15, 0)
    )
    assert aging_line(request, ist(2026, 11, 20, 16, 0), KOLKATA, UPDATE_HOURS).days_left == 3
    late = aging_line(request, ist(2026, 11, 24, 9, 0), KOLKATA, UPDATE_HOURS)
    assert (late.days_left, late.flags) == (-1, {Flag.NOT_QUALIFIED})


def test_qualified_request_has_no_due_and_no_flags() -> None:
    # Waiting for assignment: no clock runs, however old the request or its stamps.
    created = ist(2026, 9, 1, 9, 0)
    request = item(
        "qualified",
        created,
        qualification_due_at=created + timedelta(days=1),
        tat_due_at=created + timedelta(days=2),
        last_update_at=created,
    )
    line = aging_line(request, MON_0900_IST, KOLKATA, UPDATE_HOURS)
    assert (line.due_at, line.due_date, line.days_left, line.flags) == (None, None, None, NO_FLAGS)
    assert line.age_days == 83  # 1 Sep → 23 Nov: 29 + 31 + 23


def test_a_request_can_carry_several_flags() -> None:
    # Due Sun 22 Nov (breached), last update Thu 19 Nov 09:00 (Thu 15 h + Fri 24 h + Mon 9 h).
    request = item(
        "negotiating",
        ist(2026, 11, 1, 9, 0),
        tat_due_at=ist(2026, 11, 22, 9, 0),
        last_update_at=ist(2026, 11, 19, 9, 0),
    )
    line = aging_line(request, MON_0900_IST, KOLKATA, UPDATE_HOURS)
    assert line.flags == {Flag.TAT_BREACHED, Flag.NO_UPDATE}


# --- order and counts -------------------------------------------------------------------------


def test_lines_are_ordered_by_stage_then_most_overdue_then_oldest() -> None:
    now = MON_0900_IST
    old, young = ist(2026, 11, 1, 9, 0), ist(2026, 11, 20, 9, 0)
    items = [
        item("negotiating", young, number=1, tat_due_at=ist(2026, 11, 30, 9, 0)),
        item("qualified", young, number=2),
        item("negotiating", old, number=3, tat_due_at=ist(2026, 11, 20, 9, 0)),
        item("intake", young, number=4, qualification_due_at=ist(2026, 11, 23, 9, 0)),
        item("qualified", old, number=5),
        item("negotiating", young, number=6),  # no TAT due recorded: after those with one
        item("intake", old, number=7, qualification_due_at=ist(2026, 11, 3, 9, 0)),
        item("qualified", old, number=8),  # same age as 5: the lower number first
    ]
    keys = [line.item.key for line in aging_lines(items, now, KOLKATA, UPDATE_HOURS)]
    # intake: 7 (due 3 Nov) before 4 (due 23 Nov); qualified: 5, 8 (1 Nov) before 2 (20 Nov);
    # negotiating: 3 (due 20 Nov) before 1 (due 30 Nov) before 6 (no due).
    assert keys == ["REQ-7", "REQ-4", "REQ-5", "REQ-8", "REQ-2", "REQ-3", "REQ-1", "REQ-6"]


def test_summary_counts_open_stages_and_flags() -> None:
    now = MON_0900_IST
    items = [
        # Not qualified: due at 09:00 today.
        item("intake", ist(2026, 11, 20, 9, 0), number=1, qualification_due_at=now),
        # Still in time: due tomorrow.
        item("intake", now, number=2, qualification_due_at=ist(2026, 11, 24, 9, 0)),
        item("qualified", now, number=3),
        # Breached and no update (see test_a_request_can_carry_several_flags).
        item(
            "negotiating",
            ist(2026, 11, 1, 9, 0),
            number=4,
            tat_due_at=ist(2026, 11, 22, 9, 0),
            last_update_at=ist(2026, 11, 19, 9, 0),
        ),
        # Due soon: Thu 26 Nov is 3 days away; updated this morning.
        item("negotiating", now, number=5, tat_due_at=ist(2026, 11, 26, 9, 0), last_update_at=now),
    ]
    counts = aging_summary(aging_lines(items, now, KOLKATA, UPDATE_HOURS))
    assert counts == {
        "open": 5,
        "intake": 2,
        "qualified": 1,
        "negotiating": 2,
        "tat_breached": 1,
        "due_soon": 1,
        "no_update": 1,
        "not_qualified": 1,
        "waiting_on_customer": 0,
        "stage_over": 0,
    }


def test_summary_of_nothing_has_every_count_at_zero() -> None:
    assert aging_summary([]) == dict.fromkeys(
        [
            "open",
            "intake",
            "qualified",
            "negotiating",
            "tat_breached",
            "due_soon",
            "no_update",
            "not_qualified",
            "waiting_on_customer",
            "stage_over",
        ],
        0,
    )


def test_closed_requests_are_not_aging_lines() -> None:
    with pytest.raises(ValueError, match="not an open stage"):
        aging_line(item("closed", MON_0900_IST), MON_0900_IST, KOLKATA, UPDATE_HOURS)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        aging_line(item("qualified", MON_0900_IST), datetime(2026, 11, 23), KOLKATA, UPDATE_HOURS)
