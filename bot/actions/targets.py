"""Savings targets (SPEC §3, `/proc target`): an em sets a quarter's target for the POD or one
of its buyers and ems, until the quarter ends; every change is audited (`TargetChange`) and
recorded (`TargetUpdated`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.actions import Work
from bot.actions.access import pod_for_new
from bot.db.requests import pod_row
from bot.db.targets import set_target
from bot.domain.events import TargetUpdated
from bot.domain.lifecycle import Action
from bot.domain.money import Money
from bot.domain.quarters import Quarter
from bot.domain.targets import TARGET_ROLES, ended_refusal, quarter_has_ended
from bot.domain.targets import TargetSet as TargetCommand
from bot.errors import NotPermitted, Refusal


@dataclass(frozen=True)
class SetTarget:
    """A target asked in `channel` (a POD's channel picks the POD; elsewhere the user's only
    POD), read with that POD's currency, fiscal year and today."""

    channel: str
    fields: Callable[[str, int, date], TargetCommand]


@dataclass(frozen=True)
class Targeted:
    pod_name: str
    quarter: Quarter
    member: str | None  # None: the POD's
    amount: Money
    before: Money | None
    changed: bool


def set_quarter_target(work: Work, user: str, given: SetTarget) -> Targeted:
    """Set (or change) the target, until its quarter ends."""
    pod, _role = pod_for_new(work.config, user, given.channel, Action.TARGET_SET)
    today = work.now.astimezone(pod.zone).date()
    fields = given.fields(pod.currency, pod.fiscal_year_start_month, today)
    if fields.member is not None and pod.role_of(fields.member) not in TARGET_ROLES:
        raise NotPermitted(
            f"<@{fields.member}> is not a buyer or em of {pod.name}; targets are for the POD "
            "and its buyers and ems."
        )
    if quarter_has_ended(fields.quarter, today):
        raise Refusal(ended_refusal(fields.quarter))
    pod_id = pod_row(work.session, pod.key).id
    saved = set_target(
        work.session, pod_id, fields.quarter, fields.member, fields.amount, user, work.now
    )
    changed = saved.outcome != "unchanged"
    if changed:
        work.record(TargetUpdated(pod.key, str(fields.quarter), fields.member, user))
    return Targeted(pod.name, fields.quarter, fields.member, saved.amount, saved.before, changed)
