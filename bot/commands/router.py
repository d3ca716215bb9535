"""One `/proc` listener that parses the subcommand and dispatches to its module's handler."""

from __future__ import annotations

import difflib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from slack_sdk.models.blocks import Block

from bot import metrics
from bot.actions import arguments as arguments
from bot.db.session import again_if_disconnected, once_per_slack_request
from bot.domain.grammar import check_typable
from bot.domain.mentions import as_read
from bot.domain.request_keys import RequestKeyError, format_request_key, parse_request_key
from bot.errors import AlreadyDone, Refusal, Unconfirmed, UsageError

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Invocation:
    """One `/proc …` as Slack sent it."""

    command: str
    subcommand: str
    args: str
    user_id: str
    channel_id: str
    trigger_id: str | None
    response_url: str | None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Invocation:
        """Split the slash command body into subcommand and arguments."""
        # Any whitespace ends a word: Slack text may carry newlines (Shift-Enter) or tabs.
        head, *rest = (body.get("text") or "").split(maxsplit=1) or [""]
        return cls(
            command=body.get("command") or "/proc",
            subcommand=head.lower(),
            args=rest[0].strip() if rest else "",
            user_id=body.get("user_id", ""),
            channel_id=body.get("channel_id", ""),
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
        )


@dataclass
class Reply:
    """What the invoker sees (ephemeral), plus Slack work to do after the ack."""

    text: str = ""
    blocks: list[Block] | None = None
    after_ack: list[Callable[[], None]] = field(default_factory=list)
    # A deferred subcommand's answer, worked out after the ack (the ack is `text`, a short
    # note): run off the request's thread, it reaches the invoker through the outbox.
    later: Callable[[], Reply] | None = None


Handler = Callable[["Runtime", Invocation], Reply]


@dataclass(frozen=True)
class Subcommand:
    """A `/proc` subcommand: its grammar, its one-line summary and its handler."""

    name: str
    usage: str
    summary: str
    handler: Handler
    order: int
    # Too slow for Slack's 3 s (it reads a quarter's KPI facts): the ack is this note, and
    # the handler runs after it, off the request's thread (see `run`).
    deferred: str | None = None


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(
    name: str, usage: str, summary: str, order: int, *, deferred: str | None = None
) -> Callable[[Handler], Handler]:
    """Register a handler for `/proc <name>`; `order` places it in the help text. A
    `deferred` subcommand acks with that short note and answers later (`Reply.later`)."""

    def attach(handler: Handler) -> Handler:
        SUBCOMMANDS[name] = Subcommand(name, usage, summary, handler, order, deferred)
        return handler

    return attach


def usage_line(command: str, name: str) -> str:
    """The grammar of one subcommand, as users type it."""
    sub = SUBCOMMANDS.get(name)
    return f"`{command} {sub.usage}`" if sub else f"`{command} help`"


def error_reference() -> str:
    """A short id that ties what the user saw to the log line with the traceback."""
    return uuid.uuid4().hex[:8]


def refusal_text(invocation: Invocation, refusal: Refusal) -> str:
    """One sentence saying what was wrong (the command most likely meant, when the refusal
    knows it), then the usage line of what was tried. Typed text it quotes shows people and
    channels by name, never as Slack's markup (`as_read`)."""
    message = refusal.message
    if refusal.did_you_mean:
        meant = f"{invocation.command} {invocation.subcommand} {refusal.did_you_mean}"
        message += " Did you mean `" + meant.replace("`", "'") + "`?"
    usage = refusal.usage or usage_line(invocation.command, invocation.subcommand or "help")
    return f":warning: {as_read(message)}\nUsage: {usage}"


def nearest_subcommand(typed: str) -> str | None:
    """The subcommand a mistyped word most likely meant (`qualfy` → `qualify`), if any is near."""
    close = difflib.get_close_matches(typed, list(SUBCOMMANDS), n=1, cutoff=0.6)
    if close:
        return close[0]
    # A prefix of exactly one subcommand (`disq`, `pre`) means that one.
    starting = [name for name in SUBCOMMANDS if len(typed) >= 2 and name.startswith(typed)]
    return starting[0] if len(starting) == 1 else None


def unknown_subcommand(invocation: Invocation) -> UsageError:
    """The refusal of a word that is no subcommand: the nearest one's usage, or help's."""
    shown = invocation.subcommand.replace("`", "")[:30]
    guess = nearest_subcommand(invocation.subcommand)
    if guess is None:
        return UsageError(
            f"`{shown}` is not a {invocation.command} command.",
            usage=f"`{invocation.command} help` lists them all",
        )
    return UsageError(
        f"`{shown}` is not a {invocation.command} command. Did you mean `{guess}`?",
        usage=usage_line(invocation.command, guess),
    )


def slack_request_key(body: dict[str, Any]) -> str | None:
    """The key that makes a slash command, click or modal submission count once: its
    trigger_id, which Slack mints per user action (a replay or a resend carries the same)."""
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if isinstance(trigger, str) and trigger else None


def already_done_text(invocation: Invocation) -> str:
    """The answer to a slash command Slack delivered a second time (same trigger)."""
    typed = f"{invocation.command} {invocation.subcommand} {invocation.args}".strip()
    shown = typed.replace("`", "")[:80] + ("…" if len(typed) > 80 else "")
    return (
        f":information_source: Already done: `{shown}` was carried out when it first "
        "arrived, and this second delivery of it changed nothing."
    )


def request_key_in(sub: Subcommand | None, args: str) -> str | None:
    """The request key (`REQ-12`) the arguments start with, when the grammar starts with one."""
    if sub is None or sub.usage.split()[1:2] != ["REQ"]:
        return None
    first = args.split(maxsplit=1)[:1]
    try:
        return format_request_key(parse_request_key(first[0])) if first else None
    except RequestKeyError:
        return None


def run(runtime: Runtime, invocation: Invocation) -> Reply:
    """Dispatch one invocation: a deferred subcommand acks with its note and is answered
    later (`Reply.later`, the same `answer`); any other is answered in the ack."""
    sub = SUBCOMMANDS.get(invocation.subcommand or "help")
    if sub is not None and sub.deferred is not None:
        return Reply(text=sub.deferred, later=lambda: answer(runtime, invocation))
    return answer(runtime, invocation)


def answer(runtime: Runtime, invocation: Invocation) -> Reply:
    """Run the subcommand; refusals and unexpected errors become a Reply, never a traceback."""
    name = invocation.subcommand or "help"
    sub = SUBCOMMANDS.get(name)
    started = time.perf_counter()

    def outcome(result: str, **more: str) -> dict[str, Any]:
        # One log line and one count per command, whatever the outcome.
        metrics.record_command(name if sub else "unknown", result)
        return {
            "user": invocation.user_id,
            "action": name[:30],
            "request": request_key_in(sub, invocation.args),
            "outcome": result,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            **more,
        }

    try:
        if sub is None:
            raise unknown_subcommand(invocation)
        # Refused before any handler runs: no command means a control character, and PostgreSQL
        # cannot store NUL.
        arguments(check_typable, invocation.args)
        key = slack_request_key({"trigger_id": invocation.trigger_id})
        with once_per_slack_request(key, runtime.clock.now()):
            reply = again_if_disconnected(lambda: sub.handler(runtime, invocation))
    except AlreadyDone:
        log.info("command replayed: nothing changed", extra=outcome("replay"))
        return Reply(text=already_done_text(invocation))
    except Refusal as refusal:
        log.info("command refused: %s", refusal.message, extra=outcome("refused"))
        return Reply(text=refusal_text(invocation, refusal))
    except Unconfirmed as asked:
        # Nothing written: the answer asks to confirm (its button runs the command again) or fix.
        log.info("command asks for confirmation", extra=outcome("unconfirmed"))
        return Reply(text=asked.text, blocks=asked.blocks)
    except Exception:
        ref = error_reference()
        log.exception(
            "command failed (ref %s): %s %s",
            ref,
            invocation.command,
            invocation.subcommand,
            extra=outcome("error", ref=ref),
        )
        return Reply(
            text=f":x: Something went wrong on podbot's side (ref `{ref}`). "
            "Please try again; if it keeps happening, give your podbot operator this reference."
        )
    log.info("command ok", extra=outcome("ok"))
    return reply
