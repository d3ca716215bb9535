"""The one place that turns a click's or a modal submission's outcome into Slack's answer, and
reads a click's payload once (`read_click`: who, where from — a channel, a DM, the Home —, the
value)."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
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


class Origin(enum.StrEnum):
    """Where a click came from."""

    CHANNEL = "channel"  # a message in a channel or its thread (a card, a claim, a prompt)
    DM = "dm"  # a direct message podbot sent (a reminder)
    HOME = "home"  # the App Home tab: no message, no channel


@dataclass(frozen=True)
class Click:
    """A button or menu click, read once from Bolt's payload."""

    user: str
    origin: Origin
    channel: str | None  # the conversation of the clicked message; None on the Home
    thread_ts: str | None  # the thread of the clicked message, when in one
    value: str  # the button's value ("" for a menu)
    block_id: str
    selected: str | None  # a menu's pick (an option's value, or a user)

    @property
    def number(self) -> int | None:
        """The id the button carries (a request, a claim, a contract): its value, else, for a
        menu, the number its block id ends with (`card_actions:<number>`)."""
        raw = self.value or self.block_id.rpartition(":")[2]
        try:
            return int(raw)
        except ValueError:
            return None

    @property
    def answer_channel(self) -> str:
        """Where the clicker is told something only they see: the conversation clicked in; on
        the Home there is none, and `Outbox.ephemeral` sends it by DM ("")."""
        return self.channel if self.origin is not Origin.HOME and self.channel else ""


def read_click(body: dict[str, Any]) -> Click:
    """The click in a `block_actions` payload."""
    action = (body.get("actions") or [{}])[0]
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or None
    if container.get("type") == "view" or channel is None:
        origin = Origin.HOME
    elif str(channel).startswith("D"):
        origin = Origin.DM
    else:
        origin = Origin.CHANNEL
    message = body.get("message") or {}
    thread = message.get("thread_ts") if message else container.get("thread_ts")
    # The card's picker is a menu of the POD's buyers (the option's value is the buyer's id); a
    # card last drawn before it still carries Slack's users_select until its next edit.
    option = action.get("selected_option")
    selected = option.get("value") if isinstance(option, dict) else action.get("selected_user")
    return Click(
        user=str(body.get("user", {}).get("id", "")),
        origin=origin,
        channel=str(channel) if channel else None,
        thread_ts=str(thread) if thread else None,
        value=str(action.get("value") or ""),
        block_id=str(action.get("block_id") or ""),
        selected=str(selected) if selected else None,
    )
