"""The customer's answer to a pre-approval in their channel (issue 32): **Approve**, and
**Needs changes** with its short modal — the adapters of `bot/actions/preapprovals.py`. Who is
in the channel is read from Slack (`conversations.members`) for each answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import preapprovals
from bot.actions.preapprovals import Answer
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.modals import parse_reason
from bot.blocks.preapproval_ask import changes_modal
from bot.commands.interactions import answer_click, answer_submission, read_click, view_context
from bot.consequences import perform, unit_of_work
from bot.errors import NotFound, Refusal
from bot.slack.outbox import Outbox
from bot.slack.web_api import WebApiError

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _members(runtime: Runtime, channel: str | None) -> list[str]:
    if not channel:
        raise Refusal("A pre-approval is answered in its channel.")
    try:
        return runtime.slack.channel_members(channel)
    except WebApiError:
        raise Refusal(
            "podbot could not check who is in this channel just now; try again in a moment."
        ) from None


def _context(metadata: str) -> tuple[int, str | None, str | None]:
    """(ask id, channel, ts) of the Needs changes modal's metadata: `ask|channel|ts`."""
    parts = metadata.split("|")
    if len(parts) != 3 or not parts[0].isdigit():
        raise Refusal("This form is damaged; click Needs changes again.")
    return int(parts[0]), parts[1] or None, parts[2] or None


def register(app: App, runtime: Runtime) -> None:
    """Listen for Approve, Needs changes and its modal."""

    @app.action(ActionId.PREAPPROVAL_APPROVE.value)
    def on_approve(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        ts = (body.get("container") or {}).get("message_ts")

        def handle() -> Outbox:
            if click.number is None:
                raise NotFound("This button does not point at a pre-approval.")
            members = _members(runtime, click.channel)
            given = Answer(click.number, True, None, members, click.channel, ts)
            outbox, _done = perform(runtime, preapprovals.answer, click.user, given)
            return outbox

        answer_click(
            runtime, body, handle, channel=click.answer_channel, user=click.user,
            thread_ts=click.thread_ts, action="pre-approval approve",
        )  # fmt: skip

    @app.action(ActionId.PREAPPROVAL_CHANGES.value)
    def on_changes(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        ts = (body.get("container") or {}).get("message_ts") or ""

        def handle() -> Outbox:
            if click.number is None:
                raise NotFound("This button does not point at a pre-approval.")
            members = _members(runtime, click.channel)
            with unit_of_work(runtime) as (work, _nothing):
                tool = preapprovals.check_answerable(work, click.user, click.number, members)
            outbox = Outbox(runtime)
            metadata = f"{click.number}|{click.channel or ''}|{ts}"
            outbox.view(body["trigger_id"], changes_modal(metadata, tool))
            return outbox

        answer_click(
            runtime, body, handle, channel=click.answer_channel, user=click.user,
            thread_ts=click.thread_ts, action="pre-approval needs changes",
        )  # fmt: skip

    @app.view(CallbackId.PREAPPROVAL_CHANGES.value)
    def on_submit(ack: Ack, body: dict[str, Any]) -> None:
        user, values, metadata = view_context(body)

        def handle() -> Outbox:
            ask_id, channel, ts = _context(metadata)
            reason = parse_reason(values, BlockId.REASON, "reason")
            members = _members(runtime, channel)
            given = Answer(ask_id, False, reason, members, channel, ts)
            outbox, _done = perform(runtime, preapprovals.answer, user, given)
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.REASON.value,
            action="pre-approval changes",
        )  # fmt: skip
