"""`/proc savings` and the Approve / Reject buttons in the request's thread (SPEC §4)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import pricing, requests, savings
from bot.actions.savings import Claim, Decide
from bot.blocks import answers
from bot.blocks.claims import reject_modal
from bot.blocks.contexts import ConfirmValue, RejectForm
from bot.blocks.ids import VALUE_ACTION_ID, ActionId, BlockId, CallbackId
from bot.commands.interactions import (
    answer_click,
    answer_submission,
    read_click,
    view_context,
)
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform, unit_of_work
from bot.db.content import claim_view
from bot.domain.grammar import control_character_problem, parse_key, parse_leading_key, parse_quote
from bot.domain.pricing import looks_itemised
from bot.domain.vocabulary import ClaimStatus
from bot.errors import FieldErrors, NotFound, Refusal
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
USAGE = "savings REQ <baseline> <final> [avoidance] [| additional] [right-sizing]"


@subcommand("savings", USAGE, "claim savings for the em's approval", order=70)
def claim_savings(runtime: Runtime, invocation: Invocation) -> Reply:
    """Store a pending claim, supersede the previous one, and post it for approval."""
    rest = invocation.args.split(maxsplit=1)[1:]
    number = arguments(parse_leading_key, invocation.args)
    given = Claim(number, rest[0] if rest else "", usage=f"`{invocation.command} {USAGE}`")
    outbox, done = perform(runtime, savings.claim, invocation.user_id, given)
    return Reply(text=answers.claimed(done), after_ack=[outbox.deliver])


NO_COMMAND = "This button no longer carries a command; type it again."


def run_confirmed(runtime: Runtime, user_id: str, command: str, args: str) -> tuple[Outbox, str]:
    """ "Yes, log it": `/proc <command> <args>` (a quote or a claim whose amount is far from the
    request's) run again through its use case, as typed, confirmed."""
    head, *rest = args.split(maxsplit=1) or [""]
    number = arguments(parse_key, head)
    if command == "quote" and rest and looks_itemised(rest[0]):
        itemised = pricing.LogItemisedQuote(number, rest[0], args, True)
        sent, items = perform(runtime, pricing.quote_items, user_id, itemised)
        logged = items.quoted
        text = answers.quoted(logged.key, logged.vendor, logged.amount, logged.was)
        return sent, f"{text}\n{items.benchmark}"
    if command == "quote":
        given = requests.LogQuote(
            number, lambda pod: arguments(parse_quote, args, pod.currency)[1:], args, True
        )
        outbox, quoted = perform(runtime, requests.quote, user_id, given)
        return outbox, answers.quoted(quoted.key, quoted.vendor, quoted.amount, quoted.was)
    if command == "savings":
        claim = Claim(number, rest[0] if rest else "", confirmed=True)
        outbox, done = perform(runtime, savings.claim, user_id, claim)
        return outbox, answers.claimed(done)
    raise Refusal(NO_COMMAND)


def _once_of(value: object) -> str | None:
    """The key a "Yes, log it" button counts once by, if its value has one."""
    try:
        once = json.loads(value).get("once") if isinstance(value, str) else None
    except (ValueError, AttributeError):
        return None
    return once if isinstance(once, str) and once else None


def register(app: App, runtime: Runtime) -> None:
    """Listen for Approve and Reject clicks, the rejection modal and "Yes, log it"."""

    @app.action(ActionId.SAVINGS_APPROVE.value)
    def on_approve(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        user, claim_id, thread_ts = click.user, click.number, click.thread_ts
        channel = click.answer_channel

        def handle() -> Outbox:
            if claim_id is None:
                raise NotFound("This button does not point at a savings claim.")
            outbox, _done = perform(
                runtime, savings.decide, user, Decide(claim_id, ClaimStatus.APPROVED)
            )
            return outbox

        answer_click(
            runtime, body, handle, channel=channel, user=user, thread_ts=thread_ts, action="approve"
        )

    @app.action(ActionId.SAVINGS_REJECT.value)
    def on_reject(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        user, claim_id, thread_ts = click.user, click.number, click.thread_ts
        channel = click.answer_channel

        def handle() -> Outbox:
            if claim_id is None:
                raise NotFound("This button does not point at a savings claim.")
            with unit_of_work(runtime) as (work, _nothing):
                claim = savings.check_decider(work, user, claim_id)
                view = claim_view(work.session, runtime.config, claim)
            metadata = RejectForm(claim_id, channel, thread_ts).dumps()
            outbox = Outbox(runtime)
            outbox.view(body["trigger_id"], reject_modal(metadata, view))
            return outbox

        answer_click(
            runtime, body, handle, channel=channel, user=user, thread_ts=thread_ts, action="reject"
        )

    @app.action(ActionId.CONFIRM_AMOUNT.value)
    def on_confirm(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        user, channel, thread_ts = click.user, click.answer_channel, click.thread_ts

        def handle() -> Outbox:
            context = ConfirmValue.loads(
                click.value, source="the Yes, log it button's value", refusal=NO_COMMAND
            )
            outbox, text = run_confirmed(runtime, user, context.command, context.args)
            if channel:
                outbox.ephemeral(channel, user, text, thread_ts)
            return outbox

        # Whichever click of the button comes first logs it; later ones change nothing.
        answer_click(
            runtime, body, handle, channel=channel, user=user, thread_ts=thread_ts,
            action="confirm amount", once=_once_of(click.value),
        )  # fmt: skip

    @app.view(CallbackId.SAVINGS_REJECT.value)
    def on_reject_submitted(ack: Ack, body: dict[str, Any]) -> None:
        user_id, values, metadata = view_context(body)

        def handle() -> Outbox:
            claim_id = RejectForm.loads(
                metadata, source="the reject form's private_metadata",
                refusal="This form no longer points at a savings claim.",
            ).claim  # fmt: skip
            reason = (
                ((values.get(BlockId.REASON.value) or {}).get(VALUE_ACTION_ID) or {}).get("value")
                or ""
            ).strip()
            if not reason:
                raise FieldErrors({BlockId.REASON.value: "Say why the claim is rejected."})
            problem = control_character_problem(reason, "this field")  # NUL cannot be stored
            if problem is not None:
                raise FieldErrors({BlockId.REASON.value: problem})
            given = Decide(claim_id, ClaimStatus.REJECTED, reason)
            outbox, _done = perform(runtime, savings.decide, user_id, given)
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.REASON.value, action="reject"
        )
