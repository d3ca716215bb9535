"""Turns at posting in a channel, shared by every process on the database (`ChannelTurn`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.db.models import ChannelTurn

_TURNS = ChannelTurn.__table__


def take_turn(
    connection: Connection, channel: str, holder: str, at: datetime, lease_until: datetime
) -> tuple[bool, datetime, bool]:
    """Take the channel's turn if it is free at `at`, held until `lease_until` at most.

    Returns (taken, free_at, held): when not taken, `free_at` is when the turn frees up
    and `held` whether another process is posting right now (so it frees up sooner, one
    interval after Slack answers it). One statement when the turn is free."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    values = insert(_TURNS).values(channel=channel, free_at=lease_until, holder=holder)
    statement = values.on_conflict_do_update(
        index_elements=[_TURNS.c.channel],
        set_={"free_at": lease_until, "holder": holder},
        where=_TURNS.c.free_at <= at,
    ).returning(_TURNS.c.channel)
    if connection.execute(statement).first() is not None:
        return True, lease_until, False
    free_at, other = connection.execute(
        select(_TURNS.c.free_at, _TURNS.c.holder).where(_TURNS.c.channel == channel)
    ).one()
    return False, free_at, other is not None


def end_turn(connection: Connection, channel: str, holder: str, free_at: datetime) -> None:
    """Hand the turn back, free again at `free_at` (unless the lease ran out and another
    process has taken it since)."""
    connection.execute(
        update(_TURNS)
        .where(_TURNS.c.channel == channel, _TURNS.c.holder == holder)
        .values(free_at=free_at, holder=None)
    )
