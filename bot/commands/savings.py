"""`/proc savings` and the Approve / Reject buttons in the request's thread (SPEC §4)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from sqlalchemy import CursorResult, select, update

from bot.blocks.claims import claim_noun, claim_verb, headline, reject_modal, revision_note
from bot.blocks.ids import VALUE_ACTION_ID, ActionId, BlockId, CallbackId
from bot.blocks.text import escape_mrkdwn, slack_date
from bot.commands.access import authorize, load_request
from bot.commands.interactions import (
    answer_click,
    answer_submission,
    read_context,
    unconfirmed,
    view_context,
)
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import ClaimDecided, ClaimPosted, record
from bot.db.content import claim_view
from bot.db.models import Request, SavingsClaim
from bot.db.requests import record_event
from bot.db.savings import (
    pending_claim,
    revised_claim,
    supersede_revised,
)
from bot.domain.grammar import control_character_problem, parse_key, parse_leading_key, parse_quote
from bot.domain.lifecycle import Action, savings_decision_refusal
from bot.domain.money import Money, format_money, out_of_scale
from bot.domain.savings import ClaimError, check_claim, parse_claim_text
from bot.domain.vocabulary import ClaimStatus, EventKind, Outcome, Role, Stage
from bot.errors import FieldErrors, NotFound, NotPermitted, Refusal, WrongStage
from bot.slack.outbox import Outbox, mentions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

log = logging.getLogger(__name__)
USAGE = "savings REQ <baseline> <final> [avoidance] [| additional]"


@subcommand("savings", USAGE, "claim savings for the em's approval", order=70)
def savings(runtime: Runtime, invocation: Invocation) -> Reply:
    """Store a pending claim, supersede the previous one, and post it for approval."""
    rest = invocation.args.split(maxsplit=1)[1:]
    number = arguments(parse_leading_key, invocation.args)
    outbox, text = claim_savings(
        runtime,
        invocation.user_id,
        number,
        rest[0] if rest else "",
        usage=f"`{invocation.command} {USAGE}`",
    )
    return Reply(text=text, after_ack=[outbox.deliver])


def require_savings_stage(request: Request) -> None:
    """Savings are claimed while negotiating or once won; WrongStage otherwise."""
    if not (
        request.stage == Stage.NEGOTIATING
        or (request.stage == Stage.CLOSED and request.outcome == Outcome.WON)
    ):
        state = f"closed {request.outcome}" if request.stage == Stage.CLOSED else request.stage
        raise WrongStage(
            f"{request.key} is {state}: savings are claimed while negotiating or once won."
        )


def claim_savings(
    runtime: Runtime,
    user_id: str,
    number: int,
    typed: str,
    *,
    usage: str | None = None,
    confirmed: bool = False,
) -> tuple[Outbox, str]:
    """The work of `savings` (command, the card's Claim savings modal and "Yes, log it"):
    `typed` is `<baseline> <final> [avoidance] [| additional]`. A baseline far from the
    request's current spend is asked to be confirmed first (nothing written) unless
    `confirmed`. Returns (outbox, the answer)."""
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        request, pod = load_request(session, runtime.config, number)
        claimed = arguments(parse_claim_text, typed, pod.currency)
        baseline, final, kind = claimed.baseline, claimed.final, claimed.kind
        authorize(runtime.config, user_id, request, pod, Action.SAVINGS)
        require_savings_stage(request)
        try:
            check_claim(baseline, final)
        except ClaimError as exc:
            raise Refusal(str(exc), usage=usage) from None
        approvers = pod.claim_approvers(user_id)
        if not approvers.users:
            who = (
                f"You are the only em of {pod.name}"
                if pod.role_of(user_id) == Role.EM
                else f"{pod.name} has no em"
            )
            raise NotPermitted(
                f"{who} and it has no fallback approver, so nobody could decide this claim "
                "(an operator sets `fallback_approvers` for the POD in the config)."
            )
        spend = Money(request.amount, request.currency) if request.amount is not None else None
        scale = out_of_scale(baseline, spend)
        if scale is not None and spend is not None and not confirmed:
            raise unconfirmed(
                runtime, "savings", f"{request.key} {' '.join(typed.split())}",
                f"A baseline of {format_money(baseline)} is {scale} {request.key}'s current "
                f"spend ({format_money(spend)}); nothing is claimed yet.",
            )  # fmt: skip
        now = runtime.clock.now()
        previous = pending_claim(session, request.id)
        # The claim it replaces is named by its kind and amount, never by its id.
        was = (
            headline(claim_view(session, runtime.config, previous)) if previous is not None else ""
        )
        if previous is not None:
            # Out of the one-pending slot first, so the schema's partial unique index holds.
            previous.status = ClaimStatus.SUPERSEDED.value
            session.flush()
        # A claim not marked additional revises the request's approved claim of its kind.
        revised = None if claimed.additional else revised_claim(session, request.id, kind)
        claim = SavingsClaim(
            request_id=request.id,
            kind=kind,
            baseline=baseline.amount,
            final=final.amount,
            currency=baseline.currency,
            status=ClaimStatus.PENDING.value,
            created_by=user_id,
            created_at=now,
            additional=claimed.additional,
            revises_id=revised.id if revised is not None else None,
        )
        session.add(claim)
        session.flush()
        view = claim_view(session, runtime.config, claim)
        note = revision_note(view)
        record_event(
            session, request, at=now, actor=user_id, kind=EventKind.SAVINGS_CLAIMED,
            text=f"{headline(view)} ({format_money(baseline)} → {format_money(final)}, {kind}"
            + (f"; {note}" if note else "") + ")",
            data={"claim": claim.id},
        )  # fmt: skip
        if previous is not None:
            previous.superseded_by_id = claim.id
            record_event(
                session, request, at=now, actor=user_id, kind=EventKind.SAVINGS_SUPERSEDED,
                text=f"{was} replaced by {headline(view)}",
            )  # fmt: skip
        # The card shows the claim pending, since when; a superseded claim's message says so.
        record(
            session, outbox,
            ClaimPosted(claim.id, request.id, previous.id if previous is not None else None),
        )  # fmt: skip
        ems = mentions(list(approvers.users))
        noun = claim_noun(kind)
        text = (
            f"{noun[:1].upper()}{noun[1:]} of {headline(view)} on {request.key} posted in its "
            f"thread for {ems} to approve"
            + (f" (fallback approver: {approvers.reason})." if approvers.fallback else ".")
        )
        if view.revises is not None:
            text += (
                f" It {note}: approved, it replaces that one in every figure; rejected, that "
                "one stands."
            )
        elif claimed.additional:
            text += " It is marked additional: approved, it counts beside the request's claim."
        if previous is not None:
            text += f" It supersedes the pending {claim_noun(previous.kind)} of {was}."
    return outbox, text


def _decide(
    session: Session,
    runtime: Runtime,
    outbox: Outbox,
    claim_id: int,
    user_id: str,
    status: ClaimStatus,
    reason: str | None = None,
) -> SavingsClaim:
    """Record the one decision on a claim, or refuse saying who decided first."""
    claim = _check_decider(session, runtime, claim_id, user_id)
    now = runtime.clock.now()
    revised: int | None = None
    if status is ClaimStatus.APPROVED and not claim.additional:
        # A revision replaces the request's claim of its kind, from now on: that one stops
        # counting first, so the schema's one-effective-claim index holds at every statement.
        revised = supersede_revised(session, claim, now)
    # The database decides the race: only one UPDATE finds the claim still pending. A loser
    # raises, and its transaction — the supersession above included — is rolled back.
    result = session.execute(
        update(SavingsClaim)
        .where(SavingsClaim.id == claim_id, SavingsClaim.status == ClaimStatus.PENDING.value)
        .values(
            status=status.value, decided_by=user_id, decided_at=now, reason=reason,
            revises_id=revised if status is ClaimStatus.APPROVED else SavingsClaim.revises_id,
        )
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    assert isinstance(result, CursorResult)  # what an UPDATE returns
    if result.rowcount != 1:
        raise Refusal(_already_decided(session, claim_id))
    session.refresh(claim)
    request, _pod = load_request(session, runtime.config, claim.request_id, for_update=False)
    view = claim_view(session, runtime.config, claim)
    kind = (
        EventKind.SAVINGS_APPROVED if status is ClaimStatus.APPROVED else EventKind.SAVINGS_REJECTED
    )
    # The reason is a modal value, which Slack does not escape: plain text, shown as itself.
    shown = escape_mrkdwn(reason) if reason else None
    record_event(
        session, request, at=now, actor=user_id, kind=kind,
        text=f"{headline(view)} {claim_verb(claim.kind)}" + (f" — {shown}" if shown else ""),
        data={"claim": claim.id},
    )  # fmt: skip
    told = list(dict.fromkeys(u for u in (request.buyer_id, claim.created_by) if u))
    yours = f"{mentions(told)} your {claim_noun(claim.kind)} of {headline(view)}"
    if status is ClaimStatus.APPROVED:
        line = f":tada: {yours} was approved by <@{user_id}>."
        if view.revises is not None:
            line += (
                f" It replaces the approved {format_money(view.revises.saved)}, which no longer "
                "counts."
            )
    else:
        line = f":no_entry: {yours} was rejected by <@{user_id}>: {shown}"
        if view.revises is not None:
            line += f"\nThe approved {format_money(view.revises.saved)} stands."
    record(
        session, outbox,
        ClaimDecided(
            claim.id, request.id, status, user_id, line, request.tool_key,
            revised,
        ),
    )  # fmt: skip
    return claim


def _check_decider(session: Session, runtime: Runtime, claim_id: int, user_id: str) -> SavingsClaim:
    claim = session.get(SavingsClaim, claim_id)
    if claim is None:
        raise NotFound("This savings claim no longer exists.")
    _request, pod = load_request(session, runtime.config, claim.request_id, for_update=False)
    approvers = pod.claim_approvers(claim.created_by)
    refusal = savings_decision_refusal(
        pod.role_of(user_id),
        pod.name,
        is_claimant=claim.created_by == user_id,
        is_fallback_approver=user_id in pod.fallback_approvers,
        fallback_applies=approvers.fallback,
    )
    if refusal is not None:
        raise NotPermitted(refusal)
    if claim.status != ClaimStatus.PENDING.value:
        raise Refusal(_already_decided(session, claim_id))
    return claim


def _already_decided(session: Session, claim_id: int) -> str:
    claim = session.scalars(
        select(SavingsClaim)
        .where(SavingsClaim.id == claim_id)
        .execution_options(populate_existing=True)
    ).one()
    if claim.status == ClaimStatus.SUPERSEDED.value:
        return "This claim was superseded by a newer claim in the same thread; decide on that one."
    assert claim.decided_at is not None
    request = session.get(Request, claim.request_id)
    assert request is not None
    decided = slack_date(claim.decided_at, request.pod.timezone, with_time=True)
    return f"This claim was already {claim.status} by <@{claim.decided_by}> at {decided}."


NO_COMMAND = "This button no longer carries a command; type it again."


def run_confirmed(runtime: Runtime, user_id: str, command: str, args: str) -> tuple[Outbox, str]:
    """ "Yes, log it": `/proc <command> <args>` (a quote or a claim whose amount is far from the
    request's) run again through its use case, as typed, confirmed."""
    from bot.commands.updates import record_quote  # the quote's use case, beside the claim's

    head, *rest = args.split(maxsplit=1) or [""]
    number = arguments(parse_key, head)
    if command == "quote":
        return record_quote(
            runtime, user_id, number,
            lambda pod: arguments(parse_quote, args, pod.currency)[1:],
            args=args, confirmed=True,
        )  # fmt: skip
    if command == "savings":
        return claim_savings(runtime, user_id, number, rest[0] if rest else "", confirmed=True)
    raise Refusal(NO_COMMAND)


def _once_of(value: object) -> str | None:
    """The key a "Yes, log it" button counts once by, if its value has one."""
    try:
        once = json.loads(value).get("once") if isinstance(value, str) else None
    except (ValueError, AttributeError):
        return None
    return once if isinstance(once, str) and once else None


def _click(body: dict[str, Any]) -> tuple[str, int | None, str, str | None]:
    """(user, claim id, channel, thread ts) of a button click."""
    action = (body.get("actions") or [{}])[0]
    try:
        claim_id: int | None = int(action.get("value", ""))
    except ValueError:
        claim_id = None
    # From the App Home there is no message, channel or thread (`container.type` "view"):
    # the channel is "" and a refusal goes to the clicker by DM.
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    return body.get("user", {}).get("id", ""), claim_id, channel, message.get("thread_ts")


def register(app: App, runtime: Runtime) -> None:
    """Listen for Approve and Reject clicks, the rejection modal and "Yes, log it"."""

    @app.action(ActionId.SAVINGS_APPROVE.value)
    def on_approve(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user, claim_id, channel, thread_ts = _click(body)

        def handle() -> Outbox:
            if claim_id is None:
                raise NotFound("This button does not point at a savings claim.")
            outbox = Outbox(runtime)
            with runtime.db.transaction() as session:
                _decide(session, runtime, outbox, claim_id, user, ClaimStatus.APPROVED)
            return outbox

        answer_click(
            runtime, body, handle, channel=channel, user=user, thread_ts=thread_ts, action="approve"
        )

    @app.action(ActionId.SAVINGS_REJECT.value)
    def on_reject(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user, claim_id, channel, thread_ts = _click(body)

        def handle() -> Outbox:
            if claim_id is None:
                raise NotFound("This button does not point at a savings claim.")
            with runtime.db.transaction() as session:
                claim = _check_decider(session, runtime, claim_id, user)
                view = claim_view(session, runtime.config, claim)
            metadata = json.dumps({"claim": claim_id, "channel": channel, "thread_ts": thread_ts})
            outbox = Outbox(runtime)
            outbox.view(body["trigger_id"], reject_modal(metadata, view))
            return outbox

        answer_click(
            runtime, body, handle, channel=channel, user=user, thread_ts=thread_ts, action="reject"
        )

    @app.action(ActionId.CONFIRM_AMOUNT.value)
    def on_confirm(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body.get("user", {}).get("id", "")
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
        thread_ts = container.get("thread_ts")

        def handle() -> Outbox:
            context = read_context(
                action.get("value"), source="the Yes, log it button's value",
                refusal=NO_COMMAND, required={"command": str, "args": str, "once": str},
            )  # fmt: skip
            outbox, text = run_confirmed(runtime, user, context["command"], context["args"])
            if channel:
                outbox.ephemeral(channel, user, text, thread_ts)
            return outbox

        # Whichever click of the button comes first logs it; later ones change nothing.
        answer_click(
            runtime, body, handle, channel=channel, user=user, thread_ts=thread_ts,
            action="confirm amount", once=_once_of(action.get("value")),
        )  # fmt: skip

    @app.view(CallbackId.SAVINGS_REJECT.value)
    def on_reject_submitted(ack: Ack, body: dict[str, Any]) -> None:
        user_id, values, metadata = view_context(body)

        def handle() -> Outbox:
            claim_id = read_context(
                metadata, source="the reject form's private_metadata",
                refusal="This form no longer points at a savings claim.", required={"claim": int},
            )["claim"]  # fmt: skip
            reason = (
                ((values.get(BlockId.REASON.value) or {}).get(VALUE_ACTION_ID) or {}).get("value")
                or ""
            ).strip()
            if not reason:
                raise FieldErrors({BlockId.REASON.value: "Say why the claim is rejected."})
            problem = control_character_problem(reason, "this field")  # NUL cannot be stored
            if problem is not None:
                raise FieldErrors({BlockId.REASON.value: problem})
            outbox = Outbox(runtime)
            with runtime.db.transaction() as session:
                _decide(session, runtime, outbox, claim_id, user_id, ClaimStatus.REJECTED, reason)
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.REASON.value, action="reject"
        )
