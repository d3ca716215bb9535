"""Close-out keeps the SaaS stack current: a won request's new term (the Record the new term
button in its thread, its modal, and `close REQ won | <amount> | <renewal> [| cycle]`)."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from sqlalchemy import select

from bot.actions import terms
from bot.actions.access import authorize, load_request
from bot.actions.terms import RecordTerm, check_won, contract_for, terms_text
from bot.blocks.contexts import TermForm
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.modals import TermInput, TermPrefill, parse_term_form, term_modal
from bot.blocks.text import escape_mrkdwn
from bot.commands.interactions import (
    answer_click,
    answer_submission,
    read_click,
    view_context,
)
from bot.consequences import perform
from bot.db.compliance import agreed_notice_days
from bot.db.contracts import Terms
from bot.db.models import Contract, QuoteLine, Request, SavingsClaim
from bot.db.savings import effective_claim
from bot.domain.lifecycle import Action
from bot.domain.money import Money
from bot.domain.renewals import past_renewal
from bot.domain.vocabulary import BillingCycle
from bot.errors import FieldErrors, NotFound
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Pod
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


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
    # The contract checklist's agreed notice period (issue 33) is the new term's.
    agreed = agreed_notice_days(session, request.id)
    # The line item (issue 34): the contract's seats and plan, else the last itemised quote's.
    quoted = session.execute(
        select(QuoteLine.quantity, QuoteLine.plan)
        .where(QuoteLine.request_id == request.id)
        .order_by(QuoteLine.id.desc())
        .limit(1)
    ).first()
    seats, plan = (quoted[0], quoted[1]) if quoted is not None else (None, None)
    if contract is not None:
        note = f"Updates its contract: {terms_text(_contract_terms(contract), None)}."
        return TermPrefill(
            title, note, amount, renewal, contract.billing_cycle,
            True if agreed is not None else contract.auto_renew,
            agreed if agreed is not None else contract.notice_days,
            contract.seats if contract.seats is not None else seats, contract.plan or plan,
        )  # fmt: skip
    note = "No contract in the SaaS stack yet: recording creates one."
    return TermPrefill(
        title, note, amount, renewal, BillingCycle.ANNUAL.value,
        True if agreed is not None else None, agreed, seats, plan,
    )  # fmt: skip


def _contract_terms(contract: Contract) -> Terms:
    return Terms(
        contract.pod_id, contract.customer, contract.tool, contract.annual_amount,
        contract.currency, contract.renewal_date, contract.billing_cycle, contract.auto_renew,
        contract.notice_days, contract.seats, contract.plan,
    )  # fmt: skip


def _year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def register(app: App, runtime: Runtime) -> None:
    """Listen for Record the new term clicks and the new-term modal."""

    @app.action(ActionId.RECORD_TERM.value)
    def on_record_term(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        user, request_id, thread_ts = click.user, click.number, click.thread_ts
        channel = click.answer_channel

        def handle() -> Outbox:
            if request_id is None:
                raise NotFound("This button does not point at a request.")
            with runtime.db.reading() as session:
                request, pod = load_request(session, runtime.config, request_id, for_update=False)
                authorize(runtime.config, user, request, pod, Action.RECORD_TERM)
                check_won(request)
                contract = contract_for(session, request, for_update=False)
                today = runtime.clock.now().astimezone(pod.zone).date()
                prefill = _prefill(session, request, contract, today)
                currency = pod.currency
            metadata = TermForm(request_id).dumps()
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
            request_id = TermForm.loads(
                metadata, source="the term form's private_metadata",
                refusal="This form no longer points at a request.",
            ).request  # fmt: skip

            def read(pod: Pod) -> TermInput:
                term = parse_term_form(values, pod.currency)
                past = past_renewal(term.renewal_date, pod.today(runtime.clock.now()))
                if past:
                    raise FieldErrors({BlockId.RENEWAL_DATE.value: past})
                return term

            outbox, _done = perform(runtime, terms.record, user_id, RecordTerm(request_id, read))
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.AMOUNT.value,
            action="record term",
        )  # fmt: skip
