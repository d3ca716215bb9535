"""`/proc new`: the intake modal or the inline form; the request is opened by the use case
`bot.actions.intake.open_request`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import intake
from bot.actions.access import pod_for_new
from bot.actions.intake import AlreadyOpen, OpenRequest, PastRenewal
from bot.blocks import answers
from bot.blocks.contexts import IntakeForm
from bot.blocks.ids import BlockId, CallbackId
from bot.blocks.modals import IntakeInput, intake_modal, parse_intake
from bot.commands.interactions import answer_submission, view_context
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform
from bot.domain.grammar import NewRequest, parse_new
from bot.domain.lifecycle import Action
from bot.errors import FieldErrors
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime

USAGE = "new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]"


@subcommand("new", USAGE, "open a request (no arguments: the intake form)", order=10)
def new(runtime: Runtime, invocation: Invocation) -> Reply:
    """Open the intake modal, or create the request from the inline form."""
    if not invocation.args:
        pod, _role = pod_for_new(
            runtime.config, invocation.user_id, invocation.channel_id, Action.NEW
        )
        outbox = Outbox(runtime)
        metadata = IntakeForm(pod.key, invocation.channel_id).dumps()
        if invocation.trigger_id:
            outbox.view(invocation.trigger_id, intake_modal(metadata, pod.currency))
        return Reply(text=f"Opening the intake form for {pod.name}…", after_ack=[outbox.deliver])
    typed = OpenRequest(
        invocation.channel_id, lambda pod: arguments(parse_new, invocation.args, pod.currency)
    )
    outbox, done = perform(runtime, intake.open_request, invocation.user_id, typed)
    return Reply(text=answers.opened(done), after_ack=[outbox.deliver])


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
            formed = OpenRequest(channel, lambda pod: _typed(parse_intake(values, pod.currency)))
            try:
                outbox, done = perform(runtime, intake.open_request, user_id, formed)
            except PastRenewal as past:
                raise FieldErrors({BlockId.RENEWAL_DATE.value: past.message}) from None
            except AlreadyOpen as live:
                raise FieldErrors(
                    {BlockId.AGAIN.value: f"{live.plain}. Tick this box to open another anyway."}
                ) from None
            outbox.ephemeral(channel or done.channel, user_id, answers.opened(done))
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.CUSTOMER.value, action="intake"
        )


def _typed(fields: IntakeInput) -> NewRequest:
    return NewRequest(
        fields.customer, fields.tool, fields.kind, fields.amount, fields.renewal_date,
        fields.notes, fields.again,
    )  # fmt: skip
