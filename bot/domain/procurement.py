"""Pre-approvals and procurement steps (issue 20): pure rules, the clock injected.

A **pre-approval** sent to the customer satisfies an intake request's qualification clock and
starts a *waiting on customer* clock of `preapproval_hours` working hours; past it the analyst
is reminded once.

A **procurement step** is a fact about where a `negotiating` request waits (vendor
qualification, security review, legal redline, PO), not a lifecycle stage. (People type it as
`/proc stage REQ-n …`, and the config's `[procurement_stages]` sets the weeks: those words
stay.) Each has an expected duration in **weeks**, so its bound is counted in **calendar days**
in the POD's time zone: weekends and holidays count like any other day. Day n is the number of
calendar days since the local day the step started (the start day is day 0, as a request's
age); a step is *over its bound* from day `upper + 1`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.working_time import WorkCalendar, add_working_hours

PREAPPROVAL_NO_RESPONSE = "No response from the customer to the pre-approval"


class ProcurementStepKind(enum.StrEnum):
    """Which procurement step (`procurement_steps.stage` stores it: the schema keeps its name)."""

    VENDOR_QUALIFICATION = "vendor-qualification"
    SECURITY_REVIEW = "security-review"
    LEGAL_REDLINE = "legal-redline"
    PO = "po"


# Expected duration of each step in weeks: (lower, upper).
DEFAULT_STEP_WEEKS: Mapping[str, tuple[int, int]] = {
    ProcurementStepKind.VENDOR_QUALIFICATION.value: (1, 2),
    ProcurementStepKind.SECURITY_REVIEW.value: (2, 6),
    ProcurementStepKind.LEGAL_REDLINE.value: (2, 4),
    ProcurementStepKind.PO.value: (1, 2),
}
STEP_ORDER = tuple(s.value for s in ProcurementStepKind)
_WORDS = {
    ProcurementStepKind.VENDOR_QUALIFICATION: "vendor qualification",
    ProcurementStepKind.SECURITY_REVIEW: "security review",
    ProcurementStepKind.LEGAL_REDLINE: "legal redline",
    ProcurementStepKind.PO: "PO",
}


def step_words(step: str) -> str:
    """`security-review` → `security review`."""
    try:
        return _WORDS[ProcurementStepKind(step)]
    except ValueError:
        return step.replace("-", " ")


def parse_step(word: str) -> str | None:
    """A procurement step as typed (`security-review`, `Security_Review`, `PO`), or None."""
    wanted = word.strip().lower().replace("_", "-")
    return wanted if wanted in STEP_ORDER else None


def preapproval_wait_due(calendar: WorkCalendar, preapproved_at: datetime, hours: int) -> datetime:
    """When the customer's silence to a pre-approval is due a reminder: `hours` working hours."""
    return add_working_hours(calendar, preapproved_at, hours)


def step_day(started_at: datetime, now: datetime, timezone: str) -> int:
    """Calendar days since the step started, in the POD's zone: the start day is day 0."""
    zone = ZoneInfo(timezone)
    start: date = started_at.astimezone(zone).date()
    today: date = now.astimezone(zone).date()
    return max((today - start).days, 0)


def bound_days(weeks: tuple[int, int]) -> tuple[int, int]:
    """An expected duration in weeks as calendar days: (1, 2) → (7, 14)."""
    return weeks[0] * 7, weeks[1] * 7


@dataclass(frozen=True)
class StepClock:
    """An open procurement step as of `now`: day n of lower–upper (calendar days)."""

    step: str
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
        text = f"{step_words(self.step)} · day {self.day} of {self.lower}–{self.upper}"
        return text + (" · over its bound" if self.over else "")


def step_clock(
    step: str, started_at: datetime, now: datetime, timezone: str, weeks: tuple[int, int]
) -> StepClock:
    """The clock of a step started at `started_at`, as of `now` in the POD's zone."""
    lower, upper = bound_days(weeks)
    return StepClock(step, started_at, step_day(started_at, now, timezone), lower, upper)
