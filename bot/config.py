"""Load and validate config/podbot.toml and the environment into typed objects (SPEC §6)."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.approvals import ApprovalRule
from bot.domain.compliance import (
    ALL_GUARDS,
    DEFAULT_CHECKLIST,
    ITEM_KEY,
    ChecklistItem,
    Guard,
)
from bot.domain.customer_update import SIGNATURE
from bot.domain.lifecycle import Approvers, claim_approvers
from bot.domain.money import AmountError, parse_amount
from bot.domain.people import EMAIL
from bot.domain.procurement import DEFAULT_STEP_WEEKS, STEP_ORDER
from bot.domain.reminders import OfficeHours, parse_office_hours
from bot.domain.usage import DEFAULT_HEADROOM
from bot.domain.vocabulary import RequestType, Role
from bot.domain.working_time import WorkCalendar

ROLES = tuple(Role)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REQUEST_TYPES = tuple(RequestType)
DEFAULT_CONFIG_PATH = Path("config/podbot.toml")
DEFAULT_SLACK_API_URL = "https://slack.com/api/"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
# A member may be given by their email instead of their id (EMAIL, from the domain); it is
# looked up in Slack (users.lookupByEmail) when a process starts (`bot.runtime.resolve_people`).
_USER_HINT = 'a Slack user id (U or W, then capitals and digits, like "U024BE7LH") or an email'
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_TEAM_ID = re.compile(r"^T[A-Z0-9]{2,}$")
_ENTERPRISE_ID = re.compile(r"^E[A-Z0-9]{2,}$")
_POD_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_COMMAND = re.compile(r"^/[a-z0-9_-]{1,31}$")


class ConfigError(Exception):
    """The configuration file is missing, unreadable or invalid; `errors` lists each problem."""

    def __init__(self, path: Path, errors: list[str]) -> None:
        self.path = path
        self.errors = errors
        super().__init__("\n".join(f"{path}: {e}" for e in errors))


@dataclass(frozen=True)
class Clocks:
    """How long each clock of SPEC §2 runs."""

    qualification_hours: int = 24
    update_hours: int = 24
    response_hours: int = 24
    tat_days: Mapping[str, int] = field(default_factory=lambda: {"new": 15, "renewal": 60})
    # Working hours a pre-approved intake request waits on the customer before its analyst is
    # reminded (once).
    preapproval_hours: int = 48
    # Calendar days a hold may stay open before it is raised to the analyst, then the em.
    hold_review_days: int = 10


@dataclass(frozen=True)
class Schedule:
    """When the scheduled jobs of SPEC §5 run, in each POD's local time."""

    aging_report: time = time(9, 0)
    renewal_calendar_days_before: int = 28
    # Reminder and warning DMs go out only inside these, on the POD's working days.
    office_hours: OfficeHours = field(default_factory=OfficeHours)


@dataclass(frozen=True)
class Retention:
    """How long bookkeeping rows are kept before the `retention` job deletes them."""

    # Slack retries an event for about an hour and signs a request for five minutes; a week
    # keeps every retry and replay a duplicate.
    processed_events_days: int = 7
    # Delivered outbox rows are history only (a child's parent, a lane with open rows, are
    # kept whatever their age).
    delivered_days: int = 30
    # Closed requests (with their events, steps, holds, quotes, claims, checklist, ClickUp
    # link and reminders) closed more than this many days ago; None: kept for ever (issue 36).
    requests_days: int | None = None


@dataclass(frozen=True)
class ReminderSettings:
    """Who hears of what in the `reminders` job's DMs (SPEC §5)."""

    # A mention written by someone in no POD (a guest, another team) is escalated to the ems
    # only when this is set: anyone can post in a channel, and the ems' escalations are for
    # the POD's own work.
    escalate_outsider_mentions: bool = False


@dataclass(frozen=True)
class EmailConfig:
    """The `[email]` table (issue 32): the SMTP relay customer updates are sent through; with
    no `host`, drafts are only marked sent by hand. Credentials come from the environment
    (`PODBOT_SMTP_USERNAME`, `PODBOT_SMTP_PASSWORD`), never from the file."""

    host: str | None = None
    port: int = 587
    sender: str = ""  # the From: address (`from` in the file)
    starttls: bool = True
    ca_file: str | None = None
    signature: str = SIGNATURE

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class LeadershipSettings:
    """The `[leadership]` table (issue 35): the channel the monthly leadership report is
    posted to; with none, the report is not made."""

    channel: str | None = None


@dataclass(frozen=True)
class SlackSettings:
    """Slack-facing names that a workspace may want to change."""

    command: str = "/proc"


DEFAULT_CLICKUP_API_URL = "https://api.clickup.com/api/v2"
# What a POD's ClickUp status mapping may name (issue 31): podbot's stages (a close by its
# outcome, else `closed`), its procurement steps, and its holds (by party, else `hold`).
CLICKUP_STATUS_KEYS = (
    "intake", "qualified", "negotiating", "closed", "closed-won", "closed-lost",
    "closed-cancelled", "disqualified", *STEP_ORDER, "hold", "hold-customer", "hold-vendor",
)  # fmt: skip
_CLICKUP_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ClickUpSettings:
    """The `[clickup]` section (issue 31): where ClickUp's API is, the workspace, its rate
    limit, and when a request gets its task. The token is the environment's CLICKUP_TOKEN."""

    api_url: str = DEFAULT_CLICKUP_API_URL
    workspace_id: str | None = None  # None: the token's only workspace (GET /team)
    rate_limit_per_minute: int = 100
    task_on: str = "create"  # "create": when the request is created; "assign": at assign


@dataclass(frozen=True)
class PodClickUp:
    """A POD's ClickUp list: its id, podbot's stages (steps, holds) → the list's statuses, and
    the custom field (its id) that holds the REQ key."""

    list_id: str
    statuses: Mapping[str, str] = field(default_factory=dict)
    req_field: str | None = None

    def status_for(self, *keys: str) -> str | None:
        """The list status of the first of `keys` the mapping names."""
        return next((self.statuses[key] for key in keys if key in self.statuses), None)

    def keys_for(self, status: str) -> list[str]:
        """podbot's names the list status `status` stands for (case-insensitively)."""
        wanted = status.casefold()
        return [key for key, value in self.statuses.items() if value.casefold() == wanted]


@dataclass(frozen=True)
class Pod:
    """One procurement POD: its channel, calendar and members with their roles."""

    key: str
    name: str
    channel: str
    timezone: str
    workdays: tuple[str, ...]
    holidays: tuple[date, ...]
    currency: str
    fiscal_year_start_month: int
    members: Mapping[str, str]
    # Who decides a savings claim when no em of the POD but its claimant could (a one-em POD
    # whose em made the claim, or a POD with no em): Slack user ids, in order. Empty: such a
    # claim is refused when it is made (SPEC §4, §6).
    fallback_approvers: tuple[str, ...] = ()
    # The weekly customer check-in pack (`checkin-pack`): weekday and local time.
    checkin_day: str = "mon"
    checkin_time: time = time(9, 0)
    # Approval by amount: a claim saving more than a rule's threshold needs, after the em's
    # approval, each of the rule's named approvers' (`bot.domain.approvals`, SPEC §4).
    approval_rules: tuple[ApprovalRule, ...] = ()
    # A member's own office hours (issue 30), in their own zone; others use the POD's window.
    member_hours: Mapping[str, OfficeHours] = field(default_factory=dict)
    # Its ClickUp list (issue 31); None: the POD's requests are not mirrored in ClickUp.
    clickup: PodClickUp | None = None
    # Issue 33: the guards a won close must pass (all on unless switched off) and the
    # contract checklist of its requests (seed 000's items unless the POD lists its own).
    close_guards: frozenset[str] = ALL_GUARDS
    checklist: tuple[ChecklistItem, ...] = DEFAULT_CHECKLIST
    # OAuth mode with many workspaces (issue 36): the workspace the POD is in (`team_id`),
    # or the Grid org whose org-wide install serves it (`enterprise_id`); None: the only one.
    team_id: str | None = None
    enterprise_id: str | None = None

    @property
    def workspace(self) -> str | None:
        """Whose installation sends for this POD: its org (org-wide install) or workspace."""
        return self.enterprise_id or self.team_id

    @property
    def calendar(self) -> WorkCalendar:
        """The POD's working-time calendar."""
        return WorkCalendar.from_names(self.timezone, self.workdays, self.holidays)

    @property
    def zone(self) -> ZoneInfo:
        """The POD's time zone."""
        return ZoneInfo(self.timezone)

    def today(self, now: datetime) -> date:
        """The POD's local date at the instant `now`."""
        return now.astimezone(self.zone).date()

    def role_of(self, user_id: str) -> str | None:
        """The user's role in this POD, or None when not a member."""
        return self.members.get(user_id)

    def members_with(self, role: Role) -> list[str]:
        """User ids holding `role` in this POD, in config order."""
        return [user for user, r in self.members.items() if r == role]

    def claim_approvers(self, claimant: str) -> Approvers:
        """Who decides a savings claim `claimant` made: the other ems, else the fallback."""
        return claim_approvers(self.members_with(Role.EM), self.fallback_approvers, claimant)


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    path: Path
    timezone: str = "America/New_York"
    workdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    currency: str = "USD"
    fiscal_year_start_month: int = 1
    clocks: Clocks = field(default_factory=Clocks)
    schedule: Schedule = field(default_factory=Schedule)
    slack: SlackSettings = field(default_factory=SlackSettings)
    retention: Retention = field(default_factory=Retention)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    email: EmailConfig = field(default_factory=EmailConfig)
    leadership: LeadershipSettings = field(default_factory=LeadershipSettings)
    pods: tuple[Pod, ...] = ()
    # The `[clickup]` section; None: no ClickUp sync (issue 31).
    clickup: ClickUpSettings | None = None
    # Expected weeks (lower, upper) of each procurement step (the config's `[procurement_stages]`).
    procurement_stages: Mapping[str, tuple[int, int]] = field(
        default_factory=lambda: dict(DEFAULT_STEP_WEEKS)
    )
    # `[benchmarks] min_deals`: the fewest earlier deals a per-unit percentile is given for.
    benchmark_min_deals: int = 5
    # `[usage] headroom`: the share of active seats a right-size target adds (0.10: 10 %).
    usage_headroom: Decimal = DEFAULT_HEADROOM

    def pod(self, key: str) -> Pod:
        """The POD with this key; KeyError when there is none."""
        pod = self.find_pod(key)
        if pod is None:
            raise KeyError(key)
        return pod

    def find_pod(self, key: str) -> Pod | None:
        """The POD with this key, or None: a POD removed from the config keeps its database
        row (and its requests), so a request's POD key may name no configured POD."""
        return next((pod for pod in self.pods if pod.key == key), None)

    def names_workspaces(self) -> bool:
        """Whether the PODs say which workspace (or org) each is in (OAuth, many workspaces)."""
        return any(pod.workspace for pod in self.pods)

    def serves(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """Whether a POD is in this workspace, or in this org by an org-wide install."""
        return any(
            (pod.team_id and pod.team_id == team_id)
            or (pod.enterprise_id and pod.enterprise_id == enterprise_id)
            for pod in self.pods
        )

    def workspace_of(self, channel: str | None, user: str | None) -> str | None:
        """The workspace (or org) a delivery is sent for: its channel's POD's, else the first
        POD of the user it goes to; None when the PODs name none."""
        pod = self.pod_for_channel(channel) if channel else None
        if pod is None and user:
            pod = next((p for p, _ in self.memberships(user)), None)
        return pod.workspace if pod is not None else None

    def pod_for_channel(self, channel: str) -> Pod | None:
        """The POD whose channel this is, if any."""
        return next((p for p in self.pods if p.channel == channel), None)

    def memberships(self, user_id: str) -> list[tuple[Pod, str]]:
        """Every (POD, role) the user holds, in config order."""
        return [(p, p.members[user_id]) for p in self.pods if user_id in p.members]

    def in_a_pod(self, user_id: str) -> bool:
        """Whether the user is a member of any configured POD."""
        return any(user_id in p.members for p in self.pods)

    def emails(self) -> list[str]:
        """The people given by email (members, fallback approvers), in config order, once."""
        found = [
            user
            for pod in self.pods
            for user in (*pod.members, *pod.fallback_approvers)
            if EMAIL.match(user)
        ]
        return list(dict.fromkeys(found))

    def with_people(self, ids: Mapping[str, str]) -> Config:
        """This config with each email replaced by its user id from `ids`; an email `ids`
        has not (no such member) is left out. A person listed twice keeps the first role."""

        def user(key: str) -> str | None:
            return ids.get(key) if EMAIL.match(key) else key

        pods = []
        for pod in self.pods:
            members: dict[str, str] = {}
            for key, role in pod.members.items():
                if (found := user(key)) is not None:
                    members.setdefault(found, role)
            fallback = [found for key in pod.fallback_approvers if (found := user(key))]
            pods.append(
                replace(pod, members=members, fallback_approvers=tuple(dict.fromkeys(fallback)))
            )
        return replace(self, pods=tuple(pods))


# --- loading -------------------------------------------------------------------------------


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file to load: PODBOT_CONFIG if set, else config/podbot.toml."""
    env = os.environ if environ is None else environ
    return Path(env.get("PODBOT_CONFIG") or DEFAULT_CONFIG_PATH)


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate a config file; raises ConfigError naming every bad key and its line."""
    path = Path(path) if path is not None else config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            path, ["file not found (copy config/podbot.example.toml or set PODBOT_CONFIG)"]
        ) from None
    except OSError as exc:
        raise ConfigError(path, [f"cannot be read: {exc.strerror}"]) from None
    return parse_config(text, path)


def parse_config(text: str, path: Path | str = "<config>") -> Config:
    """Validate TOML text into a Config; raises ConfigError naming every bad key and its line."""
    path = Path(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    checker = _Checker(text)
    config = checker.build(raw, path)
    if checker.errors:
        raise ConfigError(path, checker.errors)
    return config


class _Checker:
    """Collects every problem in one pass so the operator fixes the file once."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.errors: list[str] = []

    # Each error names the dotted key and, when it can be found, its line.
    def fail(self, key: str, message: str) -> None:
        line = _locate(self.lines, key)
        where = f" (line {line})" if line else ""
        self.errors.append(f"{key}{where}: {message}")

    def unknown_keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
        for name in table:
            if name not in allowed:
                self.fail(f"{prefix}{name}", f"unknown key (allowed: {', '.join(allowed)})")

    def table(self, raw: Mapping[str, Any], name: str, prefix: str = "") -> Mapping[str, Any]:
        value = raw.get(name, {})
        if not isinstance(value, dict):
            self.fail(f"{prefix}{name}", "must be a table")
            return {}
        return value

    def timezone(self, value: Any, key: str) -> str | None:
        if not isinstance(value, str):
            self.fail(key, 'must be a time zone name such as "America/New_York"')
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(
                key, f'"{value}" is not a known time zone (use an IANA name like "Asia/Kolkata")'
            )
            return None
        return value

    def workdays(self, value: Any, key: str) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.fail(key, f"must be a non-empty list of weekdays ({', '.join(WEEKDAYS)})")
            return None
        days: list[str] = []
        for item in value:
            if not isinstance(item, str) or item.lower() not in WEEKDAYS:
                self.fail(key, f'"{item}" is not a weekday (use {", ".join(WEEKDAYS)})')
                return None
            if item.lower() in days:
                self.fail(key, f'"{item}" is listed twice')
                return None
            days.append(item.lower())
        return tuple(days)

    def currency(self, value: Any, key: str) -> str | None:
        if not isinstance(value, str) or not _CURRENCY.match(value):
            self.fail(key, f'"{value}" is not a 3-letter currency code such as "USD"')
            return None
        return value

    def week_range(self, value: Any, key: str) -> tuple[int, int] | None:
        """`[lower, upper]` weeks, whole numbers from 1 to 52, lower ≤ upper."""
        if (
            not isinstance(value, list)
            or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
            or not 1 <= value[0] <= value[1] <= 52
        ):
            self.fail(
                key, "must be [lower, upper] weeks, whole numbers from 1 to 52, lower ≤ upper"
            )
            return None
        return value[0], value[1]

    def boolean(self, value: Any, key: str) -> bool | None:
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
            return None
        return value

    def email(self, raw: Mapping[str, Any]) -> EmailConfig:
        """The `[email]` table: an SMTP relay (`host` set) needs a `from` address."""
        self.unknown_keys(
            raw, ("host", "port", "from", "starttls", "ca_file", "signature"), "email."
        )
        texts: dict[str, str | None] = {}
        for name in ("host", "from", "ca_file", "signature"):
            value = raw.get(name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                self.fail(f"email.{name}", "must be a non-empty string")
                value = None
            texts[name] = value.strip() if isinstance(value, str) else None
        port = self.integer(raw.get("port", 587), "email.port", 1, 65535)
        starttls = self.boolean(raw.get("starttls", True), "email.starttls")
        sender = texts["from"] or ""
        if texts["host"] and "@" not in sender:
            self.fail("email.from", "must be the From: address updates are sent with")
        return EmailConfig(
            host=texts["host"],
            port=port or 587,
            sender=sender,
            starttls=True if starttls is None else starttls,
            ca_file=texts["ca_file"],
            signature=texts["signature"] or SIGNATURE,
        )

    def leadership(self, raw: Mapping[str, Any]) -> LeadershipSettings:
        """The `[leadership]` table: the leadership report's channel, a channel id."""
        self.unknown_keys(raw, ("channel",), "leadership.")
        channel = raw.get("channel")
        if channel is None:
            return LeadershipSettings()
        if not isinstance(channel, str) or not _CHANNEL_ID.match(channel):
            self.fail(
                "leadership.channel",
                f'"{channel}" is not a Slack channel id (C or G, then capitals and digits)',
            )
            return LeadershipSettings()
        return LeadershipSettings(channel=channel)

    def integer(self, value: Any, key: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, f"must be a whole number from {low} to {high}")
            return None
        return value

    def fraction(self, value: Any, key: str) -> Decimal | None:
        """A share from 0 to 1 (0.10 is 10 %), exact as written."""
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.fail(key, "must be a number from 0 to 1, like 0.10 for 10 %")
            return None
        share = Decimal(str(value))
        if not Decimal(0) <= share <= Decimal(1):
            self.fail(key, "must be a number from 0 to 1, like 0.10 for 10 %")
            return None
        return share

    def build(self, raw: Mapping[str, Any], path: Path) -> Config:
        self.unknown_keys(
            raw,
            ("defaults", "clocks", "schedule", "reminders", "slack", "retention", "pods",
             "procurement_stages", "clickup", "email", "benchmarks", "usage", "leadership"),
            "",
        )  # fmt: skip
        benchmarks_raw = self.table(raw, "benchmarks")
        self.unknown_keys(benchmarks_raw, ("min_deals",), "benchmarks.")
        min_deals = self.integer(
            benchmarks_raw.get("min_deals", 5), "benchmarks.min_deals", 1, 1000
        )
        usage_raw = self.table(raw, "usage")
        self.unknown_keys(usage_raw, ("headroom",), "usage.")
        headroom = self.fraction(usage_raw.get("headroom", DEFAULT_HEADROOM), "usage.headroom")
        base = Config(path=path)
        clickup = self.clickup(raw)

        defaults = self.table(raw, "defaults")
        self.unknown_keys(
            defaults, ("timezone", "workdays", "currency", "fiscal_year_start_month"), "defaults."
        )
        tz = self.timezone(defaults.get("timezone", base.timezone), "defaults.timezone")
        workdays = self.workdays(defaults.get("workdays", list(base.workdays)), "defaults.workdays")
        currency = self.currency(defaults.get("currency", base.currency), "defaults.currency")
        fy_month = self.integer(
            defaults.get("fiscal_year_start_month", 1), "defaults.fiscal_year_start_month", 1, 12
        )

        clocks_raw = self.table(raw, "clocks")
        self.unknown_keys(
            clocks_raw,
            ("qualification_hours", "update_hours", "response_hours", "tat_days",
             "preapproval_hours", "hold_review_days"),
            "clocks.",
        )  # fmt: skip
        preapproval_hours = self.integer(
            clocks_raw.get("preapproval_hours", 48), "clocks.preapproval_hours", 1, 24 * 365
        )
        hold_review_days = self.integer(
            clocks_raw.get("hold_review_days", 10), "clocks.hold_review_days", 1, 365
        )
        stages_raw = self.table(raw, "procurement_stages")
        self.unknown_keys(stages_raw, STEP_ORDER, "procurement_stages.")
        stage_weeks = {
            stage: self.week_range(
                stages_raw.get(stage, list(DEFAULT_STEP_WEEKS[stage])),
                f"procurement_stages.{stage}",
            )
            for stage in STEP_ORDER
        }
        hours = {
            name: self.integer(clocks_raw.get(name, 24), f"clocks.{name}", 1, 24 * 365)
            for name in ("qualification_hours", "update_hours", "response_hours")
        }
        tat_raw = self.table(clocks_raw, "tat_days", "clocks.")
        self.unknown_keys(tat_raw, REQUEST_TYPES, "clocks.tat_days.")
        tat_defaults = Clocks().tat_days
        tat_days = {
            kind: self.integer(
                tat_raw.get(kind, tat_defaults[kind]), f"clocks.tat_days.{kind}", 1, 3650
            )
            for kind in REQUEST_TYPES
        }

        schedule_raw = self.table(raw, "schedule")
        self.unknown_keys(
            schedule_raw,
            ("aging_report", "renewal_calendar_days_before", "office_hours"),
            "schedule.",
        )
        aging = schedule_raw.get("aging_report", "09:00")
        aging_at = None
        if isinstance(aging, str) and (m := _HHMM.match(aging)):
            aging_at = time(int(m[1]), int(m[2]))
        else:
            self.fail("schedule.aging_report", f'"{aging}" is not a time of day like "09:00"')
        days_before = self.integer(
            schedule_raw.get("renewal_calendar_days_before", 28),
            "schedule.renewal_calendar_days_before",
            0,
            90,
        )

        office: OfficeHours | None = None
        try:
            office = parse_office_hours(schedule_raw.get("office_hours", "09:00-18:00"))
        except ValueError as exc:
            self.fail("schedule.office_hours", str(exc))

        reminders_raw = self.table(raw, "reminders")
        self.unknown_keys(reminders_raw, ("escalate_outsider_mentions",), "reminders.")
        outsiders = self.boolean(
            reminders_raw.get("escalate_outsider_mentions", False),
            "reminders.escalate_outsider_mentions",
        )

        slack_raw = self.table(raw, "slack")
        self.unknown_keys(slack_raw, ("command",), "slack.")
        command = slack_raw.get("command", "/proc")
        if not isinstance(command, str) or not _COMMAND.match(command):
            self.fail("slack.command", f'"{command}" is not a slash command name like "/proc"')

        retention_raw = self.table(raw, "retention")
        keep_defaults = Retention()
        self.unknown_keys(
            retention_raw,
            ("processed_events_days", "delivered_days", "requests_days"),
            "retention.",
        )
        keep = {
            name: self.integer(
                retention_raw.get(name, getattr(keep_defaults, name)), f"retention.{name}", 1, 3650
            )
            for name in ("processed_events_days", "delivered_days")
        }
        requests_days = (
            self.integer(retention_raw["requests_days"], "retention.requests_days", 1, 36500)
            if "requests_days" in retention_raw
            else None
        )

        email = self.email(self.table(raw, "email"))
        leadership = self.leadership(self.table(raw, "leadership"))
        pods = self.pods(raw.get("pods"), tz, workdays, currency, fy_month)

        if self.errors:
            return base
        return Config(
            path=path,
            timezone=tz or base.timezone,
            workdays=workdays or base.workdays,
            currency=currency or base.currency,
            fiscal_year_start_month=fy_month or 1,
            clocks=Clocks(
                qualification_hours=hours["qualification_hours"] or 24,
                update_hours=hours["update_hours"] or 24,
                response_hours=hours["response_hours"] or 24,
                tat_days={k: v or tat_defaults[k] for k, v in tat_days.items()},
                preapproval_hours=preapproval_hours or 48,
                hold_review_days=hold_review_days or 10,
            ),
            procurement_stages={k: v or DEFAULT_STEP_WEEKS[k] for k, v in stage_weeks.items()},
            benchmark_min_deals=min_deals or 5,
            usage_headroom=DEFAULT_HEADROOM if headroom is None else headroom,
            email=email,
            leadership=leadership,
            schedule=Schedule(
                aging_report=aging_at or time(9, 0),
                renewal_calendar_days_before=28 if days_before is None else days_before,
                office_hours=office or OfficeHours(),
            ),
            reminders=ReminderSettings(escalate_outsider_mentions=bool(outsiders)),
            slack=SlackSettings(command=command),
            retention=Retention(
                processed_events_days=keep["processed_events_days"]
                or keep_defaults.processed_events_days,
                delivered_days=keep["delivered_days"] or keep_defaults.delivered_days,
                requests_days=requests_days,
            ),
            pods=tuple(pods),
            # A POD's list without a `[clickup]` section: ClickUp's defaults.
            clickup=clickup or (ClickUpSettings() if any(p.clickup for p in pods) else None),
        )

    def clickup(self, raw: Mapping[str, Any]) -> ClickUpSettings | None:
        """`[clickup]`: api_url, workspace_id, rate_limit_per_minute, task_on (no token: that
        is the environment's CLICKUP_TOKEN, never the file)."""
        if "clickup" not in raw:
            return None
        table = self.table(raw, "clickup")
        self.unknown_keys(
            table, ("api_url", "workspace_id", "rate_limit_per_minute", "task_on"), "clickup."
        )
        base = ClickUpSettings()
        api_url = table.get("api_url", base.api_url)
        if not isinstance(api_url, str) or not api_url.startswith(("https://", "http://")):
            self.fail("clickup.api_url", f'"{api_url}" is not a URL like "{base.api_url}"')
        workspace = table.get("workspace_id")
        if workspace is not None:
            workspace = str(workspace)
            if not _CLICKUP_ID.match(workspace):
                self.fail("clickup.workspace_id", f'"{workspace}" is not a ClickUp workspace id')
        rate = self.integer(
            table.get("rate_limit_per_minute", 100), "clickup.rate_limit_per_minute", 1, 100_000
        )
        task_on = table.get("task_on", "create")
        if task_on not in ("create", "assign"):
            self.fail("clickup.task_on", f'"{task_on}" must be "create" or "assign"')
        return ClickUpSettings(
            api_url=str(api_url).rstrip("/"),
            workspace_id=workspace,
            rate_limit_per_minute=rate or base.rate_limit_per_minute,
            task_on=str(task_on),
        )

    def pod_clickup(self, value: Any, prefix: str) -> PodClickUp | None:
        """`clickup = { list_id = "901…", req_field = "…", statuses = { negotiating = "in
        progress", … } }`."""
        if value is None:
            return None
        where = f"{prefix}clickup"
        if not isinstance(value, dict):
            self.fail(where, 'must be a table like { list_id = "901234567" }')
            return None
        self.unknown_keys(value, ("list_id", "statuses", "req_field"), f"{where}.")
        list_id = str(value.get("list_id", ""))
        if not _CLICKUP_ID.match(list_id):
            self.fail(f"{where}.list_id", f'"{list_id}" is not a ClickUp list id')
        req_field = value.get("req_field")
        if req_field is not None and not isinstance(req_field, str):
            self.fail(f"{where}.req_field", "must be a custom field's id (a string)")
            req_field = None
        raw = value.get("statuses", {})
        statuses: dict[str, str] = {}
        if not isinstance(raw, dict):
            self.fail(f"{where}.statuses", 'must be a table like { negotiating = "in progress" }')
            raw = {}
        for key, status in raw.items():
            if key not in CLICKUP_STATUS_KEYS:
                self.fail(
                    f"{where}.statuses.{key}",
                    "is not one of podbot's stages, steps or holds: "
                    + ", ".join(CLICKUP_STATUS_KEYS),
                )
            elif not isinstance(status, str) or not status.strip():
                self.fail(f"{where}.statuses.{key}", "must be the name of a status of the list")
            else:
                statuses[key] = status.strip()
        return PodClickUp(list_id=list_id, statuses=statuses, req_field=req_field)

    def pods(
        self,
        value: Any,
        tz: str | None,
        workdays: tuple[str, ...] | None,
        currency: str | None,
        fy_month: int | None,
    ) -> list[Pod]:
        if value is None:
            self.fail("pods", "at least one [[pods]] table is required")
            return []
        if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
            self.fail("pods", "must be a list of [[pods]] tables")
            return []
        allowed = (
            "key", "name", "channel", "timezone", "workdays", "currency", "holidays", "members",
            "fallback_approvers", "checkin_day", "checkin_time", "approval_rules", "member_hours",
            "clickup",
            "close_guards", "checklist", "team_id", "enterprise_id",
        )  # fmt: skip
        pods: list[Pod] = []
        seen_keys: set[str] = set()
        seen_channels: set[str] = set()
        for index, item in enumerate(value):
            prefix = f"pods[{index}]."
            self.unknown_keys(item, allowed, prefix)
            key = item.get("key")
            if not isinstance(key, str) or not _POD_KEY.match(key):
                self.fail(f"{prefix}key", f'"{key}" must be a short lower-case key like "alpha"')
            elif key in seen_keys:
                self.fail(f"{prefix}key", f'duplicate pod key "{key}"')
            else:
                seen_keys.add(key)
            name = item.get("name", key)
            if not isinstance(name, str) or not name.strip():
                self.fail(f"{prefix}name", "must be a non-empty string")
            channel = item.get("channel")
            if not isinstance(channel, str) or not _CHANNEL_ID.match(channel):
                self.fail(
                    f"{prefix}channel",
                    f'"{channel}" is not a Slack channel id (C or G, then capitals and digits, '
                    'like "C024BE91L"; not the #name)',
                )
            elif channel in seen_channels:
                self.fail(f"{prefix}channel", f'duplicate channel "{channel}"')
            else:
                seen_channels.add(channel)
            pod_tz = (
                self.timezone(item["timezone"], f"{prefix}timezone") if "timezone" in item else tz
            )
            pod_days = (
                self.workdays(item["workdays"], f"{prefix}workdays")
                if "workdays" in item
                else workdays
            )
            pod_currency = (
                self.currency(item["currency"], f"{prefix}currency")
                if "currency" in item
                else currency
            )
            holidays = self.holidays(item.get("holidays", []), f"{prefix}holidays")
            members = self.members(item.get("members", {}), f"{prefix}members")
            fallback = self.fallback_approvers(
                item.get("fallback_approvers", []), f"{prefix}fallback_approvers", members
            )
            checkin_day, checkin_time = self.checkin(item, prefix)
            rules = self.approval_rules(
                item.get("approval_rules", []), f"{prefix}approval_rules",
                pod_currency or "USD", members,
            )  # fmt: skip
            member_hours = self.member_hours(item.get("member_hours", {}), prefix, members)
            guards = self.close_guards(item.get("close_guards", True), f"{prefix}close_guards")
            checklist = self.checklist(item.get("checklist"), f"{prefix}checklist")
            pods.append(
                Pod(
                    key=key if isinstance(key, str) else "",
                    name=name if isinstance(name, str) else "",
                    channel=channel if isinstance(channel, str) else "",
                    timezone=pod_tz or "UTC",
                    workdays=pod_days or ("mon",),
                    holidays=holidays,
                    currency=pod_currency or "USD",
                    fiscal_year_start_month=fy_month or 1,
                    members=members,
                    fallback_approvers=fallback,
                    checkin_day=checkin_day,
                    checkin_time=checkin_time,
                    approval_rules=rules,
                    member_hours=member_hours,
                    clickup=self.pod_clickup(item.get("clickup"), prefix),
                    close_guards=guards,
                    checklist=checklist,
                    team_id=self.slack_id(item, "team_id", _TEAM_ID, prefix),
                    enterprise_id=self.slack_id(item, "enterprise_id", _ENTERPRISE_ID, prefix),
                )
            )
        return pods

    def slack_id(
        self, item: dict[str, Any], name: str, shape: re.Pattern[str], prefix: str
    ) -> str | None:
        """A POD's workspace (T…) or org (E…) id, if given (issue 36)."""
        value = item.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not shape.match(value):
            self.fail(
                f"{prefix}{name}",
                f'"{value}" is not a Slack {name} (like "{shape.pattern[1]}024BE91L")',
            )
            return None
        return value

    def close_guards(self, raw: Any, key: str) -> frozenset[str]:
        """`close_guards = false` (all off), `true` (all on, the default) or a table
        `{ quotes = false, … }` (each unnamed guard on)."""
        if isinstance(raw, bool):
            return ALL_GUARDS if raw else frozenset()
        if not isinstance(raw, dict):
            self.fail(key, "must be true, false or a table like { quotes = false }")
            return ALL_GUARDS
        self.unknown_keys(raw, tuple(Guard), f"{key}.")
        on = set(ALL_GUARDS)
        for name, value in raw.items():
            if name in ALL_GUARDS and self.boolean(value, f"{key}.{name}") is False:
                on.discard(Guard(name))
        return frozenset(on)

    def checklist(self, raw: Any, key: str) -> tuple[ChecklistItem, ...]:
        """`checklist = [{ key = "dpa", name = "DPA signed", required = true,
        step = "security-review" }, …]`: the POD's own items, in place of the default."""
        if raw is None:
            return DEFAULT_CHECKLIST
        if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
            self.fail(key, 'must be a list of tables like { key = "dpa", name = "DPA signed" }')
            return DEFAULT_CHECKLIST
        items: list[ChecklistItem] = []
        for index, entry in enumerate(raw):
            where = f"{key}[{index}]"
            self.unknown_keys(entry, ("key", "name", "required", "step"), f"{where}.")
            item_key, name, step = entry.get("key"), entry.get("name"), entry.get("step")
            if not isinstance(item_key, str) or not ITEM_KEY.match(item_key):
                self.fail(f"{where}.key", f'"{item_key}" must be a short key like "dpa"')
                continue
            if any(i.key == item_key for i in items):
                self.fail(f"{where}.key", f'duplicate checklist item "{item_key}"')
                continue
            if not isinstance(name, str) or not name.strip():
                self.fail(f"{where}.name", "must be a non-empty string")
                continue
            if step is not None and step not in STEP_ORDER:
                self.fail(f"{where}.step", f'"{step}" is not one of {", ".join(STEP_ORDER)}')
                continue
            required = self.boolean(entry.get("required", True), f"{where}.required")
            items.append(ChecklistItem(item_key, name.strip(), required is not False, step))
        return tuple(items)

    def member_hours(
        self, raw: Any, prefix: str, members: Mapping[str, str]
    ) -> dict[str, OfficeHours]:
        """`member_hours = { U… = "08:00-16:00" }`: members' own office hours."""
        if not isinstance(raw, dict):
            self.fail(f"{prefix}member_hours", 'must be a table like { U0ANA0001 = "08:00-16:00" }')
            return {}
        found: dict[str, OfficeHours] = {}
        for user, window in raw.items():
            where = f"{prefix}member_hours.{user}"
            if user not in members:
                self.fail(where, "is not a member of this POD")
                continue
            try:
                found[user] = parse_office_hours(str(window))
            except ValueError as exc:
                self.fail(where, str(exc))
        return found

    def checkin(self, item: Mapping[str, Any], prefix: str) -> tuple[str, time]:
        """`checkin_day` (a weekday, `monday` or `mon`) and `checkin_time` (`HH:MM`)."""
        day, at = "mon", time(9, 0)
        raw_day = item.get("checkin_day", "mon")
        word = raw_day.strip().lower()[:3] if isinstance(raw_day, str) else ""
        full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        if isinstance(raw_day, str) and (
            raw_day.strip().lower() in full or raw_day.strip().lower() in [d[:3] for d in full]
        ):
            day = word
        else:
            self.fail(f"{prefix}checkin_day", f'"{raw_day}" is not a weekday like "monday"')
        raw_time = item.get("checkin_time", "09:00")
        if isinstance(raw_time, str) and (m := _HHMM.match(raw_time)):
            at = time(int(m.group(1)), int(m.group(2)))
        else:
            self.fail(f"{prefix}checkin_time", f'"{raw_time}" is not a time like "09:00"')
        return day, at

    def fallback_approvers(
        self, value: Any, key: str, members: Mapping[str, str]
    ) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.fail(key, 'must be a list of Slack user ids like ["U0EM00002"]')
            return ()
        users: list[str] = []
        for user in value:
            if isinstance(user, str) and EMAIL.match(user):
                user = user.lower()
            if not isinstance(user, str) or not (_USER_ID.match(user) or EMAIL.match(user)):
                self.fail(key, f'"{user}" is not {_USER_HINT}')
            elif user in users:
                self.fail(key, f'"{user}" is listed twice')
            elif members.get(user) == Role.EM:
                self.fail(
                    key,
                    f'"{user}" is an em of this POD: a fallback approver decides when no em '
                    "of the POD but the claimant could",
                )
            else:
                users.append(user)
        return tuple(users)

    def approval_rules(
        self, value: Any, key: str, currency: str, members: Mapping[str, str]
    ) -> tuple[ApprovalRule, ...]:
        """`[{ above = "50k", then = ["U0HEAD001"] }]`: amounts in the POD's currency, named
        approvers by Slack user id, none of them an em of the POD (who approve first)."""
        shape = 'must be a list of tables like { above = "50k", then = ["U0HEAD001"] }'
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            self.fail(key, shape)
            return ()
        rules: list[ApprovalRule] = []
        for index, item in enumerate(value):
            at = f"{key}[{index}]"
            self.unknown_keys(item, ("above", "then"), f"{at}.")
            raw = item.get("above")
            try:
                above = parse_amount(str(raw), currency) if isinstance(raw, (str, int)) else None
            except AmountError as exc:
                self.fail(f"{at}.above", str(exc))
                continue
            if above is None or isinstance(raw, bool):
                self.fail(f"{at}.above", 'must be an amount like "50k"')
                continue
            if above.currency != currency:
                self.fail(f"{at}.above", f"must be in the POD's currency, {currency}")
                continue
            then = item.get("then")
            if not isinstance(then, list) or not then:
                self.fail(f"{at}.then", 'must be a list of Slack user ids like ["U0HEAD001"]')
                continue
            users: list[str] = []
            for user in then:
                if not isinstance(user, str) or not _USER_ID.match(user):
                    self.fail(f"{at}.then", f'"{user}" is not a Slack user id like "U0HEAD001"')
                elif user in users:
                    self.fail(f"{at}.then", f'"{user}" is listed twice')
                elif members.get(user) == Role.EM:
                    self.fail(
                        f"{at}.then",
                        f'"{user}" is an em of this POD: an em approves first, and nobody '
                        "approves a claim twice",
                    )
                else:
                    users.append(user)
            rules.append(ApprovalRule(above.amount, tuple(users)))
        return tuple(rules)

    def holidays(self, value: Any, key: str) -> tuple[date, ...]:
        if not isinstance(value, list):
            self.fail(key, 'must be a list of dates like ["2026-12-25"]')
            return ()
        days: list[date] = []
        for item in value:
            if isinstance(item, date) and not isinstance(item, datetime):
                days.append(item)
                continue
            try:
                days.append(date.fromisoformat(item))
            except (TypeError, ValueError):
                self.fail(key, f'"{item}" is not a date like "2026-12-25"')
        return tuple(sorted(set(days)))

    def members(self, value: Any, key: str) -> dict[str, str]:
        if not isinstance(value, dict):
            self.fail(key, 'must be a table like { U0BUY0001 = "buyer" }')
            return {}
        members: dict[str, str] = {}
        for user, role in value.items():
            if EMAIL.match(user):
                user = user.lower()
            elif not _USER_ID.match(user):
                self.fail(f"{key}.{user}", f'"{user}" is not {_USER_HINT}')
                continue
            if role not in ROLES:
                self.fail(f"{key}.{user}", f'role "{role}" does not exist (use {", ".join(ROLES)})')
                continue
            members[user] = role
        return members


def _locate(lines: list[str], dotted: str) -> int | None:
    """Best-effort 1-based line of a dotted key such as `pods[1].members.U0X` in the TOML text."""
    parts = re.findall(r"([^.\[\]]+)(?:\[(\d+)\])?", dotted)
    start, end = 0, len(lines)
    found: int | None = None
    for depth, (name, index) in enumerate(parts):
        header = _find_header(lines, name, int(index) if index else None, start)
        if header is not None and depth == 0:
            start, found = header + 1, header + 1
            nxt = next(
                (i for i in range(start, len(lines)) if lines[i].lstrip().startswith("[")),
                len(lines),
            )
            end = nxt
            continue
        pattern = re.compile(rf'(^|[\s{{,])"?{re.escape(name)}"?\s*=')
        line = next((i for i in range(start, end) if pattern.search(lines[i])), None)
        if line is None:
            break
        start, found = line, line + 1
    return found


def _find_header(lines: list[str], name: str, index: int | None, start: int) -> int | None:
    seen = 0
    for i in range(start, len(lines)):
        stripped = lines[i].strip()
        if stripped in (f"[{name}]", f"[[{name}]]") or stripped.startswith((f"[{name}.",)):
            if index is None or seen == index:
                return i
            seen += 1
    return None


# The ids of config/podbot.example.toml: placeholders, not a workspace's channels and people
# (tests/test_config.py checks this list against the file). `config check` and `doctor`
# refuse them, `serve` warns: a test world may use them on purpose.
EXAMPLE_IDS = frozenset(
    {
        "C0ALPHA01", "C0BETA001",
        "U0EM00001", "U0EM00002", "U0BUY0001", "U0BUY0002", "U0ANA0001", "U0ANA0002",
        "U0CSM0001", "C0123LEAD",
    }
)  # fmt: skip
_CHANNEL_ID_HOW = "the channel's details, at the bottom"
_MEMBER_ID_HOW = "their profile → ⋯ → Copy member ID"


def placeholder_problems(config: Config, text: str | None = None) -> list[str]:
    """One line per id of the example config still in `config` (a channel, a member, a
    fallback approver), naming its key and line: ids that belong to no workspace."""
    if text is None:
        try:
            text = config.path.read_text(encoding="utf-8")
        except OSError:
            text = ""
    lines = text.splitlines()
    problems: list[str] = []

    def say(key: str, value: str, what: str, how: str) -> None:
        line = _locate(lines, key) or _line_of(lines, value)
        where = f" (line {line})" if line else ""
        problems.append(
            f'{key}{where}: "{value}" is the example config\'s placeholder, not {what}: put '
            f"the real id there ({how})"
        )

    for index, pod in enumerate(config.pods):
        prefix = f"pods[{index}]."
        if pod.channel in EXAMPLE_IDS:
            say(f"{prefix}channel", pod.channel, "your POD's channel", _CHANNEL_ID_HOW)
        person = ("a person in your workspace", _MEMBER_ID_HOW + ", or their email")
        for user in pod.members:
            if user in EXAMPLE_IDS:
                say(f"{prefix}members.{user}", user, *person)
        for user in pod.fallback_approvers:
            if user in EXAMPLE_IDS:
                say(f"{prefix}fallback_approvers", user, *person)
    return problems


def _line_of(lines: list[str], value: str) -> int | None:
    """The first line mentioning `value`, when a key's own line cannot be found."""
    return next((n for n, line in enumerate(lines, 1) if value in line), None)


# --- environment ---------------------------------------------------------------------------


class MissingSetting(Exception):
    """A required environment variable is not set."""


@dataclass(frozen=True)
class Settings:
    """The environment keys of SPEC §6."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = "sqlite:///podbot.db"
    port: int = 3000
    # Seconds between posts to one channel (Slack allows about one per second).
    channel_interval: float = 1.0
    # Seconds to wait for one Web API answer before treating it as failed (and retrying).
    slack_timeout: float = 10.0
    # /readyz fails once the oldest undelivered Slack post is older than this.
    ready_backlog_seconds: float = 300.0
    # The operations listener (/healthz, /readyz, /metrics): loopback only unless told; a
    # port of 0 turns it off.
    ops_host: str = "127.0.0.1"
    ops_port: int = 9464
    # Each HTTP listener's bounds against slow and surplus clients (bot/listener.py): seconds
    # for a request's headers, then for its body; open connections per process (None: from the
    # process's file descriptor limit).
    header_timeout: float = 5.0
    body_timeout: float = 5.0
    max_connections: int | None = None
    # ClickUp (issue 31): the token (a service account's personal token, CLICKUP_TOKEN) and,
    # to point podbot at a stand-in, the API's URL (CLICKUP_API_URL, over `[clickup] api_url`).
    clickup_token: str | None = None
    clickup_api_url: str | None = None
    # The SMTP relay's login (`[email]`), from the environment only (issue 32).
    smtp_username: str | None = None
    smtp_password: str | None = None
    # OAuth mode (issue 36): installs by Slack's OAuth flow into podbot's database, each
    # workspace's bot token read from there; off by default (one static SLACK_BOT_TOKEN).
    oauth: bool = False
    client_id: str | None = None
    client_secret: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from the environment, applying SPEC defaults."""
        env = os.environ if environ is None else environ
        port_text = env.get("PORT") or "3000"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise MissingSetting(f"PORT must be a TCP port number, not {port_text!r}.")
        api_url = env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        backlog_text = env.get("PODBOT_READY_BACKLOG_SECONDS") or "300"
        try:
            ready_backlog_seconds = float(backlog_text)
        except ValueError:
            ready_backlog_seconds = -1.0
        if not 0 < ready_backlog_seconds < float("inf"):
            raise MissingSetting(
                f"PODBOT_READY_BACKLOG_SECONDS must be a positive number of seconds, "
                f"not {backlog_text!r}."
            )
        ops_text = env.get("PODBOT_OPS_PORT") or "9464"
        if not ops_text.isdigit() or not 0 <= int(ops_text) < 65536:
            raise MissingSetting(
                f"PODBOT_OPS_PORT must be a TCP port number (0: off), not {ops_text!r}."
            )
        max_text = env.get("PODBOT_MAX_CONNECTIONS") or ""
        if max_text and (not max_text.isdigit() or int(max_text) < 1):
            raise MissingSetting(
                f"PODBOT_MAX_CONNECTIONS must be a whole number of at least 1, not {max_text!r}."
            )
        return cls(
            header_timeout=_seconds(env, "PODBOT_HEADER_TIMEOUT", 5.0),
            body_timeout=_seconds(env, "PODBOT_BODY_TIMEOUT", 5.0),
            max_connections=int(max_text) if max_text else None,
            smtp_username=env.get("PODBOT_SMTP_USERNAME") or None,
            smtp_password=env.get("PODBOT_SMTP_PASSWORD") or None,
            ops_host=env.get("PODBOT_OPS_HOST") or "127.0.0.1",
            ops_port=int(ops_text),
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            database_url=env.get("DATABASE_URL") or f"sqlite:///{Path.cwd() / 'podbot.db'}",
            port=int(port_text),
            ready_backlog_seconds=ready_backlog_seconds,
            channel_interval=float(env.get("PODBOT_CHANNEL_INTERVAL") or 1.0),
            slack_timeout=float(env.get("PODBOT_SLACK_TIMEOUT") or 10.0),
            clickup_token=env.get("CLICKUP_TOKEN") or None,
            clickup_api_url=(env.get("CLICKUP_API_URL") or "").rstrip("/") or None,
            oauth=(env.get("PODBOT_OAUTH") or "").lower() in ("1", "true", "yes", "on"),
            client_id=env.get("SLACK_CLIENT_ID") or None,
            client_secret=env.get("SLACK_CLIENT_SECRET") or None,
        )

    def require(self, *names: str) -> None:
        """Raise MissingSetting naming the first unset variable among `names`."""
        hints = {
            "SLACK_BOT_TOKEN": "the bot token (xoxb-…) from your Slack app's OAuth page",
            "SLACK_SIGNING_SECRET": "the signing secret from your app's Basic Information page",
            "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write",
            "SLACK_CLIENT_ID": "the client ID from your app's Basic Information page",
            "SLACK_CLIENT_SECRET": "the client secret from your app's Basic Information page",
        }
        values = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_CLIENT_ID": self.client_id,
            "SLACK_CLIENT_SECRET": self.client_secret,
        }
        if self.oauth:  # OAuth mode: each workspace's token comes from its installation
            kept = [n for n in names if n != "SLACK_BOT_TOKEN"]
            names = (*kept, "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
        for name in names:
            if not values[name]:
                raise MissingSetting(f"{name} is not set: export {hints[name]}.")


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive, finite number of seconds from the environment, or MissingSetting."""
    text = env.get(name) or f"{default:g}"
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise MissingSetting(f"{name} must be a positive number of seconds, not {text!r}.")
    return value
