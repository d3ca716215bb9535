"""The names podbot shows for people: a member's new name kept (`user_change`), for the
people podbot names — a POD's members, and anyone it already has a name for. A cache of
Slack's: nothing outside podbot changes with it, so it records no domain event."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Work
from bot.db.people import is_known, remember
from bot.domain.people import Profile


@dataclass(frozen=True)
class NameNoted:
    kept: bool  # False: someone podbot names nowhere


def note_name(work: Work, user: str, given: Profile) -> NameNoted:
    """Keep the name of `given`'s person, if podbot names them anywhere."""
    if not work.config.in_a_pod(given.user_id) and not is_known(work.session, given.user_id):
        return NameNoted(False)
    remember(work.session, [given], work.now)
    return NameNoted(True)
