"""The one place that turns a modal submission's outcome into Slack's answer."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack

from bot.blocks.confirm import confirm_blocks
from bot.commands.router import error_reference, slack_request_key, usage_line
from bot.db.session import again_if_disconnected, once_per_slack_request
from bot.errors import AlreadyDone, FieldErrors, Refusal, Unconfirmed
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# The keys of a context podbot wrote and the JSON type(s) each holds.
Shape = Mapping[str, type | tuple[type, ...]]


def answer_submission(
    runtime: Runtime,
    ack: Ack,
    body: dict[str, Any],
    handle: Callable[[], Outbox],
    *,
    field_for_refusals: str,
    action: str,
) -> None:
    """Ack a view submission: close the modal and deliver, or show errors on the fields.
    The submission counts once per trigger (`body`'s): a second delivery changes nothing."""
    try:
        with once_per_slack_request(slack_request_key(body), runtime.clock.now()):
            outbox = again_if_disconnected(handle)
    except AlreadyDone:
        # A second delivery of a submission already carried out: close the modal, post nothing.
        log.info("%s submission replayed: nothing changed", action, extra={"action": action})
        ack()
        return
    except FieldErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    except Refusal as refusal:
        ack(response_action="errors", errors={field_for_refusals: refusal.message})
        return
    except Exception:
        ref = error_reference()
        log.exception("%s submission failed (ref %s)", action, ref, extra={"ref": ref})
        ack(
            response_action="errors",
            errors={field_for_refusals: f"Something went wrong on podbot's side (ref {ref})."},
        )
        return
    ack()
    outbox.deliver()


def unconfirmed(runtime: Runtime, command: str, args: str, warning: str) -> Unconfirmed:
    """Ask to confirm `/proc <command> <args>` (nothing written): `warning` says why, "Yes, log
    it" carries the command to run again confirmed, once (`confirm_value`)."""
    typed = f"{runtime.config.slack.command} {command} {args}"
    text, blocks = confirm_blocks(warning, typed, command, args, uuid.uuid4().hex)
    return Unconfirmed(text, blocks)


def answer_click(
    runtime: Runtime,
    body: dict[str, Any],
    handle: Callable[[], Outbox],
    *,
    channel: str,
    user: str,
    thread_ts: str | None = None,
    action: str,
    command: str | None = None,
    once: str | None = None,
) -> None:
    """Run a (already acked) button click; a refusal or failure is told to the clicker only,
    a refusal with the usage line of `command`, the subcommand the button stands for.
    The click counts once per trigger (`body`'s): a second delivery changes nothing. With
    `once`, once per that key instead (whichever click of the button comes first)."""
    key = f"once:{once}" if once else slack_request_key(body)
    try:
        with once_per_slack_request(key, runtime.clock.now()):
            outbox = again_if_disconnected(handle)
    except AlreadyDone:
        # A second delivery of a click already carried out: its effect is already on screen.
        log.info("%s replayed: nothing changed", action, extra={"action": action})
        return
    except Refusal as refusal:
        text = f":warning: {refusal.message}"
        if command is not None:
            text += f"\nUsage: {usage_line(runtime.config.slack.command, command)}"
    except Exception:
        ref = error_reference()
        log.exception("%s failed (ref %s)", action, ref, extra={"ref": ref, "action": action})
        text = f":x: Something went wrong on podbot's side (ref `{ref}`)."
    else:
        outbox.deliver()
        return
    told = Outbox(runtime)
    told.ephemeral(channel, user, text, thread_ts)
    told.deliver()


def view_context(body: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    """(user id, state values, private_metadata) of a view_submission payload."""
    view = body.get("view") or {}
    values = (view.get("state") or {}).get("values") or {}
    return body.get("user", {}).get("id", ""), values, view.get("private_metadata") or ""


def read_context(
    raw: object, *, source: str, refusal: str, required: Shape, optional: Shape | None = None
) -> dict[str, Any]:
    """The JSON object podbot wrote into a modal's `private_metadata` or a button's `value`,
    read back: `required` keys present and `optional` ones absent or of their type.

    Slack hands these back as podbot wrote them, so anything else (not JSON, not an object, a
    key missing or of the wrong type) comes from a forged or damaged payload: refused with
    `refusal` (one sentence for the person) and one warning line, never a traceback."""
    context, problem = _decode_context(raw, required, optional or {})
    if problem is None:
        return context
    log.warning("refused %s: %s", source, problem, extra={"source": source})
    raise Refusal(refusal)


def _decode_context(
    raw: object, required: Shape, optional: Shape
) -> tuple[dict[str, Any], str | None]:
    """`raw` decoded, and what is wrong with it as a context of this shape (None: nothing)."""
    if not isinstance(raw, str):
        return {}, f"it is a {type(raw).__name__}, not a string"
    try:
        context = json.loads(raw)
    except (ValueError, RecursionError):
        return {}, "it is not JSON"
    if not isinstance(context, dict):
        return {}, f"it is JSON but not an object (a {type(context).__name__})"
    for key, kinds in (*required.items(), *optional.items()):
        if key not in context:
            if key in required:
                return context, f"it has no {key!r}"
            continue
        # Exact types: json.loads makes only these, and True is not a request number.
        if type(context[key]) not in (kinds if isinstance(kinds, tuple) else (kinds,)):
            return context, f"its {key!r} is a {type(context[key]).__name__}"
    return context, None
