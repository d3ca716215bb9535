"""Text in Block Kit: user text shown as itself in mrkdwn, cut to Slack's limits without
breaking a token, split over messages, and dates the way the team says them. Pure functions."""

from __future__ import annotations

import functools
import re
from datetime import date

from bot.domain.mentions import defuse_broadcasts

__all__ = [
    "ELLIPSIS",
    "escape_mrkdwn",
    "fit_markup",
    "fit_mrkdwn",
    "fit_plain",
    "key_link",
    "short_date",
    "split_markup",
]

ELLIPSIS = "…"
_PARTIAL_ENTITY = re.compile(r"&[a-z]*$")


def escape_mrkdwn(text: str) -> str:
    """Show plain text (a name, a modal value) as itself in mrkdwn: the three characters Slack's
    mrkdwn treats as control characters escaped, and a typed @channel, @here or @everyone
    defused."""
    # `&` first, so the entities added for `<` and `>` are not escaped again; escaped, the text
    # has no `<!channel>`-style token left, only the words to defuse.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return defuse_broadcasts(escaped)


@functools.lru_cache(maxsize=4096)  # reports repeat the same customers, tools and kinds
def fit_mrkdwn(text: str, limit: int) -> str:
    """Escape user text for mrkdwn and cut it to `limit` escaped characters, ending with "…"."""
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    # Never leave half of a `&amp;` entity behind, so the result stays valid mrkdwn.
    cut = _PARTIAL_ENTITY.sub("", escaped[: limit - len(ELLIPSIS)])
    return cut.rstrip() + ELLIPSIS


def fit_markup(text: str, limit: int) -> str:
    """Cut text that is already Slack mrkdwn (e.g. a command's text) without breaking a token."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    # Never leave half of a `<@U…>` mention or a `&amp;` entity behind.
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    if cut.rfind("&") > cut.rfind(";"):
        cut = cut[: cut.rfind("&")]
    return cut.rstrip() + ELLIPSIS


def _token_safe_cut(text: str, limit: int) -> int:
    """Where to cut mrkdwn at or before `limit` without leaving half a `<…>` or `&amp;`."""
    cut = text[:limit]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    if cut.rfind("&") > cut.rfind(";"):
        cut = cut[: cut.rfind("&")]
    return len(cut) or limit  # a token longer than the limit: cut it rather than loop


def split_markup(text: str, limit: int) -> list[str]:
    """Split mrkdwn into messages of at most `limit` characters, at line breaks (a longer line
    is cut without breaking a token), keeping every character."""
    pieces: list[str] = []
    for line in text.split("\n"):
        if pieces and len(pieces[-1]) + 1 + len(line) <= limit:
            pieces[-1] += "\n" + line
            continue
        while len(line) > limit:
            at = _token_safe_cut(line, limit)
            pieces.append(line[:at])
            line = line[at:]
        pieces.append(line)
    return pieces


def fit_plain(text: str, limit: int) -> str:
    """Cut plain text to `limit` characters, ending with "…" when it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


@functools.lru_cache(maxsize=4096)  # reports show the same few dates on hundreds of lines
def short_date(day: date, *, year: bool = True) -> str:
    """Show a date the way the team says it: `Tue 1 Dec 2026` (or `Tue 1 Dec`)."""
    text = f"{day:%a} {day.day} {day:%b}"
    return f"{text} {day.year}" if year else text


def key_link(key: str, permalink: str | None) -> str:
    """A request key (`REQ-12`, already mrkdwn) as a link to its card, or as it is without one
    (no card posted yet)."""
    return f"<{permalink}|{key}>" if permalink else key
