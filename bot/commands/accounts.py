"""`/proc account` (a customer account: its dates, money, health and open requests; an em
sets its health) and `/proc target` (an em sets a quarter's target for the POD or a member)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from bot.actions.access import pod_for_new, require_member
from bot.blocks.text import escape_mrkdwn, slack_date
from bot.commands.router import Invocation, Reply, arguments, subcommand, usage_line
from bot.db.accounts import IMPORTED_BY, find_account, open_requests_for, set_health
from bot.db.contracts import saving_upserts
from bot.db.models import Account, PodRow
from bot.db.requests import pod_row
from bot.db.targets import TargetSaved, set_target
from bot.domain.accounts import describe_money, parse_account_command
from bot.domain.lifecycle import Action, may, stage_words
from bot.domain.mentions import defuse_broadcasts
from bot.domain.money import Money
from bot.domain.targets import (
    TARGET_ROLES,
    describe_target,
    ended_refusal,
    parse_target_command,
    quarter_has_ended,
)
from bot.errors import NotFound, NotPermitted, Refusal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Pod
    from bot.runtime import Runtime

ACCOUNT_USAGE = "account <customer> [health favorable|neutral|at-risk [note]]"
TARGET_USAGE = "target <YYYYQn|next> pod|@member <amount>"

# More of an account, added by later modules (`bot/commands/stats.py` adds the milestones): each
# section gets the runtime (config, clock), the session, the account and its POD, and returns
# lines for `/proc account` (none: nothing to show).
AccountSection = Callable[["Runtime", "Session", Account, "Pod"], list[str]]
ACCOUNT_SECTIONS: list[AccountSection] = []


@subcommand(
    "account", ACCOUNT_USAGE, "a customer account; an em sets its health", order=150,
    deferred="Looking up the account…",
)  # fmt: skip
def account(runtime: Runtime, invocation: Invocation) -> Reply:
    """Show the account to a member of its POD, or record the em's judgement of its health;
    answered after the ack (the account shows its milestones: the quarter's KPI facts)."""
    config = runtime.config
    require_member(config, invocation.user_id)
    wanted = arguments(parse_account_command, invocation.args)
    now = runtime.clock.now()

    def work(session: Session) -> str:
        found = find_account(session, wanted.customer, for_update=wanted.health is not None)
        if found is None:
            hint = (
                f" (`{wanted.unread_health[:30]}` is not a health: write favorable, neutral "
                "or at-risk)"
                if wanted.unread_health
                else ""
            )
            raise NotFound(
                f"There is no account for {escape_mrkdwn(wanted.customer)}{hint}.",
                usage=usage_line(invocation.command, "account"),
            )
        pod = _pod_of(session, runtime, found)
        role = pod.role_of(invocation.user_id)
        if role is None:
            raise NotPermitted(
                f"{escape_mrkdwn(found.customer)} is an account of {pod.name}, "
                "and you are not a member of it."
            )
        if wanted.health is None:
            return account_text(runtime, session, found, pod)
        if not may(role, Action.ACCOUNT_HEALTH):
            raise NotPermitted(
                f"Only an em of {pod.name} may set an account's health; "
                f"in {pod.name} you are {role}."
            )
        was = found.health
        set_health(session, found, wanted.health, wanted.note, invocation.user_id, now)
        change = f"(was {was})" if was != wanted.health else "(unchanged)"
        note = f": {defuse_broadcasts(wanted.note)}" if wanted.note else "."
        return f"{escape_mrkdwn(found.customer)} is now {wanted.health} {change}{note}"

    if wanted.health is None:
        with runtime.db.reading() as session:  # a snapshot: no writer waits on the facts
            return Reply(text=work(session))
    return Reply(text=saving_upserts(runtime.db, work))


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
    for section in ACCOUNT_SECTIONS:
        lines += section(runtime, session, account, pod)
    return "\n".join(lines)


@subcommand(
    "target", TARGET_USAGE, "set a quarter's savings target for the POD or a member", order=160
)
def target(runtime: Runtime, invocation: Invocation) -> Reply:
    """Set (or change) the target, until its quarter ends, and show it with what it was."""
    config = runtime.config
    pod, _role = pod_for_new(config, invocation.user_id, invocation.channel_id, Action.TARGET_SET)
    now = runtime.clock.now()
    today = now.astimezone(pod.zone).date()
    fields = arguments(
        parse_target_command, invocation.args, pod.currency, pod.fiscal_year_start_month, today
    )
    if fields.member is not None and pod.role_of(fields.member) not in TARGET_ROLES:
        raise NotPermitted(
            f"<@{fields.member}> is not a buyer or em of {pod.name}; targets are for the POD "
            "and its buyers and ems."
        )
    if quarter_has_ended(fields.quarter, today):
        raise Refusal(ended_refusal(fields.quarter))

    def save(session: Session) -> TargetSaved:
        pod_id = pod_row(session, pod.key).id
        return set_target(
            session, pod_id, fields.quarter, fields.member, fields.amount, invocation.user_id, now
        )

    saved = saving_upserts(runtime.db, save)
    who = pod.name if fields.member is None else f"<@{fields.member}>"
    if saved.outcome == "unchanged":
        shown = describe_target(fields.quarter, who, saved.amount, None)
        return Reply(text=f"{shown}, as it already was; nothing changed.")
    return Reply(text=describe_target(fields.quarter, who, saved.amount, saved.before) + ".")


def _pod_of(session: Session, runtime: Runtime, account: Account) -> Pod:
    row = session.get(PodRow, account.pod_id)
    key = row.key if row is not None else "?"
    pod = runtime.config.find_pod(key)
    if pod is None:
        raise NotFound(
            f"{escape_mrkdwn(account.customer)} is an account of POD `{key}`, "
            "which is no longer configured."
        )
    return pod


def _day(day: date | None, timezone: str) -> str:
    return slack_date(day, timezone) if day is not None else "not set"
