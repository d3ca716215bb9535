"""The people cache (`Person`, table `people`): members' names for the places a Slack mention
does not render. Read by the builders' callers (`names_of`), written by the `people-refresh`
job and the `user_change` listener (`remember`); nothing here calls Slack."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import Person
from bot.domain.people import Profile

_PEOPLE = Person.__table__


def names_of(session: Session, user_ids: Iterable[str]) -> dict[str, str]:
    """Each id given with the name podbot has for it, or the id itself when it has none."""
    wanted = sorted(set(user_ids))
    known: dict[str, str] = {}
    # In chunks: a POD's members are few, but the IN list must stay within SQLite's limits.
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(select(Person.user_id, Person.name).where(Person.user_id.in_(chunk)))
        known.update((user, name) for user, name in rows)
    return {user: known.get(user) or user for user in wanted}


def due_for_lookup(session: Session, user_ids: Iterable[str], before: datetime) -> list[str]:
    """The ids with no name yet, or whose name was fetched before `before`, in id order."""
    wanted = sorted(set(user_ids))
    fresh = set(
        session.scalars(
            select(Person.user_id).where(Person.user_id.in_(wanted), Person.fetched_at >= before)
        )
    )
    return [user for user in wanted if user not in fresh]


def is_known(session: Session, user_id: str) -> bool:
    """Whether podbot has a name for the member."""
    return session.get(Person, user_id) is not None


def remember(session: Session, profiles: Iterable[Profile], now: datetime) -> int:
    """Store each profile's name and time zone as fetched at `now` (one upsert each, so a
    lookup and a `user_change` racing for one member both land, the later one last). A
    profile with no name is skipped: the member keeps what podbot had, or their id. Returns
    how many were stored."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stored = 0
    for profile in profiles:
        if not profile.user_id or not profile.name:
            continue
        values = {"name": profile.name, "tz": profile.tz, "fetched_at": now}
        statement = insert(_PEOPLE).values(user_id=profile.user_id, **values)
        session.execute(
            statement.on_conflict_do_update(index_elements=[_PEOPLE.c.user_id], set_=values)
        )
        stored += 1
    return stored


def zones_of(session: Session, user_ids: Iterable[str]) -> dict[str, str]:
    """Each id given whose Slack time zone podbot has cached, with that zone (`tz`)."""
    wanted = sorted(set(user_ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(
            select(Person.user_id, Person.tz).where(
                Person.user_id.in_(chunk), Person.tz.is_not(None)
            )
        )
        found.update((user, tz) for user, tz in rows if tz)
    return found
