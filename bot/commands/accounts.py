"""`/proc account` (a customer account: its dates, money, health and open requests; an em
sets its health) and `/proc target` (an em sets a quarter's target for the POD or a member):
the changes are the use cases `bot.actions.accounts.set_health` and
`bot.actions.targets.set_quarter_target`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from bot.actions import accounts, people_matrix, targets
from bot.actions.access import require_member
from bot.actions.targets import SetTarget
from bot.blocks import answers
from bot.blocks.text import escape_mrkdwn, slack_date
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform_upsert
from bot.db.accounts import IMPORTED_BY, open_requests_for
from bot.db.models import Account
from bot.domain.accounts import describe_money, parse_account_command
from bot.domain.lifecycle import stage_words
from bot.domain.mentions import defuse_broadcasts
from bot.domain.money import Money
from bot.domain.people_matrix import SentimentCommand, parse_sentiment_command
from bot.domain.targets import TargetSet, parse_target_command

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Pod
    from bot.runtime import Runtime

ACCOUNT_USAGE = (
    "account <customer> [health favorable|neutral|at-risk [note] "
    "| sentiment positive|neutral|negative <note>]"
)
TARGET_USAGE = "target <YYYYQn|next> pod|@member <amount>"

# More of an account, added by later modules (`bot/commands/stats.py` adds the milestones): each
# section gets the runtime (config, clock), the session, the account and its POD, and returns
# lines for `/proc account` (none: nothing to show).
AccountSection = Callable[["Runtime", "Session", Account, "Pod"], list[str]]
ACCOUNT_SECTIONS: list[tuple[int, AccountSection]] = []


def account_section(order: int, section: AccountSection) -> None:
    """Show `section` in `/proc account`, after the sections of a lower `order` (the modules
    registering them are imported in no set order)."""
    ACCOUNT_SECTIONS.append((order, section))
    ACCOUNT_SECTIONS.sort(key=lambda entry: entry[0])


@subcommand(
    "account", ACCOUNT_USAGE, "a customer account; an em sets its health", order=150,
    deferred="Looking up the account…",
)  # fmt: skip
def account(runtime: Runtime, invocation: Invocation) -> Reply:
    """Show the account to a member of its POD, or record the em's judgement of its health;
    answered after the ack (the account shows its milestones: the quarter's KPI facts)."""
    require_member(runtime.config, invocation.user_id)
    # Issue 35: `<customer> sentiment positive|neutral|negative <note>`.
    feeling = arguments(parse_sentiment_command, invocation.args)
    if feeling is not None:
        return sentiment(runtime, invocation, feeling)
    wanted = arguments(parse_account_command, invocation.args)
    if wanted.health is None:
        with runtime.db.reading() as session:  # a snapshot: no writer waits on the facts
            seen = accounts.account_for(
                session, runtime.config, invocation.user_id, wanted, for_update=False
            )
            return Reply(text=account_text(runtime, session, seen.account, seen.pod))
    outbox, done = perform_upsert(runtime, accounts.set_health, invocation.user_id, wanted)
    return Reply(text=answers.health_set(done), after_ack=[outbox.deliver])


def account_text(runtime: Runtime, session: Session, account: Account, pod: Pod) -> str:
    """The account as its POD's members see it."""
    money = [
        Money(v, account.currency) if v is not None else None
        for v in (account.msg, account.pse, account.ats)
    ]
    dates = [
        f"Customer since {_day(account.initiated, pod.timezone)}",
        f"handed over {_day(account.handover, pod.timezone)}",
        f"term ends {_day(account.term_end, pod.timezone)}",
    ]
    updated = slack_date(account.updated_at, pod.timezone)
    by = "the accounts file" if account.updated_by == IMPORTED_BY else f"<@{account.updated_by}>"
    note = f" — {defuse_broadcasts(account.health_note)}" if account.health_note else ""
    lines = [
        f"*{escape_mrkdwn(account.customer)}* · {pod.name}",
        " · ".join(dates),
        " · ".join(
            f"{label} {describe_money(m)}"
            for label, m in zip(("MSG", "PSE", "ATS"), money, strict=True)
        ),
        f"Health: *{account.health}*{note} (last updated by {by}, {updated})",
    ]
    requests = open_requests_for(session, account)
    if requests:
        lines.append("Open requests:")
        lines += [f"• {r.key} {escape_mrkdwn(r.tool)} — {stage_words(r.stage)}" for r in requests]
    else:
        lines.append("No open requests.")
    for _order, section in ACCOUNT_SECTIONS:
        lines += section(runtime, session, account, pod)
    return "\n".join(lines)


@subcommand(
    "target", TARGET_USAGE, "set a quarter's savings target for the POD or a member", order=160
)
def target(runtime: Runtime, invocation: Invocation) -> Reply:
    """Set (or change) the target, until its quarter ends, and show it with what it was."""

    def fields(currency: str, start_month: int, today: date) -> TargetSet:
        return arguments(parse_target_command, invocation.args, currency, start_month, today)

    given = SetTarget(invocation.channel_id, fields)
    outbox, done = perform_upsert(runtime, targets.set_quarter_target, invocation.user_id, given)
    return Reply(text=answers.target_set(done), after_ack=[outbox.deliver])


def _day(day: date | None, timezone: str) -> str:
    return slack_date(day, timezone) if day is not None else "not set"


def sentiment(runtime: Runtime, invocation: Invocation, given: SentimentCommand) -> Reply:
    """`/proc account <customer> sentiment …`: recorded beside the earlier ones."""
    outbox, done = perform_upsert(runtime, people_matrix.set_sentiment, invocation.user_id, given)
    change = f"(was {done.was})" if done.was and done.was != done.sentiment else ""
    change = change or ("(unchanged)" if done.was else "(the first recorded)")
    return Reply(
        text=(
            f"{escape_mrkdwn(done.customer)}'s sentiment is {done.sentiment.value} {change}: "
            f"{defuse_broadcasts(given.note)}"
        ),
        after_ack=[outbox.deliver],
    )
