"""`status` and `mine`: a request's card with its whole timeline, and your open requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions.access import load_request, require_member
from bot.blocks.cards import (
    MineRow,
    TimelineEntry,
    mine_blocks,
    mine_text,
    note_block,
    stage_label,
    status_blocks,
)
from bot.blocks.text import escape_mrkdwn
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.db.content import card_data
from bot.db.requests import open_requests_of, timeline
from bot.domain.aging import age_in_days, days_left
from bot.domain.grammar import parse_key, parse_nothing
from bot.domain.vocabulary import Role

if TYPE_CHECKING:
    from bot.config import Pod
    from bot.db.models import Request
    from bot.runtime import Runtime


@subcommand("status", "status REQ", "the card and full timeline of a request", order=100)
def status(runtime: Runtime, invocation: Invocation) -> Reply:
    """Show a request's card and every event to its POD's members, ephemerally."""
    number = arguments(parse_key, invocation.args)
    with runtime.db.reading() as session:
        request, pod = load_request(session, runtime.config, number, for_update=False)
        if pod.role_of(invocation.user_id) is None:
            # The card and timeline carry the customer, quotes and the negotiation itself:
            # outside the POD (another POD's member, or nobody's) say only where to ask.
            return Reply(text=_whom_to_ask(request, pod))
        card = card_data(session, runtime.config, request, runtime.clock.now())
        entries = [
            TimelineEntry(at=e.at, actor=e.actor, kind=e.kind, text=e.text)
            for e in timeline(session, request.id)
        ]
    return Reply(
        text=(
            f"{card.key} — {escape_mrkdwn(card.customer)} · {escape_mrkdwn(card.tool)}: "
            f"{card.stage}"
        ),
        blocks=status_blocks(card, entries, runtime.clock.now()),
    )


def _whom_to_ask(request: Request, pod: Pod) -> str:
    """The one sentence an outsider gets: the request's key, POD and stage, and whom to ask."""
    people: dict[str, str] = {}
    for user, as_what in [(request.buyer_id, "its buyer"), (request.analyst_id, "its analyst")]:
        if user:
            people.setdefault(user, as_what)
    for em in pod.members_with(Role.EM):
        people.setdefault(em, f"{pod.name}'s em")
    named = [f"<@{user}> ({as_what})" for user, as_what in people.items()]
    if not named:  # a POD configured without an em, on a request nobody has taken yet
        ask = f"ask in <#{pod.channel}>"
    elif len(named) == 1:
        ask = f"ask {named[0]}"
    else:
        ask = f"ask {', '.join(named[:-1])} or {named[-1]}"
    return (
        f"{request.key} is in {pod.name}, stage {stage_label(request.stage, None)}. "
        f"Its card and timeline are for {pod.name}'s members: {ask}."
    )


@subcommand("mine", "mine", "your open requests with age and TAT", order=110)
def mine(runtime: Runtime, invocation: Invocation) -> Reply:
    """List the invoker's open requests, ephemerally."""
    arguments(parse_nothing, invocation.args)
    require_member(runtime.config, invocation.user_id)
    now = runtime.clock.now()
    user = invocation.user_id
    rows: list[MineRow] = []
    # A POD removed from the config keeps its requests, but no calendar to age them by nor a
    # channel to act in: they are named, not listed.
    left_out: list[str] = []
    team_url = runtime.slack.team_url(fetch=False)  # learnt at start-up
    with runtime.db.reading() as session:
        for request in open_requests_of(session, user):
            pod = runtime.config.find_pod(request.pod.key)
            if pod is None:
                left_out.append(request.key)
                continue
            tz = pod.timezone
            role = (
                "buyer" if request.buyer_id == user
                else "analyst" if request.analyst_id == user
                else "creator"
            )  # fmt: skip
            link = None
            if request.card_channel and request.card_ts:
                link = runtime.slack.archive_link(team_url, request.card_channel, request.card_ts)
            rows.append(
                MineRow(
                    key=request.key,
                    customer=request.customer,
                    tool=request.tool,
                    stage=request.stage,
                    role=role,
                    age_days=age_in_days(request.created_at, now, tz),
                    tat_days_left=days_left(request.tat_due_at, now, tz)
                    if request.tat_due_at
                    else None,
                    card_link=link,
                )
            )
    text, blocks = mine_text(rows), mine_blocks(rows, user)
    if left_out:
        keys = ", ".join(left_out)
        verb = "is" if len(left_out) == 1 else "are"
        note = f"{keys} {verb} left out: {'it belongs' if len(left_out) == 1 else 'they belong'}"
        note += " to a POD no longer configured."
        text += f" {note}"
        blocks.append(note_block(note))
    return Reply(text=text, blocks=blocks)
