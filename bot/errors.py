"""Refusals a user can act on: each carries one clear sentence and, where it helps, a usage line."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A command or click that is refused; nothing was changed."""

    def __init__(
        self, message: str, usage: str | None = None, *, did_you_mean: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        # The arguments as they were most likely meant: the answer asks "Did you mean
        # `/proc <subcommand> <these>`?" after the message.
        self.did_you_mean = did_you_mean


class UsageError(Refusal):
    """The text does not follow the command's grammar."""


class NotFound(Refusal):
    """The request (or other thing) named does not exist."""


class NotPermitted(Refusal):
    """The user's role does not allow this action."""


class NotInPod(Refusal):
    """The user is not a member of any POD."""


class WrongStage(Refusal):
    """The request's stage does not allow this action."""


class AlreadyDone(Exception):
    """The Slack request (its trigger) was carried out before: a replay, which changes nothing.

    Not a Refusal: nothing is wrong with what the user asked, and a modal simply closes.
    """


class FieldErrors(Exception):
    """Modal input that fails validation: field block id -> one sentence."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Unconfirmed(Exception):
    """What was typed needs the person's confirmation first (an amount far from the request's):
    nothing was written; `text` and `blocks` ask them to confirm or fix it.

    Not a Refusal: it may well be right, and one click carries it out as typed."""

    def __init__(self, text: str, blocks: list[Any]) -> None:
        super().__init__(text)
        self.text = text
        self.blocks = blocks
