"""Text in Block Kit: user text shown as itself in mrkdwn, cut to Slack's limits without
breaking a token, split over messages, and every date podbot shows (`slack_date`, with its one
fallback form `plain_date`). Pure functions."""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import date, datetime, time, tzinfo

from bot.domain.mentions import defuse_broadcasts

__all__ = [
    "ELLIPSIS",
    "escape_mrkdwn",
    "fit_markup",
    "fit_mrkdwn",
    "fit_plain",
    "key_link",
    "mentions",
    "plain_date",
    "plural",
    "slack_date",
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


def plural(count: int, word: str, many: str | None = None) -> str:
    """A count and its noun, agreeing: `1 day`, `3 days`, `0 days` (`many` where the plural
    is not the word and an "s": `1 reply`, `2 replies`). The one place podbot pluralises, so
    no message says "day(s)". The count is written as given (a negative one too)."""
    return f"{count} {word if abs(count) == 1 else many or word + 's'}"


# --- dates ---------------------------------------------------------------------------------
#
# One date format (SPEC "Voice"): where Slack renders mrkdwn, a date is a Slack date token,
# `<!date^UNIX^{date_short}|Dec 1, 2026>` (with a time: `{date_short} {time}`), which each
# reader's client shows in their own time zone; where it cannot (header blocks, button labels,
# modal plain text, notification text, CSV and ICS files) and as the token's fallback, the same
# words Slack shows for `{date_short}`, in the POD's zone: `Dec 1, 2026` (`Dec 1, 2026 09:00
# CET` with a time). A day without a time of day (a renewal date, a report's day) is sent as
# noon in the POD's zone, so a reader within 12 hours of it sees the POD's date.

_DATE_SHORT = "{date_short}"
_DATE_SHORT_TIME = "{date_short} {time}"


@functools.lru_cache(maxsize=64)
def _zone(timezone: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(timezone)


def _local(value: datetime, timezone: str | tzinfo) -> datetime:
    zone = _zone(timezone) if isinstance(timezone, str) else timezone
    return value.astimezone(zone)


@functools.lru_cache(maxsize=4096)  # reports show the same few dates on hundreds of lines
def _day_words(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def plain_date(
    value: date | datetime, timezone: str | tzinfo = "UTC", *, with_time: bool = False
) -> str:
    """A date as plain text, the one fallback form: `Dec 1, 2026`, or with `with_time`
    `Dec 1, 2026 09:00 CET`; an instant is shown in `timezone` (the POD's)."""
    if not isinstance(value, datetime):
        return _day_words(value)
    local = _local(value, timezone)
    if not with_time:
        return _day_words(local.date())
    return f"{_day_words(local.date())} {local:%H:%M} {local.tzname()}"


def slack_date(
    value: date | datetime, timezone: str | tzinfo = "UTC", *, with_time: bool = False
) -> str:
    """A date in mrkdwn: a Slack date token each reader sees in their own zone, falling back
    to `plain_date` in `timezone` (the POD's). A `date` is sent as noon in `timezone`."""
    if isinstance(value, datetime):
        instant = value
    else:
        zone = _zone(timezone) if isinstance(timezone, str) else timezone
        instant = datetime.combine(value, time(12, 0), zone)
    fmt = _DATE_SHORT_TIME if with_time else _DATE_SHORT
    fallback = plain_date(value, timezone, with_time=with_time)
    return f"<!date^{int(instant.timestamp())}^{fmt}|{fallback}>"


def key_link(key: str, permalink: str | None) -> str:
    """A request key (`REQ-12`, already mrkdwn) as a link to its card, or as it is without one
    (no card posted yet)."""
    return f"<{permalink}|{key}>" if permalink else key


def mentions(users: list[str]) -> str:
    """`<@U1> <@U2>` for a list of user ids."""
    return " ".join(f"<@{u}>" for u in users)
