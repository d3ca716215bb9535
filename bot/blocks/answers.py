"""What the person who acted is told once a request's use case is done (the ephemeral answer
or the ack's text), from its outcome's facts; the same words from a command and a button."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.blocks.claims import ClaimView, claim_noun, headline, revision_note
from bot.blocks.text import escape_mrkdwn, mentions, plural, slack_date
from bot.domain.mentions import defuse_broadcasts
from bot.domain.money import Money, format_money
from bot.domain.quarters import Quarter
from bot.domain.targets import describe_target


def qualified(key: str, *, typed: bool) -> str:
    """A qualified request; a typed command is told the next command too."""
    if typed:
        return f"{key} is qualified. Next: `/proc assign {key} @buyer`."
    return f"{key} is qualified."


def disqualified(key: str) -> str:
    return f"{key} is disqualified."


def assigned(key: str, buyer: str, tat_due: datetime, timezone: str) -> str:
    due = slack_date(tat_due, timezone, with_time=True)
    return f"{key} is assigned to <@{buyer}>; the TAT is due {due}."


def quoted(key: str, vendor: str, amount: Money, was: Money | None) -> str:
    """A quote logged, or a vendor's earlier quote revised; `vendor` is plain text."""
    shown = escape_mrkdwn(vendor)
    if was is None:
        return f"Quote from {shown} ({format_money(amount)}) recorded on {key}."
    return f"{shown}'s quote on {key} revised: {format_money(was)} → {format_money(amount)}."


def closed(key: str, outcome: str, term: str) -> str:
    """A closed request; `term` says what became of a won one's new term: recorded (given
    with the close), asked (in its thread) or none."""
    if term == "recorded":
        return f"{key} is closed (won) and its new term is recorded in the SaaS stack."
    text = f"{key} is closed ({outcome})."
    if term == "asked":
        text += " Record its new term with the button in its thread."
    return text


class ClaimFacts(Protocol):
    """What a posted claim's answer says (`bot.actions.savings.Claimed`)."""

    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def view(self) -> ClaimView: ...
    @property
    def approvers(self) -> tuple[str, ...]: ...
    @property
    def fallback_reason(self) -> str | None: ...
    @property
    def additional(self) -> bool: ...
    @property
    def superseded_kind(self) -> str | None: ...
    @property
    def superseded(self) -> str: ...
    @property
    def pod_name(self) -> str: ...
    @property
    def chain(self) -> tuple[str, ...]: ...


def claimed(done: ClaimFacts) -> str:
    """A savings claim posted: who decides it (a fallback approver, and why), what an approval
    does when it revises or adds to the request's claim, the pending claim it supersedes."""
    noun = claim_noun(done.kind)
    text = (
        f"{noun[:1].upper()}{noun[1:]} of {headline(done.view)} on {done.key} posted in its "
        f"thread for {mentions(list(done.approvers))} to approve"
        + (f" (fallback approver: {done.fallback_reason})." if done.fallback_reason else ".")
    )
    if done.chain:
        text += (
            f" Above {done.pod_name}'s approval threshold, it then needs "
            f"{' and then '.join(f'<@{u}>' for u in done.chain)} to approve too "
            f"({plural(1 + len(done.chain), 'approval')} in all)."
        )
    if done.view.revises is not None:
        text += (
            f" It {revision_note(done.view)}: approved, it replaces that one in every figure; "
            "rejected, that one stands."
        )
    elif done.additional:
        text += " It is marked additional: approved, it counts beside the request's claim."
    if done.superseded_kind is not None:
        text += (
            f" It supersedes the pending {claim_noun(done.superseded_kind)} of {done.superseded}."
        )
    return text


def held(key: str, party: str, clock: str) -> str:
    """A request put on hold (issue 30): whose ball it is, which clock stopped."""
    which = "TAT" if clock == "tat" else "qualification"
    return (
        f"{key} is on hold, waiting on the {party}: its {which} clock has stopped. "
        f"`/proc resume {key}` starts it again."
    )


def resumed(key: str, clock: str, due: datetime, timezone: str) -> str:
    """A hold ended: the clock runs again, due later by the time held."""
    which = "TAT" if clock == "tat" else "qualification"
    return (
        f"{key} is running again; its {which} is now due "
        f"{slack_date(due, timezone, with_time=True)}."
    )


class BesideFacts(Protocol):
    """An open request for the same customer and tool (`bot.actions.intake.Beside`)."""

    @property
    def key(self) -> str: ...
    @property
    def configured(self) -> bool: ...


class OpenedFacts(Protocol):
    """What an opened request's answer says (`bot.actions.intake.Opened`)."""

    @property
    def key(self) -> str: ...
    @property
    def customer(self) -> str: ...
    @property
    def tool(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def beside(self) -> Sequence[BesideFacts]: ...


def opened(done: OpenedFacts) -> str:
    """The opener's confirmation, with the parallel-negotiation warning when there is one."""
    names = f"{escape_mrkdwn(done.customer)} · {escape_mrkdwn(done.tool)}"
    text = f"Created *{done.key}* — {names} ({done.kind}). Its card is in <#{done.channel}>."
    if done.beside:
        keys = ", ".join(
            b.key if b.configured else f"{b.key} (in a POD no longer configured)"
            for b in done.beside
        )
        text += (
            f"\n:warning: {keys} {'is' if len(done.beside) == 1 else 'are'} already open for "
            f"{names}: parallel negotiation?"
        )
        if any(b.configured for b in done.beside):
            text += " I let the POD's analyst and em know in its thread."
    return text


class HealthFacts(Protocol):
    """An account's health set (`bot.actions.accounts.HealthSet`)."""

    @property
    def customer(self) -> str: ...
    @property
    def health(self) -> str: ...
    @property
    def was(self) -> str: ...
    @property
    def note(self) -> str | None: ...


def health_set(done: HealthFacts) -> str:
    """`Acme is now at-risk (was favorable): <note>`."""
    change = f"(was {done.was})" if done.was != done.health else "(unchanged)"
    note = f": {defuse_broadcasts(done.note)}" if done.note else "."
    return f"{escape_mrkdwn(done.customer)} is now {done.health} {change}{note}"


class TargetFacts(Protocol):
    """A target set (`bot.actions.targets.Targeted`)."""

    @property
    def pod_name(self) -> str: ...
    @property
    def quarter(self) -> Quarter: ...
    @property
    def member(self) -> str | None: ...
    @property
    def amount(self) -> Money: ...
    @property
    def before(self) -> Money | None: ...
    @property
    def changed(self) -> bool: ...


def target_set(done: TargetFacts) -> str:
    """`2027Q1 target for <@U…>: $120,000 (was $100,000).`, or that nothing changed."""
    who = done.pod_name if done.member is None else f"<@{done.member}>"
    if not done.changed:
        shown = describe_target(done.quarter, who, done.amount, None)
        return f"{shown}, as it already was; nothing changed."
    return describe_target(done.quarter, who, done.amount, done.before) + "."


def step_moved(key: str, words: str, expected: tuple[int, int] | None) -> str:
    """A procurement step started (with its expected bound) or done."""
    if expected is None:
        return f"{key}: {words} is done."
    low, high = expected
    return f"{key}: {words} started (expected {low}–{high} days)."


def checkin_shared(pod_name: str) -> str:
    return f"Shared in {pod_name}'s channel."


def preapproved(key: str, asked_in: str | None = None) -> str:
    where = f" (asked in <#{asked_in}>)" if asked_in else ""
    return f"{key} is pre-approved: the qualification clock is met; waiting on the customer{where}."
