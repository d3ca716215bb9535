"""`/proc stats`: the KPI scorecard of the invoker, a member, a customer or the POD for a
quarter; and the customer's milestone lines in `/proc account`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions.access import require_member
from bot.blocks.stats import kpi_hint, kpi_line, stats_blocks, stats_text
from bot.blocks.text import escape_mrkdwn, slack_date
from bot.commands.accounts import account_section
from bot.commands.router import Invocation, Reply, arguments, subcommand, usage_line
from bot.db.accounts import find_account
from bot.db.compliance import guard_share
from bot.db.kpis import load_facts
from bot.db.models import Account, PodRow
from bot.domain.compliance import guard_share_line
from bot.domain.dates import add_days, day_start
from bot.domain.quarters import quarter_of
from bot.domain.scorecard import (
    customer_scorecard,
    member_scorecard,
    parse_stats,
    pod_scorecard,
)
from bot.domain.vocabulary import Role
from bot.errors import NotFound, NotPermitted

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Config, Pod
    from bot.runtime import Runtime

STATS_USAGE = "stats [YYYYQn] [@member | <customer> | pod]"
# Who sees any member's scorecard; the others see their own (and the POD's, and customers').
SEES_EVERYONE = (Role.EM, Role.ANALYST)


def pod_for_stats(config: Config, user_id: str, channel_id: str) -> tuple[Pod, str]:
    """The channel's POD when the invoker is in it, else the invoker's first POD."""
    memberships = require_member(config, user_id)
    here = config.pod_for_channel(channel_id)
    role = here.role_of(user_id) if here is not None else None
    if here is not None and role is not None:
        return here, role
    return memberships[0]


@subcommand(
    "stats", STATS_USAGE, "the quarter's KPIs: yours, a member's, a customer's or the POD's",
    order=170, deferred="Working out the stats…",
)  # fmt: skip
def stats(runtime: Runtime, invocation: Invocation) -> Reply:
    """Answer the scorecard ephemerally, after the ack (it reads the quarter's KPI facts); a
    buyer asking for another member is refused."""
    config = runtime.config
    user = invocation.user_id
    pod, role = pod_for_stats(config, user, invocation.channel_id)
    now = runtime.clock.now()
    today = now.astimezone(pod.zone).date()
    ask = arguments(parse_stats, invocation.args, pod.fiscal_year_start_month, today)
    if ask.member is not None and ask.member != user:
        if pod.role_of(ask.member) is None:
            raise NotPermitted(f"<@{ask.member}> is not a member of {pod.name}.")
        if role not in SEES_EVERYONE:
            raise NotPermitted(
                f"Only an em or analyst of {pod.name} sees another member's stats; "
                "ask for your own with `/proc stats`."
            )
    # A snapshot: the facts of a long history take seconds to read, and no writer waits.
    with runtime.db.reading() as session:
        if ask.customer is not None:
            account = find_account(session, ask.customer)
            if account is None:
                raise NotFound(
                    f"There is no account for {escape_mrkdwn(ask.customer)}.",
                    usage=usage_line(invocation.command, "stats"),
                )
            pod = _pod_of_account(session, config, account, user)
            today = now.astimezone(pod.zone).date()
        quarter = ask.quarter or quarter_of(today, pod.fiscal_year_start_month)
        # Scoped to the ask: a customer's claims for its milestones, else GDR's (the quarter's).
        customers = str(account.id) if ask.customer is not None and account is not None else None
        facts = load_facts(session, config, pod, quarter, now, customers=customers)
        # Issue 33: the share of won closes that met every close guard (no bar yet).
        met, judged = guard_share(
            session, pod.key, day_start(quarter.start, pod.zone),
            day_start(add_days(quarter.end, 1), pod.zone),
        )  # fmt: skip
    if ask.customer is not None:
        assert account is not None  # found above, or the command was refused
        fact = next(a for a in facts.accounts if a.account_id == str(account.id))
        card = customer_scorecard(facts, fact)
    elif ask.member is not None:
        card = member_scorecard(facts, ask.member, pod.role_of(ask.member) or Role.CSM)
    elif ask.pod or role != Role.BUYER:
        card = pod_scorecard(facts, pod.key, pod.members_with(Role.ANALYST))
    else:
        card = member_scorecard(facts, user, role)
    text = stats_text(card, pod.name, str(quarter), slack_date(today, pod.timezone))
    if card.scope == "pod" and pod.close_guards:
        text += "\n" + guard_share_line(met, judged)
    hint = kpi_hint(invocation.command)
    return Reply(text=f"{text}\n{hint}", blocks=stats_blocks(text, invocation.command))


def _pod_of_account(session: Session, config: Config, account: Account, user: str) -> Pod:
    key = session.get_one(PodRow, account.pod_id).key  # the account's POD row (a foreign key)
    pod = config.find_pod(key)
    if pod is None:
        raise NotFound(
            f"{escape_mrkdwn(account.customer)} is an account of POD `{key}`, "
            "which is no longer configured."
        )
    if pod.role_of(user) is None:
        raise NotPermitted(
            f"{escape_mrkdwn(account.customer)} is an account of {pod.name}, "
            "and you are not a member of it."
        )
    return pod


def account_milestones(runtime: Runtime, session: Session, account: Account, pod: Pod) -> list[str]:
    """`/proc account`'s milestone lines (FTV, MSG, PSE, ATS uploaded), as `/proc stats
    <customer>` shows them for this quarter."""
    now = runtime.clock.now()
    quarter = quarter_of(now.astimezone(pod.zone).date(), pod.fiscal_year_start_month)
    facts = load_facts(session, runtime.config, pod, quarter, now, customers=str(account.id))
    fact = next((a for a in facts.accounts if a.account_id == str(account.id)), None)
    if fact is None:
        return []
    return [
        "Milestones:",
        *(kpi_line(kpi) for kpi in customer_scorecard(facts, fact).lines),
        kpi_hint(runtime.config.slack.command),
    ]


account_section(30, account_milestones)
