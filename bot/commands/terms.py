"""Close-out keeps the SaaS stack current: a won request's new term (the Record the new term
button in its thread, its modal, and `close REQ won | <amount> | <renewal> [| cycle]`)."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from sqlalchemy import select

from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.modals import TermInput, TermPrefill, parse_term_form, term_modal
from bot.blocks.terms import term_prompt
from bot.blocks.text import escape_mrkdwn, plain_date, slack_date
from bot.commands.access import authorize, load_request
from bot.commands.interactions import (
    answer_click,
    answer_submission,
    read_context,
    view_context,
)
from bot.consequences import RequestChanged, ThreadLine, record
from bot.db.contracts import Terms, TermSaved, find_contract, save_term
from bot.db.models import Contract, PodRow, Request, SavingsClaim
from bot.db.requests import record_event
from bot.db.savings import effective_claim
from bot.domain.contracts import OPTIONAL_COLUMNS, ContractRow, describe_terms
from bot.domain.grammar import NewTerm
from bot.domain.lifecycle import Action
from bot.domain.money import Money
from bot.domain.renewals import past_renewal
from bot.domain.vocabulary import BillingCycle, EventKind, Outcome, Role, Stage
from bot.errors import FieldErrors, NotFound, NotPermitted, WrongStage
from bot.slack.outbox import Outbox, mentions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Pod
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def prompt_term(session: Session, outbox: Outbox, request: Request, pod: Pod) -> None:
    """Ask the POD's analyst(s) in the request's thread to record its new term (a button)."""
    who = mentions(pod.members_with(Role.ANALYST)) or "Analysts,"
    text, blocks = term_prompt(request.id, request.key, who)
    outbox.thread(session, request.id, text, blocks)


def inline_row(request: Request, pod: Pod, term: NewTerm) -> ContractRow:
    """The contract a `close … won | <term>` writes: a cycle left out keeps the stored one."""
    unstated = set(OPTIONAL_COLUMNS)
    if term.billing_cycle is None:
        unstated.add("billing_cycle")
    return ContractRow(
        pod=pod.key, customer=request.customer, tool=request.tool, amount=term.amount,
        renewal_date=term.renewal_date,
        billing_cycle=term.billing_cycle or BillingCycle.ANNUAL.value,
        unstated=frozenset(unstated),
    )  # fmt: skip


def form_row(request: Request, pod: Pod, term: TermInput) -> ContractRow:
    """The contract the new-term modal writes: every field as the form shows it."""
    return ContractRow(
        pod=pod.key, customer=request.customer, tool=request.tool, amount=term.amount,
        renewal_date=term.renewal_date, billing_cycle=term.billing_cycle,
        auto_renew=term.auto_renew, notice_days=term.notice_days,
    )  # fmt: skip


def _check_won(request: Request) -> None:
    if request.stage != Stage.CLOSED or request.outcome != Outcome.WON:
        state = f"closed {request.outcome}" if request.stage == Stage.CLOSED else request.stage
        raise WrongStage(f"{request.key} is {state}: a new term is recorded once it is won.")


def _contract_for(session: Session, request: Request, *, for_update: bool) -> Contract | None:
    """The request's contract (by customer and tool keys), refused when another POD's."""
    contract = find_contract(session, request.customer, request.tool, for_update=for_update)
    if contract is not None and contract.pod_id != request.pod_id:
        owner = session.get(PodRow, contract.pod_id)
        if owner is not None and owner.active:
            raise NotPermitted(
                f"{escape_mrkdwn(contract.customer)} · {escape_mrkdwn(contract.tool)} is in "
                f"{owner.name}'s SaaS stack; ask its analyst or em to change it."
            )
    return contract


def record_term(
    session: Session,
    runtime: Runtime,
    outbox: Outbox,
    request: Request,
    pod: Pod,
    user: str,
    row: ContractRow,
    now: datetime,
) -> TermSaved:
    """Write the new term (contract updated or created, a monthly→annual conversion counted
    once), mark the request's term recorded, and tell the thread; the caller's transaction."""
    _contract_for(session, request, for_update=True)
    pod_id = request.pod_id
    today = now.astimezone(pod.zone).date()
    result = save_term(session, row, pod_id, now, today)
    request.term_recorded_at = now
    request.term_recorded_by = user
    terms = _terms(result.saved.terms, pod.timezone)
    before = result.saved.before
    change = "a new contract" if before is None else f"was {_terms(before, pod.timezone)}"
    text = f"{terms} ({change})" + ("; converted monthly → annual" if result.converted else "")
    record_event(
        session, request, at=now, actor=user, kind=EventKind.TERM_RECORDED, text=text,
        data={"converted": result.converted, "outcome": result.saved.outcome},
    )  # fmt: skip
    name = f"{escape_mrkdwn(request.customer)} · {escape_mrkdwn(request.tool)}"
    line = f":memo: New term recorded by <@{user}>: {name}, {terms}"
    if before is None:
        line += f" — added to {pod.name}'s SaaS stack."
    elif result.saved.outcome == "unchanged":
        line += " — the SaaS stack already said so."
    else:
        line += f" (was {_terms(before, pod.timezone)})."
    if result.converted:
        line += " :arrows_counterclockwise: Converted from monthly to annual billing."
    record(
        session, outbox, RequestChanged(request.id, "term recorded"), ThreadLine(request.id, line)
    )
    return result


def _terms(terms: Terms, timezone: str | None) -> str:
    """The terms as the thread reads them (a date token, the POD's date as fallback); with no
    `timezone`, in plain text (a modal's note)."""
    day = plain_date if timezone is None else (lambda d: slack_date(d, timezone))
    return describe_terms(terms.amount, terms.renewal_date, terms.billing_cycle, day)


def _prefill(
    session: Session, request: Request, contract: Contract | None, today: date
) -> TermPrefill:
    claim = session.scalars(
        select(SavingsClaim)
        .where(
            SavingsClaim.request_id == request.id,
            effective_claim(),
            SavingsClaim.additional.is_(False),  # the request's own price, not another line's
        )
        .order_by(SavingsClaim.id.desc())
    ).first()
    amount: Money | None
    if claim is not None:
        amount = Money(claim.final, claim.currency)
    elif contract is not None:
        amount = Money(contract.annual_amount, contract.currency)
    elif request.amount is not None:
        amount = Money(request.amount, request.currency)
    else:
        amount = None
    current = contract.renewal_date if contract is not None else request.renewal_date
    renewal = _year_after(current if current is not None and current >= today else today)
    title = f"*{request.key}* · {escape_mrkdwn(request.customer)} · {escape_mrkdwn(request.tool)}"
    if contract is not None:
        note = f"Updates its contract: {_terms(_contract_terms(contract), None)}."
        return TermPrefill(title, note, amount, renewal, contract.billing_cycle,
                           contract.auto_renew, contract.notice_days)  # fmt: skip
    note = "No contract in the SaaS stack yet: recording creates one."
    return TermPrefill(title, note, amount, renewal, BillingCycle.ANNUAL.value, None, None)


def _contract_terms(contract: Contract) -> Terms:
    return Terms(
        contract.pod_id, contract.customer, contract.tool, contract.annual_amount,
        contract.currency, contract.renewal_date, contract.billing_cycle, contract.auto_renew,
        contract.notice_days,
    )  # fmt: skip


def _year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _click(body: dict[str, Any]) -> tuple[str, int | None, str, str | None]:
    """(user, request id, channel, thread ts) of a Record the new term click."""
    action = (body.get("actions") or [{}])[0]
    try:
        request_id: int | None = int(action.get("value", ""))
    except ValueError:
        request_id = None
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    return body.get("user", {}).get("id", ""), request_id, channel, message.get("thread_ts")


def register(app: App, runtime: Runtime) -> None:
    """Listen for Record the new term clicks and the new-term modal."""

    @app.action(ActionId.RECORD_TERM.value)
    def on_record_term(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user, request_id, channel, thread_ts = _click(body)

        def handle() -> Outbox:
            if request_id is None:
                raise NotFound("This button does not point at a request.")
            with runtime.db.transaction() as session:
                request, pod = load_request(session, runtime.config, request_id, for_update=False)
                authorize(runtime.config, user, request, pod, Action.RECORD_TERM)
                _check_won(request)
                contract = _contract_for(session, request, for_update=False)
                today = runtime.clock.now().astimezone(pod.zone).date()
                prefill = _prefill(session, request, contract, today)
                currency = pod.currency
            metadata = json.dumps({"request": request_id})
            outbox = Outbox(runtime)
            outbox.view(body["trigger_id"], term_modal(metadata, prefill, currency))
            return outbox

        answer_click(
            runtime, body, handle, channel=channel, user=user, thread_ts=thread_ts,
            action="record term",
        )  # fmt: skip

    @app.view(CallbackId.RECORD_TERM.value)
    def on_term_submitted(ack: Ack, body: dict[str, Any]) -> None:
        user_id, values, metadata = view_context(body)

        def handle() -> Outbox:
            request_id = read_context(
                metadata, source="the term form's private_metadata",
                refusal="This form no longer points at a request.", required={"request": int},
            )["request"]  # fmt: skip
            outbox = Outbox(runtime)
            with runtime.db.transaction() as session:
                request, pod = load_request(session, runtime.config, request_id)
                term = parse_term_form(values, pod.currency)
                past = past_renewal(term.renewal_date, pod.today(runtime.clock.now()))
                if past:
                    raise FieldErrors({BlockId.RENEWAL_DATE.value: past})
                authorize(runtime.config, user_id, request, pod, Action.RECORD_TERM)
                _check_won(request)
                row = form_row(request, pod, term)
                record_term(
                    session, runtime, outbox, request, pod, user_id, row, runtime.clock.now()
                )
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.AMOUNT.value,
            action="record term",
        )  # fmt: skip
