"""Pre-approvals the customer answers (issue 32): `/proc preapproval` also puts the
pre-approval to the customer in the account's customer channel (`ask_customer`), and someone
of the customer's answers it there (`answer`): **Approve**, or **Needs changes** with a reason.

Only a person in that channel (Slack's `conversations.members`, read by the adapter) who is in
no POD (the config) may answer; a POD member's click is refused. The answer is given once: the
ask row is locked, and a second click — the same person's or another external member's, however
they race — is refused, saying who answered. The answer lands on the request's timeline and in
its thread, ends the customer hold the pre-approval opened, and refreshes the card and canvas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from bot.actions import Work
from bot.actions.holds import end_on_hold
from bot.blocks.text import escape_mrkdwn, slack_date
from bot.config import Pod
from bot.db.models import Account, PreapprovalAsk, Request
from bot.db.requests import record_event
from bot.domain.events import PreapprovalAnswered, PreapprovalAsked, RequestChanged, ThreadLine
from bot.domain.mentions import defuse_broadcasts
from bot.domain.vocabulary import EventKind
from bot.errors import NotFound, NotPermitted, Refusal

DEFAULT_QUESTION = "Do you approve going ahead with this purchase?"


@dataclass(frozen=True)
class Answer:
    ask_id: int
    approved: bool
    reason: str | None
    members: Sequence[str]  # who is in the channel now (Slack's conversations.members)
    channel: str | None = None  # the message clicked, to show the answer on it
    ts: str | None = None


@dataclass(frozen=True)
class Answered:
    key: str
    tool: str
    approved: bool


def ask_customer(
    work: Work, request: Request, actor: str, note: str | None
) -> PreapprovalAsk | None:
    """Put the pre-approval to the customer in their channel, if their account names one."""
    account = work.session.scalars(
        select(Account).where(
            Account.pod_id == request.pod_id,
            Account.customer_key == request.customer_key,
            Account.customer_channel.is_not(None),
        )
    ).first()
    if account is None or not account.customer_channel:
        return None
    ask = PreapprovalAsk(
        request_id=request.id, channel=account.customer_channel,
        question=note or DEFAULT_QUESTION, asked_by=actor, asked_at=work.now,
    )  # fmt: skip
    work.session.add(ask)
    work.session.flush()
    work.record(PreapprovalAsked(ask.id))
    return ask


def answer(work: Work, user: str, given: Answer) -> Answered:
    """The customer's answer, once."""
    config = work.config
    if config.in_a_pod(user):
        raise NotPermitted(
            "Only the customer answers a pre-approval; POD members follow it in the request's "
            "thread."
        )
    if user not in given.members:
        raise NotPermitted("Only people in this channel may answer its pre-approvals.")
    ask = work.session.scalars(
        select(PreapprovalAsk).where(PreapprovalAsk.id == given.ask_id).with_for_update()
    ).one_or_none()
    if ask is None:
        raise NotFound("This pre-approval no longer exists.")
    request = ask.request
    pod = _pod(work, request)
    if ask.answer is not None and ask.answered_at is not None:
        verdict = "approved" if ask.answer == "approved" else "asked for changes to"
        raise Refusal(
            f"<@{ask.answered_by}> already {verdict} this pre-approval "
            f"{slack_date(ask.answered_at, pod.timezone)}."
        )
    ask.answer = "approved" if given.approved else "changes"
    ask.reason = given.reason
    ask.answered_by, ask.answered_at = user, work.now
    words = "approved" if given.approved else "asked for changes"
    record_event(
        work.session, request, at=work.now, actor=user, kind=EventKind.PREAPPROVAL_ANSWERED,
        text=words + (f": {given.reason}" if given.reason else ""),
        data={"answer": ask.answer},
    )  # fmt: skip
    end_on_hold(work, request, pod, user, thread=False)
    why = f"\n>{defuse_broadcasts(given.reason)}" if given.reason else ""
    icon = ":white_check_mark:" if given.approved else ":pencil2:"
    work.record(
        ThreadLine(
            request.id,
            f"{icon} The customer (<@{user}>) {words} on the pre-approval of "
            f"{escape_mrkdwn(request.tool)}.{why}",
        ),
        RequestChanged(request.id, "pre-approval answered"),
        PreapprovalAnswered(ask.id, given.channel, given.ts),
    )
    return Answered(request.key, request.tool, given.approved)


def check_answerable(work: Work, user: str, ask_id: int, members: Sequence[str]) -> str:
    """Before the Needs changes modal opens: refused as a click would be; the tool's name."""
    if work.config.in_a_pod(user):
        raise NotPermitted(
            "Only the customer answers a pre-approval; POD members follow it in the request's "
            "thread."
        )
    if user not in members:
        raise NotPermitted("Only people in this channel may answer its pre-approvals.")
    ask = work.session.get(PreapprovalAsk, ask_id)
    if ask is None:
        raise NotFound("This pre-approval no longer exists.")
    if ask.answered_at is not None:
        raise Refusal(f"<@{ask.answered_by}> already answered this pre-approval.")
    return ask.request.tool


def _pod(work: Work, request: Request) -> Pod:
    pod = work.config.find_pod(request.pod.key)
    if pod is None:
        raise NotFound(f"{request.key} belongs to a POD that is no longer configured.")
    return pod
