"""People by name: which of a Slack member's names podbot shows where a mention does not render
(chart axes and alt text, CSV files, file titles, plain text), and the fallback to the id.

Slack's user object (`users.info`, the `user_change` event) carries three names: the one the
member chose (`profile.display_name`, often empty), their full name (`real_name`) and their
handle (`name`). The first that is not blank is theirs; a member with none, or one Slack could
not tell podbot about, is shown by their id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EMAIL", "NAME_LIMIT", "Profile", "name_of", "names_for", "profile_of"]

# The longest name kept (Slack's display names are at most 80 characters, full names fewer).
NAME_LIMIT = 80


# An email as people type one (a person may be named by it where a Slack id is asked for:
# the config's members, an import's buyer and analyst); Slack says whose it is.
EMAIL = re.compile(r"^[^@\s\"<>]+@[^@\s\"<>]+\.[^@\s\"<>]+$")


@dataclass(frozen=True)
class Profile:
    """What podbot keeps of a member: the name it shows and their time zone. A deactivated
    member (`deleted`) keeps their name: their past figures still show it."""

    user_id: str
    name: str | None  # None: Slack gave no name that is not blank
    tz: str | None


def _clean(value: Any) -> str | None:
    # One line, no control characters, within NAME_LIMIT: a name is shown in plain text.
    if not isinstance(value, str):
        return None
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    return text[:NAME_LIMIT] or None


def profile_of(user: Mapping[str, Any]) -> Profile:
    """A Slack user object's profile: the display name, else the full name, else the handle."""
    profile = user.get("profile") or {}
    if not isinstance(profile, Mapping):
        profile = {}
    candidates = (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    )
    name = next((n for n in map(_clean, candidates) if n), None)
    tz = user.get("tz")
    return Profile(
        user_id=str(user.get("id") or ""),
        name=name,
        tz=tz if isinstance(tz, str) and tz else None,
    )


def name_of(user_id: str, names: Mapping[str, str]) -> str:
    """The member's name, or their id when podbot has none."""
    return names.get(user_id) or user_id


def names_for(user_ids: Iterable[str], names: Mapping[str, str]) -> dict[str, str]:
    """Each id with its name (or itself)."""
    return {user: name_of(user, names) for user in user_ids}
