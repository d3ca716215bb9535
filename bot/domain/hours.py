"""Each person's hours (issue 30): a DM goes inside *their* office hours on *their* working
days — the POD's weekly workdays and holidays, read in the person's own time zone (Slack's
`tz`, cached in `people`), the POD's office hours unless the config gives the member their own
(`pods[].member_hours`). The clocks keep counting in the POD's calendar (SPEC §2): only when a
DM is sent changes."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

from bot.domain.reminders import OfficeHours
from bot.domain.working_time import WorkCalendar


@dataclass(frozen=True)
class PersonHours:
    """When a person may be sent a DM: their calendar (the POD's days in their zone) and their
    office hours."""

    calendar: WorkCalendar
    hours: OfficeHours


def person_calendar(pod: WorkCalendar, timezone: str | None) -> WorkCalendar:
    """The POD's workdays and holidays in the person's zone; the POD's own calendar when the
    zone is unknown, the POD's, or not a zone podbot knows."""
    if not timezone or timezone == pod.timezone.key:
        return pod
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return pod
    return WorkCalendar(timezone=zone, workdays=pod.workdays, holidays=pod.holidays)


def person_hours(
    pod: WorkCalendar, default: OfficeHours, timezone: str | None, own: OfficeHours | None
) -> PersonHours:
    """A person's hours: their calendar, and their own window or the POD's."""
    return PersonHours(person_calendar(pod, timezone), own or default)
