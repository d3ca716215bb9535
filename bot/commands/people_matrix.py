"""`/proc people` (an account's people matrix: who the POD knows at the customer, their part
in the buying decision, escalation level and last contact; single-threaded accounts flagged)
and the sentiment half of `/proc account` (issue 35). The changes are the use cases of
`bot.actions.people_matrix`; the account shows both (an `ACCOUNT_SECTIONS` entry)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions import people_matrix
from bot.actions.access import require_member
from bot.blocks.text import escape_mrkdwn, slack_date
from bot.commands.accounts import account_section
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform_upsert
from bot.db.models import Account
from bot.db.people_matrix import contacts_of, sentiments_of
from bot.domain.mentions import defuse_broadcasts
from bot.domain.people_matrix import (
    Contact,
    parse_people_command,
    single_threaded,
    why_single_threaded,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Pod
    from bot.runtime import Runtime

PEOPLE_USAGE = (
    "people <customer> [add <name or email> role decision-maker|approver|champion|user "
    "[escalation 1|2] | remove <name or email> | contacted <name or email> [YYYY-MM-DD]]"
)
# How many past sentiments `/proc account` shows, newest first.
SENTIMENT_HISTORY_SHOWN = 5


@subcommand("people", PEOPLE_USAGE, "an account's people matrix, with last contacts", order=152)
def people(runtime: Runtime, invocation: Invocation) -> Reply:
    """List the matrix to a member of the account's POD, or change it (csm, analyst, em)."""
    require_member(runtime.config, invocation.user_id)
    wanted = arguments(parse_people_command, invocation.args)
    if wanted.verb is None:
        with runtime.db.reading() as session:
            seen = people_matrix.seen_account(
                session, runtime.config, invocation.user_id, wanted.customer
            )
            return Reply(text=matrix_text(session, seen.account, seen.pod))
    outbox, done = perform_upsert(runtime, people_matrix.change_people, invocation.user_id, wanted)
    who = escape_mrkdwn(done.person)
    customer = escape_mrkdwn(done.customer)
    if done.change == "add":
        assert done.role is not None
        level = f", escalation {done.escalation}" if done.escalation else ""
        said = f"{who} is in the people of {customer}: {done.role.value}{level}."
    elif done.change == "remove":
        said = f"{who} is no longer in the people of {customer}."
    else:
        assert done.contacted is not None
        said = f"Last contact with {who} of {customer}: {done.contacted.isoformat()}."
    if done.single_threaded:
        said += f" {customer} is *single-threaded* ({why_single_threaded(done.contacts)})."
    return Reply(text=said, after_ack=[outbox.deliver])


def matrix_text(session: Session, account: Account, pod: Pod) -> str:
    contacts = contacts_of(session, account.id)
    head = f"*People of {escape_mrkdwn(account.customer)}* · {pod.name}"
    lines = [head, *(_contact_line(c) for c in contacts)]
    if not contacts:
        lines.append(
            f"No one yet: `/proc people {escape_mrkdwn(account.customer)} add <name or email> "
            "role decision-maker|approver|champion|user [escalation 1|2]`."
        )
    lines.append(_threading(contacts))
    return "\n".join(lines)


def _contact_line(c: Contact) -> str:
    level = f" · escalation {c.escalation}" if c.escalation else ""
    last = c.last_contact.isoformat() if c.last_contact else "never"
    return f"• {escape_mrkdwn(c.name)} — {c.role}{level} · last contact {last}"


def _threading(contacts: list[Contact]) -> str:
    if single_threaded(contacts):
        return f"⚠️ *Single-threaded* ({why_single_threaded(contacts)})."
    return f"Multi-threaded: {len(contacts)} contacts."


def account_people(runtime: Runtime, session: Session, account: Account, pod: Pod) -> list[str]:
    """`/proc account`'s people line (single-threaded flagged) and its sentiment history."""
    contacts = contacts_of(session, account.id)
    lines = [f"People: {len(contacts)} (`/proc people`) — {_threading(contacts)}"]
    history = sentiments_of(session, account.id)
    if history:
        lines.append("Sentiment:")
        for row in reversed(history[-SENTIMENT_HISTORY_SHOWN:]):
            when = slack_date(row.set_at, pod.timezone)
            lines.append(
                f"• *{row.sentiment}* — {defuse_broadcasts(row.note)} (<@{row.set_by}>, {when})"
            )
    return lines


account_section(20, account_people)
