"""`/proc customer-update <customer>` and the draft DM's **Mark sent** and **Send** (issue 32):
the adapters of `bot/actions/customer_updates.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import customer_updates
from bot.actions.customer_updates import DraftUpdate, Settle
from bot.blocks.ids import ActionId
from bot.blocks.text import escape_mrkdwn, mentions, slack_date
from bot.commands.accounts import account_section
from bot.commands.interactions import answer_click, read_click
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform
from bot.db.customer_updates import last_sent
from bot.domain.customer_update import UpdateStatus
from bot.domain.grammar import customer_name
from bot.errors import NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Pod
    from bot.db.models import Account
    from bot.runtime import Runtime
    from bot.slack.outbox import Outbox

USAGE = "customer-update <customer>"


@subcommand(
    "customer-update", USAGE, "draft a customer's update now: DMed with its .eml", order=152
)
def customer_update(runtime: Runtime, invocation: Invocation) -> Reply:
    """Draft the account's update now; it is DMed to its analysts and csm."""
    customer = arguments(customer_name, invocation.args, "The customer is missing.")
    outbox, done = perform(
        runtime, customer_updates.draft_update, invocation.user_id, DraftUpdate(customer)
    )
    text = (
        f"Drafted {escape_mrkdwn(done.customer)}'s customer update: DMed to "
        f"{mentions(list(done.users)) or 'nobody (no analyst or csm in the POD)'}."
    )
    if done.problems:
        text += f"\n:warning: Check before sending: {'; '.join(done.problems[:5])}."
    return Reply(text=text, after_ack=[outbox.deliver])


def last_update_lines(runtime: Runtime, session: Session, account: Account, pod: Pod) -> list[str]:
    """`/proc account`'s line about the customer updates: the last one sent, how and by whom."""
    last = last_sent(session, account.id)
    if last is None or last.sent_at is None:
        return ["Customer update: none sent yet (`/proc customer-update` drafts one)."]
    how = "emailed by podbot" if last.status == UpdateStatus.SENT else "marked sent"
    by = f" (<@{last.sent_by}>)" if last.sent_by else ""
    return [f"Last customer update: {how}{by} {slack_date(last.sent_at, pod.timezone)}."]


account_section(10, last_update_lines)


def register(app: App, runtime: Runtime) -> None:
    """Listen for Mark sent and Send on a draft's DM."""

    def settle(body: dict[str, Any], use_case: Any, action: str) -> None:
        click = read_click(body)
        ts = (body.get("container") or {}).get("message_ts")
        update_id = click.number

        def handle() -> Outbox:
            if update_id is None:
                raise NotFound("This button does not point at a customer update.")
            given = Settle(update_id, click.channel, str(ts) if ts else None)
            outbox, _done = perform(runtime, use_case, click.user, given)
            return outbox

        # Whichever click of a draft's buttons comes first settles it; the rest are refused.
        answer_click(
            runtime, body, handle, channel=click.answer_channel, user=click.user,
            thread_ts=click.thread_ts, action=action,
        )  # fmt: skip

    @app.action(ActionId.CUSTOMER_UPDATE_MARK_SENT.value)
    def on_mark_sent(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        settle(body, customer_updates.mark_sent, "customer update mark sent")

    @app.action(ActionId.CUSTOMER_UPDATE_SEND.value)
    def on_send(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        settle(body, customer_updates.send, "customer update send")
