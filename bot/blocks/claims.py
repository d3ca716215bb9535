"""The savings claim message in a request's thread: figures, benchmark, quotes, and the buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.cards import usage_text
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.modals import reason_modal
from bot.blocks.text import escape_mrkdwn, fit_markup, slack_date
from bot.domain.approvals import Progress, covering_note, progress_line
from bot.domain.money import Money, format_money, format_percent
from bot.domain.savings import savings_amount, savings_percent, share_of_benchmark
from bot.domain.vocabulary import ClaimKind


@dataclass(frozen=True)
class ApprovedClaim:
    """Another approved claim of the request, as a claim message names it: the one a revision
    revises, or the revision that replaced it."""

    saved: Money
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class ClaimView:
    """Everything the claim message shows."""

    claim_id: int
    request_key: str
    customer: str
    tool: str
    kind: str
    baseline: Money
    final: Money
    status: str
    created_by: str
    benchmark_percent: Decimal | None
    benchmark_claims: int
    quote_count: int
    ems: tuple[str, ...]
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    superseded_by: int | None = None
    # Set when `ems` are the POD's fallback approvers: why (the POD's only em made the claim).
    fallback_reason: str | None = None
    timezone: str = "UTC"  # the POD's: a date's fallback text is the POD's date
    # The approved claim this one revises (approved, it replaces that one in every figure).
    revises: ApprovedClaim | None = None
    # Marked additional by the buyer: a saving beside the request's claim, not a revision.
    additional: bool = False
    # Tagged right-sizing (issue 34): the saving came from fewer seats; the customer's latest
    # seat usage of the tool, when imported.
    right_sizing: bool = False
    usage_line: str | None = None
    # Set on an approved claim whose revision was approved: it no longer counts.
    revised_by: ApprovedClaim | None = None
    benchmark_customers: int = 0
    # The claim's approval steps when it needs more than one (`approval_rules`), else None.
    progress: Progress | None = None
    # Deciders standing in for someone away (`/proc away`): (cover, whom they cover for).
    covering: tuple[tuple[str, str], ...] = ()
    # Where the final price landed among the POD's per-seat deals (issue 34): `final
    # $12.40/seat/yr · 20th percentile of …`; None when the request has no seats to divide by.
    price_line: str | None = None

    @property
    def saved(self) -> Money:
        """The savings amount."""
        return Money(
            savings_amount(self.baseline.amount, self.final.amount), self.baseline.currency
        )

    @property
    def percent(self) -> Decimal:
        """The savings as a % of the baseline."""
        return savings_percent(self.baseline.amount, self.final.amount)


def decision_buttons(claim_id: int, block_id: str) -> ActionsBlock:
    """Approve / Reject on a savings claim: the same action ids wherever they are shown (the
    thread, the approval queue, the Home), so one handler decides."""
    value = str(claim_id)
    return ActionsBlock(
        block_id=block_id,
        elements=[
            ButtonElement(
                text="Approve", action_id=ActionId.SAVINGS_APPROVE.value, value=value,
                style="primary",
            ),
            ButtonElement(
                text="Reject", action_id=ActionId.SAVINGS_REJECT.value, value=value,
                style="danger",
            ),
        ],
    )  # fmt: skip


def claim_noun(kind: str) -> str:
    """What a claim of `kind` is called: `savings claim`, or `cost-avoidance claim`."""
    return "cost-avoidance claim" if kind == ClaimKind.AVOIDANCE else "savings claim"


def claim_verb(kind: str) -> str:
    """What a claim of `kind` says of its amount: `saved`, or `avoided` for an avoidance."""
    return "avoided" if kind == ClaimKind.AVOIDANCE else "saved"


def headline(claim: ClaimView) -> str:
    """`$8,500 (17.7%)` — the claim in one phrase."""
    return f"{format_money(claim.saved)} ({format_percent(claim.percent)})"


def claim_text(claim: ClaimView) -> str:
    """Notification text for the claim message."""
    noun = claim_noun(claim.kind)
    return (
        f"{noun[:1].upper()}{noun[1:]} on {claim.request_key}: {headline(claim)} — {claim.status}"
    )


def revision_note(claim: ClaimView) -> str | None:
    """What the claim is to the request's other approved claims, for the em deciding it:
    `revises the approved $8,100 (approved Dec 3, 2026 by @ananya)`, or that it is marked
    additional; None for a first claim."""
    if claim.revises is not None:
        prior = claim.revises
        return (
            f"revises the approved {format_money(prior.saved)} (approved "
            f"{slack_date(prior.decided_at, claim.timezone)} by <@{prior.decided_by}>)"
        )
    if claim.additional:
        return "marked additional: a saving beside the request's claim, with its own baseline"
    return None


def benchmark_line(claim: ClaimView) -> str:
    """The tool's benchmark — what it compares against — and this claim as a share of it."""
    tool = escape_mrkdwn(claim.tool)
    if claim.benchmark_percent is None or claim.benchmark_claims == 0:
        return f":bar_chart: Benchmark for {tool}: no other approved {tool} claims yet."
    share = share_of_benchmark(claim.percent, claim.benchmark_percent)
    claims = f"{claim.benchmark_claims} approved claim{'s' if claim.benchmark_claims != 1 else ''}"
    customers = (
        f"{claim.benchmark_customers} customer{'s' if claim.benchmark_customers != 1 else ''}"
    )
    line = (
        f":bar_chart: Benchmark for {tool}: {format_percent(claim.benchmark_percent)} average "
        f"of {claims} for {tool} across {customers}"
    )
    if share is not None:
        line += f" · this claim is {format_percent(share)} of it"
    return line + "."


def final_price_line(claim: ClaimView) -> str | None:
    """`:dart: Final $12.40/seat/yr · 20th percentile of …`: where the final price landed
    among the POD's per-seat deals; None without seats to divide it by."""
    if not claim.price_line:
        return None
    return f":dart: {claim.price_line[:1].upper()}{claim.price_line[1:]}."


def quotes_line(claim: ClaimView) -> str:
    """How many competing quotes back the claim; a warning when none."""
    if claim.quote_count == 0:
        return ":warning: *No competing quotes recorded — no alternative considered.*"
    plural = "s" if claim.quote_count != 1 else ""
    return f":receipt: {claim.quote_count} competing quote{plural} recorded."


def claim_blocks(claim: ClaimView) -> list[Block]:
    """The claim message: figures, benchmark, quotes, then buttons or the decision."""
    kind = "Cost avoidance" if claim.kind == ClaimKind.AVOIDANCE else "Cost savings"
    figures = (
        f"*{kind} claim* on *{claim.request_key}* by <@{claim.created_by}>\n"
        f"*{headline(claim)}* {claim_verb(claim.kind)} · {format_money(claim.baseline)} → "
        f"{format_money(claim.final)}"
    )
    note = revision_note(claim)
    if note is not None:
        figures += f"\n:repeat: {note[:1].upper()}{note[1:]}."
    if claim.right_sizing:
        figures += "\n:straight_ruler: Tagged *right-sizing*: the saving came from fewer seats."
        if claim.usage_line:
            figures += f"\n{usage_text(claim.usage_line)}"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=figures)),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=benchmark_line(claim)),
                *[MarkdownTextObject(text=line) for line in (final_price_line(claim),) if line],
                MarkdownTextObject(text=quotes_line(claim)),
            ]
        ),
    ]
    if claim.status == "pending":
        cover = dict(claim.covering)
        ems = (
            " ".join(f"<@{u}>" + covering_note(cover, u) for u in claim.ems) or "An em of this POD"
        )
        ask = f"{ems}: approve or reject?"
        if claim.fallback_reason:
            ask = (
                f"Waiting for {ems} (fallback approver: {claim.fallback_reason}): "
                "approve or reject?"
            )
        if claim.progress is not None:
            ask = f"{progress_line(claim.progress)}: approve or reject?"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=ask)))
        blocks.append(decision_buttons(claim.claim_id, BlockId.CLAIM_ACTIONS.value))
    else:
        line = outcome_line(claim)
        if claim.progress is not None and claim.progress.approved:
            done = claim.progress.approved
            approvals = " · ".join(f"✅ <@{u}>" for u in done)
            line += f"\n{len(done)} of {claim.progress.total} approvals: {approvals}"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line)]))
    return blocks


def outcome_line(claim: ClaimView) -> str:
    """The decision (or supersession) that replaced the buttons."""
    if claim.status == "approved" and claim.decided_by and claim.decided_at:
        decided = slack_date(claim.decided_at, claim.timezone, with_time=True)
        line = f":white_check_mark: Approved by <@{claim.decided_by}> · {decided}"
        if claim.revised_by is not None:
            later = claim.revised_by
            line += (
                f"\n:fast_forward: Revised: the claim of {format_money(later.saved)} approved "
                f"{slack_date(later.decided_at, claim.timezone)} by <@{later.decided_by}> "
                "replaces this one (below), which no longer counts."
            )
        return line
    if claim.status == "rejected" and claim.decided_by and claim.decided_at:
        reason = fit_markup(escape_mrkdwn(claim.reason or ""), 2500)
        decided = slack_date(claim.decided_at, claim.timezone, with_time=True)
        return f":no_entry: Rejected by <@{claim.decided_by}> · {decided}: {reason}"
    if claim.status == "superseded":
        return ":fast_forward: Superseded by a newer claim on this request (below)."
    return claim.status


def reject_modal(private_metadata: str, claim: ClaimView) -> View:
    """Ask the em for the reason of a rejection (required)."""
    head = SectionBlock(
        text=MarkdownTextObject(
            text=f"{claim.request_key}: {headline(claim)} claimed by <@{claim.created_by}>"
        )
    )
    return reason_modal(
        CallbackId.SAVINGS_REJECT, "Reject claim", "Reject", private_metadata, head,
        "Why is it rejected?",
    )  # fmt: skip
