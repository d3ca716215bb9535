"""A person opened podbot's Home tab: `HomeOpened` recorded, and their Home is published
(`bot/consequences.py`), drawn from the database when the row is sent."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Work
from bot.domain.events import HomeOpened


@dataclass(frozen=True)
class OpenHome:
    pass


@dataclass(frozen=True)
class HomeQueued:
    user: str


def open_home(work: Work, user: str, given: OpenHome) -> HomeQueued:
    """Queue `user`'s Home."""
    work.record(HomeOpened(user))
    return HomeQueued(user)
