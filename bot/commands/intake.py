"""`/proc new`: the intake modal or the inline form, creating REQ-n and posting its card."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions.access import pod_for_new
from bot.blocks.contexts import IntakeForm
from bot.blocks.ids import BlockId, CallbackId
from bot.blocks.modals import intake_modal, parse_intake
from bot.blocks.text import escape_mrkdwn
from bot.commands.interactions import answer_submission, view_context
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.config import Config, Pod
from bot.consequences import record
from bot.db.accounts import find_account
from bot.db.contracts import find_contract
from bot.db.models import Request
from bot.db.requests import open_duplicates, pod_row, record_event
from bot.domain.events import RenewalOpened, RequestOpened, ThreadLine
from bot.domain.grammar import AGAIN, NewRequest, parse_new
from bot.domain.lifecycle import Action, qualification_due
from bot.domain.renewals import past_renewal
from bot.domain.vocabulary import EventKind, RequestType, Role, Stage
from bot.errors import FieldErrors, UsageError
from bot.slack.outbox import Outbox, mentions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

USAGE = "new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]"


@subcommand("new", USAGE, "open a request (no arguments: the intake form)", order=10)
def new(runtime: Runtime, invocation: Invocation) -> Reply:
    """Open the intake modal, or create the request from the inline form."""
    pod, _role = pod_for_new(runtime.config, invocation.user_id, invocation.channel_id, Action.NEW)
    if not invocation.args:
        outbox = Outbox(runtime)
        metadata = IntakeForm(pod.key, invocation.channel_id).dumps()
        if invocation.trigger_id:
            outbox.view(invocation.trigger_id, intake_modal(metadata, pod.currency))
        return Reply(text=f"Opening the intake form for {pod.name}…", after_ack=[outbox.deliver])
    fields = arguments(parse_new, invocation.args, pod.currency)
    past = past_renewal(fields.renewal_date, pod.today(runtime.clock.now()))
    if past:
        raise UsageError(past)
    outbox = Outbox(runtime)
    with runtime.db.transaction() as session:
        duplicates = open_duplicates(session, fields.customer, fields.tool)
        live = still_worked(duplicates, runtime.config)
        if live and not fields.again:
            raise UsageError(
                f"{already_open(live, invocation.user_id)}; to open another anyway, "
                f"end the command with `| {AGAIN}`."
            )
        request = create_request(
            session, runtime, outbox, pod, invocation.user_id, fields, duplicates
        )
        text = created_text(request, pod, duplicates, runtime.config)
    return Reply(text=text, after_ack=[outbox.deliver])


def create_request(
    session: Session,
    runtime: Runtime,
    outbox: Outbox,
    pod: Pod,
    user_id: str,
    fields: NewRequest,
    duplicates: list[Request],
) -> Request:
    """Create REQ-n, queue its card, and tell the open requests for the same customer and
    tool (`duplicates`, which the opener confirmed: `still_worked`) and the new one's thread
    about each other."""
    now = runtime.clock.now()
    customer, tool = recorded_names(session, fields.customer, fields.tool)
    request = Request(
        pod_id=pod_row(session, pod.key).id,
        customer=customer,
        tool=tool,
        kind=fields.kind,
        stage=Stage.INTAKE,
        amount=fields.amount.amount if fields.amount else None,
        currency=fields.amount.currency if fields.amount else pod.currency,
        renewal_date=fields.renewal_date,
        notes=fields.notes,
        created_by=user_id,
        created_at=now,
        qualification_due_at=qualification_due(
            pod.calendar, now, runtime.config.clocks.qualification_hours
        ),
        updated_at=now,
    )
    session.add(request)
    session.flush()
    record_event(
        session, request, at=now, actor=user_id, kind=EventKind.CREATED, text=summary(request)
    )
    record(session, outbox, RequestOpened(request.id))
    if request.kind == RequestType.RENEWAL:
        # A renewal of a contract in the POD's SaaS stack answers its renewal reminders.
        contract = find_contract(session, request.customer, request.tool)
        if contract is not None and contract.pod_id == request.pod_id:
            record(session, outbox, RenewalOpened(contract.id, request.id, request.key))
    for other in duplicates:
        other_pod = runtime.config.find_pod(other.pod.key)
        if other_pod is None:  # a POD no longer configured: nobody there to warn
            continue
        watchers = other_pod.members_with(Role.ANALYST) + other_pod.members_with(Role.EM)
        record(
            session,
            outbox,
            ThreadLine(
                other.id,
                f":warning: {mentions(watchers)} Parallel negotiation? <@{user_id}> just opened "
                f"{request.key} for the same customer and tool ({names(request)}) "
                f"in {pod.name}.",
            ),
        )
    live = still_worked(duplicates, runtime.config)
    if live:
        record(
            session,
            outbox,
            ThreadLine(
                request.id,
                f":information_source: <@{user_id}> opened {request.key} on purpose beside "
                f"{listed(live, user_id)}, open for the same customer and tool.",
            ),
        )
    return request


def still_worked(duplicates: list[Request], config: Config) -> list[Request]:
    """The open requests a new one must be confirmed beside: those of a configured POD (a
    removed POD's requests stay open, but nobody works them; the opener is only told)."""
    return [d for d in duplicates if config.find_pod(d.pod.key) is not None]


def recorded_names(session: Session, customer: str, tool: str) -> tuple[str, str]:
    """The customer and tool as the SaaS stack's contract spells them, else the customer as
    its account does: `NILGIRI  FOODS` typed for the account Nilgiri Foods is Nilgiri Foods.
    Names matching neither stay as typed."""
    contract = find_contract(session, customer, tool)
    if contract is not None:
        return contract.customer, contract.tool
    account = find_account(session, customer)
    return (account.customer if account is not None else customer), tool


def owner(request: Request, viewer: str, *, plain: bool = False) -> str:
    """Who has the request now: `buyer <@U…>`, else `analyst <@U…>` (who qualified it), else
    `opened by <@U…>`; `you` for the viewer. In `plain` text (a form's error, where Slack
    renders no mention) someone else is named by their part only: `its buyer`."""
    if request.buyer_id:
        role, user = "buyer", request.buyer_id
    elif request.analyst_id:
        role, user = "analyst", request.analyst_id
    else:
        role, user = "opened by", request.created_by
    if user == viewer:
        return f"{role} you" if role == "opened by" else f"{role}: you"
    if plain:
        return "opened by a colleague" if role == "opened by" else f"its {role}"
    return f"{role} <@{user}>"


def listed(requests: list[Request], viewer: str, *, plain: bool = False) -> str:
    """`REQ-3 (POD Alpha, negotiating, buyer <@U…>) and REQ-7 (…)`: which, where, how far and
    whose, for the opener of another request for the same customer and tool."""
    shown = [
        f"{r.key} ({r.pod.name}, {r.stage}, {owner(r, viewer, plain=plain)})" for r in requests
    ]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def already_open(duplicates: list[Request], viewer: str, *, plain: bool = False) -> str:
    """`REQ-3 (…) is already open for Acme · Figma`, naming them as the oldest spells them."""
    verb = "is" if len(duplicates) == 1 else "are"
    first = duplicates[0]
    what = f"{first.customer} · {first.tool}" if plain else names(first)
    return f"{listed(duplicates, viewer, plain=plain)} {verb} already open for {what}"


def names(request: Request) -> str:
    """`Acme · Figma` as mrkdwn: names are stored as plain text (a modal's are not escaped)."""
    return f"{escape_mrkdwn(request.customer)} · {escape_mrkdwn(request.tool)}"


def summary(request: Request) -> str:
    """`Acme · Figma (renewal)` for timelines and replies, as mrkdwn."""
    return f"{names(request)} ({request.kind})"


def created_text(request: Request, pod: Pod, duplicates: list[Request], config: Config) -> str:
    """The invoker's confirmation, with the parallel-negotiation warning when there is one."""
    text = f"Created *{request.key}* — {summary(request)}. Its card is in <#{pod.channel}>."
    if duplicates:
        gone = {d.id for d in duplicates if config.find_pod(d.pod.key) is None}
        keys = ", ".join(
            f"{d.key} (in a POD no longer configured)" if d.id in gone else d.key
            for d in duplicates
        )
        text += (
            f"\n:warning: {keys} {'is' if len(duplicates) == 1 else 'are'} already open for "
            f"{names(request)}: parallel negotiation?"
        )
        if len(gone) < len(duplicates):
            text += " I let the POD's analyst and em know in its thread."
    return text


def register(app: App, runtime: Runtime) -> None:
    """Listen for intake modal submissions."""

    @app.view(CallbackId.INTAKE.value)
    def on_intake_submitted(ack: Ack, body: dict[str, Any]) -> None:
        user_id, values, metadata = view_context(body)

        def handle() -> Outbox:
            channel = IntakeForm.loads(
                metadata, source="the intake form's private_metadata",
                refusal="This form is damaged; open the intake form again.",
            ).channel  # fmt: skip
            pod, _ = pod_for_new(runtime.config, user_id, channel, Action.NEW)
            fields = parse_intake(values, pod.currency)
            past = past_renewal(fields.renewal_date, pod.today(runtime.clock.now()))
            if past:
                raise FieldErrors({BlockId.RENEWAL_DATE.value: past})
            outbox = Outbox(runtime)
            with runtime.db.transaction() as session:
                duplicates = open_duplicates(session, fields.customer, fields.tool)
                live = still_worked(duplicates, runtime.config)
                if live and not fields.again:
                    refusal = already_open(live, user_id, plain=True)
                    raise FieldErrors(
                        {BlockId.AGAIN.value: f"{refusal}. Tick this box to open another anyway."}
                    )
                request = create_request(
                    session,
                    runtime,
                    outbox,
                    pod,
                    user_id,
                    NewRequest(
                        fields.customer,
                        fields.tool,
                        fields.kind,
                        fields.amount,
                        fields.renewal_date,
                        fields.notes,
                    ),
                    duplicates,
                )
                outbox.ephemeral(
                    channel or pod.channel,
                    user_id,
                    created_text(request, pod, duplicates, runtime.config),
                )
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.CUSTOMER.value, action="intake"
        )
