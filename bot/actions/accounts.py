"""Customer accounts (SPEC §3, `/proc account`): the account as its POD's members see it, and
an em's judgement of its health (`set_health`, recording `AccountHealthSet`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.actions import Work
from bot.blocks.text import escape_mrkdwn
from bot.config import Config, Pod
from bot.db.accounts import find_account
from bot.db.accounts import set_health as write_health
from bot.db.models import Account, PodRow
from bot.domain.accounts import AccountCommand
from bot.domain.events import AccountHealthSet
from bot.domain.lifecycle import Action, may
from bot.domain.vocabulary import Health
from bot.errors import NotFound, NotPermitted


@dataclass(frozen=True)
class Seen:
    """An account a member of its POD asked for, with the asker's role there."""

    account: Account
    pod: Pod
    role: str


@dataclass(frozen=True)
class HealthSet:
    customer: str
    health: Health
    was: str
    note: str | None


def account_for(
    session: Session, config: Config, user: str, asked: AccountCommand, *, for_update: bool
) -> Seen:
    """The account `asked` names, if `user` is a member of its POD; NotFound or NotPermitted
    otherwise."""
    found = find_account(session, asked.customer, for_update=for_update)
    if found is None:
        hint = (
            f" (`{asked.unread_health[:30]}` is not a health: write favorable, neutral or at-risk)"
            if asked.unread_health
            else ""
        )
        raise NotFound(f"There is no account for {escape_mrkdwn(asked.customer)}{hint}.")
    pod = _pod_of(session, config, found)
    role = pod.role_of(user)
    if role is None:
        raise NotPermitted(
            f"{escape_mrkdwn(found.customer)} is an account of {pod.name}, "
            "and you are not a member of it."
        )
    return Seen(found, pod, role)


def set_health(work: Work, user: str, given: AccountCommand) -> HealthSet:
    """Record an em's judgement of the account's health (with a note)."""
    assert given.health is not None, "a health to set"
    seen = account_for(work.session, work.config, user, given, for_update=True)
    pod, role, account = seen.pod, seen.role, seen.account
    if not may(role, Action.ACCOUNT_HEALTH):
        raise NotPermitted(
            f"Only an em of {pod.name} may set an account's health; in {pod.name} you are {role}."
        )
    was = account.health
    write_health(work.session, account, given.health, given.note, user, work.now)
    work.record(AccountHealthSet(account.id, given.health.value, user))
    return HealthSet(account.customer, given.health, was, given.note)


def _pod_of(session: Session, config: Config, account: Account) -> Pod:
    row = session.get(PodRow, account.pod_id)
    key = row.key if row is not None else "?"
    pod = config.find_pod(key)
    if pod is None:
        raise NotFound(
            f"{escape_mrkdwn(account.customer)} is an account of POD `{key}`, "
            "which is no longer configured."
        )
    return pod
