"""`playbook`: a tool's negotiation playbook (issue 34); a won request's What worked… (the
levers modal) and Skip; a closed card's Mark as case study; a bundle proposal's Accept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import bundles, playbooks
from bot.actions.bundles import AcceptBundle
from bot.actions.playbooks import MarkCaseStudy, RecordLevers, SkipLevers, playbook_answer
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.playbooks import LeversForm, levers_modal, parse_levers_form
from bot.blocks.text import escape_mrkdwn
from bot.commands.card_actions import ClickWork, modal_opener, on_request_click
from bot.commands.interactions import Origin, answer_submission, read_click, view_context
from bot.commands.router import Invocation, Reply, subcommand
from bot.commands.stats import pod_for_stats
from bot.consequences import perform
from bot.errors import NotFound
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from slack_sdk.models.views import View
    from sqlalchemy.orm import Session

    from bot.config import Pod
    from bot.db.models import Request
    from bot.runtime import Runtime


@subcommand(
    "playbook", "playbook <tool>",
    "a tool's playbook: per-seat prices, wins, levers that worked, resellers, case studies",
    order=176,
)  # fmt: skip
def playbook(runtime: Runtime, invocation: Invocation) -> Reply:
    """Answer ephemerally from the POD's own requests for the tool."""
    pod, _role = pod_for_stats(runtime.config, invocation.user_id, invocation.channel_id)
    with runtime.db.reading() as session:
        text = playbook_answer(session, runtime.config, pod, invocation.args, runtime.clock.now())
    return Reply(text=text)


def _message_ts(body: dict[str, Any]) -> str | None:
    container = body.get("container") or {}
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return str(ts) if ts else None


def register(app: App, runtime: Runtime) -> None:
    """Listen for the levers buttons and modal, Mark as case study and Accept bundle."""

    def on_click(action_id: ActionId, name: str, work: ClickWork, points_at: str) -> None:
        on_request_click(
            app, runtime, action_id, name, work, usage=False, in_thread=True, points_at=points_at
        )

    def levers_open(user: str, number: int, channel: str, body: dict[str, Any]) -> Outbox:
        click = read_click(body)
        # From the thread's ask, the ask is edited once answered; from the reminder DM, the
        # DM's line is settled instead.
        ts = _message_ts(body) if click.origin is Origin.CHANNEL else None
        metadata = LeversForm(number, click.channel if ts else None, ts).dumps()

        def form(_session: Session, request: Request, _pod: Pod, _channel: str) -> View:
            title = (
                f"*{request.key}* · {escape_mrkdwn(request.customer)} · "
                f"{escape_mrkdwn(request.tool)}"
            )
            return levers_modal(metadata, title)

        opener = modal_opener(runtime, playbooks.check_levers, form)
        return opener(user, number, channel, body)

    on_click(ActionId.LEVERS_OPEN, "levers open", levers_open, "a request")

    @app.view(CallbackId.LEVERS.value)
    def on_levers_submitted(ack: Ack, body: dict[str, Any]) -> None:
        user, values, metadata = view_context(body)

        def handle() -> Outbox:
            form = LeversForm.loads(
                metadata, source="the levers form's private_metadata",
                refusal="This form no longer points at a request.",
            )  # fmt: skip
            ticked, note = parse_levers_form(values)
            given = RecordLevers(form.request, tuple(ticked), note, form.channel, form.ts)
            outbox, _done = perform(runtime, playbooks.record_levers, user, given)
            return outbox

        answer_submission(
            runtime, ack, body, handle, field_for_refusals=BlockId.LEVERS.value,
            action="levers",
        )  # fmt: skip

    def levers_skip(user: str, number: int, _channel: str, body: dict[str, Any]) -> Outbox:
        click, ts = read_click(body), _message_ts(body)
        if click.channel is None or ts is None:
            raise NotFound("This button does not point at a request.")
        given = SkipLevers(number, click.channel, ts)
        outbox, _done = perform(runtime, playbooks.skip_levers, user, given)
        return outbox

    on_click(ActionId.LEVERS_SKIP, "levers skip", levers_skip, "a request")

    def case_study(user: str, number: int, channel: str, body: dict[str, Any]) -> Outbox:
        outbox, done = perform(runtime, playbooks.mark_case_study, user, MarkCaseStudy(number))
        outbox.ephemeral(
            channel, user,
            f":books: {done.key} is a case study in the {escape_mrkdwn(done.tool)} "
            f"playbook now (`{runtime.config.slack.command} playbook "
            f"{escape_mrkdwn(done.tool)}`).",
            read_click(body).thread_ts,
        )  # fmt: skip
        return outbox

    on_click(ActionId.CASE_STUDY, "case study", case_study, "a request")

    def bundle_accept(user: str, number: int, channel: str, _body: dict[str, Any]) -> Outbox:
        outbox, done = perform(runtime, bundles.accept_bundle, user, AcceptBundle(number))
        outbox.ephemeral(
            channel, user,
            f":package: Bundle accepted: {', '.join(done.keys)} — its coordinating thread "
            f"is in <#{done.channel}>.",
        )  # fmt: skip
        return outbox

    on_request_click(
        app, runtime, ActionId.BUNDLE_ACCEPT, "bundle accept", bundle_accept, usage=False,
        points_at="a bundle",
    )  # fmt: skip
