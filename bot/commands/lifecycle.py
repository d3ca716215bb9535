"""`qualify`, `disqualify`, `preapproval`, `assign`, `stage` and `close`: moving a request along
SPEC §2's lifecycle, and the facts on the way (a pre-approval, procurement steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import Work, requests
from bot.actions.access import authorize, load_request
from bot.actions.holds import start_on_hold
from bot.actions.preapprovals import ask_customer
from bot.actions.requests import Assign, CloseRequest, Disqualify, Qualify, advance
from bot.blocks import answers
from bot.blocks.contexts import RequestForm
from bot.blocks.ids import ActionId
from bot.blocks.modals import disqualify_modal
from bot.blocks.text import plural
from bot.commands.interactions import answer_click, read_click
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform, record
from bot.db.holds import open_hold
from bot.db.models import ProcurementStep
from bot.db.requests import open_step, record_event
from bot.domain.events import (
    ProcurementStepMoved,
    RequestChanged,
    ThreadLine,
)
from bot.domain.grammar import (
    parse_assign,
    parse_close,
    parse_key,
    parse_key_and_optional_text,
    parse_key_and_text,
    parse_stage_step,
)
from bot.domain.holds import HeldClock, HoldParty
from bot.domain.lifecycle import Action
from bot.domain.mentions import defuse_broadcasts
from bot.domain.procurement import PREAPPROVAL_NO_RESPONSE, bound_days, step_day, step_words
from bot.domain.vocabulary import EventKind
from bot.errors import NotFound, WrongStage
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
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, number)
        authorize(runtime.config, invocation.user_id, request, pod, Action.PREAPPROVAL)
        advance(request.stage, Action.PREAPPROVAL, request.key)
        if request.preapproved_at is not None:
            raise WrongStage(
                f"{request.key} was already pre-approved by <@{request.preapproved_by}>."
            )
        now = runtime.clock.now()
        request.preapproved_at, request.preapproved_by = now, invocation.user_id
        request.analyst_id = request.analyst_id or invocation.user_id
        # The customer has the ball: a customer hold on the qualification clock (issue 30),
        # unless one is open already; the pre-approval's thread line says so.
        if open_hold(session, request.id) is None:
            work = Work(session, runtime.config, now, lambda e: record(session, outbox, e))
            start_on_hold(
                work, request, pod, HeldClock.QUALIFICATION, HoldParty.CUSTOMER,
                "pre-approval sent", invocation.user_id, thread=False,
            )  # fmt: skip
        hours = runtime.config.clocks.preapproval_hours
        record_event(
            session, request, at=now, actor=invocation.user_id, kind=EventKind.PREAPPROVAL,
            text=note,
        )  # fmt: skip
        # Put to the customer in their channel, when the account names one (issue 32).
        asked = ask_customer(
            Work(session, runtime.config, now, lambda e: record(session, outbox, e)),
            request, invocation.user_id, note,
        )  # fmt: skip
        record(
            session, outbox, RequestChanged(request.id, "pre-approved"),
            ThreadLine(
                request.id,
                f":envelope_with_arrow: Pre-approval sent to the customer by "
                f"<@{invocation.user_id}>; waiting on the customer (reminder after {hours} "
                "working hours)." + (f"\n>{defuse_broadcasts(note)}" if note else ""),
            ),
        )  # fmt: skip
        key = request.key
        asked_in = asked.channel if asked is not None else None
    where = f" (asked in <#{asked_in}>)" if asked_in else ""
    return Reply(
        text=f"{key} is pre-approved: the qualification clock is met; waiting on the "
        f"customer{where}.",
        after_ack=[outbox.deliver],
    )


STAGE_USAGE = (
    "stage REQ vendor-qualification|security-review|legal-redline|po [started|done] [note]"
)


@subcommand("stage", STAGE_USAGE, "a procurement stage started or done (negotiating)", order=85)
def stage(runtime: Runtime, invocation: Invocation) -> Reply:
    """Start or finish a procurement step of a negotiating request (`/proc stage`)."""
    step = arguments(parse_stage_step, invocation.args)
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, step.number)
        authorize(runtime.config, invocation.user_id, request, pod, Action.PROCUREMENT_STEP)
        advance(request.stage, Action.PROCUREMENT_STEP, request.key)
        now = runtime.clock.now()
        words = step_words(step.stage)
        row = open_step(session, request.id, step.stage)
        if step.done:
            if row is None:
                raise WrongStage(
                    f"{request.key} has no {words} under way: start it with "
                    f"`stage {request.key} {step.stage}`."
                )
            row.done_at, row.done_by = now, invocation.user_id
            if step.note:
                row.note = f"{row.note}\n{step.note}" if row.note else step.note
            days = step_day(row.started_at, now, pod.timezone)
            kind, line = (
                EventKind.PROCUREMENT_DONE,
                (
                    f":white_check_mark: *{words[:1].upper() + words[1:]}* done "
                    f"(after {plural(days, 'day')}), by <@{invocation.user_id}>"
                ),
            )
            answer = f"{request.key}: {words} is done."
        else:
            if row is not None:
                raise WrongStage(f"{request.key}'s {words} is already under way.")
            session.add(
                ProcurementStep(
                    request_id=request.id, stage=step.stage, started_at=now,
                    started_by=invocation.user_id, note=step.note,
                )
            )  # fmt: skip
            low, high = bound_days(runtime.config.procurement_stages[step.stage])
            kind, line = (
                EventKind.PROCUREMENT_STARTED,
                (
                    f":hourglass_flowing_sand: *{words[:1].upper() + words[1:]}* started by "
                    f"<@{invocation.user_id}> (expected {low}–{high} days)"
                ),
            )
            answer = f"{request.key}: {words} started (expected {low}–{high} days)."
        session.flush()
        record_event(
            session, request, at=now, actor=invocation.user_id, kind=kind,
            text=words + (f": {step.note}" if step.note else ""),
            data={"stage": step.stage},
        )  # fmt: skip
        record(
            session, outbox, ProcurementStepMoved(request.id),
            ThreadLine(
                request.id, line + (f":\n>{defuse_broadcasts(step.note)}" if step.note else ".")
            ),
        )  # fmt: skip
    return Reply(text=answer, after_ack=[outbox.deliver])


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
    return Reply(text=answers.closed(done.key, done.outcome, done.term), after_ack=[outbox.deliver])


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
            with runtime.db.transaction() as session:
                request, pod = load_request(session, runtime.config, request_id)
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
