"""Ids shared by the Block Kit builders and the handlers that read what users submit."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["VALUE_ACTION_ID", "ActionId", "BlockId", "CallbackId"]

# Every modal input has exactly one element, so one action id reads them all.
VALUE_ACTION_ID = "value"


class CallbackId(StrEnum):
    """The `callback_id` of each modal, matched by the view_submission handlers."""

    INTAKE = "intake"
    UPDATE = "update"
    SAVINGS_REJECT = "savings_reject"
    RECORD_TERM = "record_term"


class ActionId(StrEnum):
    """The `action_id` of each button; the button's value carries the ids a click needs."""

    SAVINGS_APPROVE = "savings_approve"
    SAVINGS_REJECT = "savings_reject"
    RECORD_TERM = "record_term"
    SNOOZE_HOUR = "reminder_snooze_hour"
    SNOOZE_TOMORROW = "reminder_snooze_tomorrow"
    MARK_ANSWERED = "reminder_mark_answered"
    HOME_UPDATE = "home_update"  # the Home's Update button: the update modal
    HOME_RENEWAL = "home_open_renewal"  # the Home's Open renewal request: the intake modal
    CHECKIN_SHARE = "checkin_share"  # /proc checkin's Share in channel: the pack in the POD channel


class BlockId(StrEnum):
    """The `block_id` of each modal input; FieldErrors are keyed by these."""

    CUSTOMER = "customer"
    TOOL = "tool"
    TYPE = "type"
    AMOUNT = "amount"
    RENEWAL_DATE = "renewal_date"
    NOTES = "notes"
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
