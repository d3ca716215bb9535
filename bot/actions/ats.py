"""Offline purchases (issue 35, `/proc offline`): a tool the customer bought outside the
platform, recorded with its annual amount so that it counts in the account's ATS on the
platform (`bot/db/ats.py`, the weekly snapshots). A csm, analyst or em of the account's POD
records it; the amount is read in the account's currency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from bot.actions import Work
from bot.actions.accounts import account_for
from bot.blocks.text import escape_mrkdwn
from bot.db.offline import record_offline as write_offline
from bot.domain.accounts import AccountCommand
from bot.domain.ats_trend import OfflineCommand
from bot.domain.money import Money
from bot.domain.vocabulary import Role
from bot.errors import NotPermitted, UsageError

# Who may record an offline purchase: those who keep the account's data.
OFFLINE_ROLES = frozenset({Role.CSM, Role.ANALYST, Role.EM})


@dataclass(frozen=True)
class RecordOffline:
    # The arguments read in a currency: the config's to find the account, then the account's.
    read: Callable[[str], OfflineCommand]


@dataclass(frozen=True)
class OfflineRecorded:
    customer: str
    tool: str
    amount: Money
    was: Decimal | None  # the annual amount recorded before (None: new)


def record_offline(work: Work, user: str, given: RecordOffline) -> OfflineRecorded:
    """Record (or update) the customer's offline purchase of a tool."""
    first = given.read(work.config.currency)
    seen = account_for(
        work.session, work.config, user, AccountCommand(first.customer), for_update=True
    )
    account, pod, role = seen.account, seen.pod, seen.role
    if role not in OFFLINE_ROLES:
        raise NotPermitted(
            f"A csm, analyst or em of {pod.name} records offline purchases; in {pod.name} you "
            f"are {role}."
        )
    wanted = given.read(account.currency)
    if wanted.amount.currency != account.currency:
        raise UsageError(
            f"{escape_mrkdwn(account.customer)}'s figures are in {account.currency}; give the "
            f"annual amount in {account.currency}."
        )
    row, was = write_offline(
        work.session, account, wanted.tool, wanted.amount, wanted.note, user, work.now
    )
    return OfflineRecorded(account.customer, row.tool, wanted.amount, was)
