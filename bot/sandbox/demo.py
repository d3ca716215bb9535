"""Demo data for `podbot sandbox`: people's names, and weeks of POD work replayed through podbot.

Nothing is written to the database directly but the customer accounts, which are loaded the
way `podbot import accounts` loads the operator's accounts file. The sandbox clock is set back
to each moment of a scripted history and the step is done the way a person would do it: a
`/proc` command, a message in a card's thread, a click on Approve. So the cards, threads,
timelines, savings claims, contracts, health and targets are exactly what podbot itself makes
of that history. At the end the
clock returns to the present and the scheduler's catch-up runs (TAT alerts, reminders, and
today's aging report when it is past 09:00).

The script works on any configuration: each POD's history uses whoever holds the roles it
needs there (an analyst, a buyer, an em; a csm when there is one).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.actions.playbooks import RecordLevers, record_levers
from bot.config import Pod
from bot.consequences import perform
from bot.db.accounts import upsert_accounts
from bot.db.contracts import pod_ids, upsert_contracts
from bot.db.models import OutboxKind, Request
from bot.db.rates import import_rates
from bot.db.usage import import_usage
from bot.domain.accounts import COLUMNS as ACCOUNT_COLUMNS
from bot.domain.accounts import parse_accounts_csv
from bot.domain.contracts import COLUMNS as CONTRACT_COLUMNS
from bot.domain.contracts import LINE_COLUMNS as CONTRACT_LINE_COLUMNS
from bot.domain.contracts import parse_contracts_csv
from bot.domain.leadership import first_working_day
from bot.domain.pricing import parse_rates_csv
from bot.domain.quarters import quarter_of
from bot.domain.usage import USAGE_COLUMNS, parse_usage_csv
from bot.domain.vocabulary import Role
from bot.domain.working_time import local_datetime, working_day_on_or_before
from bot.jobs import JOBS
from bot.jobs.runner import run_job

if TYPE_CHECKING:
    from bot.sandbox.app import Sandbox

__all__ = ["PEOPLE", "seed"]

log = logging.getLogger(__name__)

# The people of config/demo.toml: user id → (full name, @handle).
PEOPLE: dict[str, tuple[str, str]] = {
    "U0ANANYA1": ("Ananya Rao", "ananya"),
    "U0ROHAN01": ("Rohan Mehta", "rohan"),
    "U0KAVYA01": ("Kavya Iyer", "kavya"),
    "U0PRIYA01": ("Priya Sharma", "priya"),
    "U0ARJUN01": ("Arjun Nair", "arjun"),
    "U0MARCUS1": ("Marcus Johnson", "marcus"),
    "U0SARAH01": ("Sarah Goldberg", "sarah"),
    "U0DANIEL1": ("Daniel Kim", "daniel"),
    "U0EMILY01": ("Emily Carter", "emily"),
    "U0OLIVER1": ("Oliver Bennett", "oliver"),
    "U0CHARLO1": ("Charlotte Hughes", "charlotte"),
    "U0JAMES01": ("James Okafor", "james"),
    "U0SOPHIE1": ("Sophie Turner", "sophie"),
}

# Customers per POD (by position in the config), then the tools they buy.
CUSTOMERS = (
    ("Kaveri Fintech", "Nilgiri Foods", "Sahyadri Motors", "Deccan Health", "Konark Textiles",
     "Malabar Logistics"),
    ("Hudson Analytics", "Empire Insurance", "Brooklyn Bikes Co.", "Liberty Media Group",
     "Catskill Outdoor", "Gotham Legal LLP"),
    ("Albion Bank", "Camden Studios", "Mayfair Hotels", "Thames Water Tech", "Bristol Robotics",
     "Shoreditch Games"),
)  # fmt: skip
TOOLS = (
    ("Figma", "Atlassian Jira", "Datadog", "Salesforce Sales Cloud", "Zoom", "Notion",
     "Snowflake", "HubSpot", "Miro", "DocuSign", "GitHub Enterprise", "Okta"),
    ("Salesforce Sales Cloud", "Slack Enterprise Grid", "Tableau", "Zendesk", "Workday",
     "ServiceNow", "Gong", "Asana", "Adobe Creative Cloud", "Box", "PagerDuty", "Smartsheet"),
    ("Microsoft 365", "Atlassian Confluence", "Miro", "Monday.com", "Intercom", "Zoom",
     "Sentry", "Figma", "1Password", "Lucid", "Twilio", "Airtable"),
)  # fmt: skip


@dataclass
class _Step:
    at: datetime
    run: Callable[[], None]
    what: str


@dataclass
class _History:
    """One POD's scripted history, with REQ numbers filled in as requests are created."""

    sandbox: Sandbox
    pod: Pod
    now: datetime
    index: int
    steps: list[_Step] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # Typed in the present, once the history is replayed (their answers stay on the page).
    present: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        def first(role: Role, *fallbacks: Role) -> str | None:
            for name in (role, *fallbacks):
                members = self.pod.members_with(name)
                if members:
                    return members[0]
            return None

        self.analyst = first(Role.ANALYST, Role.EM)
        self.em = first(Role.EM)
        buyers = self.pod.members_with(Role.BUYER) or ([self.em] if self.em else [])
        self.buyer = buyers[0] if buyers else None
        self.buyer2 = buyers[1] if len(buyers) > 1 else self.buyer
        self.csm = first(Role.CSM, Role.ANALYST)
        self.customers = CUSTOMERS[self.index % len(CUSTOMERS)]
        self.tools = TOOLS[self.index % len(TOOLS)]

    # -- time -------------------------------------------------------------------------------

    def day(self, working_days_ago: int, at: str) -> datetime:
        """Local `at` (HH:MM) on the working day that many working days before today."""
        calendar = self.pod.calendar
        today = self.now.astimezone(self.pod.zone).date()
        day = working_day_on_or_before(calendar, today)
        for _ in range(working_days_ago):
            day = working_day_on_or_before(calendar, day - timedelta(days=1))
        hour, minute = (int(part) for part in at.split(":"))
        return self._before_now(local_datetime(calendar, day, time(hour, minute)))

    def days_ago(self, days: int, at: str) -> datetime:
        """Local `at` (HH:MM) that many calendar days before today."""
        local_day = self.now.astimezone(self.pod.zone).date() - timedelta(days=days)
        hour, minute = (int(part) for part in at.split(":"))
        return self._before_now(local_datetime(self.pod.calendar, local_day, time(hour, minute)))

    def _before_now(self, instant: datetime) -> datetime:
        return min(instant, self.now - timedelta(minutes=30))

    # -- steps ------------------------------------------------------------------------------

    def command(
        self, at: datetime, user: str | None, text: str | Callable[[], str],
        *, refused: bool = False,
    ) -> None:  # fmt: skip
        """`/proc …` typed by `user` in the POD channel at `at` (`refused`: shown refused)."""
        if user is None:
            return

        def run() -> None:
            typed = text() if callable(text) else text
            answer = self.sandbox.command(
                user, f"{self.sandbox.config.slack.command} {typed}", self.pod.channel
            )["answer"]
            reply = str(answer.get("text") or "")
            if reply.startswith((":warning:", ":x:")) != refused:
                self.problems.append(f"{self.pod.key}: {typed!r} → {reply}")

        self.steps.append(_Step(at, run, f"{user}: {text if isinstance(text, str) else '…'}"))

    def job(self, at: datetime, name: str) -> None:
        """Run a scheduled job for this POD as of `at`, as the scheduler would have then."""

        def run() -> None:
            assert self.sandbox.runtime is not None
            outcome = run_job(self.sandbox.runtime, JOBS[name], self.pod, now=at)
            if outcome.outcome not in ("ok", "skipped"):
                self.problems.append(f"{self.pod.key}: {outcome}")

        self.steps.append(_Step(self._before_now(at), run, f"job {name} of {self.pod.key}"))

    def import_accounts(self, at: datetime, lines: list[str]) -> None:
        """Load accounts CSV lines for this POD as `podbot import accounts` does, at `at`."""

        def run() -> None:
            text = "\n".join([",".join(ACCOUNT_COLUMNS), *lines]) + "\n"
            rows, errors = parse_accounts_csv(text, {self.pod.key}, self.pod.currency)
            if errors:
                raise ValueError("; ".join(f"line {e.line}: {e.reason}" for e in errors))
            assert self.sandbox.db is not None
            with self.sandbox.db.transaction() as session:
                ids = pod_ids(session, {self.pod.key})
                upsert_accounts(session, rows, ids, self.sandbox.clock.now())

        self.steps.append(_Step(at, run, f"import accounts of {self.pod.key}"))

    def import_contracts(self, at: datetime, lines: list[str]) -> None:
        """Load contracts CSV lines (with auto-renew and notice days) for this POD as
        `podbot import contracts` does, at `at`."""

        def run() -> None:
            header = ",".join(CONTRACT_COLUMNS + CONTRACT_LINE_COLUMNS)
            text = "\n".join([header, *lines]) + "\n"
            rows, errors = parse_contracts_csv(text, {self.pod.key}, self.pod.currency)
            if errors:
                raise ValueError("; ".join(f"line {e.line}: {e.reason}" for e in errors))
            assert self.sandbox.db is not None
            with self.sandbox.db.transaction() as session:
                upsert_contracts(
                    session, rows, pod_ids(session, {self.pod.key}), self.sandbox.clock.now()
                )

        self.steps.append(_Step(at, run, f"import contracts of {self.pod.key}"))

    def import_usage(self, at: datetime, lines: list[str]) -> None:
        """Load usage CSV lines (customer, tool, as-of, seats assigned and active) as `podbot
        import usage` does, at `at` (issue 34)."""

        def run() -> None:
            text = "\n".join([",".join(USAGE_COLUMNS), *lines]) + "\n"
            rows, errors = parse_usage_csv(text)
            if errors:
                raise ValueError("; ".join(f"line {e.line}: {e.reason}" for e in errors))
            assert self.sandbox.db is not None
            with self.sandbox.db.transaction() as session:
                import_usage(session, rows, self.sandbox.clock.now())

        self.steps.append(_Step(at, run, f"import usage of {self.pod.key}"))

    def import_rates(self, at: datetime, lines: list[str]) -> None:
        """Load rates CSV lines (`date,currency,rate,to`) as `podbot import rates` does."""

        def run() -> None:
            text = "\n".join(["date,currency,rate,to", *lines]) + "\n"
            rows, errors = parse_rates_csv(text, self.pod.currency)
            if errors:
                raise ValueError("; ".join(f"line {e.line}: {e.reason}" for e in errors))
            assert self.sandbox.db is not None
            with self.sandbox.db.transaction() as session:
                import_rates(session, rows, self.sandbox.clock.now())

        self.steps.append(_Step(at, run, f"import rates of {self.pod.key}"))

    def new(
        self,
        at: datetime,
        label: str,
        customer: str,
        tool: str,
        kind: str,
        amount: str = "",
        renewal: date | None = None,
        by: str | None = None,
        again: bool = False,
    ) -> None:
        """Create a request (as the analyst unless `by`; `again`: beside an open one for the
        same customer and tool, confirmed); later steps refer to it by `label`."""
        user = by or self.analyst
        if user is None:
            return
        parts = [customer, tool, kind] + ([amount] if amount else [])
        if renewal is not None:
            parts.append(renewal.isoformat())
        if again:
            parts.append("again")

        def run() -> None:
            answer = self.sandbox.command(
                user, f"{self.sandbox.config.slack.command} new {' | '.join(parts)}",
                self.pod.channel,
            )["answer"]  # fmt: skip
            found = re.search(r"REQ-(\d+)", str(answer.get("text") or ""))
            if found is None:
                self.problems.append(f"{self.pod.key}: new {customer} → {answer.get('text')}")
                return
            self.numbers[label] = int(found[1])

        self.steps.append(_Step(at, run, f"new {customer} · {tool}"))

    def forecast(self, at: datetime) -> None:
        """The `forecast` job's run for this POD at `at` (a past Monday's, kept)."""

        def run() -> None:
            for outcome in self.sandbox.run_job("forecast", self.pod.key):
                if "failed" in outcome:
                    self.problems.append(f"{self.pod.key}: {outcome}")

        self.steps.append(_Step(at, run, f"forecast {self.pod.key}"))

    def on(self, at: datetime, user: str | None, label: str, text: str) -> None:
        """`/proc <verb> REQ-n <rest>` for `text` = `verb rest`."""
        verb, _, rest = text.partition(" ")
        self.command(at, user, lambda: f"{verb} REQ-{self.numbers.get(label, 0)} {rest}".rstrip())

    def say(self, at: datetime, user: str | None, label: str, text: str) -> None:
        """A person's message in the request card's thread (mentions as @handle)."""
        if user is None:
            return

        def run() -> None:
            card = self._card_ts(label)
            if card is None:
                self.problems.append(f"{self.pod.key}: no card for {label}")
                return
            self.sandbox.message(user, text, self.pod.channel, thread_ts=card)

        self.steps.append(_Step(at, run, f"{user} says {text[:30]}"))

    def approve(self, at: datetime, label: str) -> None:
        """The em clicks Approve on the request's pending savings claim."""
        em = self.em
        if em is None:
            return

        def run() -> None:
            card = self._card_ts(label)
            for message in reversed(self.sandbox.api.thread(self.pod.channel, card or "")):
                for block in message.blocks or []:
                    for element in block.get("elements") or []:
                        if element.get("action_id") == "savings_approve":
                            self.sandbox.click(
                                em, self.pod.channel, message.ts, "savings_approve",
                                block.get("block_id"),
                            )  # fmt: skip
                            return
            self.problems.append(f"{self.pod.key}: no claim to approve on {label}")

        self.steps.append(_Step(at, run, f"approve {label}"))

    def levers(self, at: datetime, label: str, levers: tuple[str, ...], note: str) -> None:
        """The buyer answers the won request's What worked… (issue 34): the levers and the line,
        as the modal submits them; the ask in the thread shows the answer."""
        buyer = self.buyer
        if buyer is None:
            return

        def run() -> None:
            card = self._card_ts(label)
            asked = [
                m
                for m in self.sandbox.api.thread(self.pod.channel, card or "")
                if "levers_skip" in json.dumps(m.blocks or [])
            ]
            runtime = self.sandbox.runtime
            assert runtime is not None
            given = RecordLevers(
                self.numbers.get(label, 0), levers, note, self.pod.channel,
                asked[-1].ts if asked else None,
            )  # fmt: skip
            outbox, _done = perform(runtime, record_levers, buyer, given)
            outbox.deliver()

        self.steps.append(_Step(at, run, f"what worked on {label}"))

    def case_study(self, at: datetime, label: str) -> None:
        """The em marks the closed request a case study with its card's button (issue 34)."""
        em = self.em
        if em is None:
            return

        def run() -> None:
            card = self._card_ts(label)
            if card is None:
                self.problems.append(f"{self.pod.key}: no card for {label}")
                return
            self.sandbox.click(em, self.pod.channel, card, "card_case_study")

        self.steps.append(_Step(at, run, f"case study {label}"))

    def customer_approves(self, at: datetime, guest: str, room: str) -> None:
        """The customer's contact clicks Approve on the pre-approval in their channel."""

        def run() -> None:
            self.sandbox.wait_idle()
            for message in reversed(self.sandbox.api.messages(room)):
                if message.text.startswith("Pre-approval"):
                    self.sandbox.click(guest, room, message.ts, "preapproval_customer_approve")
                    return
            self.problems.append(f"{self.pod.key}: no pre-approval in {room} to approve")

        self.steps.append(_Step(at, run, f"the customer approves in {room}"))

    def mark_update_sent(self, at: datetime, customer: str) -> None:
        """The analyst clicks Mark sent on the customer's latest update draft in their DM."""
        analyst = self.analyst
        if analyst is None:
            return

        def run() -> None:
            self.sandbox.wait_idle()
            api = self.sandbox.api
            for channel, user in api.dms().items():
                if user != analyst:
                    continue
                for message in reversed(api.messages(channel)):
                    if f"Customer update for {customer}," in message.text:
                        self.sandbox.click(
                            analyst, channel, message.ts, "customer_update_mark_sent"
                        )
                        return
            self.problems.append(f"{self.pod.key}: no update draft for {customer} to mark sent")

        self.steps.append(_Step(at, run, f"mark the update to {customer} sent"))

    def _card_ts(self, label: str) -> str | None:
        number = self.numbers.get(label)
        if number is None:
            return None
        self.sandbox.wait_idle()
        assert self.sandbox.runtime is not None
        with self.sandbox.runtime.db.transaction() as session:
            return session.scalar(select(Request.card_ts).where(Request.id == number))


def _next_quarter_start(today: date, fiscal_start: int) -> date:
    months = (today.month - fiscal_start) % 12
    start_month = (fiscal_start - 1 + (months // 3 + 1) * 3) % 12 + 1
    year = today.year + (1 if start_month <= today.month else 0)
    return date(year, start_month, 1)


def _typed(h: _History, user: str, text: str) -> None:
    """`/proc <text>` typed now by `user` in the POD channel: its answer stays on the page."""
    typed = f"{h.sandbox.config.slack.command} {text}"
    reply = str(h.sandbox.command(user, typed, h.pod.channel)["answer"].get("text") or "")
    if reply.startswith((":warning:", ":x:")):
        h.problems.append(f"{h.pod.key}: {typed!r} → {reply}")


def refused_close(h: _History, user: str, label: str) -> None:
    """`close REQ won` typed now by `user`: its refusal (what is missing) stays on the page."""
    typed = f"{h.sandbox.config.slack.command} close REQ-{h.numbers.get(label, 0)} won"
    reply = str(h.sandbox.command(user, typed, h.pod.channel)["answer"].get("text") or "")
    if "cannot close won yet" not in reply:
        h.problems.append(f"{h.pod.key}: {typed!r} → {reply}")


def _script(h: _History) -> None:
    """Weeks of one POD's work, in the order it happened. `h.on(when, who, REQ, "verb rest")`
    types `/proc verb REQ-n rest`; `h.say` posts a message in the request's thread."""
    c, t, b, b2, em, csm, an = h.customers, h.tools, h.buyer, h.buyer2, h.em, h.csm, h.analyst
    day, ago, on, say = h.day, h.days_ago, h.on, h.say
    today = h.now.astimezone(h.pod.zone).date()
    next_q = _next_quarter_start(today, h.pod.fiscal_year_start_month)
    buyer, buyer2 = f"@{_handle(h, b)}", f"@{_handle(h, b2)}"

    # The SaaS stack: contracts renewing soon, next quarter (some monthly) and later; each POD
    # spends differently (its own scale), and some contracts auto-renew with a notice period.
    # The requests, quotes, claims and targets below are on the same scale, so each POD's
    # Home, stats, benchmarks and aging report read differently.
    scale = _SCALES[h.index % len(_SCALES)]

    def k(amount: int) -> str:  # "84k" in the first POD, "134.5k" in the second
        return _k(_rounded(amount, scale))

    def n(amount: int) -> int:  # the same, as the plain number a savings claim takes
        return _rounded(amount, scale)

    def seat(price: int) -> int:  # a per-seat price, on the same scale (issue 34)
        return round(price * scale)

    stack = [
        (c[0], t[0], k(48_000), next_q + timedelta(days=12), "annual"),
        (c[1], t[1], _scaled(31_200, scale), next_q + timedelta(days=26), "monthly"),
        (c[2], t[2], _scaled(126_000, scale), next_q + timedelta(days=47), "annual"),
        (c[3], t[3], _scaled(9_600, scale), next_q + timedelta(days=61), "monthly"),
        (c[4], t[4], _scaled(72_000, scale), next_q + timedelta(days=80), "annual"),
        (c[1], t[5], _scaled(18_000, scale), today + timedelta(days=40), "annual"),
        (c[5], t[6], _scaled(240_000, scale), next_q + timedelta(days=150), "annual"),
        # Renewed by the "won" request below, whose new term nobody has recorded yet: its
        # thread shows Record the new term (monthly → annual: a conversion when recorded).
        (c[2], t[7], k(84_000), today - timedelta(days=5), "monthly"),
        # Book-of-business bundle (issue 34): two more customers renew the first tool within
        # 90 days, so the `bundles` job proposes the three (with the "due" renewal's) to the em.
        (c[3], t[0], k(30_000), today + timedelta(days=35), "annual"),
        (c[4], t[0], k(21_000), today + timedelta(days=60), "annual"),
    ]
    for i, (customer, tool, amount, renewal, cycle) in enumerate(stack):
        text = f"contract add {customer} | {tool} | {amount} | {renewal.isoformat()} | {cycle}"
        h.command(day(24, f"11:{10 + i:02d}"), an, text)
    # The terms only the contracts file carries: auto-renewal and its notice period, and a
    # line item's seats and plan (issue 34).
    notices = [(2, "yes", 90, "300,Enterprise"), (4, "yes", 60 + 15 * h.index, ","),
               (5, "no", 30, "40,Business"), (6, "yes", 120, ",")]  # fmt: skip
    h.import_contracts(
        day(24, "11:40"),
        [
            f"{h.pod.key},{stack[i][0]},{stack[i][1]},{_amount(stack[i][2])},{h.pod.currency},"
            f"{stack[i][3].isoformat()},{stack[i][4]},{auto},{days},no,{line}"
            for i, auto, days, line in notices
        ],
    )

    # The POD's customer accounts (the operator's accounts file), the em's view of their health,
    # and this quarter's targets for the POD and its buyers.
    years_ago = today.replace(year=today.year - 2)
    # The first customer shares a Slack Connect channel with the POD (issue 32): podbot keeps
    # its canvas there, and its buyer-side contact answers pre-approvals in it.
    room = f"C0CUST{h.index:02d}01"
    guest = f"U0GUEST{h.index:02d}1"
    slug = "-".join(part for part in "".join(ch if ch.isalnum() else " " for ch in
                    c[0].lower()).split())  # fmt: skip
    h.sandbox.add_guest(
        guest, _GUESTS[h.index % len(_GUESTS)], f"{slug}-buyer", h.pod.timezone, room,
        f"{slug}-procurement", c[0],
    )  # fmt: skip
    h.import_accounts(
        day(25, "09:00"),
        [
            f"{c[0]},{h.pod.key},{years_ago},{years_ago + timedelta(days=45)},"
            f"{next_q + timedelta(days=400)},250k,400k,1.2m,favorable,{_contacts(c[0])},{room},"
            f"{k(60_000)}",
            f"{c[1]},{h.pod.key},{years_ago + timedelta(days=200)},"
            f"{years_ago + timedelta(days=230)},{next_q + timedelta(days=150)},120k,180k,640k,,"
            f"{_contacts(c[1])},,{k(45_000)}",
            f"{c[2]},{h.pod.key},{today - timedelta(days=120)},,"
            f"{next_q + timedelta(days=700)},90k,,2.4m,,,,",
            # Issue 35's forecast: two accounts inside their first 180 days, one on track and
            # one at risk unless a renewal closes by day 180 (their requests below); handed
            # over an odd number of weeks before a Monday, so no customer update is due today.
            f"{c[4]},{h.pod.key},{today - timedelta(days=120)},{today - timedelta(days=95)},"
            f"{next_q + timedelta(days=100)},{k(9_000)},,,,,,",
            f"{c[5]},{h.pod.key},{today - timedelta(days=200)},{today - timedelta(days=165)},"
            f"{next_q + timedelta(days=300)},{k(40_000)},,,,,,",
            # …and one that reached it last week, as the earlier Mondays' forecasts said.
            f"{c[3]},{h.pod.key},{today - timedelta(days=130)},{today - timedelta(days=109)},"
            f"{next_q + timedelta(days=500)},{k(4_000)},,,,,,",
        ],
    )
    h.command(
        day(2, "18:10"),
        em,
        f"account {c[1]} health at-risk {t[1]} renewal slipped twice; QBR moved to next month.",
    )
    # The people matrix and sentiment (issue 35): the first customer is multi-threaded, the
    # second single-threaded (one champion), each with a sentiment history.
    h.command(day(6, "11:00"), csm, f"people {c[0]} add Dana Whitfield role decision-maker "
              "escalation 1")  # fmt: skip
    h.command(day(6, "11:02"), csm, f"people {c[0]} add Priya Natarajan role champion")
    h.command(day(6, "11:04"), csm, f"people {c[0]} add Leo Brandt role approver escalation 2")
    h.command(day(2, "15:00"), csm, f"people {c[0]} contacted Priya Natarajan")
    h.command(day(6, "11:06"), csm, f"people {c[1]} add Sam Ortega role champion")
    h.command(
        day(9, "16:00"), em, f"account {c[0]} sentiment positive Happy with the savings so far."
    )
    h.command(day(8, "16:00"), em, f"account {c[1]} sentiment neutral Quiet since the kickoff.")
    h.command(day(2, "18:15"), em, f"account {c[1]} sentiment negative Frustrated by the slipped "
              f"{t[1]} renewal; wants weekly calls.")  # fmt: skip
    # Customer updates (issue 32): the second customer's went out three days ago (the analyst
    # marked it sent); the first's has gone unsent for weeks (the em's Home flags it) and its
    # draft, asked for this morning, waits in the analyst's and the csm's DMs with its .eml.
    h.command(day(3, "09:40"), an, f"customer-update {c[1]}")
    h.mark_update_sent(day(3, "10:05"), c[1])
    h.command(day(0, "09:45"), an, f"customer-update {c[0]}")
    # A pre-approval put to the customer in that channel, answered there by them (issue 32).
    h.new(day(2, "10:10"), "asked", c[0], t[9], "new", k(27_000))
    on(day(2, "10:40"), an, "asked", "preapproval Two-year term at this price: shall we go ahead?")
    h.customer_approves(day(1, "09:20"), guest, room)
    quarter = quarter_of(today, h.pod.fiscal_year_start_month)
    # Targets are not quite in proportion to spend, so each POD stands differently against its.
    target = _TARGETS[h.index % len(_TARGETS)]
    h.command(day(20, "09:30"), em, f"target {quarter} pod {_k(target)}")
    h.command(day(20, "09:35"), em, f"target {quarter} {buyer} {_k(_rounded(target, 0.375))}")
    if b2 != b:
        h.command(day(20, "09:40"), em, f"target {quarter} {buyer2} {_k(_rounded(target, 0.3))}")

    # Issue 33: the vendor file of the tool both won requests below buy (every document, checked
    # by the analyst), and what a won close needs besides: the contract checklist settled and
    # the signed paperwork linked.
    def vendor_file(at: datetime, tool: str, insurance: date, *, skip: str = "") -> None:
        received = (at.date() - timedelta(days=20)).isoformat()
        for kind in ("soc2", "iso27001", "insurance", "w9", "financials"):
            expires = insurance if kind == "insurance" else today + timedelta(days=400)
            if kind != skip:
                h.command(at, an, f"vendor {tool} {kind} received {received} expires {expires}")

    def paperwork(at: datetime, label: str, document: str) -> None:
        for item in h.pod.checklist:
            state = "na Not a personal-data processor." if item.key == "residency" else "done"
            on(at, an, label, f"checklist {item.key} {state}")
        on(at, an, label, f"attach <https://docs.example.com/{document}|{document}>")

    vendor_file(ago(76, "10:00"), t[7], today + timedelta(days=300))

    # Last quarter: the same tool as the "won" renewal below, bought for another customer with
    # approved savings and its term recorded, so that renewal's claim has a benchmark to meet.
    h.new(ago(75, "11:00"), "prior", c[4], t[7], "new", k(52_000))
    on(ago(74, "10:15"), an, "prior", "qualify")
    on(ago(73, "12:00"), an, "prior", f"assign {buyer}")
    on(ago(68, "15:30"), b, "prior", f"quote Reseller: SoftwareOne {k(46_500)}")
    on(ago(67, "11:00"), b, "prior", f"quote Competitor: alternative vendor {k(49_000)}")
    on(ago(63, "11:40"), b, "prior", f"savings {n(52_000)} {n(45_000)}")
    h.approve(ago(63, "16:00"), "prior")
    paperwork(ago(63, "17:00"), "prior", "order-form-signed.pdf")
    renewal = (today - timedelta(days=62)).replace(year=today.year + 1)
    on(ago(62, "10:30"), an, "prior", f"close won | {k(45_000)} | {renewal.isoformat()} | annual")

    # Won, with approved savings (so the tool has a benchmark); its new term is not recorded,
    # so the thread has the Record the new term button, the aging report lists it and the
    # analyst has had the reminder.
    h.new(day(22, "10:05"), "won", c[2], t[7], "renewal", k(84_000), today - timedelta(days=5))
    on(day(22, "14:30"), an, "won", "qualify")
    on(day(21, "10:00"), an, "won", f"assign {buyer}")
    on(day(20, "16:20"), b, "won", "update Kick-off call; the vendor opened at a 6% uplift.")
    on(day(18, "12:00"), b, "won", f"quote Reseller: SoftwareOne {k(74_000)}")
    on(day(18, "12:30"), b, "won", "solesource Renewal of the installed base; only the vendor "
       "and its reseller quote it.")  # fmt: skip
    on(day(17, "17:40"), b, "won",
       f"update Used the reseller quote and a 2-year term: {k(71_500)} flat.")  # fmt: skip
    on(day(16, "11:15"), b, "won", f"savings {n(84_000)} {n(71_500)}")
    h.approve(day(16, "15:45"), "won")
    # Then a multi-year discount: the buyer revises the approved claim from the same baseline;
    # approved, the revision replaces it in every figure (the first no longer counts).
    on(day(16, "17:20"), b, "won",
       f"update The vendor added a multi-year discount: {k(69_000)}/yr.")  # fmt: skip
    on(day(16, "17:30"), b, "won", f"savings {n(84_000)} {n(69_000)}")
    h.approve(day(15, "09:40"), "won")
    paperwork(day(15, "10:00"), "won", "renewal-signed.pdf")
    on(day(15, "10:30"), b, "won",
       f"close won Signed: 2 years at {k(69_000)}/yr, 3% renewal cap.")  # fmt: skip
    # Playbooks (issue 34): each won request's buyer said what worked, the em marked the
    # renewal a case study, and the tool's playbook is asked for today.
    h.levers(ago(61, "11:00"), "prior", ("competing_quote", "reseller_switch"),
             "SoftwareOne undercut the vendor's own quote")  # fmt: skip
    h.levers(day(15, "11:00"), "won", ("multi_year", "price_cap"),
             "A 2-year term bought a 3% renewal cap")  # fmt: skip
    h.case_study(day(14, "10:00"), "won")
    if an is not None:
        h.present.append(lambda: _typed(h, an, f"playbook {t[7]}"))

    # An early renewal where the vendor's uplift was avoided: the em approved the avoidance
    # (so avoidance has a benchmark too); the paperwork is still open.
    held = n(240_000)
    h.new(day(19, "11:20"), "held", c[5], t[6], "renewal", k(240_000), stack[6][3])
    on(day(19, "15:00"), an, "held", "qualify")
    on(day(18, "10:40"), an, "held", f"assign {buyer2}")
    on(day(14, "12:30"), b2, "held", "update Vendor proposed a 9% uplift; countered with usage.")
    on(day(12, "16:10"), b2, "held", f"savings {_rounded(held * 1.09, 1.0)} {held} avoidance")
    h.approve(day(11, "10:20"), "held")
    on(day(0, "09:05"), b2, "held", "update Price held flat for 12 months; order form with legal.")

    # Seat usage (issue 34, `podbot import usage`): the renewals' cards and reminders show it
    # with a right-size target; the first customer's main tool is under-used (⚠️), with last
    # month's snapshot kept as history.
    month_end = today.replace(day=1) - timedelta(days=1)
    h.import_usage(
        day(4, "08:30"),
        [
            f"{c[0]},{t[0]},{(month_end.replace(day=1) - timedelta(days=1)).isoformat()},120,84",
            f"{c[0]},{t[0]},{month_end.isoformat()},120,71",
            f"{c[5]},{t[6]},{month_end.isoformat()},300,276",
            f"{c[1]},{t[5]},{month_end.isoformat()},40,22",
            f"{c[4]},{t[10]},{month_end.isoformat()},60,45",
        ],
    )

    # A renewal in negotiation whose 60-day TAT is due within three days.
    h.new(ago(61, "10:20"), "due", c[0], t[0], "renewal", k(48_000), next_q + timedelta(days=12))
    on(ago(60, "09:40"), an, "due", "qualify")
    on(ago(58, "11:00"), an, "due", f"assign {buyer2}")
    on(ago(40, "15:10"), b2, "due", f"quote Competitor: Penpot Enterprise {k(39_000)}")
    on(ago(20, "16:00"), b2, "due", "update Vendor asked for usage data; shared utilisation (71%).")
    # Itemised quotes (issue 34): each line's annual price per seat and its percentile among
    # the POD's earlier deals for the tool (the "stalled" renewal's below are earlier).
    on(ago(30, "11:00"), b2, "due", f"quote Crayon 100 seats × {seat(385)} annual Enterprise")
    on(ago(29, "14:00"), b2, "due", f"quote SoftwareOne 100 x {seat(33)}/mo Enterprise")
    # A reseller quoting in another currency: converted at the rate on or before the day (a
    # price in twenties at a rate of two decimals keeps the quote's total in whole hundreds).
    foreign = "EUR" if h.pod.currency != "EUR" else "USD"
    rate = "0.85" if h.pod.currency == "GBP" else "1.05"
    h.import_rates(
        ago(35, "09:00"),
        [f"{(today - timedelta(days=d)).isoformat()},{foreign},{r},{h.pod.currency}"
         for d, r in ((40, "0.95"), (31, rate))],
    )  # fmt: skip
    on(ago(28, "10:30"), b2, "due", f"quote Bechtle 100 seats × {foreign} "
       f"{20 * round(seat(360) / 20)} annual Enterprise")  # fmt: skip
    on(
        day(1, "17:05"),
        b2,
        "due",
        "update 8% off for right-sizing 120 → 95 seats; countering at 15%.",
    )
    # Its claim waits for the em: the final price per seat (÷ the latest line's 100 seats) is
    # placed among the five earlier Enterprise deals for the tool (the "stalled" renewal's):
    # ":dart: Final $402/seat/yr · …th percentile of 5 … deals" (issue 34).
    on(day(1, "17:30"), b2, "due", f"savings {n(48_000)} {n(40_200)}")

    # A new purchase past its 15-day TAT, no update for days, a question left unanswered.
    h.new(ago(21, "11:30"), "late", c[3], t[8], "new", k(22_000))
    on(ago(20, "10:00"), an, "late", "qualify")
    on(ago(18, "12:30"), an, "late", f"assign {buyer}")
    on(ago(12, "15:00"), b, "late", "update Security review pending; legal has the DPA.")
    on(day(4, "11:45"), b, "late", "update Still waiting for the vendor's security answers.")
    # Its contract checklist in progress, and its vendor's file 4/5 with the insurance
    # certificate running out: "vendor file: 4/5 · insurance expires in 12 days".
    on(ago(12, "15:10"), b, "late", "checklist dpa requested")
    on(ago(12, "15:12"), b, "late", "checklist liability done")
    on(day(4, "11:50"), b, "late", "checklist security requested")
    vendor_file(ago(19, "09:30"), t[8], today + timedelta(days=12), skip="financials")
    say(
        day(3, "10:10"), csm, "late", f"{buyer} the customer asks when their pilot can start; news?"
    )

    # A renewal stalled (issue 30): its legal redline (2–4 weeks) started six weeks ago and
    # nothing has moved since — past its bound and quiet for 14 days. `tat-alerts` raises both
    # once: the buyer and the analyst find them in their digest DM ("Stalled work"), the
    # thread a line naming nobody, the card and aging report a "stalled" flag.
    h.new(ago(50, "10:00"), "stalled", c[5], t[0], "renewal", k(27_000),
          next_q + timedelta(days=30))  # fmt: skip
    on(ago(49, "11:00"), an, "stalled", "qualify")
    on(ago(48, "10:30"), an, "stalled", f"assign {buyer}")
    on(ago(42, "15:00"), b, "stalled", "stage legal-redline")
    on(ago(41, "10:00"), b, "stalled", f"quote Crayon 100 seats × {seat(410)} annual Enterprise")
    on(ago(41, "11:00"), b, "stalled", f"quote SoftwareOne 100 seats × {seat(36)}/mo Enterprise")
    on(ago(40, "11:00"), b, "stalled", f"quote Insight 100 seats × {seat(395)} annual Enterprise")
    on(ago(39, "11:00"), b, "stalled", f"quote Vendor direct 100 seats × {seat(420)} Enterprise")
    on(ago(39, "15:00"), b, "stalled", f"quote SHI 100 seats × {seat(430)} annual Enterprise")

    # In negotiation, with quotes and a savings claim waiting for the em.
    h.new(day(6, "09:50"), "claim", c[1], t[9], "new", k(36_000))
    on(day(6, "13:00"), an, "claim", "qualify")
    on(day(5, "10:15"), an, "claim", f"assign {buyer}")
    on(day(4, "16:30"), b, "claim", f"quote Reseller: Crayon {k(33_000)}")
    on(day(3, "12:10"), b, "claim", f"quote Competitor: alternative vendor {k(29_500)}")
    # Crayon matched it: its second quote revises its first (still two competing quotes).
    on(day(2, "15:00"), b, "claim", f"quote Reseller: crayon {k(31_000)}")
    say(day(2, "09:35"), em, "claim", f"{buyer} can we push for a 3-year price lock as well?")
    say(day(2, "11:05"), b, "claim", "Asked for it; they confirm with their finance team today.")
    on(day(1, "15:20"), b, "claim",
       f"update Vendor accepts {k(30_600)} with a 3-year price lock.")  # fmt: skip
    on(day(1, "16:45"), b, "claim", f"savings {n(36_000)} {n(30_600)}")
    # The buyer tries to close it won now: refused, with what is missing and what fixes each.
    if h.pod.close_guards and b is not None:
        h.present.append(lambda: refused_close(h, b, "claim"))

    # A cost-avoidance claim waiting for the em (a proposed uplift avoided).
    avoid = n(60_000)
    h.new(day(9, "14:00"), "avoid", c[4], t[10], "renewal", k(60_000), next_q + timedelta(days=80))
    on(day(9, "16:00"), an, "avoid", "qualify")
    on(day(8, "10:30"), an, "avoid", f"assign {buyer2}")
    on(day(2, "14:40"), b2, "avoid", "update Vendor proposed a 12% uplift; pushed back on usage.")
    on(day(1, "11:10"), b2, "avoid", f"savings {_rounded(avoid * 1.12, 1.0)} {avoid} avoidance")
    # …and on hold since: the customer owes its usage export, so its TAT clock has stopped
    # (issue 30; the card shows "⏸ on hold — waiting on the customer since …", the aging
    # report an "On hold" group).
    on(day(1, "11:30"), b2, "avoid", "hold customer Waiting on the customer's usage export.")

    # Approval by amount (issue 30): in a POD with `approval_rules`, a claim above the
    # threshold that the em approved yesterday waits for the named approver ("1 of 2
    # approvals: ✅ @em · waiting for @head").
    if h.pod.approval_rules:
        h.new(day(8, "10:40"), "big", c[3], t[9], "new", k(150_000))
        on(day(8, "12:00"), an, "big", "qualify")
        on(day(7, "10:00"), an, "big", f"assign {buyer}")
        on(day(5, "11:30"), b, "big", f"quote Competitor: alternative vendor {k(100_000)}")
        on(day(2, "16:00"), b, "big", f"savings {n(150_000)} {n(90_000)}")
        h.approve(day(1, "10:30"), "big")

    # An absence with cover (issue 30): the second buyer is away until next week; the first
    # covers (their Home says so, the reminders about their requests go to the cover).
    if b2 is not None and b2 != b and h.index == 0:
        back_on = today + timedelta(days=7)
        h.command(day(0, "09:05"), b2, f"away until {back_on.isoformat()} cover {buyer}")

    # The MSG forecast (issue 35): the sixth customer (handed over 165 days ago) has its
    # avoidance approved and a quoted negotiation closing by its TAT, yet misses its MSG at day 180
    # unless the renewal qualified yesterday closes by then at benchmark; the fifth (95 days)
    # reaches its MSG once its new request closes at benchmark. `forecast` ran every Monday
    # (kept for `podbot forecast backtest`) and this morning (the em's Home shows it).
    h.new(day(10, "10:30"), "fc-soon", c[5], t[1], "new", k(60_000))
    on(day(10, "12:00"), an, "fc-soon", "qualify")
    on(day(9, "10:00"), an, "fc-soon", f"assign {buyer}")
    on(day(8, "15:00"), b, "fc-soon", f"quote Reseller: Crayon {k(51_000)}")
    h.new(day(2, "12:30"), "fc-late", c[5], t[7], "renewal", k(115_000),
          next_q + timedelta(days=60))  # fmt: skip
    on(day(1, "10:15"), an, "fc-late", "qualify")
    h.new(day(1, "14:00"), "fc-new", c[4], t[7], "new", k(23_000))
    h.new(day(16, "10:40"), "fc-won", c[3], t[7], "new", k(33_000))
    on(day(16, "12:00"), an, "fc-won", "qualify")
    on(day(15, "10:20"), an, "fc-won", f"assign {buyer}")
    on(day(4, "15:00"), b, "fc-won", f"savings {n(33_000)} {n(28_000)}")
    h.approve(day(4, "17:00"), "fc-won")
    for weeks in (3, 2, 1):
        monday = today - timedelta(days=today.weekday() + 7 * weeks)
        h.forecast(local_datetime(h.pod.calendar, monday, time(7, 30)))

    # Qualified this morning, waiting for a buyer.
    h.new(day(1, "15:30"), "qualified", c[5], t[11], "new", k(15_000))
    on(day(0, "09:20"), an, "qualified", "qualify")

    # A renewal opened twice: customer success types the customer in capitals, is told the
    # analyst's is open (REQ, POD, stage, owner) and confirms with `| again`; both threads say
    # so, and the second card spells the names as the contract does.
    renewing = stack[5][3]
    h.new(day(2, "11:15"), "renewing", c[1], t[5], "renewal", k(18_000), renewing)
    on(day(1, "10:05"), an, "renewing", "qualify")
    h.new(day(0, "09:10"), "again", c[1].upper(), t[5].lower(), "renewal", k(18_000), renewing,
          by=csm, again=True)  # fmt: skip

    # An intake nobody qualified within 24 working hours.
    h.new(day(3, "12:00"), "stale", c[0], t[3], "new", k(54_000))

    # An intake customer success opened an hour ago.
    h.new(h.now - timedelta(minutes=75), "fresh", c[2], t[1], "new", k(12_500), by=csm)

    # Issue 35: the ATS trend. The weekly snapshots of the last five Mondays (the catch-up's
    # trend and 12-week chart); between them a contract renewed down and an offline purchase
    # recorded, and the "won" renewal above left sunset (its renewal date passed, no new term).
    # The catch-up pack is posted in the present; the leadership report on the month's first
    # working day (the first POD's job: it covers every POD), in the `[leadership]` channel.
    h.command(
        day(12, "11:20"), an,
        f"contract add {c[2]} | {t[2]} | {_scaled(113_400, scale)} | "
        f"{(next_q + timedelta(days=47)).isoformat()} | annual",
    )  # fmt: skip
    h.command(day(8, "10:00"), csm, f"offline {c[0]} | Notion | {k(36_000)} | bought by their IT")
    monday = today - timedelta(days=today.weekday())
    for weeks in range(5, 0, -1):
        h.job(local_datetime(h.pod.calendar, monday - timedelta(weeks=weeks), time(8, 0)),
              "ats-snapshots")  # fmt: skip

    def catchup_pack() -> None:
        h.sandbox.run_job("catchup", h.pod.key)

    h.present.append(catchup_pack)
    if h.index == 0:
        first = first_working_day(h.pod.calendar, today)
        if first >= today:  # not before today: last month's
            first = first_working_day(h.pod.calendar, first - timedelta(days=1))
        h.job(local_datetime(h.pod.calendar, first, time(9, 30)), "leadership-report")

    # Disqualified, and cancelled.
    h.new(day(12, "10:00"), "dq", c[3], t[4], "new", k(8_000))
    on(day(11, "11:30"), an, "dq", "disqualify Covered by the customer's enterprise agreement.")
    h.new(day(14, "15:00"), "cancel", c[4], t[2], "new", k(19_000))
    on(day(13, "10:00"), an, "cancel", "qualify")
    on(day(10, "12:00"), an, "cancel", "close cancelled The customer postponed the project.")


# Each POD's spend relative to the first's (by position in the config), and its quarter's
# savings target.
_SCALES = (1.0, 1.6, 0.7)
_TARGETS = (400_000, 560_000, 300_000)


def _scaled(amount: int, scale: float) -> str:
    return f"{round(amount * scale, -2):,.0f}"


def _rounded(amount: float, scale: float) -> int:
    """`amount` × `scale`, kept round: to 100 below 50k, 500 below 100k, 1,000 above."""
    value = amount * scale
    step = 100 if value < 50_000 else 500 if value < 100_000 else 1_000
    return int(round(value / step) * step)


def _k(amount: int) -> str:
    """84000 → "84k", 134500 → "134.5k"."""
    return f"{amount / 1000:g}k"


def _amount(text: str) -> str:
    """A stack amount ("48k", "31,200") as the contracts file's plain number."""
    text = text.replace(",", "")
    return str(int(float(text[:-1]) * 1000)) if text.endswith("k") else text


# The customer's contact in each POD's Slack Connect channel.
_GUESTS = ("Meera Iyer (Kaveri)", "Dan Brooks (Hudson)", "Olivia Hart (Albion)")


def _contacts(customer: str) -> str:
    """A customer's two contacts for the accounts file: `finance@<customer>.example; …`."""
    domain = "".join(ch for ch in customer.lower() if ch.isalnum()) + ".example"
    return f"finance@{domain}; it-buying@{domain}"


def _handle(h: _History, user: str | None) -> str:
    if user is None:
        return "nobody"
    return h.sandbox.person(user).handle


def _replay(sandbox: Sandbox, steps: list[_Step], histories: list[_History]) -> None:
    for i, step in enumerate(steps, 1):
        sandbox.progress = f"{i}/{len(steps)} steps"
        sandbox.clock.set(step.at)
        try:
            step.run()
        except Exception as exc:  # one broken step must not stop the demo
            log.exception("demo step failed: %s", step.what)
            histories[0].problems.append(f"{step.what}: {exc!r}")


def seed(sandbox: Sandbox) -> list[str]:
    """Replay the demo history for every POD; returns steps podbot refused (should be none)."""
    now = sandbox.clock.now()
    histories = [_History(sandbox, pod, now, i) for i, pod in enumerate(sandbox.config.pods)]
    steps: list[_Step] = []
    for history in histories:
        _script(history)
        steps += history.steps
    steps.sort(key=lambda step: step.at)
    # Nobody looks at a Home during the replay: each is published once, at the end, from the
    # state the history left (a Home row still pending takes every later change along).
    assert sandbox.runtime is not None
    worker = sandbox.runtime.outbox_worker
    # Nor at a ClickUp task (issue 31): the POD's lists catch up at the end, in one go,
    # instead of slowing every step of the replay (a third of the time in all).
    worker.hold(OutboxKind.HOME, OutboxKind.CLICKUP)
    try:
        _replay(sandbox, steps, histories)
        sandbox.wait_idle()
        # The commands' own answers were seen by the people who typed them, back then.
        sandbox.api.forget_ephemerals()
        sandbox.clock.set(now)
        for history in histories:
            for typed in history.present:
                typed()
        sandbox.note(f"demo data loaded: {len(steps)} steps replayed through podbot")
        # The stalls and long holds first (issue 30), so that the present's digests, in
        # office hours, list them.
        sandbox.run_job("tat-alerts")
        # Customers renewing the same tool within 90 days: proposed to the ems (issue 34).
        sandbox.run_job("bundles")
        # This week's MSG forecasts (issue 35), for the em's Home.
        sandbox.run_job("forecast")
        # The present's scheduled runs (a job refreshing a card refreshes the Homes too).
        sandbox.tick()
    finally:
        worker.hold(OutboxKind.CLICKUP)  # the Homes go out now, as of the present
    sandbox.wait_idle()
    worker.release()  # and then ClickUp's tasks, comments and statuses
    worker.wait_idle(300)
    problems = [p for h in histories for p in h.problems]
    for problem in problems:
        log.warning("demo step refused: %s", problem)
    return problems
