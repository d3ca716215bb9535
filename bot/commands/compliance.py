"""Risk and compliance before the close (issue 33): `vendor`, `checklist`, `solesource`,
`nosaving` and `attach`, and the card's **Checklist** button and modal — adapters of
`bot/actions/compliance.py`'s use cases."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import compliance
from bot.actions.access import load_request, require_member
from bot.actions.compliance import Attach, Explain, ItemChange, RecordDocument, SetChecklist
from bot.blocks.contexts import RequestForm
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.modals import (
    checklist_modal,
    parse_checklist_form,
    parse_vendor_document_form,
    vendor_document_modal,
)
from bot.blocks.text import escape_mrkdwn, plain_date
from bot.commands.card_actions import modal_opener, on_request_click
from bot.commands.interactions import answer_submission, view_context
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform
from bot.db.compliance import checklist_of, documents_of, find_vendor
from bot.domain.compliance import (
    AUTO_RENEWAL,
    DOCUMENT_KINDS,
    MAX_NOTICE,
    STATE_WORDS,
    ItemState,
    VendorDoc,
    VendorDocInput,
    file_line,
    file_state,
    parse_item_state,
    parse_vendor,
)
from bot.domain.grammar import GrammarError, parse_key_and_text
from bot.domain.lifecycle import Action
from bot.domain.vocabulary import OPEN_STAGES
from bot.errors import NotPermitted, WrongStage
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from slack_sdk.models.views import View
    from sqlalchemy.orm import Session

    from bot.config import Pod
    from bot.db.models import Request
    from bot.runtime import Runtime

VENDOR_USAGE = (
    "vendor <name>  ·  vendor <name> soc2|iso27001|insurance|w9|financials received "
    "[YYYY-MM-DD] [expires YYYY-MM-DD]"
)
CHECKLIST_USAGE = (
    "checklist REQ  ·  checklist REQ <item> not-started|requested|done|na [reason]  ·  "
    "checklist REQ auto-renewal done <notice days>"
)


@subcommand("vendor", VENDOR_USAGE, "a vendor's file: show it, or record a document", order=88)
def vendor(runtime: Runtime, invocation: Invocation) -> Reply:
    """Show a vendor's file, or record one of its documents (received, expiry, checked by)."""
    name, document = arguments(parse_vendor, invocation.args)
    if document is not None:
        outbox, done = perform(
            runtime, compliance.record_document, invocation.user_id,
            RecordDocument(name, document),
        )  # fmt: skip
        expiry = f", expires {done.expires_on.isoformat()}" if done.expires_on else ""
        shown = f" (on {done.open_requests} open request{'s' if done.open_requests != 1 else ''})"
        return Reply(
            text=f"Recorded {escape_mrkdwn(done.vendor)}'s {DOCUMENT_KINDS[done.kind]}: "
            f"received {done.received_on.isoformat()}{expiry}"
            + (shown if done.open_requests else "")
            + ".",
            after_ack=[outbox.deliver],
        )
    pod = require_member(runtime.config, invocation.user_id)[0][0]
    today = pod.today(runtime.clock.now())
    with runtime.db.reading() as session:
        found = find_vendor(session, name)
        if found is None:
            return Reply(
                text=f"{escape_mrkdwn(name)} has no vendor file yet; record a document with "
                f"`{runtime.config.slack.command} vendor {escape_mrkdwn(name)} soc2 received "
                "expires YYYY-MM-DD`."
            )
        docs = documents_of(session, found.id)
        shown_name = found.name
    state = file_state(
        [VendorDoc(d.kind, d.received_on, d.expires_on, d.checked_by) for d in docs], today
    )
    have = {d.kind: d for d in docs}
    lines = [f"*{escape_mrkdwn(shown_name)}* — {file_line(state)}"]
    for kind, label in DOCUMENT_KINDS.items():
        doc = have.get(kind)
        if doc is None:
            lines.append(f"• {label}: :x: missing")
            continue
        expired = kind in state.expired
        expiry = f"expires {plain_date(doc.expires_on)}" if doc.expires_on else "no expiry"
        lines.append(
            f"• {label}: {':warning: expired' if expired else ':white_check_mark:'} received "
            f"{plain_date(doc.received_on)}, {expiry}, checked by <@{doc.checked_by}>"
        )
    return Reply(text="\n".join(lines))


def _parse_checklist(args: str) -> tuple[int, ItemChange | None]:
    number, rest = parse_key_and_text(args + " -", "item")  # the key alone shows the list
    words = rest.removesuffix("-").split(maxsplit=2)
    if not words:
        return number, None
    if len(words) < 2:
        raise GrammarError("Say the item's state: not-started, requested, done or na <reason>.")
    state = parse_item_state(words[1])
    if state is None:
        raise GrammarError(
            f"`{words[1][:30]}` is not a state; write not-started, requested, done or na."
        )
    reason = words[2].strip() if len(words) > 2 else None
    notice = re.fullmatch(r"(\d{1,3})(?:\s*days?)?", reason or "")
    if state is ItemState.DONE and reason is not None:
        if notice is None or int(notice[1]) > MAX_NOTICE:
            raise GrammarError(
                f"`done` takes no reason; `{AUTO_RENEWAL} done <days>` takes the notice period "
                f"(0–{MAX_NOTICE} days)."
            )
        return number, ItemChange(words[0].lower(), state, None, int(notice[1]))
    return number, ItemChange(words[0].lower(), state, reason or None)


@subcommand("checklist", CHECKLIST_USAGE, "a request's contract checklist", order=89)
def checklist(runtime: Runtime, invocation: Invocation) -> Reply:
    """Show a request's contract checklist, or set one item's state."""
    number, change = arguments(_parse_checklist, invocation.args)
    if change is not None:
        outbox, done = perform(
            runtime, compliance.set_checklist, invocation.user_id,
            SetChecklist(number, (change,)),
        )  # fmt: skip
        if not done.changed:
            return Reply(text=f"{done.key}'s checklist already says so; nothing changed.")
        return Reply(text=f"{done.key}'s checklist is updated.", after_ack=[outbox.deliver])
    with runtime.db.reading() as session:
        request, pod = load_request(session, runtime.config, number, for_update=False)
        if pod.role_of(invocation.user_id) is None:
            raise NotPermitted(
                f"{request.key} belongs to {pod.name}, and you are not a member of it."
            )
        statuses = checklist_of(session, request.id, pod.checklist)
        key = request.key
    lines = [f"*{key}* — contract checklist"]
    for status in statuses:
        mark = ":white_check_mark:" if status.settled else ":white_large_square:"
        reason = f" ({status.reason})" if status.reason else ""
        need = "" if status.item.required else " _(optional)_"
        lines.append(
            f"{mark} {escape_mrkdwn(status.item.name)} `{status.item.key}`: "
            f"{STATE_WORDS[status.state]}{reason}{need}"
        )
    return Reply(text="\n".join(lines))


@subcommand("solesource", "solesource REQ <reason>", "no competing quote: why", order=91)
def solesource(runtime: Runtime, invocation: Invocation) -> Reply:
    number, reason = arguments(parse_key_and_text, invocation.args, "reason")
    outbox, done = perform(
        runtime, compliance.sole_source, invocation.user_id, Explain(number, reason)
    )
    return Reply(text=f"{done.key}: sole source recorded.", after_ack=[outbox.deliver])


@subcommand("nosaving", "nosaving REQ <reason>", "no savings claim: why", order=92)
def nosaving(runtime: Runtime, invocation: Invocation) -> Reply:
    number, reason = arguments(parse_key_and_text, invocation.args, "reason")
    outbox, done = perform(
        runtime, compliance.no_saving, invocation.user_id, Explain(number, reason)
    )
    return Reply(text=f"{done.key}: no saving recorded.", after_ack=[outbox.deliver])


@subcommand(
    "attach", "attach REQ <link>", "the final quote, signed contract, PO or invoice", order=93
)
def attach(runtime: Runtime, invocation: Invocation) -> Reply:
    number, document = arguments(parse_key_and_text, invocation.args, "link")
    outbox, done = perform(runtime, compliance.attach, invocation.user_id, Attach(number, document))
    return Reply(text=f"{done.key}: document attached.", after_ack=[outbox.deliver])


def register(app: App, runtime: Runtime) -> None:
    """The card's Checklist and Vendor file buttons and their modals."""

    def vendor_file(session: Session, request: Request, _pod: Pod, channel: str) -> View:
        metadata = RequestForm(request.id, channel).dumps()
        title = f"{request.key} · vendor file of {request.tool}"
        return vendor_document_modal(metadata, title, list(DOCUMENT_KINDS.items()))

    # A vendor's file is open to record in at any stage.
    vendor_work = modal_opener(runtime, Action.VENDOR_FILE, vendor_file, stage=lambda _r: None)
    on_request_click(app, runtime, ActionId.CARD_VENDOR, "card vendor", vendor_work)

    @app.view(CallbackId.VENDOR_DOCUMENT.value)
    def on_vendor_submit(ack: Ack, body: dict[str, Any]) -> None:
        user, values, metadata = view_context(body)

        def handle() -> Outbox:
            context = RequestForm.loads(
                metadata, source="the vendor file form's private_metadata",
                refusal="This form no longer points at a request.",
            )  # fmt: skip
            assert context.request is not None
            kind, received, expires = parse_vendor_document_form(values, list(DOCUMENT_KINDS))
            with runtime.db.reading() as session:
                request, _pod = load_request(
                    session, runtime.config, context.request, for_update=False
                )
                tool = request.tool
            outbox, done = perform(
                runtime, compliance.record_document, user,
                RecordDocument(tool, VendorDocInput(kind, received, expires)),
            )  # fmt: skip
            if context.channel:
                outbox.ephemeral(
                    context.channel, user,
                    f"Recorded {escape_mrkdwn(done.vendor)}'s {DOCUMENT_KINDS[done.kind]}.",
                )  # fmt: skip
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.DOCUMENT.value,
            action="card vendor",
        )  # fmt: skip

    def checklist_form(session: Session, request: Request, pod: Pod, channel: str) -> View:
        items = [
            (s.item.key, s.item.name, s.state.value, s.reason)
            for s in checklist_of(session, request.id, pod.checklist)
        ]
        metadata = RequestForm(request.id, channel).dumps()
        title = f"{request.key} · {request.customer} · {request.tool}"
        return checklist_modal(metadata, title, items)

    def open_only(request: Request) -> None:
        if request.stage not in OPEN_STAGES:
            raise WrongStage(f"{request.key} is {request.stage}.")

    checklist_work = modal_opener(runtime, Action.COMPLIANCE, checklist_form, stage=open_only)
    on_request_click(app, runtime, ActionId.CARD_CHECKLIST, "card checklist", checklist_work)

    @app.view(CallbackId.CHECKLIST.value)
    def on_submit(ack: Ack, body: dict[str, Any]) -> None:
        user, values, metadata = view_context(body)
        first = next(
            (k for k in values if k.startswith(BlockId.CHECKLIST_STATE.value + ":")),
            BlockId.CHECKLIST_STATE.value,
        )

        def handle() -> Outbox:
            context = RequestForm.loads(
                metadata, source="the checklist form's private_metadata",
                refusal="This form no longer points at a request.",
            )  # fmt: skip
            assert context.request is not None
            keys = [
                key.split(":", 1)[1]
                for key in values
                if key.startswith(BlockId.CHECKLIST_STATE.value + ":")
            ]
            changes = tuple(
                ItemChange(key, ItemState(state), reason)
                for key, state, reason in parse_checklist_form(values, keys)
            )
            outbox, done = perform(
                runtime, compliance.set_checklist, user, SetChecklist(context.request, changes)
            )
            if context.channel:
                text = (
                    f"{done.key}'s checklist is updated."
                    if done.changed
                    else f"{done.key}'s checklist is unchanged."
                )
                outbox.ephemeral(context.channel, user, text)
            return outbox

        answer_submission(
            runtime, ack, body, handle,
            field_for_refusals=first, action="card checklist",
        )  # fmt: skip
