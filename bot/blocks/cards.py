"""Block Kit for a request: its card (SPEC §2), `/proc status` (card + timeline) and `/proc mine`.

Builders are pure: values in, slack_sdk model objects out. The card is edited in place for the
life of the request, so it shows times as Slack date tokens (rendered by each reader's client)
rather than "3 days ago" text that would go stale between edits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.blocks.ids import ActionId, BlockId
from bot.blocks.limits import (
    FIELD_TEXT,
    HEADER_TEXT,
    MAX_FIELDS,
    MAX_MESSAGE_BLOCKS,
    MAX_OPTIONS,
    OPTION_TEXT,
    SECTION_TEXT,
)
from bot.blocks.text import (
    ELLIPSIS,
    escape_mrkdwn,
    fit_markup,
    fit_mrkdwn,
    fit_plain,
    plural,
    slack_date,
)
from bot.domain.aging import age_in_days, days_left
from bot.domain.mentions import defuse_broadcasts
from bot.domain.money import Money, format_money
from bot.domain.procurement import StepClock, step_words
from bot.domain.vocabulary import FINISHED_STAGES, EventKind, Stage

__all__ = [
    "CardData",
    "MineRow",
    "TimelineEntry",
    "card_actions",
    "card_blocks",
    "card_text",
    "days_left_phrase",
    "mine_blocks",
    "mine_text",
    "note_block",
    "stage_label",
    "status_blocks",
]


_NONE = "—"
_SEP = " · "
# Long free text shrinks to this in one-line lists, so hundreds of lines still fit 50 blocks.
_TIMELINE_TEXT = 280
_LIST_NAME = 60
_POD_NAME = 100
_NAME_FIELD = 1000
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")

_STAGE_EMOJI: dict[str, str] = {
    Stage.INTAKE: ":inbox_tray:",
    Stage.QUALIFIED: ":white_check_mark:",
    Stage.NEGOTIATING: ":handshake:",
    Stage.CLOSED: ":checkered_flag:",
    Stage.DISQUALIFIED: ":no_entry:",
}
_OUTCOME_EMOJI = {"won": ":trophy:", "lost": ":x:", "cancelled": ":no_entry_sign:"}
_EVENT_WORDS: dict[str, str] = {
    EventKind.CREATED: "opened the request",
    EventKind.QUALIFIED: "qualified it",
    EventKind.DISQUALIFIED: "disqualified it",
    EventKind.ASSIGNED: "assigned it",
    EventKind.UPDATE: "posted an update",
    EventKind.QUOTE: "recorded a quote",
    EventKind.CLOSED: "closed it",
    EventKind.CANCELLED: "cancelled it",
    EventKind.SAVINGS_CLAIMED: "claimed savings",
    EventKind.SAVINGS_APPROVED: "approved savings",
    EventKind.SAVINGS_STEP_APPROVED: "approved savings, with approvals to go",
    EventKind.SAVINGS_REJECTED: "rejected savings",
    EventKind.SAVINGS_SUPERSEDED: "superseded a savings claim",
    EventKind.TAT_BREACHED: "flagged a TAT breach",
    EventKind.REMINDER: "sent a reminder",
    EventKind.TERM_RECORDED: "recorded the new term",
    EventKind.APPROVAL_REMINDED: "put a savings claim on the em's approval queue",
    EventKind.APPROVAL_ESCALATED: "escalated a pending savings claim",
    EventKind.TAT_WARNED: "warned that the TAT is due soon",
    EventKind.TAT_ESCALATED: "escalated an open TAT breach",
    EventKind.PREAPPROVAL: "sent a pre-approval to the customer",
    EventKind.PREAPPROVAL_ANSWERED: "answered the pre-approval",
    EventKind.PREAPPROVAL_REMINDED: "reminded the analyst: no response to the pre-approval",
    EventKind.PROCUREMENT_STARTED: "started a procurement stage",
    EventKind.PROCUREMENT_DONE: "finished a procurement stage",
    EventKind.HOLD: "put it on hold",
    EventKind.RESUMED: "resumed it",
    EventKind.HOLD_REVIEWED: "raised a long hold",
    EventKind.STALL_FLAGGED: "flagged a stall",
    EventKind.CLICKUP: "changed its ClickUp task",
    EventKind.CHECKLIST: "changed the contract checklist",
    EventKind.DOCUMENT: "attached a document",
    EventKind.SOLE_SOURCE: "recorded a sole source",
    EventKind.NO_SAVING: "recorded no saving",
    EventKind.GUARDS_OVERRIDDEN: "overrode the close guards",
    EventKind.VENDOR_EXPIRED: "flagged an expired vendor document",
}


@dataclass(frozen=True)
class CardData:
    """Everything the request card shows; times are aware UTC, people are Slack user ids."""

    key: str
    pod_name: str
    timezone: str
    customer: str
    tool: str
    kind: str
    stage: str
    outcome: str | None
    amount: Money | None
    renewal_date: date | None
    created_by: str
    analyst_id: str | None
    buyer_id: str | None
    created_at: datetime
    qualification_due_at: datetime
    tat_due_at: datetime | None
    closed_at: datetime | None = None
    resolution_note: str | None = None
    approved_savings: Money | None = None
    more_savings: tuple[Money, ...] = ()  # approved in other currencies (never converted)
    notes: str | None = None
    # A won request's new term in the SaaS stack: who recorded it (None: not yet).
    term_recorded_by: str | None = None
    # The clocks at a glance, as of when the card is rendered (bot/domain/reminders.py):
    # "overdue", "breached", "due soon" or None.
    qualification_badge: str | None = None
    tat_badge: str | None = None
    # The last buyer update (or the handover) and when the next is due (negotiating only).
    last_update_at: datetime | None = None
    next_update_due_at: datetime | None = None
    update_badge: str | None = None
    # A savings claim waiting for an em: what it claims, since when.
    pending_claim: Money | None = None
    pending_claim_since: datetime | None = None
    # At close: whether it closed by its negotiation TAT (None: no TAT ran).
    tat_met: bool | None = None
    # The request's number, which the card's buttons carry (None: a card without buttons).
    request_id: int | None = None
    # A pre-approval sent to the customer (intake): waiting on the customer since then.
    preapproved_at: datetime | None = None
    preapproved_by: str | None = None
    # The procurement step under way (negotiating), as of the card's last render.
    procurement: StepClock | None = None
    # The POD's buyers, whom a qualified card's picker offers (ids, in the config's order), and
    # the names it shows them by (Slack's, read at send time; a buyer without one shows the id).
    buyers: tuple[str, ...] = ()
    buyer_names: Mapping[str, str] = field(default_factory=dict)
    # An open hold (issue 30): whom it waits on, since when, for how many calendar days.
    hold_party: str | None = None
    hold_since: datetime | None = None
    hold_days: int = 0
    # A negotiating request with no activity for 14 days (issue 30's stall), since when.
    stalled_since: datetime | None = None
    # Issue 33: the vendor file of the request's vendor and its contract checklist, each one
    # plain line ("vendor file: 4/5 · insurance expires in 12 days"); an expired document
    # flags the card. Open requests only.
    vendor_line: str | None = None
    vendor_expired: bool = False
    checklist_line: str | None = None
    # Issue 34: a renewal's latest seat usage of the tool ("120 seats · 71 active (59 %) as of
    # Nov 30 · right-size target 79", ⚠️ under 80 % use); None: no usage imported.
    usage_line: str | None = None
    # Issue 34: a closed request an em marked as a case study of its tool's playbook (who).
    case_study_by: str | None = None


def hold_line(party: str, since: datetime, days: int, timezone: str) -> str:
    """ "⏸ on hold — waiting on the customer since Dec 3, 2026 (4 days)": a held clock."""
    return (
        f"⏸ *on hold* — waiting on the {escape_mrkdwn(party)} since "
        f"{_date_token(since, timezone)} ({plural(days, 'day')})"
    )


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a request: when (aware UTC), who, what kind, optional text."""

    at: datetime
    actor: str
    kind: str
    text: str | None


@dataclass(frozen=True)
class MineRow:
    """One of the invoker's open requests, with their relation to it and its day counts."""

    key: str
    customer: str
    tool: str
    stage: str
    role: str
    age_days: int
    tat_days_left: int | None
    card_link: str | None


# --- text helpers --------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _user(user_id: str | None) -> str:
    if not user_id:
        return _NONE
    if _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return fit_mrkdwn(user_id, 40)


def _date_token(instant: datetime, timezone: str) -> str:
    """A date and time each reader sees in their own zone, the POD's as fallback."""
    return slack_date(instant, timezone, with_time=True)


def _days(n: int) -> str:
    return plural(n, "day")


def days_left_phrase(days: int) -> str:
    """Say a TAT day count: `3 days left`, `due today`, `3 days overdue`."""
    if days > 0:
        return f"{_days(days)} left"
    if days == 0:
        return "due today"
    return f"{_days(-days)} overdue"


def stage_label(stage: str, outcome: str | None) -> str:
    """Show a stage with its emoji, and the outcome of a closed request: `:trophy: Closed · won`."""
    if stage == Stage.CLOSED and outcome:
        emoji = _OUTCOME_EMOJI.get(outcome, _STAGE_EMOJI[Stage.CLOSED])
        return f"{emoji} Closed{_SEP}{escape_mrkdwn(outcome)}"
    emoji = _STAGE_EMOJI.get(stage, ":grey_question:")
    return f"{emoji} {escape_mrkdwn(stage.capitalize())}"


def _field(label: str, rendered: str) -> MarkdownTextObject:
    """A `*Label*` + value field; the value is mrkdwn already and is cut to the field limit."""
    head = f"*{label}*\n"
    room = FIELD_TEXT - len(head)
    if len(rendered) > room:
        # Cut before a partial `&amp;` entity or `<…>` token so what remains is valid mrkdwn.
        cut = re.sub(r"(&[a-z]*|<[^>]*)$", "", rendered[: room - len(ELLIPSIS)])
        rendered = cut.rstrip() + ELLIPSIS
    return MarkdownTextObject(text=head + rendered)


# --- the card ------------------------------------------------------------------------------


def _header(card: CardData) -> tuple[str, bool]:
    """Return the header text `REQ-12 · Acme · Figma` within 150 chars, and whether it was cut."""
    customer = _one_line(card.customer) or _NONE
    tool = _one_line(card.tool) or _NONE
    key = fit_plain(card.key, 20)
    room = HEADER_TEXT - len(key) - 2 * len(_SEP)
    if len(customer) + len(tool) <= room:
        return f"{key}{_SEP}{customer}{_SEP}{tool}", False
    # Share the room: a short name keeps its length, the long one gets the rest.
    half = room // 2
    if len(customer) <= half:
        tool = fit_plain(tool, room - len(customer))
    elif len(tool) <= half:
        customer = fit_plain(customer, room - len(tool))
    else:
        customer, tool = fit_plain(customer, half), fit_plain(tool, room - half)
    return f"{key}{_SEP}{customer}{_SEP}{tool}", True


_BADGE_EMOJI = {
    "breached": ":rotating_light:",
    "overdue": ":warning:",
    "due soon": ":hourglass_flowing_sand:",
}


def badge(name: str | None) -> str:
    """` · :rotating_light: *breached*`, or nothing for no badge."""
    if not name:
        return ""
    return f"{_SEP}{_BADGE_EMOJI.get(name, ':grey_exclamation:')} *{escape_mrkdwn(name)}*"


def _due_field(card: CardData) -> tuple[str, str]:
    if card.stage == Stage.INTAKE:
        due_token = _date_token(card.qualification_due_at, card.timezone)
        return "Qualification due", due_token + badge(card.qualification_badge)
    if card.stage == Stage.NEGOTIATING:
        due = card.tat_due_at
        return "TAT due", (_date_token(due, card.timezone) if due else _NONE) + badge(
            card.tat_badge
        )
    if card.stage in FINISHED_STAGES:
        label = "Closed" if card.stage == Stage.CLOSED else "Disqualified"
        closed = _date_token(card.closed_at, card.timezone) if card.closed_at else _NONE
        if card.tat_met is True:
            closed += f"{_SEP}:white_check_mark: TAT met"
        elif card.tat_met is False:
            closed += f"{_SEP}:x: TAT missed"
        return label, closed
    # qualified: the negotiation TAT has not started yet.
    return "TAT due", f"{_NONE} starts on assign"


def _button(action: ActionId, label: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(action_id=action.value, text=label, value=value, style=style)


def card_actions(card: CardData) -> ActionsBlock | None:
    """The next actions of the card's stage: intake → Qualify, Disqualify; qualified → a picker
    of the POD's buyers (Assign); negotiating → Post update, Log quote, Claim savings, Close;
    an intake or negotiating card → Hold, a held one → Resume instead; else (and a qualified
    card of a POD without buyers) none."""
    if card.request_id is None:
        return None
    value = str(card.request_id)
    elements: list[ButtonElement | StaticSelectElement]
    if card.stage == Stage.INTAKE:
        elements = [
            _button(ActionId.CARD_QUALIFY, "Qualify", value, "primary"),
            _button(ActionId.CARD_DISQUALIFY, "Disqualify", value, "danger"),
        ]
    elif card.stage == Stage.QUALIFIED:
        if not card.buyers:
            return None  # `_no_buyer_line` says so instead
        elements = [_buyer_picker(card)]
    elif card.stage == Stage.NEGOTIATING:
        elements = [
            _button(ActionId.CARD_UPDATE, "Post update", value, "primary"),
            _button(ActionId.CARD_QUOTE, "Log quote", value),
            _button(ActionId.CARD_SAVINGS, "Claim savings", value),
            _button(ActionId.CARD_CLOSE, "Close", value),
        ]
        if card.checklist_line is not None:
            elements.append(_button(ActionId.CARD_CHECKLIST, "Checklist", value))
        elements.append(_button(ActionId.CARD_VENDOR, "Vendor file", value))
    elif card.stage == Stage.CLOSED and card.case_study_by is None:
        # Issue 34: an em marks it for its tool's playbook (others are refused).
        elements = [_button(ActionId.CASE_STUDY, "Mark as case study", value)]
    else:
        return None
    if card.hold_party is not None:
        elements.append(_button(ActionId.CARD_RESUME, "Resume", value))
    elif card.stage in (Stage.INTAKE, Stage.NEGOTIATING):
        # Its clock stops while the customer or vendor has the ball (the hold modal).
        elements.append(_button(ActionId.CARD_HOLD, "Hold", value))
    # The picker's options carry the buyer: the block id carries the request's number.
    return ActionsBlock(block_id=f"{BlockId.CARD_ACTIONS.value}:{value}", elements=elements)


def _buyer_picker(card: CardData) -> StaticSelectElement:
    """A menu of the POD's buyers by name (a static select: Slack's users_select would offer the
    whole workspace, and anyone not a buyer would only be refused)."""
    options = [
        Option(
            value=user,
            text=PlainTextObject(
                text=fit_plain(_one_line(card.buyer_names.get(user) or user), OPTION_TEXT)
            ),
        )
        for user in card.buyers[:MAX_OPTIONS]
    ]
    return StaticSelectElement(
        action_id=ActionId.CARD_ASSIGN.value,
        placeholder=PlainTextObject(text="Assign to a buyer…"),
        options=options,
    )


def _no_buyer_line(card: CardData) -> ContextBlock:
    """In place of the picker on a qualified card whose POD has no buyer."""
    pod = fit_mrkdwn(_one_line(card.pod_name), _POD_NAME) or _NONE
    return ContextBlock(
        elements=[
            MarkdownTextObject(
                text=f":warning: {pod} has no buyer to assign this to yet: add one to the "
                "POD's members in podbot's config."
            )
        ]
    )


def card_blocks(card: CardData, *, with_actions: bool = True) -> list[Block]:
    """Build the request card posted in the POD channel and edited in place on every change;
    `with_actions`: with its stage's buttons (the channel card; not `/proc status`)."""
    header, cut = _header(card)
    fields: list[MarkdownTextObject] = []
    if cut:
        # The header could not show the full names; the fields can.
        fields.append(_field("Customer", fit_mrkdwn(_one_line(card.customer), _NAME_FIELD)))
        fields.append(_field("Tool", fit_mrkdwn(_one_line(card.tool), _NAME_FIELD)))
    fields += [
        _field("Type", escape_mrkdwn(card.kind.capitalize())),
        _field("Stage", stage_label(card.stage, card.outcome)),
        _field("Current spend", format_money(card.amount) if card.amount else _NONE),
        _field(
            "Renewal date",
            slack_date(card.renewal_date, card.timezone) if card.renewal_date else _NONE,
        ),
        _field("Analyst", _user(card.analyst_id)),
        _field("Buyer", _user(card.buyer_id)),
        _field(*_due_field(card)),
    ]
    if card.approved_savings is not None:
        fields.append(
            _field(
                "Approved savings",
                ":moneybag: "
                + " + ".join(format_money(m) for m in (card.approved_savings, *card.more_savings)),
            )
        )
    if card.stage == Stage.CLOSED and card.outcome == "won":
        recorded = card.term_recorded_by
        fields.append(
            _field(
                "New term",
                f":white_check_mark: recorded by {_user(recorded)}"
                if recorded
                else ":memo: not recorded yet",
            )
        )
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=header, emoji=True)),
        SectionBlock(fields=fields[:MAX_FIELDS]),
    ]
    clocks = _clock_lines(card)
    if clocks:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(clocks))))
    # Facts on the way, each one line of its own (the fields' ten are spoken for).
    if card.stage == Stage.INTAKE and card.preapproved_at is not None:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*Pre-approval:* :envelope_with_arrow: sent by "
                    f"{_user(card.preapproved_by)}; waiting on the customer since "
                    f"{_date_token(card.preapproved_at, card.timezone)}"
                )
            )
        )
    if card.hold_party is not None and card.hold_since is not None:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=hold_line(card.hold_party, card.hold_since, card.hold_days, card.timezone)
                )
            )
        )
    if card.stage == Stage.NEGOTIATING and card.stalled_since is not None:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=":zzz: *stalled* — no update, quote, stage change or claim since "
                    + _date_token(card.stalled_since, card.timezone)
                )
            )
        )
    if card.stage == Stage.NEGOTIATING and card.procurement is not None:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=procurement_line(card.procurement)))
        )
    compliance = [
        line
        for line in (
            (":warning: " if card.vendor_expired else ":file_folder: ")
            + escape_mrkdwn(card.vendor_line)
            if card.vendor_line
            else None,
            ":ballot_box_with_check: " + escape_mrkdwn(card.checklist_line)
            if card.checklist_line
            else None,
        )
        if line is not None
    ]
    if compliance:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(compliance))))
    if card.usage_line:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=usage_text(card.usage_line))))
    if card.case_study_by is not None:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f":books: *Case study* in the {escape_mrkdwn(card.tool)} playbook, "
                    f"marked by {_user(card.case_study_by)}"
                )
            )
        )
    if card.resolution_note and card.resolution_note.strip():
        label = "*Reason:* " if card.stage == Stage.DISQUALIFIED else "*Close note:* "
        # Reasons and notes come from command text, which Slack sends as mrkdwn already.
        note = fit_markup(
            defuse_broadcasts(card.resolution_note.strip()), SECTION_TEXT - len(label)
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=label + note)))
    if card.notes and card.notes.strip():
        label = "*Notes*\n"
        notes = fit_mrkdwn(card.notes.strip(), SECTION_TEXT - len(label))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=label + notes)))
    pod = fit_mrkdwn(_one_line(card.pod_name), _POD_NAME) or _NONE
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"{pod}{_SEP}opened by {_user(card.created_by)}{_SEP}replies in thread"
                ),
                MarkdownTextObject(text=f"Opened {slack_date(card.created_at, card.timezone)}"),
            ]
        )
    )
    actions = card_actions(card) if with_actions else None
    if actions is not None:
        blocks.append(actions)
    elif with_actions and card.stage == Stage.QUALIFIED and card.request_id is not None:
        blocks.append(_no_buyer_line(card))
    return blocks


def usage_text(line: str) -> str:
    """The usage line as the card, the renewal reminder and the check-in pack show it."""
    return (
        f"*Usage:* {line}"
        if line.startswith(":warning:")
        else f"*Usage:* :busts_in_silhouette: {line}"
    )


def _clock_lines(card: CardData) -> list[str]:
    """The last update and the next one due, and a claim waiting for an em."""
    lines = []
    if card.stage == Stage.NEGOTIATING and card.last_update_at is not None:
        line = f"*Last update* {_date_token(card.last_update_at, card.timezone)}"
        if card.next_update_due_at is not None:
            line += f"{_SEP}next due {_date_token(card.next_update_due_at, card.timezone)}"
        lines.append(line + badge(card.update_badge))
    if card.pending_claim is not None:
        since = (
            f"{_SEP}waiting since {_date_token(card.pending_claim_since, card.timezone)}"
            if card.pending_claim_since is not None
            else ""
        )
        lines.append(
            f"*Pending claim* :hourglass: {format_money(card.pending_claim)} for an em{since}"
        )
    return lines


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def procurement_line(clock: StepClock) -> str:
    """`*Procurement stage:* Security review · day 9 of 14–42` (flagged past its bound)."""
    words = escape_mrkdwn(_capitalized(step_words(clock.step)))
    flag = f"{_SEP}:warning: over its bound" if clock.over else ""
    return (
        f"*Procurement stage:* :hourglass_flowing_sand: {words}{_SEP}day {clock.day} of "
        f"{clock.lower}–{clock.upper}{flag}"
    )


def card_text(card: CardData) -> str:
    """Return the card's notification text: `REQ-12 · Acme · Figma (new) — negotiating`."""
    customer = fit_mrkdwn(_one_line(card.customer), 100)
    tool = fit_mrkdwn(_one_line(card.tool), 100)
    stage = card.stage
    if card.stage == Stage.CLOSED and card.outcome:
        stage = f"closed ({card.outcome})"
    key, kind = escape_mrkdwn(card.key), escape_mrkdwn(card.kind)
    return f"{key}{_SEP}{customer}{_SEP}{tool} ({kind}) — {escape_mrkdwn(stage)}"


# --- packing lines into sections -----------------------------------------------------------


def _pack(lines: Iterable[str], max_sections: int) -> tuple[list[list[str]], int]:
    """Group lines, in order, into ≤ `max_sections` groups of ≤ 3,000 chars; count the rest."""
    todo = list(lines)
    groups: list[list[str]] = []
    size = 0
    taken = 0
    for line in todo:
        if groups and size + 1 + len(line) <= SECTION_TEXT:
            groups[-1].append(line)
            size += 1 + len(line)
        elif len(groups) < max_sections:
            groups.append([line])
            size = len(line)
        else:
            break
        taken += 1
    return groups, len(todo) - taken


# --- /proc status --------------------------------------------------------------------------


def _event_line(entry: TimelineEntry, timezone: str) -> str:
    # A date token does not render inside a code span: the stamp is plain mrkdwn.
    stamp = _date_token(entry.at, timezone)
    who = "podbot" if entry.actor == "podbot" else _user(entry.actor)
    what = _EVENT_WORDS.get(entry.kind, escape_mrkdwn(entry.kind.replace("_", " ")))
    line = f"{stamp}{_SEP}{who} {what}"
    if entry.text and entry.text.strip():
        # Event text is stored as Slack mrkdwn (command text arrives escaped, with mentions;
        # names and modal values are escaped when the event is written).
        line += ": " + fit_markup(defuse_broadcasts(_one_line(entry.text)), _TIMELINE_TEXT)
    return line


def _aging_line(card: CardData, now: datetime) -> str:
    open_ = card.stage not in FINISHED_STAGES
    end = now if open_ or card.closed_at is None else card.closed_at
    age = age_in_days(card.created_at, end, card.timezone)
    parts = [f"Age: {_days(age)}" if open_ else f"Was open {_days(age)}"]
    if open_ and card.tat_due_at is not None:
        left = days_left(card.tat_due_at, now, card.timezone)
        parts.append(f"TAT: {days_left_phrase(left)}")
    return _SEP.join(parts)


def status_blocks(card: CardData, timeline: list[TimelineEntry], now: datetime) -> list[Block]:
    """Build the `/proc status` answer: the card, then every event in the POD's local time."""
    blocks = card_blocks(card, with_actions=False)
    blocks.append(DividerBlock())
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text=f"*Timeline*\n{_aging_line(card, now)}"))
    )
    if not timeline:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="No events yet.")]))
        return blocks
    events = sorted(timeline, key=lambda e: e.at)
    lines = [_event_line(e, card.timezone) for e in events]
    # Keep the newest: pack from the end, leaving one block for the "earlier events" note.
    room = MAX_MESSAGE_BLOCKS - len(blocks) - 1
    groups, hidden = _pack(reversed(lines), room)
    if hidden:
        note = f"… {hidden} earlier {'event' if hidden == 1 else 'events'} not shown"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    for group in reversed(groups):
        text = "\n".join(reversed(group))  # back to oldest first
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks


# --- /proc mine ----------------------------------------------------------------------------


def _mine_line(row: MineRow) -> str:
    key = escape_mrkdwn(row.key)
    link = row.card_link
    if link and not any(c in link for c in "<>| \n"):
        key = f"<{link}|{key}>"
    if row.tat_days_left is None:
        tat = f"TAT {_NONE}"
    elif row.tat_days_left < 0:
        tat = f"overdue by {_days(-row.tat_days_left)}"
    else:
        tat = f"TAT {days_left_phrase(row.tat_days_left)}"
    parts = [
        f"*{key}*",
        fit_mrkdwn(_one_line(row.customer), _LIST_NAME),
        fit_mrkdwn(_one_line(row.tool), _LIST_NAME),
        stage_label(row.stage, None),
        f"you: {escape_mrkdwn(row.role)}",
        f"{_days(row.age_days)} old",
        tat,
    ]
    return _SEP.join(parts)


def mine_blocks(rows: list[MineRow], user_id: str) -> list[Block]:
    """Build the `/proc mine` answer: the invoker's open requests with age and TAT."""
    if not rows:
        return [SectionBlock(text=MarkdownTextObject(text="You have no open requests."))]
    heading = f"*Open requests for {_user(user_id)}* ({len(rows)})"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=heading))]
    room = MAX_MESSAGE_BLOCKS - len(blocks) - 1
    groups, hidden = _pack((_mine_line(r) for r in rows), room)
    blocks += [SectionBlock(text=MarkdownTextObject(text="\n".join(g))) for g in groups]
    if hidden:
        note = f"… and {hidden} more not shown"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return blocks


def mine_text(rows: list[MineRow]) -> str:
    """Return the fallback text of `/proc mine`."""
    if not rows:
        return "You have no open requests."
    count = len(rows)
    return f"You have {count} open {'request' if count == 1 else 'requests'}."


def note_block(text: str) -> ContextBlock:
    """A line of small print under a list or a message (already mrkdwn)."""
    return ContextBlock(elements=[MarkdownTextObject(text=fit_markup(text, SECTION_TEXT))])
