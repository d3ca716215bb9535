"""Slack user mentions (`<@U123ABC>`) in command text and messages."""

from __future__ import annotations

import re

__all__ = [
    "MentionError",
    "as_read",
    "defuse_broadcasts",
    "find_user_mentions",
    "is_user_id",
    "parse_user_mention",
]

# Slack user ids: `U…` for workspace users, `W…` for Enterprise Grid users.
_USER_ID = r"[UW][A-Z0-9]{2,}"
_USER_ID_ONLY = re.compile(_USER_ID, re.ASCII)
# Slack escapes a mention as `<@U123ABC>`, or `<@U123ABC|name>` in slash command text.
_MENTION = re.compile(rf"<@(?P<id>{_USER_ID})(?:\|[^>]*)?>", re.ASCII)
_MAX_SHOWN = 40
# What notifies a whole channel or a user group: Slack's tokens (`<!channel>`, `<!here|here>`,
# `<!subteam^S123|@buyers>`) and the words themselves, which Slack links when it parses a post.
_BROADCAST = re.compile(
    r"<!(?P<special>channel|here|everyone)(?:\|[^<>]*)?>"
    r"|<!subteam\^[A-Z0-9]+(?:\|@?(?P<group>[^<>]*))?>"
    r"|(?<!\w)@(?P<word>channel|here|everyone)\b",
    re.ASCII | re.IGNORECASE,
)
# Slack's markup for a person, a channel or a user group with the name Slack puts beside the id
# in slash command text: `<@U0KAVYA01|kavya>`, `<#C0ALPHA01|pod-alpha>`, `<!subteam^S1|@buyers>`.
_NAMED = re.compile(
    r"<(?P<sigil>[@#])(?P<id>[A-Z0-9]+)\|(?P<name>[^<>|]*)>"
    r"|<!subteam\^[A-Z0-9]+\|@?(?P<group>[^<>|]*)>",
    re.ASCII,
)
# A word joiner after the `@`: the reader still sees `@channel`, Slack no longer sees a broadcast.
_DEFUSED_AT = "@\u2060"


class MentionError(ValueError):
    """Text that should be one Slack user mention but is not."""


def is_user_id(text: str) -> bool:
    """Tell whether text is a Slack user id such as `U0BUY0001` or `W123`."""
    return isinstance(text, str) and _USER_ID_ONLY.fullmatch(text) is not None


def parse_user_mention(text: str) -> str:
    """Return the user id of the single mention `<@U123ABC>` or `<@U123ABC|name>`."""
    stripped = text.strip()
    if not stripped:
        raise MentionError("A person is missing; mention them with @, like @buyer.")
    match = _MENTION.fullmatch(stripped)
    if match is not None:
        return match["id"]
    if stripped.startswith("@"):
        raise MentionError(
            f"{_quote(stripped)} is not a mention Slack recognised; "
            "pick the person from the @ menu so their name turns into a link."
        )
    raise MentionError(f"{_quote(stripped)} is not a person; mention them with @, like @buyer.")


def find_user_mentions(text: str) -> list[str]:
    """Return the user ids mentioned in message text, in order of first mention."""
    return list(dict.fromkeys(match["id"] for match in _MENTION.finditer(text)))


def defuse_broadcasts(text: str) -> str:
    """Show @channel, @here, @everyone and user-group mentions in reposted text without notifying.

    Text a person wrote is reposted by the bot, so a broadcast in it would reach everyone under
    the bot's name, around any workspace limit on who may use them. Mentions of one person
    (`<@U123>`) and channel links stay as they are.
    """
    if "@" not in text and "<!" not in text:
        return text
    return _BROADCAST.sub(_defused, text)


def as_read(text: str) -> str:
    """Typed text echoed back (a refusal quoting it) as its reader saw it in Slack: a person,
    channel or user group by the name beside its id (`<@U0KAVYA01|kavya>` is `@kavya`), never
    the raw markup, which Slack does not render inside `code`. Without a name a person stays
    `<@U…>`, which Slack renders outside code."""
    if "|" not in text:
        return text
    return _NAMED.sub(_read, text)


def _read(match: re.Match[str]) -> str:
    if match["group"] is not None:
        return "@" + (match["group"].strip() or "group")
    name = match["name"].strip()
    return f"{match['sigil']}{name}" if name else f"<{match['sigil']}{match['id']}>"


def _defused(match: re.Match[str]) -> str:
    name = match["special"] or match["word"] or (match["group"] or "").strip() or "group"
    return _DEFUSED_AT + name


def _quote(text: str) -> str:
    """Echo user text back as one line of inline code, shortened, with its backticks defused."""
    shown = text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"
    return "`" + "".join(" " if c.isspace() else c for c in shown).replace("`", "'") + "`"
