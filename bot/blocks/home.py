"""The App Home tab: one section per POD the person is in, by their role there.

Pure: plain dataclasses in (read by `bot/db/home.py`), a `View` out. Every list is capped at
`LIST_CAP` items with an "and N more" line, and the whole view at Slack's 100 blocks
(`MAX_VIEW_BLOCKS`), however many requests there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.claims import claim_verb, decision_buttons
from bot.blocks.csm_home import CsmDetail, csm_blocks
from bot.blocks.forecast import EmForecast, em_forecast_blocks
from bot.blocks.ids import ActionId
from bot.blocks.limits import HEADER_TEXT, MAX_VIEW_BLOCKS, SECTION_TEXT
from bot.blocks.stats import kpi_line
from bot.blocks.text import escape_mrkdwn, fit_markup, fit_mrkdwn, fit_plain, plural, slack_date
from bot.domain.compliance import ChecklistGap
from bot.domain.customer_update import QUIET_DAYS
from bot.domain.kpis import Kpi
from bot.domain.money import Money, format_money

__all__ = [
    "LIST_CAP",
    "AnalystHome",
    "BreachItem",
    "BuyerHome",
    "ClaimItem",
    "CsmHome",
    "EmHome",
    "FallbackHome",
    "HomeData",
    "IntakeItem",
    "NegotiationItem",
    "RenewalItem",
    "TermItem",
    "home_view",
]

# Items shown per list; the rest are counted in one "and N more" line.
LIST_CAP = 8
BAR_WIDTH = 10


@dataclass(frozen=True)
class NegotiationItem:
    """A buyer's negotiating request: when its next update is due and its TAT days left."""

    request_id: int
    key: str
    customer: str
    tool: str
    update_due_at: datetime | None
    update_overdue: bool
    tat_days_left: int | None
    # On hold (issue 30): whom it waits on; its TAT is stopped meanwhile.
    held_by: str | None = None
    # Issue 35: it decides an account's MSG forecast at risk (listed first).
    decides_msg: bool = False


@dataclass(frozen=True)
class IntakeItem:
    """A request waiting to be qualified, with the working hours left (negative: past due);
    a pre-approved one has met its qualification clock and waits on the customer instead."""

    key: str
    customer: str
    tool: str
    hours_left: Decimal
    preapproved: bool = False


@dataclass(frozen=True)
class BreachItem:
    """A request past its qualification or negotiation TAT."""

    key: str
    customer: str
    tool: str
    clock: str  # "qualification" | "negotiation"
    due_at: datetime
    owner: str | None


@dataclass(frozen=True)
class TermItem:
    """A won request whose new term is not recorded yet."""

    key: str
    customer: str
    tool: str
    won_on: date


@dataclass(frozen=True)
class RenewalItem:
    """A contract renewing next quarter with no request open for it."""

    contract_id: int
    customer: str
    tool: str
    renewal_date: date
    annual: Money


@dataclass(frozen=True)
class ClaimItem:
    """A pending savings claim."""

    claim_id: int
    key: str
    customer: str
    tool: str
    saved: Money
    percent: Decimal
    claimed_by: str
    claimed_at: datetime
    kind: str = "savings"  # a `ClaimKind`: an avoidance claim says "avoided"


@dataclass(frozen=True)
class BuyerHome:
    pod_name: str
    quarter: str
    negotiating: tuple[NegotiationItem, ...]
    negotiating_total: int
    quota: Kpi | None
    timezone: str = "UTC"  # the POD's: dates fall back to the POD's date


@dataclass(frozen=True)
class AnalystHome:
    pod_name: str
    intake: tuple[IntakeItem, ...]
    intake_total: int
    breaches: tuple[BreachItem, ...]
    breaches_total: int
    terms: tuple[TermItem, ...]
    terms_total: int
    renewals_quarter: str
    renewals: tuple[RenewalItem, ...]
    renewals_total: int
    timezone: str = "UTC"
    # Issue 33: requests at their PO with required checklist items open (listed when any).
    gaps: tuple[ChecklistGap, ...] = ()


@dataclass(frozen=True)
class EmHome:
    pod_name: str
    quarter: str
    claims: tuple[ClaimItem, ...]
    claims_total: int
    savings: Kpi | None
    old_breaches: tuple[BreachItem, ...]
    old_breaches_total: int
    timezone: str = "UTC"
    # Accounts with no customer update sent for 15 days (issue 32): customer, last sent.
    no_update: tuple[tuple[str, datetime | None], ...] = ()
    # Issue 35: the latest kept MSG forecasts and the projected GDR (None: none kept yet).
    forecast: EmForecast | None = None


@dataclass(frozen=True)
class CsmHome:
    pod_name: str
    # The csm's own lists (`bot/blocks/csm_home.py`); None: only the pointer line.
    detail: CsmDetail | None = None


@dataclass(frozen=True)
class FallbackHome:
    """A fallback approver's part of a POD (`pods[].fallback_approvers`): the claims nobody in
    the POD but them can decide (its only em made them, or it has no em)."""

    pod_name: str
    claims: tuple[ClaimItem, ...]
    claims_total: int
    timezone: str = "UTC"
    # "approver": the part of an approver `pods[].approval_rules` names (claims at their step).
    role: str = "fallback approver"


Section = BuyerHome | AnalystHome | EmHome | CsmHome | FallbackHome


@dataclass(frozen=True)
class HomeData:
    """What one person's Home shows: a section per POD they are in (none: not in a POD)."""

    user: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
    command: str = "/proc"
    # While the person is away (`/proc away`): "Away until Jan 5 — covered by @dana".
    away: str | None = None


def _names(customer: str, tool: str) -> str:
    return f"{escape_mrkdwn(customer)} · {escape_mrkdwn(tool)}"


def _section(text: str, button: ButtonElement | None = None) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT)), accessory=button
    )


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=fit_markup(text, SECTION_TEXT))])


def _button(text: str, action: ActionId, value: object) -> ButtonElement:
    return ButtonElement(text=PlainTextObject(text=text), action_id=action.value, value=str(value))


def _more(shown: int, total: int, hint: str) -> list[Block]:
    return [_context(f"and {total - shown} more — {hint}")] if total > shown else []


def _list(title: str, total: int, rows: Sequence[Block], empty: str, hint: str) -> list[Block]:
    blocks: list[Block] = [_section(f"*{title}* ({total})")]
    if not rows:
        return [*blocks, _context(empty)]
    return [*blocks, *rows, *_more(len(rows), total, hint)]


def _days(n: int | None) -> str:
    if n is None:
        return "no TAT"
    if n < 0:
        return f":red_circle: TAT {plural(-n, 'day')} overdue"
    return f"TAT {plural(n, 'day')} left"


def _bar(kpi: Kpi | None) -> str:
    if kpi is None or kpi.value is None:
        return kpi_line(kpi) if kpi is not None else "No target set."
    filled = max(0, min(BAR_WIDTH, int(kpi.value * BAR_WIDTH)))
    bar = "▓" * filled + "░" * (BAR_WIDTH - filled)
    return f"`{bar}` {kpi_line(kpi)}"


def _buyer(home: BuyerHome, command: str) -> list[Block]:
    rows: list[Block] = []
    for item in home.negotiating:
        due = "update due: never updated" if item.update_due_at is None else (
            f"{':warning: update overdue since' if item.update_overdue else 'update due'} "
            f"{slack_date(item.update_due_at, home.timezone, with_time=True)}"
        )  # fmt: skip
        tat = (
            f"⏸ on hold — waiting on the {item.held_by}"
            if item.held_by
            else _days(item.tat_days_left)
        )
        text = f"*{item.key}* {_names(item.customer, item.tool)}\n{due} · {tat}"
        if item.decides_msg:
            text += "\n:dart: decides an MSG at risk (`forecast`)"
        rows.append(_section(text, _button("Update", ActionId.HOME_UPDATE, item.request_id)))
    return [
        *_list(
            "Negotiating", home.negotiating_total, rows, "Nothing in negotiation.",
            f"`{command} mine`",
        ),
        _section(f"*Quota {home.quarter}*\n{_bar(home.quota)}"),
    ]  # fmt: skip


def _breach_row(item: BreachItem, timezone: str) -> SectionBlock:
    owner = f" · <@{item.owner}>" if item.owner else ""
    due = slack_date(item.due_at, timezone, with_time=True)
    return _section(
        f"*{item.key}* {_names(item.customer, item.tool)}\n"
        f":rotating_light: {item.clock} TAT was due {due}{owner}"
    )


def _analyst(home: AnalystHome, command: str) -> list[Block]:
    intake = [
        _section(
            f"*{i.key}* {_names(i.customer, i.tool)}\n"
            + (
                ":hourglass: pre-approval sent: waiting on the customer"
                if i.preapproved
                else f"{i.hours_left:.0f} working hours left to qualify"
                if i.hours_left >= 0
                else f":red_circle: qualification {-i.hours_left:.0f} working hours overdue"
            )
        )
        for i in home.intake
    ]
    terms = [
        _section(
            f"*{t.key}* {_names(t.customer, t.tool)}\n"
            f"won {slack_date(t.won_on, home.timezone)} · new term not recorded"
        )
        for t in home.terms
    ]
    renewals = [
        _section(
            f"*{escape_mrkdwn(r.customer)}* · {escape_mrkdwn(r.tool)}\n"
            f"renews {slack_date(r.renewal_date, home.timezone)} · {format_money(r.annual)} a year",
            _button("Open renewal request", ActionId.HOME_RENEWAL, r.contract_id),
        )
        for r in home.renewals
    ]
    aging = f"`{command} aging`"
    gaps = [
        _section(
            f"*{g.key}* {_names(g.customer, g.tool)}\n"
            f"at its PO, checklist open: {escape_mrkdwn(', '.join(g.gaps))}",
            _button("Checklist", ActionId.CARD_CHECKLIST, g.request_id),
        )
        for g in home.gaps[:LIST_CAP]
    ]
    return [
        *(_list("Checklist gaps at the PO", len(home.gaps), gaps, "", aging) if gaps else []),
        *_list("To qualify", home.intake_total, intake, "Nothing waiting to be qualified.", aging),
        *_list("TAT breaches", home.breaches_total,
               [_breach_row(b, home.timezone) for b in home.breaches], "No TAT breached.", aging),
        *_list("New term not recorded", home.terms_total, terms, "Every won term is recorded.",
               aging),
        *_list(f"Renewals {home.renewals_quarter} with no request", home.renewals_total, renewals,
               "Every renewal has a request.", f"`{command} renewals next`"),
    ]  # fmt: skip


def _claims(items: tuple[ClaimItem, ...], total: int, command: str, timezone: str) -> list[Block]:
    """Savings claims to decide, each with the thread's Approve / Reject."""
    claims: list[Block] = []
    for c in items:
        claims.append(
            _section(
                f"*{c.key}* {_names(c.customer, c.tool)}\n"
                f"{format_money(c.saved)} ({c.percent:.1f}%) {claim_verb(c.kind)}, claimed by "
                f"<@{c.claimed_by}> {slack_date(c.claimed_at, timezone, with_time=True)}"
            )
        )
        claims.append(decision_buttons(c.claim_id, f"home_claim_{c.claim_id}"))
    shown = len(items)
    head: list[Block] = [_section(f"*Savings claims to decide* ({total})")]
    if not shown:
        head.append(_context("No claim waiting for a decision."))
    else:
        head += [*claims, *_more(shown, total, f"`{command} aging`")]
    return head


def _em(home: EmHome, command: str) -> list[Block]:
    return [
        *_claims(home.claims, home.claims_total, command, home.timezone),
        _section(f"*POD savings {home.quarter}*\n{_bar(home.savings)}"),
        *_list("Breaches older than 24 working hours", home.old_breaches_total,
               [_breach_row(b, home.timezone) for b in home.old_breaches], "None.",
               f"`{command} aging`"),
        *_no_update(home, command),
        *em_forecast_blocks(home.forecast, command, LIST_CAP),
    ]  # fmt: skip


def _no_update(home: EmHome, command: str) -> list[Block]:
    """The accounts whose customer has had no update for 15 days, in one section."""
    if not home.no_update:
        return []
    shown = [
        f"• *{escape_mrkdwn(customer)}*: "
        + (f"last sent {slack_date(last, home.timezone)}" if last else "none sent yet")
        for customer, last in home.no_update[:LIST_CAP]
    ]
    more = len(home.no_update) - len(shown)
    if more > 0:
        shown.append(f"and {more} more")
    head = f"*No customer update sent for {QUIET_DAYS} days* ({len(home.no_update)})"
    hint = f"`{command} customer-update <customer>` drafts one."
    return [_section(fit_mrkdwn("\n".join([head, *shown]), SECTION_TEXT)), _context(hint)]


_ROLE = {
    BuyerHome: "buyer", AnalystHome: "analyst", EmHome: "em", CsmHome: "csm",
    FallbackHome: "fallback approver",
}  # fmt: skip


def home_blocks(data: HomeData) -> list[Block]:
    """The Home's blocks, at most MAX_VIEW_BLOCKS."""
    if not data.sections:
        return [
            HeaderBlock(text=PlainTextObject(text="podbot")),
            _section(
                ":wave: You are not in a procurement POD yet, so there is nothing for you here. "
                "Ask your POD's em to add you, and your requests, breaches and approvals will "
                f"show up on this tab. `{data.command} help` lists what podbot does."
            ),
        ]
    blocks: list[Block] = [_section(data.away)] if data.away else []
    for section in data.sections:
        role = section.role if isinstance(section, FallbackHome) else _ROLE[type(section)]
        title = f"{section.pod_name} — {role}"
        part: list[Block] = [HeaderBlock(text=PlainTextObject(text=fit_plain(title, HEADER_TEXT)))]
        if isinstance(section, BuyerHome):
            part += _buyer(section, data.command)
        elif isinstance(section, AnalystHome):
            part += _analyst(section, data.command)
        elif isinstance(section, CsmHome):
            part.append(
                _section(
                    f"You follow this POD's work: `{data.command} mine` for your requests, "
                    f"`{data.command} aging` for the POD's, `{data.command} new` to open one."
                )
            )
            if section.detail is not None:
                part += csm_blocks(section.detail, data.command)
        elif isinstance(section, FallbackHome):
            part += _claims(section.claims, section.claims_total, data.command, section.timezone)
        else:
            part += _em(section, data.command)
        blocks += [*part, DividerBlock()]
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = blocks[: MAX_VIEW_BLOCKS - 1]
        blocks.append(_context(f"More below the Home's limit — `{data.command} mine`"))
    return blocks


def home_view(data: HomeData) -> View:
    """The Home tab view for `views.publish`."""
    return View(type="home", blocks=home_blocks(data))
