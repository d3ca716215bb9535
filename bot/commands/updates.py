"""`update` and `quote`: the buyer's daily negotiation log and competing quotes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import pricing, requests
from bot.actions.access import authorize, load_request, require_stage
from bot.blocks import answers
from bot.blocks.contexts import RequestForm
from bot.blocks.ids import BlockId, CallbackId
from bot.blocks.modals import (
    CHOOSE_REQUEST,
    parse_request_choice,
    parse_update,
    update_modal,
    update_text,
)
from bot.commands.interactions import (
    answer_submission,
    view_context,
)
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform
from bot.domain.grammar import (
    parse_key_and_optional_text,
    parse_leading_key,
    parse_quote,
)
from bot.domain.lifecycle import Action
from bot.domain.pricing import looks_itemised
from bot.errors import FieldErrors, NotFound
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.config import Pod
    from bot.runtime import Runtime

NO_REQUEST = "This form no longer points at a request; run /proc update again."


@subcommand(
    "update",
    "update REQ <text>",
    "log today's negotiation update (no text: the update form)",
    order=50,
)
def update(runtime: Runtime, invocation: Invocation) -> Reply:
    """Post a buyer update in the request's thread, or open the update modal."""
    number, text = arguments(parse_key_and_optional_text, invocation.args, "update")
    if text is not None:
        given = requests.PostUpdate(number, lambda _pod: text)
        outbox, done = perform(runtime, requests.update, invocation.user_id, given)
        return Reply(text=f"Update posted in {done.key}'s thread.", after_ack=[outbox.deliver])
    outbox = Outbox(runtime)
    with runtime.db.reading() as session:
        request, pod = load_request(session, runtime.config, number, for_update=False)
        authorize(runtime.config, invocation.user_id, request, pod, Action.UPDATE)
        require_stage(request.stage, Action.UPDATE, request.key)
        key = request.key
        if invocation.trigger_id:
            metadata = RequestForm(request.id, invocation.channel_id).dumps()
            title = f"{key} · {request.customer} · {request.tool}"
            outbox.view(invocation.trigger_id, update_modal(metadata, key, title))
    return Reply(text=f"Opening the update form for {key}…", after_ack=[outbox.deliver])


@subcommand(
    "quote",
    "quote REQ <vendor or reseller> <amount>",
    "record a competing quote; itemised: `quote REQ <vendor> <seats> seats × <unit price>"
    " [monthly|annual] [<N> months] [<plan>]`, with its per-seat benchmark",
    order=60,
)
def quote(runtime: Runtime, invocation: Invocation) -> Reply:
    """Record a competing quote and post it in the thread."""
    number = arguments(parse_leading_key, invocation.args)
    rest = invocation.args.split(maxsplit=1)[1] if len(invocation.args.split()) > 1 else ""
    if looks_itemised(rest):
        # `REQ Crayon 120 seats × $14 annual`: a line item, and its per-unit benchmark.
        itemised = pricing.LogItemisedQuote(number, rest, invocation.args)
        outbox, items = perform(runtime, pricing.quote_items, invocation.user_id, itemised)
        done = items.quoted
        text = answers.quoted(done.key, done.vendor, done.amount, done.was)
        return Reply(text=f"{text}\n{items.benchmark}", after_ack=[outbox.deliver])
    given = requests.LogQuote(
        number,
        # The currency default is the request's POD's, so parse once the request is known.
        lambda pod: arguments(parse_quote, invocation.args, pod.currency)[1:],
        args=invocation.args,
    )
    outbox, done = perform(runtime, requests.quote, invocation.user_id, given)
    return Reply(text=answers.quoted(done.key, done.vendor, done.amount, done.was),
                 after_ack=[outbox.deliver])  # fmt: skip


def register(app: App, runtime: Runtime) -> None:
    """Listen for update modal submissions."""

    @app.view(CallbackId.UPDATE.value)
    def on_update_submitted(ack: Ack, body: dict[str, Any]) -> None:
        user_id, values, metadata = view_context(body)

        def handle() -> Outbox:
            context = RequestForm.loads_update(
                metadata, source="the update form's private_metadata", refusal=NO_REQUEST
            )
            # From the Log as update shortcut with several requests, the form has a picker.
            request_id = parse_request_choice(values) or context.request
            if request_id is None and context.choose:
                raise FieldErrors({BlockId.REQUEST.value: CHOOSE_REQUEST})
            if not isinstance(request_id, int):
                raise NotFound(NO_REQUEST)

            def read(pod: Pod) -> str:
                today = runtime.clock.now().astimezone(pod.zone).date()
                text = update_text(parse_update(values, today))
                link = context.link
                if link and not any(c in link for c in "<>| \n"):
                    text += f"\n<{link}|Original message>"
                return text

            given = requests.PostUpdate(request_id, read)
            outbox, done = perform(runtime, requests.update, user_id, given)
            channel = context.channel or done.channel
            outbox.ephemeral(
                channel, user_id, f"Update posted in {done.key}'s thread.", context.thread
            )
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.STATUS.value, action="update"
        )
