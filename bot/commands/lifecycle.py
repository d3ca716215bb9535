"""`qualify`, `disqualify`, `assign` and `close`: moving a request along SPEC §2's lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.commands.access import authorize, load_request
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.commands.terms import inline_row, prompt_term, record_term
from bot.db.requests import record_event
from bot.domain.grammar import Close, parse_assign, parse_close, parse_key, parse_key_and_text
from bot.domain.lifecycle import Action, StageError, negotiation_due, next_stage
from bot.domain.mentions import defuse_broadcasts
from bot.domain.vocabulary import Outcome, Stage
from bot.errors import NotPermitted, WrongStage
from bot.slack import reminder_dms
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
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
        record_event(session, request, at=now, actor=user_id, kind="qualified")
        outbox.card(session, request.id)
        session.flush()
        reminder_dms.settle(session, outbox, requests=[request.id])
        outbox.homes_of(session, request)
        outbox.thread(session, request.id, f":white_check_mark: Qualified by <@{user_id}>.")
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
        authorize(runtime.config, user_id, request, pod, Action.DISQUALIFY)
        request.stage = _advance(request.stage, Action.DISQUALIFY, request.key)
        now = runtime.clock.now()
        request.analyst_id = request.analyst_id or user_id
        request.resolution_note = reason
        record_event(session, request, at=now, actor=user_id, kind="disqualified", text=reason)
        outbox.card(session, request.id)
        session.flush()
        reminder_dms.settle(session, outbox, requests=[request.id])
        outbox.homes_of(session, request)
        outbox.thread(
            session,
            request.id,
            f":no_entry: Disqualified by <@{user_id}>: {defuse_broadcasts(reason)}",
        )
        key = request.key
    return outbox, key


@subcommand(
    "assign", "assign REQ @buyer", "hand over to a buyer; starts the negotiation TAT", order=40
)
def assign(runtime: Runtime, invocation: Invocation) -> Reply:
    """Assign a qualified request to a buyer (or reassign one under negotiation)."""
    number, buyer = arguments(parse_assign, invocation.args)
    outbox, text = assign_request(runtime, invocation.user_id, number, buyer)
    return Reply(text=text, after_ack=[outbox.deliver])


def assign_request(runtime: Runtime, user_id: str, number: int, buyer: str) -> tuple[Outbox, str]:
    """The work of `assign` (command and the card's buyer picker): (outbox, the answer)."""
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, number)
        authorize(runtime.config, user_id, request, pod, Action.ASSIGN)
        if pod.role_of(buyer) not in ("buyer", "em"):
            raise NotPermitted(f"<@{buyer}> is not a buyer in {pod.name}, so cannot be assigned.")
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
        due_text = f"<!date^{int(due.timestamp())}^{{date_short_pretty}} {{time}}|{due:%Y-%m-%d}>"
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
            session, request, at=now, actor=user_id, kind="assigned",
            text=f"to <@{buyer}>", data={"buyer": buyer, "previous": previous},
        )  # fmt: skip
        outbox.card(session, request.id)
        session.flush()
        reminder_dms.settle(session, outbox, requests=[request.id])
        outbox.homes_of(session, request)
        outbox.homes(session, [previous])  # a reassignment leaves the last buyer's Home
        outbox.thread(session, request.id, line)
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
        request.stage = _advance(request.stage, action, request.key)
        now = runtime.clock.now()
        request.outcome = outcome
        request.closed_at = now
        request.resolution_note = note
        record_event(
            session, request, at=now, actor=user_id, kind="closed",
            text=outcome + (f": {note}" if note else ""), data={"outcome": outcome},
        )  # fmt: skip
        emoji = {"won": ":trophy:", "lost": ":x:", "cancelled": ":wastebasket:"}[outcome]
        outbox.card(session, request.id)
        session.flush()
        reminder_dms.settle(session, outbox, requests=[request.id])
        outbox.homes_of(session, request)
        outbox.thread(
            session,
            request.id,
            f"{emoji} Closed *{outcome}* by <@{user_id}>"
            + (f": {defuse_broadcasts(note)}" if note else "."),
        )
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
