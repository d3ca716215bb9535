"""Absences with cover (SPEC §3a, `/proc away` and `/proc back`): someone away until a day,
with an optional cover; refused unless it is the member themselves or an em of their POD."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.actions import Work
from bot.blocks.text import slack_date
from bot.config import Config, Pod
from bot.db.absences import back, set_away
from bot.domain.events import AbsenceChanged
from bot.domain.vocabulary import Role
from bot.errors import NotPermitted, Refusal


@dataclass(frozen=True)
class Away:
    member: str
    until: date
    cover: str | None = None


@dataclass(frozen=True)
class WentAway:
    member: str
    until: date
    cover: str | None
    timezone: str  # the member's first POD's, to say the day in


def pods_of(config: Config, actor: str, member: str) -> list[Pod]:
    """`member`'s PODs, when `actor` may set them away or back: themselves, or an em of one of
    those PODs; NotPermitted otherwise."""
    pods = [pod for pod, _role in config.memberships(member)]
    if not pods:
        who = "You are" if member == actor else f"<@{member}> is"
        raise NotPermitted(f"{who} in no POD, so there is nothing podbot would send to cover.")
    if member != actor and not any(pod.role_of(actor) == Role.EM for pod in pods):
        raise NotPermitted(
            f"Only <@{member}> or an em of their POD may say when <@{member}> is away."
        )
    return pods


def away(work: Work, actor: str, given: Away) -> WentAway:
    """Record `given.member` away until a return day, with an optional cover."""
    member, cover = given.member, given.cover
    pods = pods_of(work.config, actor, member)
    pod = pods[0]
    if given.until <= pod.today(work.now):
        raise Refusal(
            f"{slack_date(given.until, pod.timezone)} is not after today: say the day "
            f"<@{member}> is back (`/proc back` ends an absence now)."
        )
    if cover is not None:
        if cover == member:
            raise Refusal("Nobody covers for themselves: name someone else, or no cover.")
        if not any(cover in p.members for p in pods):
            raise Refusal(f"<@{cover}> is in none of <@{member}>'s PODs, so cannot cover.")
    set_away(work.session, member, given.until, cover, actor, work.now)
    work.record(AbsenceChanged(tuple(p.key for p in pods), (member, *([cover] if cover else []))))
    return WentAway(member, given.until, cover, pod.timezone)


def back_now(work: Work, actor: str, member: str) -> str:
    """End `member`'s absence now; refused if they are not away. Returns the member."""
    pods = pods_of(work.config, actor, member)
    if not back(work.session, member):
        who = "You are" if member == actor else f"<@{member}> is"
        raise Refusal(f"{who} not away.")
    work.record(AbsenceChanged(tuple(p.key for p in pods), (member,)))
    return member
