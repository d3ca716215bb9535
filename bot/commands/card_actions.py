"""The request card's buttons (SPEC §2) and the **Log as update** message shortcut.

Each button does what its command does, through the same use case (`bot/actions/requests.py`:
`qualify`, `disqualify`, `assign`, `quote`, `update`, `close`; `bot/actions/savings.py`:
`claim`; `bot/actions/holds.py`: `hold`, `resume`), checked with the same `authorize` /
`require_stage`. A button that needs more (a reason, a quote, figures, an outcome, whom a hold
waits on) opens a modal first, after the same checks; a refused
click is told to the clicker only.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from sqlalchemy import select

from bot.actions import holds, pricing, requests, savings
from bot.actions.access import authorize, load_request, require_member, require_stage
from bot.actions.holds import PutOnHold, Resume
from bot.actions.requests import Assign, CloseRequest, Disqualify, Qualify
from bot.actions.savings import Claim
from bot.blocks import answers
from bot.blocks.contexts import RequestForm
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.modals import (
    close_modal,
    disqualify_modal,
    hold_modal,
    parse_close_form,
    parse_hold_form,
    parse_quote_form,
    parse_reason,
    parse_savings_form,
    quote_modal,
    savings_modal,
    update_modal,
)
from bot.commands.interactions import (
    answer_click,
    answer_submission,
    read_click,
    view_context,
)
from bot.consequences import perform
from bot.db.models import PodRow, Request
from bot.domain.grammar import Close, slack_escape
from bot.domain.lifecycle import Action
from bot.domain.money import AmountError, Money, parse_amount
from bot.domain.vocabulary import Stage
from bot.errors import FieldErrors, NotFound, NotInPod, NotPermitted, Unconfirmed, UsageError
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from slack_sdk.models.views import View
    from sqlalchemy.orm import Session

    from bot.config import Config, Pod
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def _title(request: Request) -> str:
    return f"{request.key} · {request.customer} · {request.tool}"


def _metadata(request: Request, channel: str) -> str:
    return RequestForm(request.id, channel).dumps()


def _context(metadata: str, name: str) -> tuple[int, str]:
    context = RequestForm.loads(
        metadata, source=f"the {name} form's private_metadata",
        refusal="This form no longer points at a request.",
    )  # fmt: skip
    assert context.request is not None  # required, an int
    return context.request, context.channel


def _answer(outbox: Outbox, channel: str, user: str, text: str) -> Outbox:
    """The command's answer, told to the clicker only (as the command's ephemeral reply)."""
    if channel:
        outbox.ephemeral(channel, user, text)
    return outbox


# A click on a request's button: (clicker, request number, answer channel, payload) → outbox.
ClickWork = Callable[[str, int, str, dict[str, Any]], Outbox]


def on_request_click(
    app: App,
    runtime: Runtime,
    action_id: ActionId,
    name: str,
    work: ClickWork,
    *,
    usage: bool = True,
    in_thread: bool = False,
    points_at: str = "a request",
) -> None:
    """Listen for a button that carries a number (a request's, or what `points_at` names): ack,
    then `work`; a refusal or failure is told to the clicker only, with the usage line of the
    command the button stands for (`usage`), in the clicked message's thread (`in_thread`)."""

    @app.action(action_id.value)
    def listener(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        user, number, channel = click.user, click.number, click.answer_channel

        def handle() -> Outbox:
            if number is None:
                raise NotFound(f"This button does not point at {points_at}.")
            return work(user, number, channel, body)

        answer_click(
            runtime, body, handle, channel=channel, user=user, action=name,
            thread_ts=click.thread_ts if in_thread else None,
            command=name.removeprefix("card ") if usage else None,
        )  # fmt: skip


# Whether `user` may open a modal on the request now: a refusal if not.
OpenCheck = Callable[["Session", "Config", str, Request, "Pod"], None]


def modal_opener(
    runtime: Runtime,
    action: Action | tuple[Action, ...] | OpenCheck,
    build: Callable[[Session, Request, Pod, str], View],
    *,
    stage: Callable[[Request], None] | None = None,
) -> ClickWork:
    """A click that opens a modal once the clicker may do (one of) `action` at this stage
    (`stage`, default the lifecycle's rule for the first action), or once `action`, a check of
    its own, lets them; `build` reads what the modal shows in the same read-only session."""
    check = action if callable(action) else _lifecycle_check(action, stage)

    def work(user: str, number: int, channel: str, body: dict[str, Any]) -> Outbox:
        outbox = Outbox(runtime)
        with runtime.db.reading() as session:
            request, pod = load_request(session, runtime.config, number, for_update=False)
            check(session, runtime.config, user, request, pod)
            view = build(session, request, pod, channel or pod.channel)
        outbox.view(body["trigger_id"], view)
        return outbox

    return work


def _lifecycle_check(
    action: Action | tuple[Action, ...], stage: Callable[[Request], None] | None
) -> OpenCheck:
    """The clicker may do one of `actions` (the first refusal told if none) at this stage."""
    actions = action if isinstance(action, tuple) else (action,)

    def check(_session: Session, config: Config, user: str, request: Request, pod: Pod) -> None:
        refusal: NotPermitted | None = None
        for one in actions:
            try:
                authorize(config, user, request, pod, one)
            except NotPermitted as exc:
                refusal = refusal or exc
            else:
                refusal = None
                break
        if refusal is not None:
            raise refusal
        if stage is not None:
            stage(request)
        else:
            require_stage(request.stage, actions[0], request.key)

    return check


def register(app: App, runtime: Runtime) -> None:
    """Listen for the card's buttons, their modals and the Log as update shortcut."""

    def on_click(action_id: ActionId, name: str, work: ClickWork) -> None:
        on_request_click(app, runtime, action_id, name, work)

    def opener(
        action: Action | tuple[Action, ...],
        build: Callable[[Request, Pod, str], View],
        *,
        stage: Callable[[Request], None] | None = None,
    ) -> ClickWork:
        return modal_opener(
            runtime, action, lambda _session, request, pod, channel: build(request, pod, channel),
            stage=stage,
        )  # fmt: skip

    # --- intake: Qualify, Disqualify ------------------------------------------------------

    def qualify(user: str, number: int, channel: str, _body: dict[str, Any]) -> Outbox:
        outbox, done = perform(runtime, requests.qualify, user, Qualify(number))
        return _answer(outbox, channel, user, answers.qualified(done.key, typed=False))

    on_click(ActionId.CARD_QUALIFY, "card qualify", qualify)

    # --- held: Resume (issue 30) ----------------------------------------------------------

    def resume(user: str, number: int, channel: str, _body: dict[str, Any]) -> Outbox:
        outbox, done = perform(runtime, holds.resume, user, Resume(number))
        text = answers.resumed(done.key, done.clock, done.due, done.timezone)
        return _answer(outbox, channel, user, text)

    on_click(ActionId.CARD_RESUME, "card resume", resume)
    on_click(
        ActionId.CARD_HOLD,
        "card hold",
        opener(
            Action.HOLD,
            lambda request, _pod, channel: hold_modal(_metadata(request, channel), _title(request)),
        ),
    )
    on_click(
        ActionId.CARD_DISQUALIFY,
        "card disqualify",
        opener(
            Action.DISQUALIFY,
            lambda request, _pod, channel: disqualify_modal(
                _metadata(request, channel), _title(request)
            ),
        ),
    )

    # --- qualified: the buyer picker ------------------------------------------------------

    def assign(user: str, number: int, channel: str, body: dict[str, Any]) -> Outbox:
        selected = read_click(body).selected
        if not selected or not isinstance(selected, str):
            raise UsageError("Pick the buyer to assign.")
        # The menu offers the POD's buyers as the card was drawn; `requests.assign` checks the
        # pick against the config of now (someone no longer a buyer is refused, with the list).
        outbox, done = perform(runtime, requests.assign, user, Assign(number, selected))
        text = answers.assigned(done.key, done.buyer, done.tat_due, done.timezone)
        return _answer(outbox, channel, user, text)

    on_click(ActionId.CARD_ASSIGN, "card assign", assign)

    # --- negotiating: Post update, Log quote, Claim savings, Close ------------------------

    on_click(
        ActionId.CARD_UPDATE,
        "card update",
        opener(
            Action.UPDATE,
            lambda request, _pod, channel: update_modal(
                _metadata(request, channel), request.key, _title(request)
            ),
        ),
    )
    on_click(
        ActionId.CARD_QUOTE,
        "card quote",
        opener(
            Action.QUOTE,
            lambda request, pod, channel: quote_modal(
                _metadata(request, channel), _title(request), pod.currency
            ),
        ),
    )
    on_click(
        ActionId.CARD_SAVINGS,
        "card savings",
        opener(
            Action.SAVINGS,
            lambda request, pod, channel: savings_modal(
                _metadata(request, channel), _title(request), pod.currency
            ),
            stage=savings.require_savings_stage,
        ),
    )
    on_click(
        ActionId.CARD_CLOSE,
        "card close",
        opener(
            (Action.CLOSE, Action.CANCEL),
            lambda request, _pod, channel: close_modal(
                _metadata(request, channel), _title(request)
            ),
        ),
    )

    # --- the modals' submissions ----------------------------------------------------------

    def on_submit(
        callback: CallbackId,
        name: str,
        field: BlockId,
        work: Callable[[str, int, dict[str, Any]], tuple[Outbox, str]],
    ) -> None:
        @app.view(callback.value)
        def listener(ack: Ack, body: dict[str, Any]) -> None:
            user, values, metadata = view_context(body)

            def handle() -> Outbox:
                number, channel = _context(metadata, name)
                try:
                    outbox, text = work(user, number, values)
                except Unconfirmed as asked:
                    # Nothing written: the form closes and the clicker is asked to confirm.
                    outbox = Outbox(runtime)
                    if channel:
                        outbox.ephemeral(channel, user, asked.text, blocks=asked.blocks)
                    return outbox
                return _answer(outbox, channel, user, text)

            answer_submission(runtime, ack, body, handle, field_for_refusals=field, action=name)

    def disqualified(user: str, number: int, values: dict[str, Any]) -> tuple[Outbox, str]:
        reason = parse_reason(values, BlockId.REASON, "reason")
        assert reason is not None
        outbox, done = perform(runtime, requests.disqualify, user, Disqualify(number, reason))
        return outbox, answers.disqualified(done.key)

    def quoted(user: str, number: int, values: dict[str, Any]) -> tuple[Outbox, str]:
        vendor, amount, line = parse_quote_form(values)
        if line is not None:
            # A line item: as `/proc quote REQ <vendor> <seats> seats × <unit price> …`.
            rest = f"{slack_escape(vendor)} {line}"
            itemised = pricing.LogItemisedQuote(number, rest, f"{number} {rest}")
            outbox, items = perform(runtime, pricing.quote_items, user, itemised)
            done = items.quoted
            text = answers.quoted(done.key, done.vendor, done.amount, done.was)
            return outbox, f"{text}\n{items.benchmark}"

        def read(pod: Pod) -> tuple[str, Money]:
            try:
                return vendor, parse_amount(amount, pod.currency)
            except AmountError as exc:
                raise FieldErrors({BlockId.AMOUNT.value: str(exc)}) from None

        # The form as the command it stands for: what "Yes, log it" would run again.
        args = f"{number} {slack_escape(vendor)} {' '.join(amount.split())}"
        outbox, done = perform(runtime, requests.quote, user, requests.LogQuote(number, read, args))
        return outbox, answers.quoted(done.key, done.vendor, done.amount, done.was)

    def claimed(user: str, number: int, values: dict[str, Any]) -> tuple[Outbox, str]:
        outbox, done = perform(
            runtime, savings.claim, user, Claim(number, parse_savings_form(values))
        )
        return outbox, answers.claimed(done)

    def closed(user: str, number: int, values: dict[str, Any]) -> tuple[Outbox, str]:
        outcome, note = parse_close_form(values)
        given = CloseRequest(number, lambda _pod: Close(number, outcome, note))
        outbox, done = perform(runtime, requests.close, user, given)
        return outbox, answers.closed(done.key, done.outcome, done.term)

    on_submit(CallbackId.DISQUALIFY, "card disqualify", BlockId.REASON, disqualified)
    on_submit(CallbackId.QUOTE, "card quote", BlockId.AMOUNT, quoted)
    on_submit(CallbackId.SAVINGS_CLAIM, "card savings", BlockId.FINAL, claimed)

    def held(user: str, number: int, values: dict[str, Any]) -> tuple[Outbox, str]:
        party, reason = parse_hold_form(values)
        outbox, done = perform(runtime, holds.hold, user, PutOnHold(number, party, reason))
        return outbox, answers.held(done.key, done.party, done.clock)

    on_submit(CallbackId.CLOSE, "card close", BlockId.OUTCOME, closed)
    on_submit(CallbackId.HOLD, "card hold", BlockId.REASON, held)

    # --- the Log as update message shortcut -----------------------------------------------

    @app.shortcut(CallbackId.LOG_AS_UPDATE.value)
    def on_log_as_update(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body.get("user", {}).get("id", "")
        channel = (body.get("channel") or {}).get("id", "")
        message = body.get("message") or {}

        def handle() -> Outbox:
            return _open_log_as_update(runtime, body, user, channel, message)

        # A refusal of a message in a thread is told in that thread, where the person is.
        thread = message.get("thread_ts")
        answer_click(
            runtime, body, handle, channel=channel, user=user, action="log as update",
            thread_ts=thread if isinstance(thread, str) and thread else None,
        )  # fmt: skip


def _open_log_as_update(
    runtime: Runtime, body: dict[str, Any], user: str, channel: str, message: dict[str, Any]
) -> Outbox:
    """Open the update modal for one of the person's negotiating requests in the channel's POD,
    prefilled with the message's text and a link back to it."""
    require_member(runtime.config, user)
    pod = runtime.config.pod_for_channel(channel)
    if pod is None:
        raise NotInPod("Log as update works on messages in a POD channel; this is not one.")
    if pod.role_of(user) is None:
        raise NotPermitted(f"You are not a member of {pod.name}, whose channel this is.")
    with runtime.db.reading() as session:
        query = (
            select(Request)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(PodRow.key == pod.key, Request.stage == Stage.NEGOTIATING.value)
            .where(Request.buyer_id == user)
            .order_by(Request.id)
        )
        mine = [(r.id, r.key, _title(r)) for r in session.scalars(query)]
    if not mine:
        raise NotFound(
            f"You have no request under negotiation in {pod.name}, so there is nothing to log "
            "this message on (Log as update posts it in the thread of a request assigned to you)."
        )
    ts = str(message.get("ts") or body.get("message_ts") or "")
    link: str | None = None
    if ts:
        try:
            link = runtime.slack.permalink(channel, ts)
        except Exception:
            log.warning("chat.getPermalink failed for %s/%s", channel, ts, exc_info=True)
    # The message's text is mrkdwn (entities escaped); the form shows it as typed.
    text = html.unescape(str(message.get("text") or ""))
    number, key, title = mine[0]
    choices = [(n, t) for n, _k, t in mine] if len(mine) > 1 else None
    # Said in a thread: the confirmation goes to that thread, where the person is looking.
    thread = message.get("thread_ts")
    context = RequestForm(
        None if choices else number, channel, link,
        thread if isinstance(thread, str) and thread else None,
        True if choices else None,  # the picker says which
    )  # fmt: skip
    if choices:
        title = f"Log this message as an update on one of your {len(mine)} requests"
    outbox = Outbox(runtime)
    view = update_modal(context.dumps(), key, title, status=text, link=link, choices=choices)
    outbox.view(body["trigger_id"], view)
    return outbox
