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
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.ids import VALUE_ACTION_ID, BlockId, CallbackId
from bot.blocks.limits import PLACEHOLDER_TEXT, PLAIN_TEXT_INPUT
from bot.blocks.text import escape_mrkdwn, fit_mrkdwn, fit_plain, plain_date
from bot.domain.contracts import MAX_NOTICE_DAYS
from bot.domain.grammar import control_character_problem, in_date_window, outside_date_window
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

CHOOSE_REQUEST = "Choose the request this update is about."
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
    again: bool = False  # open it even beside an open request for the same customer and tool


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
    seats: int | None = None  # the line item (issue 34): the contract's, else the last quote's
    plan: str | None = None


@dataclass(frozen=True)
class TermInput:
    """A won request's new term as typed in the modal."""

    amount: Money
    renewal_date: date
    billing_cycle: str
    auto_renew: bool | None
    notice_days: int | None
    seats: int | None = None
    plan: str | None = None


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
    initial_value: str | None = None,
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
            initial_value=initial_value,
        ),
    )


# The intake form's box that opens a request beside an open one for the same customer and
# tool (the inline form's `| again`); unticked, such a submission is refused on this box.
AGAIN_OPTION = "Open it even if a request for this customer and tool is already open"


def _checkbox(block_id: BlockId, label: str, option: str) -> InputBlock:
    """An optional input of one checkbox, read by `_ticked`."""
    return InputBlock(
        block_id=block_id.value,
        label=PlainTextObject(text=label),
        optional=True,
        element=CheckboxesElement(
            action_id=VALUE_ACTION_ID,
            options=[Option(value=block_id.value, text=PlainTextObject(text=option))],
        ),
    )


def _date_input(block_id: BlockId, label: str, initial: date | None = None) -> InputBlock:
    return InputBlock(
        block_id=block_id.value,
        label=PlainTextObject(text=label),
        optional=True,
        element=DatePickerElement(
            action_id=VALUE_ACTION_ID,
            placeholder=PlainTextObject(text="Pick a date"),
            initial_date=initial.isoformat() if initial is not None else None,
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
    options = [
        Option(value="new", text=PlainTextObject(text="New purchase")),
        Option(value="renewal", text=PlainTextObject(text="Renewal")),
    ]
    kinds = RadioButtonsElement(action_id=VALUE_ACTION_ID, options=options)
    if prefill is not None:
        kinds.initial_option = next((o for o in options if o.value == prefill.kind), None)
    amount = prefill.amount if prefill is not None else None
    blocks: list[Block] = [
        _text_input(
            BlockId.CUSTOMER,
            "Customer",
            max_length=MAX_NAME,
            initial_value=prefill.customer[:MAX_NAME] if prefill is not None else None,
        ),
        _text_input(
            BlockId.TOOL,
            "Tool",
            max_length=MAX_NAME,
            placeholder="e.g. Figma",
            initial_value=prefill.tool[:MAX_NAME] if prefill is not None else None,
        ),
        InputBlock(block_id=BlockId.TYPE.value, label=PlainTextObject(text="Type"), element=kinds),
        _text_input(
            BlockId.AMOUNT,
            "Current annual spend",
            optional=True,
            max_length=_MAX_AMOUNT_TEXT,
            hint=(f"e.g. 48000, $48,000.50, 48k, EUR 40k; default currency {default_currency}"),
            initial_value=_amount_text(amount) if amount is not None else None,
        ),
        _date_input(
            BlockId.RENEWAL_DATE, "Renewal date", prefill.renewal_date if prefill else None
        ),
        _text_input(BlockId.NOTES, "Notes", optional=True, multiline=True),
        _checkbox(BlockId.AGAIN, "Duplicate", AGAIN_OPTION),
    ]
    return _modal(CallbackId.INTAKE, "New request", "Create", private_metadata, blocks)


def update_modal(
    private_metadata: str,
    request_key: str,
    title_line: str,
    *,
    status: str | None = None,
    link: str | None = None,
    choices: list[tuple[int, str]] | None = None,
) -> View:
    """Build the daily-update modal for one request, headed by its `REQ-12 · Acme · Figma` line.
    From the Log as update shortcut: `status` prefilled with the message's text, `link` back to
    the message, and `choices` (number, title line) when the person has several requests."""
    status_input = _text_input(
        BlockId.STATUS,
        "Status",
        multiline=True,
        placeholder=f"Where {request_key} stands today"[:PLACEHOLDER_TEXT],
        initial_value=status[:PLAIN_TEXT_INPUT] if status else None,
    )
    head = fit_mrkdwn(title_line, 300) or "—"
    if link and not any(c in link for c in "<>| \n"):
        head += f"\nFrom <{link}|this message>"
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=head)])]
    if choices:
        options = [
            Option(value=str(number), text=PlainTextObject(text=fit_plain(line, 75)))
            for number, line in choices[:100]
        ]
        blocks.append(
            InputBlock(
                block_id=BlockId.REQUEST.value,
                label=PlainTextObject(text="Request"),
                element=StaticSelectElement(
                    action_id=VALUE_ACTION_ID,
                    placeholder=PlainTextObject(text="Which request is this about?"),
                    options=options,
                ),
            )
        )
    blocks += [
        status_input,
        _text_input(BlockId.VENDOR_POSITION, "Vendor position", optional=True, multiline=True),
        _text_input(BlockId.NEXT_STEP, "Next step", optional=True, max_length=_MAX_NEXT_STEP),
        _date_input(BlockId.NEXT_STEP_DATE, "Next-step date"),
        _text_input(BlockId.BLOCKERS, "Blockers", optional=True, multiline=True),
    ]
    return _modal(CallbackId.UPDATE, "Daily update", "Post update", private_metadata, blocks)


def reason_modal(
    callback: CallbackId, title: str, submit: str, private_metadata: str, head: Block,
    question: str, reason: str = "",
) -> View:  # fmt: skip
    """A modal asking for one required reason (`BlockId.REASON`, up to 2,000 characters) under
    `head`, the line saying what it is about; `reason` prefills it. Disqualify, a pre-approval's
    Needs changes and a claim's Reject all ask so."""
    answer = _text_input(
        BlockId.REASON, question, multiline=True, max_length=2000, initial_value=reason or None
    )
    return _modal(callback, title, submit, private_metadata, [head, answer])


def disqualify_modal(private_metadata: str, title_line: str, reason: str = "") -> View:
    """The disqualify reason (required; prefilled and editable, e.g. the pre-approval
    reminder's "No response …"); submitting disqualifies as `/proc disqualify REQ <reason>`
    does. The card's Disqualify and the pre-approval reminder's button both open it."""
    head = ContextBlock(elements=[MarkdownTextObject(text=fit_mrkdwn(title_line, 300))])
    return reason_modal(
        CallbackId.DISQUALIFY, "Disqualify", "Disqualify", private_metadata, head,
        "Why is it disqualified?", reason,
    )  # fmt: skip


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
        initial_value=_amount_text(prefill.amount) if prefill.amount is not None else None,
    )
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
        initial_value=str(prefill.notice_days) if prefill.notice_days is not None else None,
    )  # fmt: skip
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
        _text_input(
            BlockId.QUANTITY, "Seats", optional=True, max_length=9,
            hint="the line item the annual amount pays for (issue 34)",
            initial_value=str(prefill.seats) if prefill.seats is not None else None,
        ),
        _text_input(BlockId.PLAN, "Plan", optional=True, max_length=MAX_NAME,
                    initial_value=prefill.plan),
    ]  # fmt: skip
    return _modal(CallbackId.RECORD_TERM, "Record the new term", "Record", private_metadata, blocks)


def _modal(callback: CallbackId, title: str, submit: str, metadata: str,
           blocks: list[Block]) -> View:  # fmt: skip
    return View(
        type="modal",
        callback_id=callback.value,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    )


def _head(title_line: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=fit_mrkdwn(title_line, 300) or "—")])


# The Log quote modal's billing choices, each as the itemised command's word.
LINE_CYCLES = (("annual", "Per seat per year"), ("monthly", "Per seat per month"),
               ("upfront", "Per seat for the whole term (prepaid)"))  # fmt: skip


def quote_modal(private_metadata: str, title_line: str, default_currency: str) -> View:
    """The card's Log quote: vendor or reseller and either the amount (`/proc quote REQ <vendor>
    <amt>`) or a line item — seats, unit price, billing, term, plan (`/proc quote REQ <vendor>
    <seats> seats × <unit price> <billing> <N> months <plan>`, issue 34)."""
    money = f"e.g. 45000, $45,000, 45k, EUR 40k; default currency {default_currency}"
    return _modal(CallbackId.QUOTE, "Log quote", "Log quote", private_metadata, [
        _head(title_line),
        _text_input(BlockId.VENDOR, "Vendor or reseller", max_length=MAX_NAME),
        _text_input(BlockId.AMOUNT, "Quoted amount", optional=True,
                    max_length=_MAX_AMOUNT_TEXT,
                    hint=f"{money}. Or leave it blank and give a line item below."),
        _text_input(BlockId.QUANTITY, "Line item: seats", optional=True, max_length=9,
                    placeholder="120"),
        _text_input(BlockId.UNIT_PRICE, "Line item: unit price", optional=True,
                    max_length=_MAX_AMOUNT_TEXT, placeholder="$14",
                    hint=f"per seat; another currency is converted at its rate ({money})"),
        _radio(BlockId.LINE_CYCLE, "Line item: billing", list(LINE_CYCLES), "annual",
               optional=True),
        _text_input(BlockId.TERM_MONTHS, "Line item: term (months)", optional=True,
                    max_length=3, placeholder="12"),
        _text_input(BlockId.PLAN, "Line item: plan", optional=True, max_length=MAX_NAME,
                    placeholder="Professional"),
    ])  # fmt: skip


def savings_modal(private_metadata: str, title_line: str, default_currency: str) -> View:
    """The card's Claim savings: baseline, final and the avoidance and additional checkboxes,
    as `/proc savings REQ <baseline> <final> [avoidance] [| additional] [right-sizing]`."""
    hint = f"e.g. 48000, $48k, EUR 40k; default currency {default_currency}"
    avoidance = InputBlock(
        block_id=BlockId.AVOIDANCE.value,
        label=PlainTextObject(text="Kind"),
        optional=True,
        element=CheckboxesElement(
            action_id=VALUE_ACTION_ID,
            options=[
                Option(value="avoidance", text=PlainTextObject(text="Cost avoidance")),
                Option(
                    value="additional",
                    text=PlainTextObject(text="Additional saving"),
                    description=PlainTextObject(
                        text="Another line with its own baseline: counts beside the request's "
                        "approved claim instead of revising it"
                    ),
                ),
                Option(
                    value="right-sizing",
                    text=PlainTextObject(text="Right-sizing"),
                    description=PlainTextObject(
                        text="The saving came from fewer seats, as the usage showed"
                    ),
                ),
            ],
        ),
    )
    return _modal(CallbackId.SAVINGS_CLAIM, "Claim savings", "Claim", private_metadata, [
        _head(title_line),
        _text_input(BlockId.BASELINE, "Baseline", max_length=_MAX_AMOUNT_TEXT, hint=hint),
        _text_input(BlockId.FINAL, "Final price", max_length=_MAX_AMOUNT_TEXT, hint=hint),
        avoidance,
    ])  # fmt: skip


def close_modal(private_metadata: str, title_line: str) -> View:
    """The card's Close: won · lost · cancelled and the note, as `/proc close REQ <outcome>`."""
    outcomes = [("won", "Won"), ("lost", "Lost"), ("cancelled", "Cancelled")]
    outcome = _radio(BlockId.OUTCOME, "Outcome", outcomes, None)
    note = _text_input(BlockId.NOTE, "Note", optional=True, multiline=True, max_length=2000)
    return _modal(CallbackId.CLOSE, "Close request", "Close", private_metadata,
                  [_head(title_line), outcome, note])  # fmt: skip


def hold_modal(private_metadata: str, title_line: str) -> View:
    """The card's Hold: whom the request waits on (customer · vendor) and why, as
    `/proc hold REQ customer|vendor <reason>`: its clock stops until a resume."""
    party = _radio(BlockId.PARTY, "Waiting on", [("customer", "The customer"),
                                                  ("vendor", "The vendor")], None)  # fmt: skip
    reason = _text_input(BlockId.REASON, "Why", multiline=True, max_length=2000)
    return _modal(CallbackId.HOLD, "Put on hold", "Hold", private_metadata,
                  [_head(title_line), party, reason])  # fmt: skip


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
        found = date.fromisoformat(str(value))
    except ValueError:
        errors[block_id.value] = "Pick a date from the calendar."
        return None
    if not in_date_window(found):  # a client may send any date; the calendar has no bounds
        errors[block_id.value] = outside_date_window(found.isoformat())
        return None
    return found


def _ticked(state_values: dict[str, Any], block_id: BlockId) -> bool:
    """Whether the one box of a `_checkbox` input is ticked."""
    chosen = _action(state_values, block_id).get("selected_options") or []
    return any(isinstance(o, dict) and o.get("value") == block_id.value for o in chosen)


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
    return IntakeInput(
        customer, tool, kind, amount, renewal_date, notes, _ticked(state_values, BlockId.AGAIN)
    )


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
            f"{plain_date(next_step_date)} is in the past; pick today or a later date."
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
    seats_text = _text(state_values, BlockId.QUANTITY).replace(",", "")
    seats = int(seats_text) if seats_text.isascii() and seats_text.isdigit() else None
    if seats_text and (seats is None or not 1 <= seats <= 999_999):
        errors[BlockId.QUANTITY.value] = "Write the seats as a whole number, like 120."
    plan = " ".join(_text(state_values, BlockId.PLAN).split()) or None
    _refuse_control_characters(
        state_values, errors, BlockId.AMOUNT, BlockId.NOTICE_DAYS, BlockId.QUANTITY, BlockId.PLAN
    )
    if errors:
        raise FieldErrors(errors)
    assert amount is not None and renewal_date is not None and cycle is not None
    return TermInput(amount, renewal_date, cycle, auto_renew, notice_days, seats, plan)


def update_text(update: UpdateInput) -> str:
    """Render an update as thread mrkdwn: status, vendor position, next step (by date), blockers."""
    lines = [f"*Status:* {escape_mrkdwn(update.status)}"]
    if update.vendor_position:
        lines.append(f"*Vendor position:* {escape_mrkdwn(update.vendor_position)}")
    if update.next_step or update.next_step_date:
        step = escape_mrkdwn(update.next_step or "")
        if update.next_step_date is not None:
            # Plain: the update's text is stored and read back (the check-in pack's next step).
            by = f"(by {plain_date(update.next_step_date)})"
            step = f"{step} {by}" if step else by
        lines.append(f"*Next step:* {step}")
    if update.blockers:
        lines.append(f"*Blockers:* {escape_mrkdwn(update.blockers)}")
    return "\n".join(lines)


def parse_reason(state_values: dict[str, Any], block_id: BlockId, what: str,
                 *, required: bool = True) -> str | None:  # fmt: skip
    """A modal's free text as mrkdwn (escaped, as a command's text arrives); FieldErrors when
    required and empty or when it holds a control character."""
    text = _text(state_values, block_id)
    errors: dict[str, str] = {}
    if required and not text:
        errors[block_id.value] = f"Enter the {what}."
    _refuse_control_characters(state_values, errors, block_id)
    if errors:
        raise FieldErrors(errors)
    return escape_mrkdwn(text) if text else None


def parse_hold_form(state_values: dict[str, Any]) -> tuple[str, str]:
    """(party, reason as mrkdwn) of the Hold modal; FieldErrors when either is missing."""
    party = _selected(state_values, BlockId.PARTY)
    errors: dict[str, str] = {}
    if party not in ("customer", "vendor"):
        errors[BlockId.PARTY.value] = "Say whom the request waits on."
    try:
        reason = parse_reason(state_values, BlockId.REASON, "reason")
    except FieldErrors as exc:
        errors.update(exc.errors)
        reason = None
    if errors:
        raise FieldErrors(errors)
    assert party is not None and reason is not None
    return party, reason


def parse_quote_form(state_values: dict[str, Any]) -> tuple[str, str, str | None]:
    """(vendor as typed, amount text, line item) of the Log quote modal: the line item, when
    given instead of the amount, as the itemised command's words after the vendor
    (`120 seats × $14 annual 12 months Professional`); FieldErrors when missing or both."""
    errors: dict[str, str] = {}
    vendor = _name(state_values, BlockId.VENDOR, "vendor or reseller", errors)
    amount = _text(state_values, BlockId.AMOUNT)
    quantity = _text(state_values, BlockId.QUANTITY).replace(",", "")
    unit_price = _text(state_values, BlockId.UNIT_PRICE)
    months = _text(state_values, BlockId.TERM_MONTHS)
    plan = " ".join(_text(state_values, BlockId.PLAN).split())
    cycle = _selected(state_values, BlockId.LINE_CYCLE) or "annual"
    itemised = bool(quantity or unit_price or months or plan)
    if not amount and not itemised:
        errors[BlockId.AMOUNT.value] = "Enter the quoted amount, or a line item below."
    elif amount and itemised:
        errors[BlockId.AMOUNT.value] = "Give the quoted amount or a line item, not both."
    elif itemised:
        if not (quantity.isdigit() and 1 <= int(quantity) <= 10_000_000):
            errors[BlockId.QUANTITY.value] = "Enter the seats as a whole number, like 120."
        if not unit_price:
            errors[BlockId.UNIT_PRICE.value] = "Enter the price of one seat, like $14."
        if months and not (months.isdigit() and 1 <= int(months) <= 120):
            errors[BlockId.TERM_MONTHS.value] = "Enter the term in months, from 1 to 120."
        if cycle not in {value for value, _label in LINE_CYCLES}:
            errors[BlockId.LINE_CYCLE.value] = "Choose how the unit price is billed."
    _refuse_control_characters(
        state_values, errors, BlockId.VENDOR, BlockId.AMOUNT, BlockId.UNIT_PRICE, BlockId.PLAN
    )
    if errors:
        raise FieldErrors(errors)
    if not itemised:
        return vendor, amount, None
    words = [f"{int(quantity)} seats ×", unit_price, cycle]
    if months:
        words.append(f"{int(months)} months")
    if plan:
        words.append(plan)
    return vendor, "", " ".join(words)


def parse_savings_form(state_values: dict[str, Any]) -> str:
    """The Claim savings modal as the command's text:
    `<baseline> <final> [avoidance] [| additional] [right-sizing]`."""
    errors: dict[str, str] = {}
    baseline = _text(state_values, BlockId.BASELINE)
    final = _text(state_values, BlockId.FINAL)
    if not baseline:
        errors[BlockId.BASELINE.value] = "Enter the baseline price."
    if not final:
        errors[BlockId.FINAL.value] = "Enter the final price."
    _refuse_control_characters(state_values, errors, BlockId.BASELINE, BlockId.FINAL)
    if errors:
        raise FieldErrors(errors)
    chosen = _action(state_values, BlockId.AVOIDANCE).get("selected_options") or []
    ticked = {o.get("value") for o in chosen if isinstance(o, dict)}
    words = [*baseline.split(), *final.split(), *(["avoidance"] if "avoidance" in ticked else [])]
    tags = [tag for tag in ("additional", "right-sizing") if tag in ticked]
    return " ".join(words) + (f" | {' '.join(tags)}" if tags else "")


def parse_close_form(state_values: dict[str, Any]) -> tuple[str, str | None]:
    """(outcome, note as mrkdwn) of the Close modal; FieldErrors when no outcome is chosen."""
    outcome = _selected(state_values, BlockId.OUTCOME)
    if outcome not in ("won", "lost", "cancelled"):
        raise FieldErrors({BlockId.OUTCOME.value: "Choose how it ended: won, lost or cancelled."})
    return outcome, parse_reason(state_values, BlockId.NOTE, "note", required=False)


def parse_request_choice(state_values: dict[str, Any]) -> int | None:
    """The request picked in the shortcut's update modal (None: no picker in the form)."""
    if BlockId.REQUEST.value not in state_values:
        return None
    value = _selected(state_values, BlockId.REQUEST)
    if value is None or not value.isdigit():
        raise FieldErrors({BlockId.REQUEST.value: CHOOSE_REQUEST})
    return int(value)


# --- the contract checklist (issue 33) -----------------------------------------------------

CHECKLIST_STATES = (
    ("not_started", "Not started"),
    ("requested", "Requested"),
    ("done", "Done"),
    ("na", "Not applicable"),
)


def checklist_modal(
    private_metadata: str, title_line: str, items: list[tuple[str, str, str, str | None]]
) -> View:
    """The card's Checklist: per item (key, name, state, reason) its state and, for "not
    applicable", the reason."""
    blocks: list[Block] = [_head(title_line)]
    for key, name, state, reason in items:
        choices = [Option(value=v, text=PlainTextObject(text=t)) for v, t in CHECKLIST_STATES]
        blocks.append(
            InputBlock(
                block_id=f"{BlockId.CHECKLIST_STATE.value}:{key}",
                label=PlainTextObject(text=fit_plain(name, 2000)),
                element=StaticSelectElement(
                    action_id=VALUE_ACTION_ID,
                    options=choices,
                    initial_option=next(o for o in choices if o.value == state),
                ),
            )
        )
        blocks.append(
            InputBlock(
                block_id=f"{BlockId.CHECKLIST_REASON.value}:{key}",
                label=PlainTextObject(text="Why not applicable"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=VALUE_ACTION_ID, max_length=500, initial_value=reason
                ),
            )
        )
    return _modal(CallbackId.CHECKLIST, "Contract checklist", "Save", private_metadata, blocks)


def parse_checklist_form(
    state_values: dict[str, Any], keys: list[str]
) -> list[tuple[str, str, str | None]]:
    """(key, state, reason as mrkdwn) per item of the Checklist modal; FieldErrors for a
    missing state, a "not applicable" without its reason, or a control character."""
    errors: dict[str, str] = {}
    found: list[tuple[str, str, str | None]] = []
    states = {value for value, _ in CHECKLIST_STATES}
    for key in keys:
        state_id, reason_id = (
            f"{BlockId.CHECKLIST_STATE.value}:{key}",
            f"{BlockId.CHECKLIST_REASON.value}:{key}",
        )
        block = state_values.get(state_id)
        action = block.get(VALUE_ACTION_ID) if isinstance(block, dict) else None
        option = action.get("selected_option") if isinstance(action, dict) else None
        state = option.get("value") if isinstance(option, dict) else None
        block = state_values.get(reason_id)
        action = block.get(VALUE_ACTION_ID) if isinstance(block, dict) else None
        raw = action.get("value") if isinstance(action, dict) else None
        reason = raw.strip() if isinstance(raw, str) and raw.strip() else None
        if state not in states:
            errors[state_id] = "Choose the item's state."
            continue
        problem = control_character_problem(reason, "the reason") if reason else None
        if problem is not None:
            errors[reason_id] = problem
            continue
        if state == "na" and reason is None:
            errors[reason_id] = "Say why it does not apply."
            continue
        found.append((key, state, escape_mrkdwn(reason) if reason and state == "na" else None))
    if errors:
        raise FieldErrors(errors)
    return found


def vendor_document_modal(
    private_metadata: str, title_line: str, kinds: list[tuple[str, str]]
) -> View:
    """The card's Vendor file: one document of the request's vendor (its tool), as `/proc
    vendor <tool> <kind> received [date] [expires date]`."""
    choices = [Option(value=v, text=PlainTextObject(text=t)) for v, t in kinds]
    kind = InputBlock(
        block_id=BlockId.DOCUMENT.value,
        label=PlainTextObject(text="Document"),
        element=StaticSelectElement(action_id=VALUE_ACTION_ID, options=choices),
    )
    received = _date_input(BlockId.RECEIVED, "Received (today when empty)")
    expires = _date_input(BlockId.EXPIRES, "Expires")
    return _modal(CallbackId.VENDOR_DOCUMENT, "Vendor file", "Record", private_metadata,
                  [_head(title_line), kind, received, expires])  # fmt: skip


def parse_vendor_document_form(
    state_values: dict[str, Any], kinds: list[str]
) -> tuple[str, date | None, date | None]:
    """(kind, received, expires) of the Vendor file modal; FieldErrors on a bad field."""
    errors: dict[str, str] = {}
    kind = _selected(state_values, BlockId.DOCUMENT)
    if kind not in kinds:
        errors[BlockId.DOCUMENT.value] = "Choose the document."
    received = _date(state_values, BlockId.RECEIVED, errors)
    expires = _date(state_values, BlockId.EXPIRES, errors)
    if errors:
        raise FieldErrors(errors)
    assert kind is not None
    return kind, received, expires
