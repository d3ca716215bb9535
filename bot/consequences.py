"""What a change causes: domain events and the one table of their consequences.

A use case, a handler or a job says *what happened* by recording a domain event
(`bot/domain/events.py`) on its unit of work (`Work.record(RequestChanged(12, "update"))`);
this module alone says what that causes outside podbot — the card edit, the thread line, the
claim messages, the reminder DMs it settles, the Homes it republishes — as outbox rows
written in the same transaction as the change. "What does an Approve cause?" is the
`ClaimDecided` row of `CONSEQUENCES`; a new kind of consequence (a ClickUp comment, a canvas
edit) is one more function in the rows it belongs to.

Events are applied as they are recorded, in order, so the rows of one lane (a request's card,
its thread, its claim messages) are queued in the order the change decided them. A job records
events on its plan (`JobContext.record`): they are applied in the run's own transaction, once
per run recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.actions import Work
from bot.actions.playbooks import summary_at_assign
from bot.actions.pricing import since
from bot.blocks.checkin import checkin_blocks
from bot.blocks.customer_update import draft_dm, settled_dm
from bot.blocks.ids import BlockId
from bot.blocks.playbooks import BundleCustomer, bundle_proposal, levers_ask, section
from bot.blocks.preapproval_ask import answered_blocks, ask_blocks
from bot.blocks.reminders import dm_note
from bot.blocks.terms import term_prompt
from bot.blocks.text import escape_mrkdwn, plain_date, plural
from bot.clickup import mirror as clickup
from bot.db.benchmarks import deals
from bot.db.bundles import MemberFacts, members_of, resellers_quoted
from bot.db.models import (
    Account,
    Bundle,
    Contract,
    CustomerUpdate,
    PodRow,
    PreapprovalAsk,
    Request,
    SavingsClaim,
)
from bot.db.savings import pending_claims_for_tool
from bot.db.usage import latest_usage
from bot.domain.checkin import checkin_csv, checkin_csv_name
from bot.domain.customer_update import wording_problems
from bot.domain.events import (
    AbsenceChanged,
    AccountHealthSet,
    BundleAccepted,
    BundleProposed,
    CheckinShared,
    ChecklistChanged,
    ClaimDecided,
    ClaimPosted,
    ClaimStepApproved,
    ClickUpLinked,
    ClockCrossed,
    ContractSaved,
    CustomerUpdateDrafted,
    CustomerUpdateSettled,
    Event,
    HoldEnded,
    HoldStarted,
    HomeOpened,
    LeversAnswered,
    LeversAsked,
    LeversSkipped,
    MentionResolved,
    NegotiationStarted,
    PeopleMatrixChanged,
    PreapprovalAnswered,
    PreapprovalAsked,
    ProcurementStepMoved,
    RemindersSnoozed,
    RenewalOpened,
    RepeatDisqualificationsFlagged,
    RequestChanged,
    RequestOpened,
    RequestReassigned,
    SentimentSet,
    TargetUpdated,
    TermAsked,
    ThreadLine,
    UsageImported,
)
from bot.domain.money import Money, format_money
from bot.domain.pricing import band_label, band_of, unit_money
from bot.domain.usage import usage_line
from bot.domain.vocabulary import ClaimStatus, Role
from bot.mail.message import eml_name, update_message
from bot.slack import reminder_dms
from bot.slack.outbox import Lane, Outbox, mentions

if TYPE_CHECKING:
    from slack_sdk.models.blocks import Block

    from bot.runtime import Runtime

Given = TypeVar("Given")  # a use case's input
Outcome = TypeVar("Outcome")  # its outcome

# -- the consequences ------------------------------------------------------------------------

Consequence = Callable[[Session, Outbox, Any], None]


def card(session: Session, outbox: Outbox, event: Any) -> None:
    """The request's card: posted, or refreshed in place (pending edits collapse)."""
    outbox.card(session, event.request_id)


def thread_line(session: Session, outbox: Outbox, event: ThreadLine) -> None:
    """A reply in the card's thread."""
    blocks = cast("list[Block]", list(event.blocks)) if event.blocks is not None else None
    outbox.thread(session, event.request_id, event.text, blocks)


def decision_line(
    session: Session, outbox: Outbox, event: ClaimDecided | ClaimStepApproved
) -> None:
    """The thread told who decided the claim (or approved a step of it), and how."""
    outbox.thread(session, event.request_id, event.line)


def term_prompt_line(session: Session, outbox: Outbox, event: TermAsked) -> None:
    """The POD's analysts asked in the thread to record the new term (its button)."""
    request = session.get(Request, event.request_id)
    assert request is not None
    pod = outbox.runtime.config.find_pod(request.pod.key)
    who = (mentions(pod.members_with(Role.ANALYST)) if pod is not None else "") or "Analysts,"
    text, blocks = term_prompt(request.id, request.key, who)
    outbox.thread(session, request.id, text, blocks)


def homes_of_request(session: Session, outbox: Outbox, event: Any) -> None:
    """The Homes that list the request: its buyer, the POD's analysts, ems and fallback
    approvers."""
    request = session.get(Request, event.request_id)
    if request is not None:
        outbox.homes_of(session, request)


def own_home(session: Session, outbox: Outbox, event: HomeOpened) -> None:
    """The Home of the person who opened it."""
    outbox.homes(session, [event.user])


def previous_buyers_home(session: Session, outbox: Outbox, event: RequestReassigned) -> None:
    """The Home of the buyer the request left."""
    outbox.homes(session, [event.previous_buyer])


def request_dms_settled(session: Session, outbox: Outbox, event: Any) -> None:
    """The reminder DMs about the request that the change resolved: settled."""
    session.flush()  # the settle reads the change
    reminder_dms.settle(session, outbox, requests=[event.request_id])


def superseded_claim_message(session: Session, outbox: Outbox, event: ClaimPosted) -> None:
    """The message of the pending claim the new one supersedes says so."""
    if event.superseded_id is not None:
        outbox.claim(session, event.superseded_id)


def revised_claim_message(session: Session, outbox: Outbox, event: ClaimDecided) -> None:
    """The message of the approved claim an approved revision replaced says it no longer
    counts."""
    if event.revised_id is not None:
        outbox.claim(session, event.revised_id)


def claim_message(
    session: Session, outbox: Outbox, event: ClaimPosted | ClaimDecided | ClaimStepApproved
) -> None:
    """The claim's message in the thread: posted, or edited in place."""
    outbox.claim(session, event.claim_id)


def benchmark_claims(session: Session, outbox: Outbox, event: ClaimDecided) -> None:
    """An approval moved the tool's benchmark: the pending claims on its other requests show
    it now, not when they are next edited."""
    if event.status is ClaimStatus.APPROVED:
        for pending in pending_claims_for_tool(session, event.tool_key, event.request_id):
            outbox.claim(session, pending)


def claim_dms_settled(
    session: Session, outbox: Outbox, event: ClaimDecided | ClaimStepApproved
) -> None:
    """The approval reminders listing the decided claim (or its approved step): settled."""
    session.flush()
    reminder_dms.settle(session, outbox, claims=[event.claim_id])


def pods_claim_messages(session: Session, outbox: Outbox, event: AbsenceChanged) -> None:
    """The messages of the PODs' pending claims: who decides them (a cover, another em)."""
    claims = session.scalars(
        select(SavingsClaim.id)
        .join(Request, Request.id == SavingsClaim.request_id)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(PodRow.key.in_(event.pod_keys), SavingsClaim.status == ClaimStatus.PENDING.value)
        .order_by(SavingsClaim.id)
    ).all()
    for claim in claims:
        outbox.claim(session, claim)


def absence_homes(session: Session, outbox: Outbox, event: AbsenceChanged) -> None:
    """The Homes of who went away or came back, their cover, and the PODs' ems, analysts and
    fallback approvers (the claims they decide, an away line)."""
    people: list[str | None] = list(event.users)
    for key in event.pod_keys:
        pod = outbox.runtime.config.find_pod(key)
        if pod is not None:
            people += pod.members_with(Role.EM) + pod.members_with(Role.ANALYST)
            people += list(pod.fallback_approvers)
    outbox.homes(session, people)


def mention_dms_settled(session: Session, outbox: Outbox, event: MentionResolved) -> None:
    """The reminder and escalation DMs about the mentions: settled."""
    if event.mention_ids:
        reminder_dms.settle(session, outbox, mentions=event.mention_ids)


def renewal_dms_settled(session: Session, outbox: Outbox, event: RenewalOpened) -> None:
    """Every renewal reminder DM about the contract, to each analyst who got one: settled,
    its Open renewal request button gone, naming the request now open."""
    contract = session.get(Contract, event.contract_id)
    pod_row = session.get(PodRow, contract.pod_id) if contract is not None else None
    pod = outbox.runtime.config.find_pod(pod_row.key) if pod_row is not None else None
    request = session.get(Request, event.request_id)
    analysts = pod.members_with(Role.ANALYST) if pod is not None else []
    # The request's analyst too, should the POD's analysts have changed since.
    users = [*analysts, *([request.analyst_id] if request and request.analyst_id else [])]
    reminder_dms.settle_renewal(session, outbox, users, event.contract_id, event.request_key)


def snoozed_dm(session: Session, outbox: Outbox, event: RemindersSnoozed) -> None:
    """The snoozed DM, built on it as it reads now (a line settled since it was sent stays
    settled; its items keep their own buttons): its Snooze buttons give way to the note."""
    shown = reminder_dms.current_dm(session, event.user, event.channel, event.ts) or {}
    kept = [
        block
        for block in shown.get("blocks") or []
        if block.get("block_id") not in (BlockId.REMINDER_ACTIONS.value, BlockId.DM_NOTE.value)
    ]
    blocks = [*kept, dm_note(event.note).to_dict()]
    outbox.edit(session, event.channel, event.ts, str(shown.get("text") or event.note), blocks)


def checkin_post(session: Session, outbox: Outbox, event: CheckinShared) -> None:
    """The check-in pack posted in the POD channel, its CSV in the post's thread."""
    pack = event.pack
    text, blocks = checkin_blocks(pack)
    lane = Lane.CHANNEL.of(event.channel)  # after the posts decided before it
    parent = outbox.message(session, lane, event.channel, text, blocks)
    outbox.upload(
        session, lane, event.channel, checkin_csv_name(event.pod_key, pack),
        checkin_csv(pack).encode("utf-8"), f"Check-in {pack.customer} {plain_date(pack.as_of)}",
        parent=parent,
    )  # fmt: skip


def customer_update_dms(session: Session, outbox: Outbox, event: CustomerUpdateDrafted) -> None:
    """The draft DMed to each of its people, with its `.eml` in the DM's thread (issue 32)."""
    row = session.get(CustomerUpdate, event.update_id)
    assert row is not None
    account = row.account
    config = outbox.runtime.config
    others = list(session.scalars(select(Account.customer).where(Account.id != account.id)))
    problems = wording_problems(row.body_text, others)
    text, blocks = draft_dm(
        row.id, account.customer, row.subject, row.body_text, row.recipients,
        can_email=config.email.enabled, problems=problems,
    )  # fmt: skip
    message = update_message(config, row)
    name = eml_name(account.customer, row.period.isoformat())
    for user in event.users:
        dm = outbox.dm(session, user, text, blocks)
        outbox.upload(session, Lane.DM.of(user), user, name, bytes(message), row.subject, parent=dm)


def customer_update_settled(session: Session, outbox: Outbox, event: CustomerUpdateSettled) -> None:
    """The DM clicked says who settled the draft and how; Send's email is queued."""
    row = session.get(CustomerUpdate, event.update_id)
    assert row is not None
    if event.emailing:
        outbox.email(session, row.id)
    if event.channel and event.ts:
        pod_row = session.get(PodRow, row.account.pod_id)
        pod = outbox.runtime.config.find_pod(pod_row.key) if pod_row is not None else None
        text, blocks = settled_dm(
            row.account.customer, row.subject, row.body_text, row.sent_by or "",
            event.emailing, row.recipients, row.sent_at or outbox.runtime.clock.now(),
            pod.timezone if pod is not None else "UTC",
        )  # fmt: skip
        outbox.edit(session, event.channel, event.ts, text, blocks)


def quiet_account_homes(session: Session, outbox: Outbox, event: CustomerUpdateSettled) -> None:
    """The ems' Homes flag accounts with no update sent lately: one may no longer be."""
    row = session.get(CustomerUpdate, event.update_id)
    assert row is not None
    pod_row = session.get(PodRow, row.account.pod_id)
    pod = outbox.runtime.config.find_pod(pod_row.key) if pod_row is not None else None
    if pod is not None:
        outbox.homes(session, pod.members_with(Role.EM))


# The account a request's canvas is on: one lookup in the unique index of accounts by
# customer, built once (it runs for most changes to a request, before their command's ack).
_CANVAS_OF = select(Account.id, Account.customer_channel).where(
    Account.customer_key == bindparam("customer"),
    Account.pod_id == bindparam("pod"),
    Account.customer_channel.is_not(None),
)


def customer_canvas(session: Session, outbox: Outbox, event: Any) -> None:
    """The canvas in the request's customer channel, if its account names one (issue 32)."""
    request_id = getattr(event, "request_id", None)
    if request_id is None:
        return
    request = session.get(Request, request_id)
    if request is None:
        return
    # Core on the transaction's connection: no ORM object, no autoflush (the change being
    # recorded touches requests, never the account's channel).
    found = (
        session.connection()
        .execute(_CANVAS_OF, {"customer": request.customer_key, "pod": request.pod_id})
        .first()
    )
    if found is not None and found.customer_channel:
        outbox.canvas(session, found.id, found.customer_channel)


def settled_update_canvas(session: Session, outbox: Outbox, event: CustomerUpdateSettled) -> None:
    """An update sent: the canvas's "done since" now counts from it."""
    row = session.get(CustomerUpdate, event.update_id)
    if row is not None and row.account.customer_channel:
        outbox.canvas(session, row.account_id, row.account.customer_channel)


def preapproval_ask_post(session: Session, outbox: Outbox, event: PreapprovalAsked) -> None:
    """The pre-approval posted in the customer's channel, with Approve / Needs changes."""
    ask = session.get(PreapprovalAsk, event.ask_id)
    assert ask is not None
    request = ask.request
    spend = Money(request.amount, request.currency) if request.amount is not None else None
    text, blocks = ask_blocks(ask.id, request.tool, spend, ask.question)
    outbox.message(session, Lane.CHANNEL.of(ask.channel), ask.channel, text, blocks)


def preapproval_answer_shown(session: Session, outbox: Outbox, event: PreapprovalAnswered) -> None:
    """The message the customer clicked shows the answer, its buttons gone."""
    ask = session.get(PreapprovalAsk, event.ask_id)
    if ask is None or not event.channel or not event.ts or ask.answered_at is None:
        return
    request = ask.request
    pod = outbox.runtime.config.find_pod(request.pod.key)
    spend = Money(request.amount, request.currency) if request.amount is not None else None
    text, blocks = answered_blocks(
        request.tool, spend, ask.question, ask.answer == "approved", ask.answered_by or "",
        ask.reason, ask.answered_at, pod.timezone if pod is not None else "UTC",
    )  # fmt: skip
    outbox.edit(session, event.channel, event.ts, text, blocks)


def levers_ask_line(session: Session, outbox: Outbox, event: LeversAsked) -> None:
    """The won request's thread asks its buyer which levers worked, with What worked… and
    Skip (issue 34)."""
    request = session.get(Request, event.request_id)
    assert request is not None
    text, blocks = levers_ask(request.id, request.key, event.buyer)
    outbox.thread(session, request.id, text, blocks)


def levers_answered_line(session: Session, outbox: Outbox, event: LeversAnswered) -> None:
    """What worked, shown in place of the ask it answered, else said in the thread."""
    if event.channel and event.ts:
        outbox.edit(session, event.channel, event.ts, event.line, [section(event.line)])
    else:
        outbox.thread(session, event.request_id, event.line)


def levers_skipped_line(session: Session, outbox: Outbox, event: LeversSkipped) -> None:
    """The skipped ask says so, its buttons gone."""
    outbox.edit(session, event.channel, event.ts, event.text, [section(event.text)])


def playbook_at_assign(session: Session, outbox: Outbox, event: NegotiationStarted) -> None:
    """The tool's playbook summed up for the new request's buyer, in its thread, when the POD
    has anything on the tool (issue 34)."""
    request = session.get(Request, event.request_id)
    assert request is not None
    pod = outbox.runtime.config.find_pod(request.pod.key)
    if pod is None:
        return
    now = outbox.runtime.clock.now()
    text = summary_at_assign(session, outbox.runtime.config, pod, request, event.buyer, now)
    if text is not None:
        outbox.thread(session, request.id, text)


def _bundle_customer(m: MemberFacts, reader_pod: str, pod_names: dict[str, str]) -> str:
    """A bundle's customer for a reader in `reader_pod`: named for its own POD, else only as a
    customer of its POD (issue 34: customer names only for the reader's own POD)."""
    if m.pod_key == reader_pod:
        return escape_mrkdwn(m.customer)
    return f"a customer of {escape_mrkdwn(pod_names.get(m.pod_key, m.pod_key))}"


def bundle_proposal_dms(session: Session, outbox: Outbox, event: BundleProposed) -> None:
    """The bundle proposed to the ems of each of its customers' PODs, once each (issue 34)."""
    row = session.get(Bundle, event.bundle_id)
    assert row is not None
    config, now = outbox.runtime.config, outbox.runtime.clock.now()
    members = members_of(session, row.id)
    pods = [p for key in sorted({m.pod_key for m in members}) if (p := config.find_pod(key))]
    pod_names = {p.key: p.name for p in pods}
    known = [m.seats for m in members if m.seats is not None]
    seats = sum(known) if known else None
    totals: dict[str, Decimal] = {}
    for m in members:
        totals[m.currency] = totals.get(m.currency, Decimal(0)) + m.annual
    values = " + ".join(format_money(Money(totals[c], c)) for c in sorted(totals))
    resellers = [escape_mrkdwn(v) for v in resellers_quoted(session, row.tool_key)]
    told: set[str] = set()
    for pod in pods:
        best = None
        if seats is not None:
            band = band_of(seats)
            found = deals(session, pod.key, row.tool_key, None, band, since(now), pod.currency)
            if found:
                best = (
                    f"{unit_money(found[0].annual_unit_price, pod.currency)}/seat/yr "
                    f"(best of {plural(len(found), 'deal')} at {band_label(band)} seats)"
                )
        today = now.astimezone(ZoneInfo(pod.timezone)).date()
        customers = [
            BundleCustomer(
                _bundle_customer(m, pod.key, pod_names), plain_date(m.renewal_date),
                format_money(Money(m.annual, m.currency)), m.seats,
                usage_line(u, config.usage_headroom, today)
                if (u := latest_usage(session, m.customer, row.tool)) is not None
                else None,
            )
            for m in members
        ]  # fmt: skip
        text, blocks = bundle_proposal(row.id, row.tool, customers, seats, values, best, resellers)
        for em in pod.members_with(Role.EM):
            if em not in told:
                told.add(em)
                outbox.dm(session, em, text, blocks)


def bundle_thread(session: Session, outbox: Outbox, event: BundleAccepted) -> None:
    """The bundle's coordinating thread, opened in the accepting em's POD channel: its
    requests, one per customer (another POD's customer named by its POD only)."""
    row = session.get(Bundle, event.bundle_id)
    assert row is not None and row.channel is not None
    config = outbox.runtime.config
    members = members_of(session, row.id)
    here = next((p.key for p in config.pods if p.channel == row.channel), "")
    pod_names = {p.key: p.name for p in config.pods}
    lines = [
        f"• REQ-{m.request_id} {_bundle_customer(m, here, pod_names)} — renews "
        f"{plain_date(m.renewal_date)}"
        for m in members
        if m.request_id is not None
    ]
    text = (
        f":package: *Bundle B-{row.id} — {escape_mrkdwn(row.tool)}*: "
        f"{plural(len(lines), 'renewal')} negotiated together, accepted by <@{row.accepted_by}>. "
        "Buyers, coordinate here; each saving is claimed and approved on its own request.\n"
        + "\n".join(lines)
    )
    outbox.message(session, Lane.CHANNEL.of(row.channel), row.channel, text)


# The one table: what each event causes, in the order its rows are queued.
# The ClickUp rows (issue 31, bot/clickup/mirror.py) follow the Slack ones: the request's task
# (`clickup.task`: created, or its assignee), its comments (the timeline events not yet told),
# its status and its due date; each queues only what changed, once, in the task's lane.
CONSEQUENCES: dict[type[Any], tuple[Consequence, ...]] = {
    RequestOpened: (card, homes_of_request, clickup.task, customer_canvas),
    RequestChanged: (
        card,
        request_dms_settled,
        homes_of_request,
        clickup.comments,
        clickup.status,
        clickup.due,
        customer_canvas,
    ),
    RequestReassigned: (
        card,
        request_dms_settled,
        homes_of_request,
        previous_buyers_home,
        clickup.task,
        clickup.comments,
        clickup.status,
        clickup.due,
        customer_canvas,
    ),
    HoldStarted: (
        card,
        request_dms_settled,
        homes_of_request,
        clickup.comments,
        clickup.status,
        customer_canvas,
    ),
    HoldEnded: (
        card,
        request_dms_settled,
        homes_of_request,
        clickup.comments,
        clickup.status,
        clickup.due,
        customer_canvas,
    ),
    ProcurementStepMoved: (card, clickup.comments, clickup.status, customer_canvas),
    ClockCrossed: (card, homes_of_request),
    ThreadLine: (thread_line, clickup.comments),
    TermAsked: (term_prompt_line,),
    ClaimPosted: (
        superseded_claim_message,
        claim_message,
        card,
        homes_of_request,
        clickup.comments,
    ),
    ClaimDecided: (
        revised_claim_message,
        claim_message,
        card,
        homes_of_request,
        decision_line,
        benchmark_claims,
        claim_dms_settled,
        clickup.comments,
        customer_canvas,
    ),
    ClaimStepApproved: (
        claim_message,
        card,
        homes_of_request,
        decision_line,
        claim_dms_settled,
        clickup.comments,
    ),
    AbsenceChanged: (pods_claim_messages, absence_homes),
    MentionResolved: (mention_dms_settled,),
    RenewalOpened: (renewal_dms_settled,),
    RemindersSnoozed: (snoozed_dm,),
    CheckinShared: (checkin_post,),
    HomeOpened: (own_home,),
    # Recorded, causing nothing outside podbot yet: the place for a CRM row.
    AccountHealthSet: (),
    PeopleMatrixChanged: (),
    SentimentSet: (),
    # Told in the csms' and ems' digests (`bot/digests.py`), from the flag's row.
    RepeatDisqualificationsFlagged: (),
    TargetUpdated: (),
    ClickUpLinked: (clickup.linked, card),
    ContractSaved: (),
    UsageImported: (card,),
    ChecklistChanged: (card, homes_of_request),
    CustomerUpdateDrafted: (customer_update_dms,),
    CustomerUpdateSettled: (customer_update_settled, quiet_account_homes, settled_update_canvas),
    PreapprovalAsked: (preapproval_ask_post,),
    PreapprovalAnswered: (preapproval_answer_shown,),
    NegotiationStarted: (playbook_at_assign,),
    LeversAsked: (levers_ask_line,),
    LeversAnswered: (levers_answered_line, request_dms_settled),
    LeversSkipped: (levers_skipped_line,),
    BundleProposed: (bundle_proposal_dms,),
    BundleAccepted: (bundle_thread,),
}


def apply(session: Session, outbox: Outbox, event: Event) -> None:
    """Queue the outbox rows `event` causes, in the caller's transaction."""
    for consequence in CONSEQUENCES[type(event)]:
        consequence(session, outbox, event)


def record(session: Session, outbox: Outbox, *events: Event) -> None:
    """Record events on a transaction: their consequences are queued now, in it."""
    for event in events:
        apply(session, outbox, event)


@contextmanager
def unit_of_work(runtime: Runtime) -> Iterator[tuple[Work, Outbox]]:
    """One transaction as a use case's unit of work, its events' consequences queued on the
    outbox it yields beside it (the caller delivers that once the transaction committed)."""
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        yield (
            Work(session, runtime.config, runtime.clock.now(), lambda e: apply(session, outbox, e)),
            outbox,
        )


def perform(
    runtime: Runtime, use_case: Callable[[Work, str, Given], Outcome], user: str, given: Given
) -> tuple[Outbox, Outcome]:
    """Run a use case for `user` in its own transaction: (the outbox holding its events'
    consequences, for the caller to deliver; its outcome)."""
    with unit_of_work(runtime) as (work, outbox):
        outcome = use_case(work, user, given)
    return outbox, outcome


def perform_upsert(
    runtime: Runtime, use_case: Callable[[Work, str, Given], Outcome], user: str, given: Given
) -> tuple[Outbox, Outcome]:
    """`perform` for a use case that inserts a row another writer may insert at the same time
    (an account's, a target's): once more if the insert lost, when the second attempt finds
    the row."""
    try:
        return perform(runtime, use_case, user, given)
    except IntegrityError:
        return perform(runtime, use_case, user, given)


def describe(event: Event) -> str:
    """What a job's dry run prints for an event it planned."""
    if isinstance(event, ClockCrossed | RequestChanged | RequestOpened):
        return f"refresh the card of request {event.request_id}"
    return type(event).__name__


__all__ = [
    "CONSEQUENCES",
    "apply",
    "describe",
    "perform",
    "perform_upsert",
    "record",
    "unit_of_work",
]
