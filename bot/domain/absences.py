"""Absences with cover (SPEC §3, `/proc away` and `/proc back`): who is away, who covers them,
where what would have gone to them goes instead. Pure: no I/O, no clock.

A person away is sent no DM until they are back: a digest item or reminder for them goes to
their cover (escalations excepted: they skip the absent person); their pending approvals are
decided by the cover, else by another em of the POD, else by the POD's fallback approvers.
An absence ends at the start of its `until` day in the POD's zone (or with `/proc back`): the
first digest after that lists everything still open for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.grammar import GrammarError, strict_date
from bot.domain.mentions import MentionError, parse_user_mention

__all__ = ["Absence", "AwayCommand", "covered", "parse_away", "parse_back", "route"]


@dataclass(frozen=True)
class Absence:
    """`user` is away until the start of `until` (their return day), `cover` standing in."""

    user: str
    until: date
    cover: str | None = None


@dataclass(frozen=True)
class AwayCommand:
    """`away [@member] until YYYY-MM-DD [cover @person]`: `member` None means the typer."""

    member: str | None
    until: date
    cover: str | None


def _person(text: str) -> str:
    try:
        return parse_user_mention(text)
    except MentionError as exc:
        raise GrammarError(str(exc)) from None


def parse_away(args: str) -> AwayCommand:
    """`[@member] until 2027-01-05 [cover @dana]`."""
    words = args.split()
    member = None
    if words and words[0].startswith(("<@", "@")):
        member = _person(words.pop(0))
    if len(words) < 2 or words[0].lower() != "until":
        raise GrammarError("Say until when, like `until 2027-01-05`.")
    until = strict_date(words[1])
    if until is None:
        raise GrammarError(f"`{words[1][:30]}` is not a date; write it as YYYY-MM-DD.")
    rest = words[2:]
    cover = None
    if rest:
        if rest[0].lower() != "cover" or len(rest) != 2:
            raise GrammarError("After the date, name one cover, like `cover @dana`.")
        cover = _person(rest[1])
    return AwayCommand(member, until, cover)


def parse_back(args: str) -> str | None:
    """`[@member]`: whose absence ends (None: the typer's)."""
    words = args.split()
    if not words:
        return None
    if len(words) > 1:
        raise GrammarError("Name at most one person, like `back @dana`.")
    return _person(words[0])


def route(user: str, away: Mapping[str, Absence]) -> str | None:
    """Who gets what would go to `user`: them, their cover while they are away (when the cover
    is not away too), or nobody."""
    absence = away.get(user)
    if absence is None:
        return user
    cover = absence.cover
    return cover if cover is not None and cover not in away else None


def covered(
    deciders: Sequence[str],
    away: Mapping[str, Absence],
    *,
    others: Sequence[str] = (),
    fallback: Sequence[str] = (),
    excluded: Sequence[str] = (),
) -> tuple[tuple[str, ...], dict[str, str]]:
    """Who decides instead of `deciders` while some of them are away: those present, and each
    absent one's cover; when that leaves nobody, `others` present (another em of the POD),
    else `fallback` present (the POD's fallback approvers); never anyone in `excluded` (the
    claimant, who approved already). Returns (deciders, {cover: whom they cover for})."""
    found: list[str] = []
    covering: dict[str, str] = {}
    for user in deciders:
        instead = route(user, away)
        if instead is None or instead in excluded or instead in found:
            continue
        found.append(instead)
        if instead != user:
            covering[instead] = user
    for pool in (others, fallback):
        if found:
            break
        found = [u for u in pool if u not in away and u not in excluded]
    return tuple(dict.fromkeys(found)), covering
