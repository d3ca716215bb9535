"""Modals for `/proc new` (intake), `/proc update REQ` (daily update) and a won request's new
term (Record the new term), and their parsing.

Builders return slack_sdk `View`s; parsers read a view_submission's `view.state.values` and raise
FieldErrors keyed by block id, which Slack shows next to the offending input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.blocks.ids import VALUE_ACTION_ID, BlockId, CallbackId
from bot.blocks.limits import PLACEHOLDER_TEXT, PLAIN_TEXT_INPUT
from bot.blocks.text import escape_mrkdwn, fit_mrkdwn, short_date
from bot.domain.contracts import MAX_NOTICE_DAYS
from bot.domain.grammar import control_character_problem
from bot.domain.money import AmountError, Money, parse_amount
from bot.domain.vocabulary import RequestType
from bot.errors import FieldErrors

__all__ = [
    "MAX_NAME",
    "PLAIN_TEXT_INPUT",
    "IntakeInput",
    "TermInput",
    "TermPrefill",
    "UpdateInput",
    "disqualify_modal",
    "intake_modal",
    "parse_disqualify",
    "parse_intake",
    "parse_term_form",
    "parse_update",
    "term_modal",
    "update_modal",
    "update_text",
]

MAX_NAME = 200  # customer and tool names
_MAX_AMOUNT_TEXT = 64
_MAX_NEXT_STEP = 500
_KINDS = tuple(RequestType)


@dataclass(frozen=True)
class IntakeInput:
    """A new request as typed in the intake modal."""

    customer: str
    tool: str
    kind: str
    amount: Money | None
    renewal_date: date | None
    notes: str | None


@dataclass(frozen=True)
class UpdateInput:
    """A buyer's daily update as typed in the update modal."""

    status: str
    vendor_position: str | None
    next_step: str | None
    next_step_date: date | None
    blockers: str | None


@dataclass(frozen=True)
class TermPrefill:
    """What the new-term modal shows first: from the request, its savings and its contract."""

    title_line: str  # `REQ-12 · Acme · Figma`
    note: str  # whether the contract is updated or created
    amount: Money | None
    renewal_date: date | None
    billing_cycle: str
    auto_renew: bool | None
    notice_days: int | None


@dataclass(frozen=True)
class TermInput:
    """A won request's new term as typed in the modal."""

    amount: Money
    renewal_date: date
    billing_cycle: str
    auto_renew: bool | None
    notice_days: int | None


# --- building ------------------------------------------------------------------------------


def _text_input(
    block_id: BlockId,
    label: str,
    *,
    optional: bool = False,
    multiline: bool = False,
    max_length: int = PLAIN_TEXT_INPUT,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id.value,
        label=PlainTextObject(text=label),
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
        element=PlainTextInputElement(
            action_id=VALUE_ACTION_ID,
            multiline=multiline,
            max_length=max_length,
            placeholder=PlainTextObject(text=placeholder) if placeholder else None,
        ),
    )


def _date_input(block_id: BlockId, label: str) -> InputBlock:
    return InputBlock(
        block_id=block_id.value,
        label=PlainTextObject(text=label),
        optional=True,
        element=DatePickerElement(
            action_id=VALUE_ACTION_ID, placeholder=PlainTextObject(text="Pick a date")
        ),
    )


@dataclass(frozen=True)
class IntakePrefill:
    """What the intake modal starts with (the Home's Open renewal request: its contract)."""

    customer: str
    tool: str
    kind: str
    amount: Money | None = None
    renewal_date: date | None = None


def intake_modal(
    private_metadata: str, default_currency: str, prefill: IntakePrefill | None = None
) -> View:
    """Build the intake modal for a new request (customer, tool, type, spend, renewal, notes),
    empty or prefilled."""
    kinds = RadioButtonsElement(
        action_id=VALUE_ACTION_ID,
        options=[
            Option(value="new", text=PlainTextObject(text="New purchase")),
            Option(value="renewal", text=PlainTextObject(text="Renewal")),
        ],
    )
    blocks: list[Block] = [
        _text_input(BlockId.CUSTOMER, "Customer", max_length=MAX_NAME),
        _text_input(BlockId.TOOL, "Tool", max_length=MAX_NAME, placeholder="e.g. Figma"),
        InputBlock(block_id=BlockId.TYPE.value, label=PlainTextObject(text="Type"), element=kinds),
        _text_input(
            BlockId.AMOUNT,
            "Current annual spend",
            optional=True,
            max_length=_MAX_AMOUNT_TEXT,
            hint=(f"e.g. 48000, $48,000.50, 48k, EUR 40k; default currency {default_currency}"),
        ),
        _date_input(BlockId.RENEWAL_DATE, "Renewal date"),
        _text_input(BlockId.NOTES, "Notes", optional=True, multiline=True),
    ]
    if prefill is not None:
        blocks[0].element.initial_value = prefill.customer[:MAX_NAME]
        blocks[1].element.initial_value = prefill.tool[:MAX_NAME]
        kinds.initial_option = next((o for o in kinds.options if o.value == prefill.kind), None)
        if prefill.amount is not None:
            blocks[3].element.initial_value = _amount_text(prefill.amount)
        if prefill.renewal_date is not None:
            blocks[4].element.initial_date = prefill.renewal_date.isoformat()
    return View(
        type="modal",
        callback_id=CallbackId.INTAKE.value,
        title=PlainTextObject(text="New request"),
        submit=PlainTextObject(text="Create"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=blocks,
    )


def update_modal(private_metadata: str, request_key: str, title_line: str) -> View:
    """Build the daily-update modal for one request, headed by its `REQ-12 · Acme · Figma` line."""
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=fit_mrkdwn(title_line, 300) or "—")]),
        _text_input(
            BlockId.STATUS,
            "Status",
            multiline=True,
            placeholder=f"Where {request_key} stands today"[:PLACEHOLDER_TEXT],
        ),
        _text_input(BlockId.VENDOR_POSITION, "Vendor position", optional=True, multiline=True),
        _text_input(BlockId.NEXT_STEP, "Next step", optional=True, max_length=_MAX_NEXT_STEP),
        _date_input(BlockId.NEXT_STEP_DATE, "Next-step date"),
        _text_input(BlockId.BLOCKERS, "Blockers", optional=True, multiline=True),
    ]
    return View(
        type="modal",
        callback_id=CallbackId.UPDATE.value,
        title=PlainTextObject(text="Daily update"),
        submit=PlainTextObject(text="Post update"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=blocks,
    )


def disqualify_modal(private_metadata: str, title_line: str, reason: str) -> View:
    """The disqualify reason (required), prefilled and editable; submitting disqualifies as
    `/proc disqualify REQ <reason>` does."""
    return View(
        type="modal",
        callback_id=CallbackId.DISQUALIFY.value,
        private_metadata=private_metadata,
        title=PlainTextObject(text="Disqualify"),
        submit=PlainTextObject(text="Disqualify"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            ContextBlock(elements=[MarkdownTextObject(text=fit_mrkdwn(title_line, 300))]),
            InputBlock(
                block_id=BlockId.REASON.value,
                label=PlainTextObject(text="Why is it disqualified?"),
                element=PlainTextInputElement(
                    action_id=VALUE_ACTION_ID,
                    multiline=True,
                    max_length=2000,
                    initial_value=reason,
                ),
            ),
        ],
    )


def parse_disqualify(state_values: dict[str, Any]) -> str:
    """The reason typed in the disqualify modal (required, no control characters)."""
    reason = _text(state_values, BlockId.REASON).strip()
    if not reason:
        raise FieldErrors({BlockId.REASON.value: "Say why the request is disqualified."})
    problem = control_character_problem(reason, "this field")
    if problem is not None:
        raise FieldErrors({BlockId.REASON.value: problem})
    return reason


def _amount_text(money: Money) -> str:
    # `USD 48000`: a form parse_amount reads back in any currency (no lakh grouping, no symbol).
    number = format(money.amount.quantize(Decimal("0.01")), "f").removesuffix(".00")
    return f"{money.currency} {number}"


def _radio(block_id: BlockId, label: str, options: list[tuple[str, str]], initial: str | None,
           *, optional: bool = False) -> InputBlock:  # fmt: skip
    choices = [Option(value=value, text=PlainTextObject(text=text)) for value, text in options]
    chosen = next((o for o in choices if o.value == initial), None)
    return InputBlock(
        block_id=block_id.value,
        label=PlainTextObject(text=label),
        optional=optional,
        element=RadioButtonsElement(
            action_id=VALUE_ACTION_ID, options=choices, initial_option=chosen
        ),
    )


def term_modal(private_metadata: str, prefill: TermPrefill, default_currency: str) -> View:
    """Build the new-term modal: final annual amount, new renewal date, billing cycle,
    auto-renew and notice days, prefilled from the request and its contract."""
    amount = _text_input(
        BlockId.AMOUNT,
        "Final annual amount",
        max_length=_MAX_AMOUNT_TEXT,
        hint=f"e.g. 48000, $48,000.50, 48k, EUR 40k; default currency {default_currency}",
    )
    if prefill.amount is not None:
        amount.element.initial_value = _amount_text(prefill.amount)
    renewal = InputBlock(
        block_id=BlockId.RENEWAL_DATE.value,
        label=PlainTextObject(text="New renewal date"),
        element=DatePickerElement(
            action_id=VALUE_ACTION_ID,
            placeholder=PlainTextObject(text="Pick a date"),
            initial_date=prefill.renewal_date.isoformat() if prefill.renewal_date else None,
        ),
    )
    notice = _text_input(
        BlockId.NOTICE_DAYS, "Notice days", optional=True, max_length=6,
        hint=f"days of notice to cancel before the renewal date, 0 to {MAX_NOTICE_DAYS}",
    )  # fmt: skip
    if prefill.notice_days is not None:
        notice.element.initial_value = str(prefill.notice_days)
    auto = None if prefill.auto_renew is None else ("yes" if prefill.auto_renew else "no")
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=fit_mrkdwn(f"{prefill.title_line}\n{prefill.note}", 300) or "—"
                )
            ]
        ),
        amount,
        renewal,
        _radio(
            BlockId.BILLING_CYCLE,
            "Billing cycle",
            [("annual", "Annual"), ("monthly", "Monthly")],
            prefill.billing_cycle,
        ),
        _radio(
            BlockId.AUTO_RENEW, "Auto-renew", [("yes", "Yes"), ("no", "No")], auto, optional=True
        ),
        notice,
    ]
    return View(
        type="modal",
        callback_id=CallbackId.RECORD_TERM.value,
        title=PlainTextObject(text="Record the new term"),
        submit=PlainTextObject(text="Record"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=blocks,
    )


# --- parsing -------------------------------------------------------------------------------


def _action(state_values: dict[str, Any], block_id: BlockId) -> dict[str, Any]:
    block = state_values.get(block_id.value)
    action = block.get(VALUE_ACTION_ID) if isinstance(block, dict) else None
    return action if isinstance(action, dict) else {}


def _text(state_values: dict[str, Any], block_id: BlockId) -> str:
    value = _action(state_values, block_id).get("value")
    return value.strip() if isinstance(value, str) else ""


def _selected(state_values: dict[str, Any], block_id: BlockId) -> str | None:
    option = _action(state_values, block_id).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _date(state_values: dict[str, Any], block_id: BlockId, errors: dict[str, str]) -> date | None:
    value = _action(state_values, block_id).get("selected_date")
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[block_id.value] = "Pick a date from the calendar."
        return None


def _refuse_control_characters(
    state_values: dict[str, Any], errors: dict[str, str], *block_ids: BlockId
) -> None:
    """Name the fields with a control character in them (PostgreSQL cannot store NUL)."""
    for block_id in block_ids:
        value = _action(state_values, block_id).get("value")
        problem = control_character_problem(value, "this field") if isinstance(value, str) else None
        if problem is not None:
            errors[block_id.value] = problem


def _name(
    state_values: dict[str, Any], block_id: BlockId, what: str, errors: dict[str, str]
) -> str:
    text = " ".join(_text(state_values, block_id).split())
    if not text:
        errors[block_id.value] = f"Enter the {what}."
    elif len(text) > MAX_NAME:
        errors[block_id.value] = f"Keep the {what} to {MAX_NAME} characters or fewer."
    return text


def _long_text(
    state_values: dict[str, Any], block_id: BlockId, what: str, errors: dict[str, str]
) -> str | None:
    text = _text(state_values, block_id)
    if len(text) > PLAIN_TEXT_INPUT:
        errors[block_id.value] = f"Keep the {what} to {PLAIN_TEXT_INPUT:,} characters or fewer."
    return text or None


def parse_intake(state_values: dict[str, Any], default_currency: str) -> IntakeInput:
    """Read the intake modal's submission; raise FieldErrors naming each field that is wrong."""
    errors: dict[str, str] = {}
    customer = _name(state_values, BlockId.CUSTOMER, "customer's name", errors)
    tool = _name(state_values, BlockId.TOOL, "tool's name", errors)
    kind = _selected(state_values, BlockId.TYPE)
    if kind not in _KINDS:
        errors[BlockId.TYPE.value] = "Choose whether this is a new purchase or a renewal."
    amount: Money | None = None
    amount_text = _text(state_values, BlockId.AMOUNT)
    if amount_text:
        try:
            amount = parse_amount(amount_text, default_currency)
        except AmountError as exc:
            errors[BlockId.AMOUNT.value] = str(exc)
    renewal_date = _date(state_values, BlockId.RENEWAL_DATE, errors)
    notes = _long_text(state_values, BlockId.NOTES, "notes", errors)
    _refuse_control_characters(
        state_values, errors, BlockId.CUSTOMER, BlockId.TOOL, BlockId.AMOUNT, BlockId.NOTES
    )
    if errors:
        raise FieldErrors(errors)
    assert kind is not None  # checked above; narrows the type
    return IntakeInput(customer, tool, kind, amount, renewal_date, notes)


def parse_update(state_values: dict[str, Any], today: date) -> UpdateInput:
    """Read the update modal's submission; `today` is the POD's local date."""
    errors: dict[str, str] = {}
    status = _long_text(state_values, BlockId.STATUS, "status", errors)
    if status is None:
        errors[BlockId.STATUS.value] = "Write where the negotiation stands today."
    vendor_position = _long_text(state_values, BlockId.VENDOR_POSITION, "vendor position", errors)
    next_step = _text(state_values, BlockId.NEXT_STEP) or None
    if next_step is not None and len(next_step) > _MAX_NEXT_STEP:
        errors[BlockId.NEXT_STEP.value] = (
            f"Keep the next step to {_MAX_NEXT_STEP} characters or fewer."
        )
    next_step_date = _date(state_values, BlockId.NEXT_STEP_DATE, errors)
    if next_step_date is not None and next_step_date < today:
        errors[BlockId.NEXT_STEP_DATE.value] = (
            f"{short_date(next_step_date)} is in the past; pick today or a later date."
        )
    blockers = _long_text(state_values, BlockId.BLOCKERS, "blockers", errors)
    _refuse_control_characters(
        state_values,
        errors,
        BlockId.STATUS,
        BlockId.VENDOR_POSITION,
        BlockId.NEXT_STEP,
        BlockId.BLOCKERS,
    )
    if errors:
        raise FieldErrors(errors)
    assert status is not None  # checked above; narrows the type
    return UpdateInput(status, vendor_position, next_step, next_step_date, blockers)


def parse_term_form(state_values: dict[str, Any], default_currency: str) -> TermInput:
    """Read the new-term modal's submission; raise FieldErrors naming each field that is wrong."""
    errors: dict[str, str] = {}
    amount: Money | None = None
    amount_text = _text(state_values, BlockId.AMOUNT)
    if not amount_text:
        errors[BlockId.AMOUNT.value] = "Enter the final annual amount."
    else:
        try:
            amount = parse_amount(amount_text, default_currency)
        except AmountError as exc:
            errors[BlockId.AMOUNT.value] = str(exc)
    renewal_date = _date(state_values, BlockId.RENEWAL_DATE, errors)
    if renewal_date is None and BlockId.RENEWAL_DATE.value not in errors:
        errors[BlockId.RENEWAL_DATE.value] = "Pick the new renewal date."
    cycle = _selected(state_values, BlockId.BILLING_CYCLE)
    if cycle not in ("monthly", "annual"):
        errors[BlockId.BILLING_CYCLE.value] = "Choose monthly or annual billing."
    auto = _selected(state_values, BlockId.AUTO_RENEW)
    auto_renew = None if auto is None else auto == "yes"
    notice_days: int | None = None
    notice_text = _text(state_values, BlockId.NOTICE_DAYS)
    if notice_text:
        if notice_text.isascii() and notice_text.isdigit() and int(notice_text) <= MAX_NOTICE_DAYS:
            notice_days = int(notice_text)
        else:
            errors[BlockId.NOTICE_DAYS.value] = (
                f"Write the notice as a whole number of days from 0 to {MAX_NOTICE_DAYS}."
            )
    _refuse_control_characters(state_values, errors, BlockId.AMOUNT, BlockId.NOTICE_DAYS)
    if errors:
        raise FieldErrors(errors)
    assert amount is not None and renewal_date is not None and cycle is not None
    return TermInput(amount, renewal_date, cycle, auto_renew, notice_days)


def update_text(update: UpdateInput) -> str:
    """Render an update as thread mrkdwn: status, vendor position, next step (by date), blockers."""
    lines = [f"*Status:* {escape_mrkdwn(update.status)}"]
    if update.vendor_position:
        lines.append(f"*Vendor position:* {escape_mrkdwn(update.vendor_position)}")
    if update.next_step or update.next_step_date:
        step = escape_mrkdwn(update.next_step or "")
        if update.next_step_date is not None:
            by = f"(by {short_date(update.next_step_date, year=False)})"
            step = f"{step} {by}" if step else by
        lines.append(f"*Next step:* {step}")
    if update.blockers:
        lines.append(f"*Blockers:* {escape_mrkdwn(update.blockers)}")
    return "\n".join(lines)
