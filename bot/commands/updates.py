"""`update` and `quote`: the buyer's daily negotiation log and competing quotes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import requests, unconfirmed
from bot.actions.access import authorize, load_request, require_stage
from bot.blocks.contexts import RequestForm
from bot.blocks.ids import BlockId, CallbackId
from bot.blocks.modals import (
    CHOOSE_REQUEST,
    parse_request_choice,
    parse_update,
    update_modal,
    update_text,
)
from bot.blocks.text import escape_mrkdwn
from bot.commands.interactions import (
    answer_submission,
    view_context,
)
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform, record
from bot.db.models import Quote
from bot.db.requests import latest_quote, quote_count, record_event
from bot.domain.events import ThreadLine
from bot.domain.grammar import (
    parse_key_and_optional_text,
    parse_leading_key,
    parse_quote,
)
from bot.domain.lifecycle import Action
from bot.domain.money import Money, format_money, out_of_scale
from bot.domain.vocabulary import EventKind
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
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, number)
        authorize(runtime.config, invocation.user_id, request, pod, Action.UPDATE)
        require_stage(request.stage, Action.UPDATE, request.key)
        key = request.key
        if invocation.trigger_id:
            metadata = RequestForm(request.id, invocation.channel_id).dumps()
            title = f"{key} · {request.customer} · {request.tool}"
            outbox.view(invocation.trigger_id, update_modal(metadata, key, title))
    return Reply(text=f"Opening the update form for {key}…", after_ack=[outbox.deliver])


@subcommand(
    "quote", "quote REQ <vendor or reseller> <amount>", "record a competing quote", order=60
)
def quote(runtime: Runtime, invocation: Invocation) -> Reply:
    """Record a competing quote and post it in the thread."""
    number = arguments(parse_leading_key, invocation.args)
    outbox, text = record_quote(
        runtime,
        invocation.user_id,
        number,
        # The currency default is the request's POD's, so parse once the request is known.
        lambda pod: arguments(parse_quote, invocation.args, pod.currency)[1:],
        args=invocation.args,
    )
    return Reply(text=text, after_ack=[outbox.deliver])


def record_quote(
    runtime: Runtime,
    user_id: str,
    number: int,
    read: Callable[[Pod], tuple[str, Money]],
    *,
    args: str,
    confirmed: bool = False,
) -> tuple[Outbox, str]:
    """The work of `quote` (command, the card's Log quote modal and "Yes, log it"): `read`
    gives the vendor (plain text) and amount once the POD is known; `args` are the command's
    (`REQ-3 Crayon 41.5k`), run again as they are when an amount far from the request's is
    confirmed. A vendor's later quote revises its earlier one. Returns (outbox, the answer)."""
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, number)
        vendor, money = read(pod)
        authorize(runtime.config, user_id, request, pod, Action.QUOTE)
        require_stage(request.stage, Action.QUOTE, request.key)
        # Names are stored as plain text; what is posted, and the timeline, is mrkdwn.
        shown = escape_mrkdwn(vendor)
        spend = Money(request.amount, request.currency) if request.amount is not None else None
        scale = out_of_scale(money, spend)
        if scale is not None and not confirmed and spend is not None:
            raise unconfirmed(
                runtime.config, "quote", args,
                f"A quote of {format_money(money)} from {shown} is {scale} {request.key}'s "
                f"current spend ({format_money(spend)}); nothing is logged yet.",
            )  # fmt: skip
        now = runtime.clock.now()
        earlier = latest_quote(session, request.id, vendor)
        session.add(
            Quote(
                request_id=request.id,
                vendor=vendor,
                amount=money.amount,
                currency=money.currency,
                created_by=user_id,
                created_at=now,
            )
        )
        session.flush()
        count = quote_count(session, request.id)
        so_far = f"{count} competing quote{'s' if count != 1 else ''} so far"
        now_quoted = format_money(money)
        if earlier is None:
            line = (
                f":receipt: *Quote* recorded by <@{user_id}>: *{shown}* — {now_quoted} ({so_far})"
            )
            answer = f"Quote from {shown} ({now_quoted}) recorded on {request.key}."
            event = f"{shown}: {now_quoted}"
        else:
            was = format_money(Money(earlier.amount, earlier.currency))
            line = (
                f":receipt: *Quote* revised by <@{user_id}>: *{shown}* revised {was} → "
                f"{now_quoted} ({so_far})"
            )
            answer = f"{shown}'s quote on {request.key} revised: {was} → {now_quoted}."
            event = f"{shown}: {now_quoted} (revised from {was})"
        record_event(
            session, request, at=now, actor=user_id, kind=EventKind.QUOTE, text=event,
            data={"vendor": vendor, "amount": str(money.amount), "currency": money.currency},
        )  # fmt: skip
        record(session, outbox, ThreadLine(request.id, line))
    return outbox, answer


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
