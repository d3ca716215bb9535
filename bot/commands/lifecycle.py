"""`qualify`, `disqualify`, `preapproval`, `assign`, `stage` and `close`: moving a request along
SPEC §2's lifecycle, and the facts on the way (a pre-approval, procurement steps)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.blocks.ids import ActionId
from bot.blocks.modals import disqualify_modal
from bot.blocks.text import plural, slack_date
from bot.commands.access import authorize, load_request
from bot.commands.interactions import answer_click
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.commands.terms import inline_row, prompt_term, record_term
from bot.consequences import (
    ProcurementStepMoved,
    RequestChanged,
    RequestReassigned,
    ThreadLine,
    record,
)
from bot.db.models import ProcurementStep, Request
from bot.db.requests import open_step, record_event
from bot.domain.grammar import (
    Close,
    parse_assign,
    parse_close,
    parse_key,
    parse_key_and_optional_text,
    parse_key_and_text,
    parse_stage_step,
)
from bot.domain.lifecycle import Action, StageError, negotiation_due, next_stage
from bot.domain.mentions import defuse_broadcasts
from bot.domain.procurement import PREAPPROVAL_NO_RESPONSE, bound_days, step_day, step_words
from bot.domain.renewals import past_renewal
from bot.domain.vocabulary import EventKind, Outcome, Role, Stage, counts_as_buyer
from bot.errors import NotFound, NotPermitted, UsageError, WrongStage
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Pod
    from bot.runtime import Runtime


def _advance(stage: str, action: Action, key: str) -> str:
    try:
        return next_stage(stage, action, key)
    except StageError as exc:
        raise WrongStage(exc.message) from None


@subcommand("qualify", "qualify REQ", "intake → qualified", order=20)
def qualify(runtime: Runtime, invocation: Invocation) -> Reply:
    """Qualify an intake request."""
    number = arguments(parse_key, invocation.args)
    outbox, key = qualify_request(runtime, invocation.user_id, number)
    return Reply(
        text=f"{key} is qualified. Next: `/proc assign {key} @buyer`.", after_ack=[outbox.deliver]
    )


def qualify_request(runtime: Runtime, user_id: str, number: int) -> tuple[Outbox, str]:
    """The work of `qualify` (the command and the card's Qualify button): (outbox, key)."""
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, number)
        authorize(runtime.config, user_id, request, pod, Action.QUALIFY)
        request.stage = _advance(request.stage, Action.QUALIFY, request.key)
        now = runtime.clock.now()
        request.qualified_at = now
        request.analyst_id = user_id
        record_event(session, request, at=now, actor=user_id, kind=EventKind.QUALIFIED)
        record(
            session, outbox, RequestChanged(request.id, "qualified"),
            ThreadLine(request.id, f":white_check_mark: Qualified by <@{user_id}>."),
        )  # fmt: skip
        key = request.key
    return outbox, key


@subcommand("disqualify", "disqualify REQ <reason>", "intake → disqualified", order=30)
def disqualify(runtime: Runtime, invocation: Invocation) -> Reply:
    """Disqualify an intake request, with the reason."""
    number, reason = arguments(parse_key_and_text, invocation.args, "reason")
    outbox, key = disqualify_request(runtime, invocation.user_id, number, reason)
    return Reply(text=f"{key} is disqualified.", after_ack=[outbox.deliver])


def disqualify_request(
    runtime: Runtime, user_id: str, number: int, reason: str
) -> tuple[Outbox, str]:
    """The work of `disqualify` (command and the card's reason modal); `reason` is mrkdwn."""
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, number)
        key = _disqualify(session, runtime, outbox, request, pod, user_id, reason)
    return outbox, key


def _disqualify(
    session: Session,
    runtime: Runtime,
    outbox: Outbox,
    request: Request,
    pod: Pod,
    user_id: str,
    reason: str,
) -> str:
    """The one path of a disqualification: `/proc disqualify` and the disqualify modal."""
    authorize(runtime.config, user_id, request, pod, Action.DISQUALIFY)
    request.stage = _advance(request.stage, Action.DISQUALIFY, request.key)
    now = runtime.clock.now()
    request.analyst_id = request.analyst_id or user_id
    request.resolution_note = reason
    record_event(session, request, at=now, actor=user_id, kind=EventKind.DISQUALIFIED, text=reason)
    record(
        session, outbox, RequestChanged(request.id, "disqualified"),
        ThreadLine(
            request.id, f":no_entry: Disqualified by <@{user_id}>: {defuse_broadcasts(reason)}"
        ),
    )  # fmt: skip
    return request.key


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
        _advance(request.stage, Action.PREAPPROVAL, request.key)
        if request.preapproved_at is not None:
            raise WrongStage(
                f"{request.key} was already pre-approved by <@{request.preapproved_by}>."
            )
        now = runtime.clock.now()
        request.preapproved_at, request.preapproved_by = now, invocation.user_id
        request.analyst_id = request.analyst_id or invocation.user_id
        hours = runtime.config.clocks.preapproval_hours
        record_event(
            session, request, at=now, actor=invocation.user_id, kind=EventKind.PREAPPROVAL,
            text=note,
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
    return Reply(
        text=f"{key} is pre-approved: the qualification clock is met; waiting on the customer.",
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
        _advance(request.stage, Action.PROCUREMENT_STEP, request.key)
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
    outbox, text = assign_request(runtime, invocation.user_id, number, buyer)
    return Reply(text=text, after_ack=[outbox.deliver])


def _buyers_of(pod: Pod) -> str:
    """The POD's buyers (those `assign` takes), as mentions."""
    buyers = pod.members_with(Role.BUYER)
    return ", ".join(f"<@{user}>" for user in buyers) or "none yet"


def assign_request(runtime: Runtime, user_id: str, number: int, buyer: str) -> tuple[Outbox, str]:
    """The work of `assign` (command and the card's buyer picker): (outbox, the answer)."""
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, number)
        authorize(runtime.config, user_id, request, pod, Action.ASSIGN)
        if not counts_as_buyer(pod.role_of(buyer)):
            raise NotPermitted(
                f"<@{buyer}> is not a buyer in {pod.name}, so cannot be assigned; "
                f"{pod.name}'s buyers: {_buyers_of(pod)}."
            )
        reassign = request.stage == Stage.NEGOTIATING
        request.stage = _advance(request.stage, Action.ASSIGN, request.key)
        if reassign and request.buyer_id == buyer:
            raise WrongStage(f"{request.key} is already assigned to <@{buyer}>.")
        now = runtime.clock.now()
        days = runtime.config.clocks.tat_days[request.kind]
        if not reassign:
            # The TAT runs from the first handover; a reassignment keeps the clock.
            request.assigned_at = now
            request.tat_due_at = negotiation_due(pod.timezone, now, days)
            request.last_update_at = now
        request.analyst_id = request.analyst_id or user_id
        previous, request.buyer_id = request.buyer_id, buyer
        due = request.tat_due_at
        assert due is not None
        due_text = slack_date(due, pod.timezone, with_time=True)
        if reassign:
            line = (
                f":arrows_counterclockwise: Reassigned from <@{previous}> to <@{buyer}> "
                f"by <@{user_id}>. TAT still due {due_text}."
            )
        else:
            line = (
                f":handshake: Assigned to <@{buyer}> by <@{user_id}>. "
                f"Negotiation TAT: {days} days, due {due_text}."
            )
        record_event(
            session, request, at=now, actor=user_id, kind=EventKind.ASSIGNED,
            text=f"to <@{buyer}>", data={"buyer": buyer, "previous": previous},
        )  # fmt: skip
        record(
            session, outbox, RequestReassigned(request.id, previous), ThreadLine(request.id, line)
        )
        key = request.key
    return outbox, f"{key} is assigned to <@{buyer}>; the TAT is due {due_text}."


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
    outbox, text = close_request(
        runtime,
        invocation.user_id,
        number,
        lambda pod: arguments(parse_close, invocation.args, pod.currency),
    )
    return Reply(text=text, after_ack=[outbox.deliver])


def close_request(
    runtime: Runtime, user_id: str, number: int, read: Callable[[Pod], Close]
) -> tuple[Outbox, str]:
    """The work of `close` (command and the card's Close modal); `read` gives the fields once
    the request's POD (its currency) is known; a note is mrkdwn. Returns (outbox, answer)."""
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, number)
        fields = read(pod)
        outcome, note = fields.outcome, fields.note
        action = Action.CANCEL if outcome == "cancelled" else Action.CLOSE
        authorize(runtime.config, user_id, request, pod, action)
        if fields.term is not None:
            authorize(runtime.config, user_id, request, pod, Action.RECORD_TERM)
            past = past_renewal(fields.term.renewal_date, pod.today(runtime.clock.now()))
            if past:
                raise UsageError(past)
        request.stage = _advance(request.stage, action, request.key)
        now = runtime.clock.now()
        request.outcome = outcome
        request.closed_at = now
        request.resolution_note = note
        record_event(
            session, request, at=now, actor=user_id, kind=EventKind.CLOSED,
            text=outcome + (f": {note}" if note else ""), data={"outcome": outcome},
        )  # fmt: skip
        emoji = {"won": ":trophy:", "lost": ":x:", "cancelled": ":wastebasket:"}[outcome]
        record(
            session, outbox, RequestChanged(request.id, "closed"),
            ThreadLine(
                request.id,
                f"{emoji} Closed *{outcome}* by <@{user_id}>"
                + (f": {defuse_broadcasts(note)}" if note else "."),
            ),
        )  # fmt: skip
        key = request.key
        text = f"{key} is closed ({outcome})."
        if fields.term is not None:
            row = inline_row(request, pod, fields.term)
            record_term(session, runtime, outbox, request, pod, user_id, row, now)
            text = f"{key} is closed (won) and its new term is recorded in the SaaS stack."
        elif outcome == Outcome.WON:
            prompt_term(session, outbox, request, pod)
            text += " Record its new term with the button in its thread."
    return outbox, text


def _clicked_request(body: dict[str, Any]) -> int | None:
    action = (body.get("actions") or [{}])[0]
    try:
        return int(action.get("value", ""))
    except ValueError:
        return None


def register(app: App, runtime: Runtime) -> None:
    """Listen for the pre-approval reminder's Disqualify: no response button; the disqualify
    modal it opens is the card's (its submission: bot/commands/card_actions.py)."""

    @app.action(ActionId.PREAPPROVAL_DISQUALIFY.value)
    def on_disqualify_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body.get("user", {}).get("id", "")
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
        request_id = _clicked_request(body)

        def handle() -> Outbox:
            if request_id is None:
                raise NotFound("This button does not point at a request.")
            with runtime.db.transaction() as session:
                request, pod = load_request(session, runtime.config, request_id)
                authorize(runtime.config, user, request, pod, Action.DISQUALIFY)
                _advance(request.stage, Action.DISQUALIFY, request.key)
                title = f"{request.key} · {request.customer} · {request.tool}"
            metadata = json.dumps({"request": request_id, "channel": channel})
            outbox = Outbox(runtime)
            outbox.view(
                body["trigger_id"], disqualify_modal(metadata, title, PREAPPROVAL_NO_RESPONSE)
            )
            return outbox

        answer_click(runtime, body, handle, channel=channel, user=user, action="disqualify")
