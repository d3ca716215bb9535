"""The one place that turns a modal submission's outcome into Slack's answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack

from bot.commands.router import error_reference, slack_request_key, usage_line
from bot.db.session import again_if_disconnected, once_per_slack_request
from bot.errors import AlreadyDone, FieldErrors, Refusal
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


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
) -> None:
    """Run a (already acked) button click; a refusal or failure is told to the clicker only,
    a refusal with the usage line of `command`, the subcommand the button stands for.
    The click counts once per trigger (`body`'s): a second delivery changes nothing."""
    try:
        with once_per_slack_request(slack_request_key(body), runtime.clock.now()):
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
