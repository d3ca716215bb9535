"""Ids shared by the Block Kit builders and the handlers that read what users submit."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["VALUE_ACTION_ID", "ActionId", "BlockId", "CallbackId"]

# Every modal input has exactly one element, so one action id reads them all.
VALUE_ACTION_ID = "value"


class CallbackId(StrEnum):
    """The `callback_id` of each modal, matched by the view_submission handlers."""

    INTAKE = "intake"
    PREAPPROVAL_CHANGES = "preapproval_changes"  # the customer's Needs changes: the reason
    UPDATE = "update"
    SAVINGS_REJECT = "savings_reject"
    RECORD_TERM = "record_term"
    # The disqualify reason, as `/proc disqualify REQ <reason>`: the card's Disqualify and the
    # pre-approval reminder's Disqualify: no response.
    DISQUALIFY = "card_disqualify"
    QUOTE = "card_quote"  # the card's Log quote: vendor and amount
    SAVINGS_CLAIM = "card_savings"  # the card's Claim savings: baseline, final, avoidance
    CLOSE = "card_close"  # the card's Close: won · lost · cancelled and the note
    HOLD = "card_hold"  # the card's Hold: customer · vendor and the reason (`/proc hold`)
    LOG_AS_UPDATE = "log_as_update"  # the message shortcut (features.shortcuts, type message)
    CHECKLIST = "card_checklist"  # the card's Checklist: each item's state and reason (issue 33)
    VENDOR_DOCUMENT = "card_vendor_document"  # the card's Vendor file: record a document
    LEVERS = "levers"  # a won request's What worked: the levers and one line (issue 34)


class ActionId(StrEnum):
    """The `action_id` of each button; the button's value carries the ids a click needs."""

    # A customer update draft's DM (issue 32): the value is the draft's id.
    CUSTOMER_UPDATE_MARK_SENT = "customer_update_mark_sent"
    CUSTOMER_UPDATE_SEND = "customer_update_send"
    # A pre-approval in the customer's channel (issue 32): the value is the ask's id.
    PREAPPROVAL_APPROVE = "preapproval_customer_approve"
    PREAPPROVAL_CHANGES = "preapproval_customer_changes"

    SAVINGS_APPROVE = "savings_approve"
    SAVINGS_REJECT = "savings_reject"
    RECORD_TERM = "record_term"
    SNOOZE_HOUR = "reminder_snooze_hour"
    SNOOZE_TOMORROW = "reminder_snooze_tomorrow"
    MARK_ANSWERED = "reminder_mark_answered"
    HOME_UPDATE = "home_update"  # the Home's Update button: the update modal
    HOME_RENEWAL = "home_open_renewal"  # the Home's Open renewal request: the intake modal
    DM_UPDATE = "reminder_post_update"  # an update digest's Post update: the update modal
    # The card's buttons (the value is the request's number); ASSIGN is a users_select.
    CARD_QUALIFY = "card_qualify"
    CARD_DISQUALIFY = "card_disqualify"
    CARD_ASSIGN = "card_assign"
    CARD_UPDATE = "card_update"
    CARD_QUOTE = "card_quote"
    CARD_SAVINGS = "card_savings"
    CARD_CLOSE = "card_close"
    CARD_RESUME = "card_resume"  # a held card's Resume: `/proc resume REQ`
    CARD_HOLD = "card_hold"  # an open card's Hold: the hold modal (`/proc hold REQ …`)
    CARD_CHECKLIST = "card_checklist"  # the card's Checklist: the checklist modal (issue 33)
    CARD_VENDOR = "card_vendor"  # the card's Vendor file: record a document of its vendor
    # On the pre-approval reminder: the disqualify modal, prefilled "No response …".
    PREAPPROVAL_DISQUALIFY = "preapproval_disqualify"
    CHECKIN_SHARE = "checkin_share"  # /proc checkin's Share in channel: the pack in the POD channel
    # "Yes, log it" on a quote or claim far from the request's amount: its value is the command.
    CONFIRM_AMOUNT = "confirm_amount"
    # Issue 34's playbooks (the value is the request's number): a won request's What worked
    # (the levers modal) and Skip, on its thread's ask and the buyer's reminder; a closed
    # card's Mark as case study (ems only).
    LEVERS_OPEN = "levers_open"
    LEVERS_SKIP = "levers_skip"
    CASE_STUDY = "card_case_study"
    # A bundle proposal's Accept (issue 34): the value is the bundle's id.
    BUNDLE_ACCEPT = "bundle_accept"


class BlockId(StrEnum):
    """The `block_id` of each modal input; FieldErrors are keyed by these."""

    # One item of a reminder DM: `dm_item:<kind>:<subject>` (its line), `…:actions` (its
    # buttons); a later edit settles the item by it (bot/blocks/reminders.py).
    DM_ITEM = "dm_item"
    DM_NOTE = "dm_note"  # what a click on a reminder DM did ("Snoozed until …")
    REMINDER_ACTIONS = "reminder_actions"  # a reminder DM's Snooze buttons

    CUSTOMER = "customer"
    TOOL = "tool"
    TYPE = "type"
    AMOUNT = "amount"
    RENEWAL_DATE = "renewal_date"
    NOTES = "notes"
    AGAIN = "again"  # the intake form's "open another" box, beside an open request
    STATUS = "status"
    VENDOR_POSITION = "vendor_position"
    NEXT_STEP = "next_step"
    NEXT_STEP_DATE = "next_step_date"
    BLOCKERS = "blockers"
    REASON = "reason"
    CLAIM_ACTIONS = "claim_actions"
    BILLING_CYCLE = "billing_cycle"
    AUTO_RENEW = "auto_renew"
    NOTICE_DAYS = "notice_days"
    TERM_ACTIONS = "term_actions"
    CARD_ACTIONS = "card_actions"  # the card's buttons; `card_actions:<request number>`
    REQUEST = "request"  # the shortcut's pick of a negotiating request
    VENDOR = "vendor"
    # The Log quote modal's line item (issue 34): seats, unit price, billing, term and plan.
    QUANTITY = "quantity"
    UNIT_PRICE = "unit_price"
    LINE_CYCLE = "line_cycle"
    TERM_MONTHS = "term_months"
    PLAN = "plan"
    BASELINE = "baseline"
    FINAL = "final"
    AVOIDANCE = "avoidance"
    OUTCOME = "outcome"
    PARTY = "party"  # the hold modal's customer · vendor
    NOTE = "note"
    PREAPPROVAL_ACTIONS = "preapproval_actions"
    # The checklist modal: `checklist_state:<item>` and `checklist_reason:<item>` (issue 33).
    CHECKLIST_STATE = "checklist_state"
    CHECKLIST_REASON = "checklist_reason"
    DOCUMENT = "document"  # the vendor-document modal: which document
    RECEIVED = "received"
    EXPIRES = "expires"
    LEVERS = "levers"  # the levers modal's checkboxes (issue 34)
    LEVERS_ACTIONS = "levers_actions"  # a won request's What worked / Skip
