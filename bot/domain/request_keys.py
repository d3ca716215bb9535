"""Request keys (`REQ-12`) as users type them and as the bot shows them (SPEC §2)."""

from __future__ import annotations

import re

__all__ = ["MAX_REQUEST_NUMBER", "RequestKeyError", "format_request_key", "parse_request_key"]

# The largest number a 32-bit database integer (PostgreSQL `integer`) can hold.
MAX_REQUEST_NUMBER = 2**31 - 1

# `REQ-12` in any case, `#12` as people say "request #12", or just `12`.
_KEY = re.compile(r"(?:REQ-|\#)?(?P<number>[0-9]{1,20})", re.IGNORECASE | re.ASCII)
_MAX_SHOWN = 40


class RequestKeyError(ValueError):
    """A request key a user typed that does not name a request number."""


def parse_request_key(text: str) -> int:
    """Return the request number named by `REQ-12`, `req-12`, `#12` or `12`."""
    stripped = text.strip()
    if not stripped:
        raise RequestKeyError("A request key is missing; write it like REQ-12 or 12.")
    match = _KEY.fullmatch(stripped)
    if match is None:
        raise RequestKeyError(
            f"{_quote(stripped)} is not a request key; write it like REQ-12 or 12."
        )
    number = int(match["number"])
    if number < 1:
        raise RequestKeyError(
            f"{_quote(stripped)} is not a request key; request numbers start at 1."
        )
    if number > MAX_REQUEST_NUMBER:
        raise RequestKeyError(f"{_quote(stripped)} is not a request key; the number is too large.")
    return number


def format_request_key(n: int) -> str:
    """Return the key users see for request number n, like `REQ-12`."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"a request number is an int, not {type(n).__name__}")
    if not 1 <= n <= MAX_REQUEST_NUMBER:
        raise ValueError(f"request numbers run from 1 to {MAX_REQUEST_NUMBER}, not {n}")
    return f"REQ-{n}"


def _quote(text: str) -> str:
    """Echo user text back as one line of inline code, shortened, with its backticks defused."""
    shown = text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"
    return "`" + "".join(" " if c.isspace() else c for c in shown).replace("`", "'") + "`"
