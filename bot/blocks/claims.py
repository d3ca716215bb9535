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
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.ids import VALUE_ACTION_ID, ActionId, BlockId, CallbackId
from bot.blocks.text import escape_mrkdwn, fit_markup, slack_date
from bot.domain.money import Money, format_money, format_percent
from bot.domain.savings import savings_amount, savings_percent, share_of_benchmark
from bot.domain.vocabulary import ClaimKind


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


def benchmark_line(claim: ClaimView) -> str:
    """The tool's benchmark and this claim as a share of it."""
    tool = escape_mrkdwn(claim.tool)
    if claim.benchmark_percent is None:
        return f":bar_chart: Benchmark for {tool}: no benchmark yet (no approved claims)."
    share = share_of_benchmark(claim.percent, claim.benchmark_percent)
    plural = "s" if claim.benchmark_claims != 1 else ""
    line = (
        f":bar_chart: Benchmark for {tool}: {format_percent(claim.benchmark_percent)} average "
        f"over {claim.benchmark_claims} approved claim{plural}"
    )
    if share is not None:
        line += f" · this claim is {format_percent(share)} of it"
    return line + "."


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
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=figures)),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=benchmark_line(claim)),
                MarkdownTextObject(text=quotes_line(claim)),
            ]
        ),
    ]
    if claim.status == "pending":
        ems = " ".join(f"<@{u}>" for u in claim.ems) or "An em of this POD"
        ask = f"{ems}: approve or reject?"
        if claim.fallback_reason:
            ask = (
                f"Waiting for {ems} (fallback approver: {claim.fallback_reason}): "
                "approve or reject?"
            )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=ask)))
        blocks.append(decision_buttons(claim.claim_id, BlockId.CLAIM_ACTIONS.value))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=outcome_line(claim))]))
    return blocks


def outcome_line(claim: ClaimView) -> str:
    """The decision (or supersession) that replaced the buttons."""
    if claim.status == "approved" and claim.decided_by and claim.decided_at:
        decided = slack_date(claim.decided_at, claim.timezone, with_time=True)
        return f":white_check_mark: Approved by <@{claim.decided_by}> · {decided}"
    if claim.status == "rejected" and claim.decided_by and claim.decided_at:
        reason = fit_markup(escape_mrkdwn(claim.reason or ""), 2500)
        decided = slack_date(claim.decided_at, claim.timezone, with_time=True)
        return f":no_entry: Rejected by <@{claim.decided_by}> · {decided}: {reason}"
    if claim.status == "superseded":
        return ":fast_forward: Superseded by a newer claim on this request (below)."
    return claim.status


def reject_modal(private_metadata: str, claim: ClaimView) -> View:
    """Ask the em for the reason of a rejection (required)."""
    return View(
        type="modal",
        callback_id=CallbackId.SAVINGS_REJECT.value,
        private_metadata=private_metadata,
        title=PlainTextObject(text="Reject claim"),
        submit=PlainTextObject(text="Reject"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"{claim.request_key}: {headline(claim)} claimed by <@{claim.created_by}>"
                )
            ),
            InputBlock(
                block_id=BlockId.REASON.value,
                label=PlainTextObject(text="Why is it rejected?"),
                element=PlainTextInputElement(
                    action_id=VALUE_ACTION_ID, multiline=True, max_length=2000
                ),
            ),
        ],
    )
