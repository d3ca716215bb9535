"""Pre-approvals and procurement stages (issue 20): pure rules, the clock injected.

A **pre-approval** sent to the customer satisfies an intake request's qualification clock and
starts a *waiting on customer* clock of `preapproval_hours` working hours; past it the analyst
is reminded once.

A **procurement stage** is a fact about where a `negotiating` request waits (vendor
qualification, security review, legal redline, PO), not a lifecycle stage. Each has an expected
duration in **weeks**, so its bound is counted in **calendar days** in the POD's time zone:
weekends and holidays count like any other day. Day n is the number of calendar days since the
local day the stage started (the start day is day 0, as a request's age); a stage is *over its
bound* from day `upper + 1`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.working_time import WorkCalendar, add_working_hours

PREAPPROVAL_HOURS = 48
PREAPPROVAL_NO_RESPONSE = "No response from the customer to the pre-approval"


class ProcurementStage(enum.StrEnum):
    VENDOR_QUALIFICATION = "vendor-qualification"
    SECURITY_REVIEW = "security-review"
    LEGAL_REDLINE = "legal-redline"
    PO = "po"


# Expected duration of each stage in weeks: (lower, upper).
DEFAULT_STAGE_WEEKS: Mapping[str, tuple[int, int]] = {
    ProcurementStage.VENDOR_QUALIFICATION.value: (1, 2),
    ProcurementStage.SECURITY_REVIEW.value: (2, 6),
    ProcurementStage.LEGAL_REDLINE.value: (2, 4),
    ProcurementStage.PO.value: (1, 2),
}
STAGE_ORDER = tuple(s.value for s in ProcurementStage)
_WORDS = {
    ProcurementStage.VENDOR_QUALIFICATION: "vendor qualification",
    ProcurementStage.SECURITY_REVIEW: "security review",
    ProcurementStage.LEGAL_REDLINE: "legal redline",
    ProcurementStage.PO: "PO",
}


def stage_words(stage: str) -> str:
    """`security-review` → `security review`."""
    try:
        return _WORDS[ProcurementStage(stage)]
    except ValueError:
        return stage.replace("-", " ")


def parse_stage(word: str) -> str | None:
    """A stage as typed (`security-review`, `Security_Review`, `PO`), or None."""
    wanted = word.strip().lower().replace("_", "-")
    return wanted if wanted in STAGE_ORDER else None


def preapproval_wait_due(calendar: WorkCalendar, preapproved_at: datetime, hours: int) -> datetime:
    """When the customer's silence to a pre-approval is due a reminder: `hours` working hours."""
    return add_working_hours(calendar, preapproved_at, hours)


def stage_day(started_at: datetime, now: datetime, timezone: str) -> int:
    """Calendar days since the stage started, in the POD's zone: the start day is day 0."""
    zone = ZoneInfo(timezone)
    start: date = started_at.astimezone(zone).date()
    today: date = now.astimezone(zone).date()
    return max((today - start).days, 0)


def bound_days(weeks: tuple[int, int]) -> tuple[int, int]:
    """An expected duration in weeks as calendar days: (1, 2) → (7, 14)."""
    return weeks[0] * 7, weeks[1] * 7


@dataclass(frozen=True)
class StageClock:
    """An open procurement stage as of `now`: day n of lower–upper (calendar days)."""

    stage: str
    started_at: datetime
    day: int
    lower: int
    upper: int

    @property
    def over(self) -> bool:
        """Past its upper bound: day upper + 1 or later."""
        return self.day > self.upper

    def phrase(self) -> str:
        """`security review · day 9 of 14–42`."""
        text = f"{stage_words(self.stage)} · day {self.day} of {self.lower}–{self.upper}"
        return text + (" · over its bound" if self.over else "")


def stage_clock(
    stage: str, started_at: datetime, now: datetime, timezone: str, weeks: tuple[int, int]
) -> StageClock:
    """The clock of a stage started at `started_at`, as of `now` in the POD's zone."""
    lower, upper = bound_days(weeks)
    return StageClock(stage, started_at, stage_day(started_at, now, timezone), lower, upper)
