"""Terms: a won request's new term written to the SaaS stack (SPEC §2 close-out): the Record
the new term modal, and `close REQ won | <amount> | <renewal> [| cycle]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.actions import Work
from bot.actions.access import authorize, load_request
from bot.blocks.modals import TermInput
from bot.blocks.text import escape_mrkdwn, plain_date, slack_date
from bot.config import Pod
from bot.db.contracts import Terms, TermSaved, find_contract, save_term
from bot.db.models import Contract, PodRow, Request
from bot.db.requests import record_event
from bot.domain.contracts import OPTIONAL_COLUMNS, ContractRow, describe_terms
from bot.domain.events import RequestChanged, ThreadLine
from bot.domain.grammar import NewTerm
from bot.domain.lifecycle import Action
from bot.domain.vocabulary import BillingCycle, EventKind, Outcome, Stage
from bot.errors import NotPermitted, WrongStage


def inline_row(
    request: Request, pod: Pod, term: NewTerm, notice_days: int | None = None
) -> ContractRow:
    """The contract a `close … won | <term>` writes: a cycle left out keeps the stored one;
    `notice_days`, the contract checklist's agreed notice period (issue 33), makes it an
    auto-renewing contract with that notice deadline."""
    unstated = set(OPTIONAL_COLUMNS)
    if term.billing_cycle is None:
        unstated.add("billing_cycle")
    if notice_days is not None:
        unstated -= {"auto_renew", "notice_days"}
    return ContractRow(
        pod=pod.key, customer=request.customer, tool=request.tool, amount=term.amount,
        renewal_date=term.renewal_date,
        billing_cycle=term.billing_cycle or BillingCycle.ANNUAL.value,
        auto_renew=True if notice_days is not None else None, notice_days=notice_days,
        unstated=frozenset(unstated),
    )  # fmt: skip


def form_row(request: Request, pod: Pod, term: TermInput) -> ContractRow:
    """The contract the new-term modal writes: every field as the form shows it."""
    return ContractRow(
        pod=pod.key, customer=request.customer, tool=request.tool, amount=term.amount,
        renewal_date=term.renewal_date, billing_cycle=term.billing_cycle,
        auto_renew=term.auto_renew, notice_days=term.notice_days, seats=term.seats,
        plan=term.plan, line_stated=True,
    )  # fmt: skip


def check_won(request: Request) -> None:
    if request.stage != Stage.CLOSED or request.outcome != Outcome.WON:
        state = f"closed {request.outcome}" if request.stage == Stage.CLOSED else request.stage
        raise WrongStage(f"{request.key} is {state}: a new term is recorded once it is won.")


def contract_for(session: Session, request: Request, *, for_update: bool) -> Contract | None:
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


def record_term(work: Work, user: str, request: Request, pod: Pod, row: ContractRow) -> TermSaved:
    """Write the new term (contract updated or created, a monthly→annual conversion counted
    once), mark the request's term recorded, and tell the thread; the caller's transaction."""
    session, now = work.session, work.now
    contract_for(session, request, for_update=True)
    pod_id = request.pod_id
    today = now.astimezone(pod.zone).date()
    result = save_term(session, row, pod_id, now, today)
    request.term_recorded_at = now
    request.term_recorded_by = user
    terms = terms_text(result.saved.terms, pod.timezone)
    before = result.saved.before
    change = "a new contract" if before is None else f"was {terms_text(before, pod.timezone)}"
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
        line += f" (was {terms_text(before, pod.timezone)})."
    if result.converted:
        line += " :arrows_counterclockwise: Converted from monthly to annual billing."
    work.record(RequestChanged(request.id, "term recorded"), ThreadLine(request.id, line))
    return result


def terms_text(terms: Terms, timezone: str | None) -> str:
    """The terms as the thread reads them (a date token, the POD's date as fallback); with no
    `timezone`, in plain text (a modal's note)."""
    day = plain_date if timezone is None else (lambda d: slack_date(d, timezone))
    text = describe_terms(terms.amount, terms.renewal_date, terms.billing_cycle, day)
    if terms.seats is None:
        return text
    plan = f" {escape_mrkdwn(terms.plan)}" if terms.plan else ""
    return f"{text}; {terms.seats} seat{'s' if terms.seats != 1 else ''}{plan}"


@dataclass(frozen=True)
class RecordTerm:
    """The new-term form of a won request, its fields read once its POD (its currency, its
    today) is known."""

    number: int
    read: Callable[[Pod], TermInput]


@dataclass(frozen=True)
class TermRecorded:
    key: str
    outcome: str  # the SaaS stack's row: inserted, updated or unchanged
    converted: bool  # monthly → annual


def record(work: Work, user: str, given: RecordTerm) -> TermRecorded:
    """Record a won request's new term from its form (the Record the new term button)."""
    request, pod = load_request(work.session, work.config, given.number)
    term = given.read(pod)
    authorize(work.config, user, request, pod, Action.RECORD_TERM)
    check_won(request)
    result = record_term(work, user, request, pod, form_row(request, pod, term))
    return TermRecorded(request.key, result.saved.outcome, result.converted)
