"""Use cases: what a person (or a job) can do to podbot's data, whatever surface they used.

One module per area (`requests`, `savings`, `terms` …). A use case takes a unit of work
(`Work`: one transaction's session, the config, the instant it runs as, and where its domain
events go), the acting user and a typed input; it parses what needs the POD, authorizes
(`bot/actions/access.py`), changes the database and records the domain events of the change
(`bot/consequences.py` says what each causes); it returns a typed outcome — facts, not English.
It touches no Bolt payload, no JSON, no outbox and no `Runtime`: slash commands, card and Home
buttons, modals and jobs are adapters that build the input, call the use case and render its
outcome (`bot/commands/`), and refusals are `bot.errors.Refusal`s they map in one place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bot.blocks.confirm import confirm_blocks
from bot.config import Config
from bot.domain.events import Event
from bot.domain.grammar import GrammarError
from bot.errors import Unconfirmed, UsageError

T = TypeVar("T")


@dataclass
class Work:
    """A unit of work: one transaction's session, the config and the instant the action runs
    as, and the domain events recorded on it (each handed to `on_record` as it is recorded:
    its consequences are queued in the same transaction)."""

    session: Session
    config: Config
    now: datetime
    on_record: Callable[[Event], None]
    events: list[Event] = field(default_factory=list)

    def record(self, *events: Event) -> None:
        for event in events:
            self.events.append(event)
            self.on_record(event)


def unconfirmed(config: Config, command: str, args: str, warning: str) -> Unconfirmed:
    """Ask to confirm `/proc <command> <args>` (nothing written): `warning` says why, "Yes, log
    it" carries the command to run again confirmed, once (`confirm_value`)."""
    typed = f"{config.slack.command} {command} {args}"
    text, blocks = confirm_blocks(warning, typed, command, args, uuid.uuid4().hex)
    return Unconfirmed(text, blocks)


def arguments(parse: Callable[..., T], *args: Any) -> T:
    """Run a grammar parser; its complaint becomes a UsageError with the subcommand's usage
    (and the arguments it most likely meant)."""
    try:
        return parse(*args)
    except GrammarError as exc:
        raise UsageError(str(exc), did_you_mean=exc.did_you_mean) from None
