"""`qualify`, `disqualify`, `preapproval`, `assign`, `stage` and `close`: moving a request along
SPEC §2's lifecycle, and the facts on the way (a pre-approval, procurement steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import procurement, requests
from bot.actions.access import authorize, load_request
from bot.actions.requests import (
    Assign,
    CloseRequest,
    Disqualify,
    Preapprove,
    Qualify,
    advance,
)
from bot.blocks import answers
from bot.blocks.contexts import RequestForm
from bot.blocks.ids import ActionId
from bot.blocks.modals import disqualify_modal
from bot.commands.interactions import answer_click, read_click
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform
from bot.domain.grammar import (
    parse_assign,
    parse_close,
    parse_key,
    parse_key_and_optional_text,
    parse_key_and_text,
    parse_stage_step,
)
from bot.domain.lifecycle import Action
from bot.domain.procurement import PREAPPROVAL_NO_RESPONSE
from bot.errors import NotFound
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime


@subcommand("qualify", "qualify REQ", "intake → qualified", order=20)
def qualify(runtime: Runtime, invocation: Invocation) -> Reply:
    """Qualify an intake request."""
    number = arguments(parse_key, invocation.args)
    outbox, done = perform(runtime, requests.qualify, invocation.user_id, Qualify(number))
    return Reply(text=answers.qualified(done.key, typed=True), after_ack=[outbox.deliver])


@subcommand("disqualify", "disqualify REQ <reason>", "intake → disqualified", order=30)
def disqualify(runtime: Runtime, invocation: Invocation) -> Reply:
    """Disqualify an intake request, with the reason."""
    number, reason = arguments(parse_key_and_text, invocation.args, "reason")
    outbox, done = perform(
        runtime, requests.disqualify, invocation.user_id, Disqualify(number, reason)
    )
    return Reply(text=answers.disqualified(done.key), after_ack=[outbox.deliver])


@subcommand(
    "preapproval",
    "preapproval REQ [note]",
    "a pre-approval went to the customer (meets the qualification clock)",
    order=35,
)
def preapproval(runtime: Runtime, invocation: Invocation) -> Reply:
    """Record that a pre-approval was sent to the customer of an intake request."""
    number, note = arguments(parse_key_and_optional_text, invocation.args, "note")
    outbox, done = perform(
        runtime, requests.preapprove, invocation.user_id, Preapprove(number, note)
    )
    return Reply(text=answers.preapproved(done.key, done.asked_in), after_ack=[outbox.deliver])


STAGE_USAGE = (
    "stage REQ vendor-qualification|security-review|legal-redline|po [started|done] [note]"
)


@subcommand("stage", STAGE_USAGE, "a procurement stage started or done (negotiating)", order=85)
def stage(runtime: Runtime, invocation: Invocation) -> Reply:
    """Start or finish a procurement step of a negotiating request (`/proc stage`)."""
    step = arguments(parse_stage_step, invocation.args)
    outbox, done = perform(runtime, procurement.move_step, invocation.user_id, step)
    return Reply(
        text=answers.step_moved(done.key, done.words, done.expected), after_ack=[outbox.deliver]
    )


@subcommand(
    "assign", "assign REQ @buyer", "hand over to a buyer; starts the negotiation TAT", order=40
)
def assign(runtime: Runtime, invocation: Invocation) -> Reply:
    """Assign a qualified request to a buyer (or reassign one under negotiation)."""
    number, buyer = arguments(parse_assign, invocation.args)
    outbox, done = perform(runtime, requests.assign, invocation.user_id, Assign(number, buyer))
    text = answers.assigned(done.key, done.buyer, done.tat_due, done.timezone)
    return Reply(text=text, after_ack=[outbox.deliver])


CLOSE_USAGE = (
    "close REQ won|lost|cancelled [note]  ·  close REQ won | <annual amount> | "
    "<renewal YYYY-MM-DD> [| monthly|annual]"
)


@subcommand("close", CLOSE_USAGE, "close a request (won: with its new term)", order=90)
def close(runtime: Runtime, invocation: Invocation) -> Reply:
    """Close a request won, lost or cancelled; a won close records the new term inline, or
    posts the Record the new term button in the thread."""
    head, *_rest = invocation.args.split(maxsplit=1) or [""]
    number = arguments(parse_key, head.split("|", 1)[0])
    outbox, done = perform(
        runtime, requests.close, invocation.user_id,
        CloseRequest(number, lambda pod: arguments(parse_close, invocation.args, pod.currency)),
    )  # fmt: skip
    text = answers.closed(done.key, done.outcome, done.term)
    if done.overridden:
        text += (
            f" Its close guards were overridden ({len(done.overridden)} missing): your reason "
            "is on its timeline and goes in the weekly digest."
        )
    return Reply(text=text, after_ack=[outbox.deliver])


def register(app: App, runtime: Runtime) -> None:
    """Listen for the pre-approval reminder's Disqualify: no response button; the disqualify
    modal it opens is the card's (its submission: bot/commands/card_actions.py)."""

    @app.action(ActionId.PREAPPROVAL_DISQUALIFY.value)
    def on_disqualify_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        user, channel, request_id = click.user, click.answer_channel, click.number

        def handle() -> Outbox:
            if request_id is None:
                raise NotFound("This button does not point at a request.")
            with runtime.db.reading() as session:
                request, pod = load_request(session, runtime.config, request_id, for_update=False)
                authorize(runtime.config, user, request, pod, Action.DISQUALIFY)
                advance(request.stage, Action.DISQUALIFY, request.key)
                title = f"{request.key} · {request.customer} · {request.tool}"
            metadata = RequestForm(request_id, channel).dumps()
            outbox = Outbox(runtime)
            outbox.view(
                body["trigger_id"], disqualify_modal(metadata, title, PREAPPROVAL_NO_RESPONSE)
            )
            return outbox

        answer_click(runtime, body, handle, channel=channel, user=user, action="disqualify")
