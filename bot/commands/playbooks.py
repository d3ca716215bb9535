"""`playbook`: a tool's negotiation playbook (issue 34); a won request's What worked… (the
levers modal) and Skip; a closed card's Mark as case study; a bundle proposal's Accept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import bundles, playbooks
from bot.actions.bundles import AcceptBundle
from bot.actions.playbooks import (
    MarkCaseStudy,
    RecordLevers,
    SkipLevers,
    check_levers,
    playbook_answer,
)
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.playbooks import LeversForm, levers_modal, parse_levers_form
from bot.blocks.text import escape_mrkdwn
from bot.commands.interactions import (
    Origin,
    answer_click,
    answer_submission,
    read_click,
    view_context,
)
from bot.commands.router import Invocation, Reply, subcommand
from bot.commands.stats import pod_for_stats
from bot.consequences import perform
from bot.errors import NotFound
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
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

    @app.action(ActionId.LEVERS_OPEN.value)
    def on_levers_open(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)
        number = click.number

        def handle() -> Outbox:
            if number is None:
                raise NotFound("This button does not point at a request.")
            with runtime.db.reading() as session:
                request = check_levers(session, runtime.config, click.user, number)
                title = (
                    f"*{request.key}* · {escape_mrkdwn(request.customer)} · "
                    f"{escape_mrkdwn(request.tool)}"
                )
            # From the thread's ask, the ask is edited once answered; from the reminder DM, the
            # DM's line is settled instead.
            ts = _message_ts(body) if click.origin is Origin.CHANNEL else None
            channel = click.channel if ts else None
            metadata = LeversForm(number, channel, ts).dumps()
            outbox = Outbox(runtime)
            outbox.view(body["trigger_id"], levers_modal(metadata, title))
            return outbox

        answer_click(
            runtime, body, handle, channel=click.answer_channel, user=click.user,
            thread_ts=click.thread_ts, action="levers open",
        )  # fmt: skip

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

    @app.action(ActionId.LEVERS_SKIP.value)
    def on_levers_skip(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)

        def handle() -> Outbox:
            ts = _message_ts(body)
            if click.number is None or click.channel is None or ts is None:
                raise NotFound("This button does not point at a request.")
            given = SkipLevers(click.number, click.channel, ts)
            outbox, _done = perform(runtime, playbooks.skip_levers, click.user, given)
            return outbox

        answer_click(
            runtime, body, handle, channel=click.answer_channel, user=click.user,
            thread_ts=click.thread_ts, action="levers skip",
        )  # fmt: skip

    @app.action(ActionId.CASE_STUDY.value)
    def on_case_study(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)

        def handle() -> Outbox:
            if click.number is None:
                raise NotFound("This button does not point at a request.")
            outbox, done = perform(
                runtime, playbooks.mark_case_study, click.user, MarkCaseStudy(click.number)
            )
            outbox.ephemeral(
                click.answer_channel, click.user,
                f":books: {done.key} is a case study in the {escape_mrkdwn(done.tool)} "
                f"playbook now (`{runtime.config.slack.command} playbook "
                f"{escape_mrkdwn(done.tool)}`).",
                click.thread_ts,
            )  # fmt: skip
            return outbox

        answer_click(
            runtime, body, handle, channel=click.answer_channel, user=click.user,
            thread_ts=click.thread_ts, action="case study",
        )  # fmt: skip

    @app.action(ActionId.BUNDLE_ACCEPT.value)
    def on_bundle_accept(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = read_click(body)

        def handle() -> Outbox:
            if click.number is None:
                raise NotFound("This button does not point at a bundle.")
            outbox, done = perform(
                runtime, bundles.accept_bundle, click.user, AcceptBundle(click.number)
            )
            outbox.ephemeral(
                click.answer_channel, click.user,
                f":package: Bundle accepted: {', '.join(done.keys)} — its coordinating thread "
                f"is in <#{done.channel}>.",
            )  # fmt: skip
            return outbox

        answer_click(
            runtime, body, handle, channel=click.answer_channel, user=click.user,
            action="bundle accept",
        )  # fmt: skip
