"""Customer updates (issue 32): draft an account's update (`draft`: `/proc customer-update`
and the `customer-updates` job), mark it sent (`mark_sent`), or have podbot email it (`send`).

The draft goes to the account's analysts and csm by DM with its `.eml` (the consequence of
`CustomerUpdateDrafted`); a draft is sent once: the first Mark sent or Send settles it, and any
later click is refused saying who did it and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.actions import Work
from bot.blocks.text import escape_mrkdwn, slack_date
from bot.config import Pod
from bot.db.accounts import find_account
from bot.db.customer_updates import add_update, locked_update, other_customers, update_facts
from bot.db.models import Account, PodRow, Request
from bot.domain.customer_update import UpdateStatus, draft, wording_problems
from bot.domain.events import CustomerUpdateDrafted, CustomerUpdateSettled
from bot.domain.vocabulary import Role
from bot.errors import NotFound, NotPermitted, Refusal
from bot.mail.message import parse_contacts

# Who drafts, sends and marks sent an account's updates.
UPDATE_ROLES = (Role.ANALYST, Role.CSM, Role.EM)
# `drafted_by` of a draft the job made.
JOB = "podbot"


@dataclass(frozen=True)
class DraftUpdate:
    customer: str


@dataclass(frozen=True)
class Drafted:
    update_id: int
    customer: str
    users: tuple[str, ...]
    problems: tuple[str, ...]  # wording the check found (none for a draft fit to send)


@dataclass(frozen=True)
class Settle:
    update_id: int
    channel: str | None = None  # the DM whose button was clicked, to say it is settled
    ts: str | None = None


@dataclass(frozen=True)
class Settled:
    customer: str
    emailing: bool
    recipients: str


def pod_of_account(work: Work, account: Account) -> Pod:
    row = work.session.get(PodRow, account.pod_id)
    pod = work.config.find_pod(row.key) if row is not None else None
    if pod is None:
        raise NotFound(
            f"{escape_mrkdwn(account.customer)} belongs to a POD that is no longer configured."
        )
    return pod


def recipients_of(work: Work, account: Account, pod: Pod) -> tuple[str, ...]:
    """Who gets the draft: the POD's analysts, and the csm of the account — the csms who
    opened a request for it, else every csm of the POD."""
    csms = pod.members_with(Role.CSM)
    openers = set(
        work.session.scalars(
            select(Request.created_by).where(
                Request.pod_id == account.pod_id, Request.customer_key == account.customer_key
            )
        )
    )
    theirs = [user for user in csms if user in openers] or csms
    return tuple(dict.fromkeys([*pod.members_with(Role.ANALYST), *theirs]))


def draft_for(work: Work, account: Account, pod: Pod, by: str, period: date) -> Drafted:
    """Draft the account's update as of now and record it (the DMs follow from the event)."""
    facts = update_facts(
        work.session, account, work.now, pod.timezone, dict(work.config.procurement_stages),
        work.config.email.signature,
    )  # fmt: skip
    made = draft(facts)
    others = other_customers(work.session, account)
    problems = tuple(wording_problems(made.text, others))
    row = add_update(
        work.session, account, period=period, since=facts.since, subject=made.subject,
        text=made.text, html=made.html, recipients=parse_contacts(account.contacts), by=by,
        now=work.now,
    )  # fmt: skip
    users = recipients_of(work, account, pod)
    work.record(CustomerUpdateDrafted(row.id, users))
    return Drafted(row.id, account.customer, users, problems)


def draft_update(work: Work, user: str, given: DraftUpdate) -> Drafted:
    """`/proc customer-update <customer>`: a member of the account's POD drafts it now."""
    account = find_account(work.session, given.customer)
    if account is None:
        raise NotFound(f"There is no account for {escape_mrkdwn(given.customer)}.")
    pod = pod_of_account(work, account)
    _authorize(pod, user, account)
    today = work.now.astimezone(pod.zone).date()
    return draft_for(work, account, pod, user, today)


def mark_sent(work: Work, user: str, given: Settle) -> Settled:
    """Mark Sent: the person sent the draft themselves."""
    return _settle(work, user, given, emailing=False)


def send(work: Work, user: str, given: Settle) -> Settled:
    """Send: podbot emails the draft to the account's contacts (the outbox's `email` row)."""
    if not work.config.email.enabled:
        raise Refusal(
            "podbot sends no email here (no `[email]` host is configured): send the draft "
            "yourself, then click Mark sent."
        )
    return _settle(work, user, given, emailing=True)


def _settle(work: Work, user: str, given: Settle, *, emailing: bool) -> Settled:
    row = locked_update(work.session, given.update_id)
    if row is None:
        raise NotFound("This update draft no longer exists.")
    account = row.account
    pod = pod_of_account(work, account)
    _authorize(pod, user, account)
    status = UpdateStatus(row.status)
    if status in (UpdateStatus.SENT, UpdateStatus.MARKED) and row.sent_at is not None:
        how = "emailed" if status is UpdateStatus.SENT else "marked sent"
        raise Refusal(
            f"This update to {escape_mrkdwn(account.customer)} was already {how} by "
            f"<@{row.sent_by}> {slack_date(row.sent_at, pod.timezone)}."
        )
    if status is UpdateStatus.SENDING:
        raise Refusal(
            f"This update to {escape_mrkdwn(account.customer)} is being emailed "
            f"(Send clicked by <@{row.sent_by}>)."
        )
    if emailing and not row.recipients:
        raise Refusal(
            f"{escape_mrkdwn(account.customer)} has no contacts in the accounts file, so "
            "podbot has no one to email: send the draft yourself, then click Mark sent."
        )
    row.sent_by = user
    if emailing:
        row.status = UpdateStatus.SENDING.value
    else:
        row.status = UpdateStatus.MARKED.value
        row.sent_at = work.now
    work.record(CustomerUpdateSettled(row.id, emailing, given.channel, given.ts))
    return Settled(account.customer, emailing, row.recipients)


def _authorize(pod: Pod, user: str, account: Account) -> None:
    role = pod.role_of(user)
    if role not in UPDATE_ROLES:
        raise NotPermitted(
            f"Only an analyst, csm or em of {pod.name} handles "
            f"{escape_mrkdwn(account.customer)}'s customer updates."
        )
