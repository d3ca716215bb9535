"""SPEC §5 `renewal-calendar`: next quarter's renewals by month, once a quarter, with CSV and ICS;
and `/proc renewals` (SPEC §3) showing the same calendar ephemerally."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Config, Schedule
from bot.db.models import JobRun, OutboxRow
from bot.domain.quarters import Quarter, calendar_post_day
from bot.jobs import JOBS
from bot.jobs.renewal_calendar import quarter_posted_on
from tests.commands.conftest import (
    ANALYST,
    BETA_ANALYST,
    BUYER,
    STRANGER,
    Proc,
    blocks_text,
    day_token,
)
from tests.conftest import RunningBot
from tests.helpers.home import buttons, open_home
from tests.helpers.renewal_calendar import ALPHA_POST, CREATED, add_contract
from tests.jobs.conftest import add_request, catch_up, run_job

ALPHA = "C0ALPHA01"
BETA = "C0BETA001"


@pytest.fixture
def stack(bot: RunningBot) -> dict[str, int]:
    """Alpha's three 2027Q1 renewals, with neighbours that must not show."""
    db, config = bot.db, bot.runtime.config
    ids = {
        # Notice 30 days → 16 Dec 2026. An open renewal request exists.
        "acme": add_contract(
            db, "alpha", "Acme", "Figma", "48000", date(2027, 1, 15), notice_days=30,
            auto_renew=True,
        ),
        # 1 Feb 2027 − 60 days = 3 Dec 2026: the window opened the day before the post day.
        "globex": add_contract(
            db, "alpha", "Globex", "Slack", "12000", date(2027, 2, 1), cycle="monthly"
        ),
        # 31 Mar 2027 − 60 days = 30 Jan 2027: the window has not opened yet.
        "initech": add_contract(db, "alpha", "Initech", "Zoom", "9000.50", date(2027, 3, 31)),
        # Outside the quarter, one day each side; and another POD's renewal inside it.
        "before": add_contract(db, "alpha", "Hooli", "Notion", "5000", date(2026, 12, 31)),
        "after": add_contract(db, "alpha", "Umbrella", "Jira", "7000", date(2027, 4, 1)),
        "beta": add_contract(db, "beta", "Stark", "Miro", "3000", date(2027, 1, 20)),
    }  # fmt: skip
    add_request(db, config, "alpha", CREATED, customer="Acme", tool="Figma", kind="renewal",
                stage="qualified")  # fmt: skip
    # An open *new* request is not Globex's renewal.
    add_request(db, config, "alpha", CREATED, customer="Globex", tool="Slack", kind="new")
    return ids


def calendars(bot: RunningBot, channel: str) -> list:
    return [
        m for m in bot.api.messages(channel) if not m.thread_ts and m.text.startswith("Renewals")
    ]


# --- when it runs --------------------------------------------------------------------------


def test_the_calendar_is_posted_once_on_its_post_day(
    bot: RunningBot, stack: dict[str, int]
) -> None:
    spec = JOBS["renewal-calendar"]
    alpha = bot.runtime.config.pod("alpha")
    first = run_job(bot.runtime, spec, alpha, now=ALPHA_POST)
    again = run_job(bot.runtime, spec, alpha, now=ALPHA_POST + timedelta(hours=3))
    assert first == (
        "renewal-calendar alpha 2027Q1: queued 3 renewals in 1 message with CSV and ICS"
    )
    assert again == "renewal-calendar alpha 2027Q1: already done"
    (parent,) = calendars(bot, ALPHA)
    assert len(bot.api.files) == 2
    with bot.db.transaction() as session:
        (run,) = session.scalars(select(JobRun)).all()
        # The run's first outbox row is its top-level post; the rest reply in its thread.
        delivery = session.scalars(
            select(OutboxRow).where(OutboxRow.lane == f"chan:{ALPHA}").order_by(OutboxRow.id)
        ).first()
        assert delivery is not None and delivery.parent_id is None
        assert (run.job, run.scope, run.period, run.status) == (
            "renewal-calendar", "alpha", "2027Q1", "done"
        )  # fmt: skip
    assert parent.metadata == {
        "event_type": "podbot_delivery",
        "event_payload": {"delivery": delivery.id},
    }


def test_a_missed_post_day_is_made_up_once_on_the_next_working_day(
    bot: RunningBot, stack: dict[str, int]
) -> None:
    specs = [JOBS["renewal-calendar"]]
    monday_after = ALPHA_POST + timedelta(days=3)  # the bot was down on Friday the 4th
    outcomes = catch_up(bot.runtime, specs, now=monday_after)
    assert [o for o in outcomes if o.startswith("renewal-calendar alpha 2027Q1: queued")]
    tuesday = catch_up(bot.runtime, specs, now=monday_after + timedelta(days=1))
    assert not [o for o in tuesday if "alpha" in o]
    assert len(calendars(bot, ALPHA)) == 1
    # Once the quarter has begun, its calendar is no longer due.
    assert catch_up(bot.runtime, specs, now=datetime(2027, 1, 4, 3, 30, tzinfo=UTC)) == []


@pytest.mark.parametrize(
    "day",
    [
        datetime(2026, 12, 3, 3, 30, tzinfo=UTC),  # Thursday, the day before
        datetime(2026, 12, 5, 3, 30, tzinfo=UTC),  # Saturday
        datetime(2026, 12, 25, 3, 30, tzinfo=UTC),  # Christmas, a holiday
    ],
)
def test_on_other_days_the_job_does_nothing(
    bot: RunningBot, stack: dict[str, int], day: datetime
) -> None:
    alpha = bot.runtime.config.pod("alpha")
    outcome = run_job(bot.runtime, JOBS["renewal-calendar"], alpha, now=day)
    assert "nothing to do" in outcome
    assert bot.api.messages(ALPHA) == [] and bot.api.files == {}


def test_catch_up_posts_after_nine_on_the_post_day_only(bot: RunningBot) -> None:
    specs = [JOBS["renewal-calendar"]]
    assert catch_up(bot.runtime, specs, now=ALPHA_POST - timedelta(minutes=1)) == []
    outcomes = catch_up(bot.runtime, specs, now=ALPHA_POST + timedelta(hours=2))
    # Beta (New York) is still on Thursday evening: its post day has not begun.
    assert outcomes == [
        "renewal-calendar alpha 2027Q1: queued 0 renewals in 1 message with CSV and ICS"
    ]
    assert catch_up(bot.runtime, specs, now=ALPHA_POST + timedelta(hours=3)) == []


@pytest.mark.parametrize("days_before", [0, 28, 90])
@pytest.mark.parametrize("start_month", [1, 2])
def test_the_job_runs_exactly_on_each_quarters_post_day(
    test_config: Config, days_before: int, start_month: int
) -> None:
    config = dataclasses.replace(
        test_config, schedule=Schedule(renewal_calendar_days_before=days_before)
    )
    for key in ("alpha", "beta"):
        pod = dataclasses.replace(config.pod(key), fiscal_year_start_month=start_month)
        expected = {
            calendar_post_day(Quarter(year, n, start_month), pod.calendar, days_before): (
                Quarter(year, n, start_month)
            )
            for year in range(2025, 2031)
            for n in range(1, 5)
        }
        day = date(2026, 4, 1)
        while day < date(2028, 12, 31):
            assert quarter_posted_on(config, pod, day) == expected.get(day), (key, day)
            day += timedelta(days=1)


# --- what it posts -------------------------------------------------------------------------


def test_the_calendar_lists_the_quarters_renewals_by_month_with_flags(
    bot: RunningBot, stack: dict[str, int]
) -> None:
    run_job(bot.runtime, JOBS["renewal-calendar"], bot.runtime.config.pod("alpha"), now=ALPHA_POST)
    (parent,) = calendars(bot, ALPHA)
    assert parent.text.startswith("Renewals · POD Alpha · 2027Q1: 3 renewals")
    assert parent.blocks is not None and parent.blocks[0]["text"]["text"] == (
        "Renewals · POD Alpha · 2027Q1"
    )
    text = blocks_text(parent.blocks)
    months = [m.start() for m in re.finditer(r"\*(January|February|March) 2027\*", text)]
    assert len(months) == 3 and months == sorted(months)
    january, february, march = (
        text[a:b] for a, b in zip(months, [*months[1:], len(text)], strict=True)
    )
    jan15, dec16 = day_token(date(2027, 1, 15)), day_token(date(2026, 12, 16))
    assert f"*Acme* · Figma · {jan15} · $48,000/yr · annual · auto-renews" in january
    assert f"notice by {dec16}" in january and "REQ-1" in january
    assert ":rotating_light:" not in january
    feb1 = day_token(date(2027, 2, 1))
    assert f"*Globex* · Slack · {feb1} · $12,000/yr · monthly · no request" in february
    assert ":rotating_light: TAT window open, no request" in february
    assert ":repeat: monthly → annual candidate" in february
    assert f"*Initech* · Zoom · {day_token(date(2027, 3, 31))} · $9,000.50/yr" in march
    assert ":rotating_light:" not in march and ":repeat:" not in march
    for name in ("Hooli", "Umbrella", "Stark"):
        assert name not in text
    assert "$69,000.50 annual value" in text
    assert bot.api.messages(BETA) == []


def test_the_csv_lists_exactly_the_quarters_renewals(
    bot: RunningBot, stack: dict[str, int]
) -> None:
    run_job(bot.runtime, JOBS["renewal-calendar"], bot.runtime.config.pod("alpha"), now=ALPHA_POST)
    (parent,) = calendars(bot, ALPHA)
    uploads = {f.filename: f for f in bot.api.files.values()}
    assert set(uploads) == {"renewals-alpha-2027Q1.csv", "renewals-alpha-2027Q1.ics"}
    upload = uploads["renewals-alpha-2027Q1.csv"]
    assert (upload.channel, upload.thread_ts) == (ALPHA, parent.ts)
    rows = list(csv.DictReader(io.StringIO(upload.content.decode("utf-8"))))
    assert [(r["customer"], r["tool"], r["renewal_date"]) for r in rows] == [
        ("Acme", "Figma", "2027-01-15"),
        ("Globex", "Slack", "2027-02-01"),
        ("Initech", "Zoom", "2027-03-31"),
    ]
    acme, globex, initech = rows
    assert acme["annual_value"] == "48000.00" and acme["currency"] == "USD"
    assert (acme["notice_deadline"], acme["auto_renew"]) == ("2026-12-16", "yes")
    assert (acme["request"], acme["request_stage"]) == ("REQ-1", "qualified")
    assert acme["tat_window_open_no_request"] == "no"
    assert (globex["billing_cycle"], globex["annual_conversion_candidate"]) == ("monthly", "yes")
    assert (globex["tat_window_opens"], globex["tat_window_open_no_request"]) == (
        "2026-12-03", "yes"
    )  # fmt: skip
    assert (initech["annual_value"], initech["tat_window_open_no_request"]) == ("9000.50", "no")
    assert [r["month"] for r in rows] == ["2027-01", "2027-02", "2027-03"]
    assert [int(r["contract_id"]) for r in rows] == [
        stack["acme"], stack["globex"], stack["initech"]
    ]  # fmt: skip


def test_the_ics_has_one_all_day_event_per_renewal(bot: RunningBot, stack: dict[str, int]) -> None:
    run_job(bot.runtime, JOBS["renewal-calendar"], bot.runtime.config.pod("alpha"), now=ALPHA_POST)
    (parent,) = calendars(bot, ALPHA)
    (upload,) = [f for f in bot.api.files.values() if f.filename.endswith(".ics")]
    assert (upload.channel, upload.thread_ts) == (ALPHA, parent.ts)
    calendar = icalendar.Calendar.from_ical(upload.content)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [
        "Renewal: Acme · Figma",
        "Renewal: Globex · Slack",
        "Renewal: Initech · Zoom",
    ]
    starts = [e.decoded("DTSTART") for e in events]
    assert starts == [date(2027, 1, 15), date(2027, 2, 1), date(2027, 3, 31)]
    # Dates, not datetimes: all-day events, each one day long.
    assert all(type(s) is date for s in starts)
    assert [e.decoded("DTEND") - e.decoded("DTSTART") for e in events] == [timedelta(days=1)] * 3
    assert [str(e["UID"]) for e in events] == [
        f"contract-{stack['acme']}-2027-01-15@podbot",
        f"contract-{stack['globex']}-2027-02-01@podbot",
        f"contract-{stack['initech']}-2027-03-31@podbot",
    ]
    acme = str(events[0]["DESCRIPTION"])
    assert "Annual value: $48,000" in acme and "Billing cycle: annual" in acme
    assert "Auto-renew: yes" in acme and "Notice deadline: Dec 16, 2026 (30 days' notice)" in acme
    assert "Notice deadline: not recorded" in str(events[1]["DESCRIPTION"])
    assert str(calendar["X-WR-CALNAME"]) == "Renewals · POD Alpha · 2027Q1"


def test_a_long_calendar_is_split_and_lists_every_renewal_once(bot: RunningBot) -> None:
    for n in range(300):
        add_contract(
            bot.db, "alpha", f"Customer {n:03d}, a rather long company name Inc.",
            f"Tool with a long product name {n:03d}", "1000", date(2027, 1 + n % 3, 1 + n % 28),
            notice_days=45, cycle="monthly" if n % 2 else "annual",
        )  # fmt: skip
    outcome = run_job(
        bot.runtime, JOBS["renewal-calendar"], bot.runtime.config.pod("alpha"), now=ALPHA_POST
    )
    assert "queued 300 renewals" in outcome
    (parent,) = calendars(bot, ALPHA)
    parts = [parent, *(m for m in bot.api.thread(ALPHA, parent.ts) if m.blocks)]
    assert len(parts) > 1
    names = re.findall(r"Customer (\d{3})", "\n".join(blocks_text(p.blocks) for p in parts))
    assert sorted(names) == [f"{n:03d}" for n in range(300)]
    # Slack's test server refuses messages over its limits, so every part passed them.
    assert not [c for c in bot.api.calls_to("chat.postMessage") if c.failed]
    files = {f.filename: f for f in bot.api.files.values()}
    rows = list(csv.reader(io.StringIO(files["renewals-alpha-2027Q1.csv"].content.decode())))
    assert len(rows) == 301
    ics = icalendar.Calendar.from_ical(files["renewals-alpha-2027Q1.ics"].content)
    assert len(ics.walk("VEVENT")) == 300


# --- /proc renewals ------------------------------------------------------------------------


def test_proc_renewals_shows_a_quarter_only_to_the_invoker(
    bot: RunningBot, stack: dict[str, int], proc: Proc, clock: ManualClock
) -> None:
    clock.set(ALPHA_POST)
    answer = proc.answer(ANALYST, "renewals 2027Q1")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Renewals · POD Alpha · 2027Q1: 3 renewals")
    text = blocks_text(answer["blocks"])
    assert "*Acme*" in text and "*Globex*" in text and "*Initech*" in text
    assert bot.api.calls_to("chat.postMessage") == []
    assert bot.api.files == {}


def test_proc_renewals_defaults_to_next_quarter_for_each_of_your_pods(
    bot: RunningBot, stack: dict[str, int], proc: Proc
) -> None:
    # The clock reads Mon 23 Nov 2026; U0BUY0001 is a buyer in Alpha and an analyst in Beta.
    answer = proc.answer(BUYER, "renewals")
    assert answer["text"].startswith("Renewals · POD Alpha · 2027Q1")
    (beta,) = bot.api.ephemerals(BUYER)
    assert beta.text.startswith("Renewals · POD Beta · 2027Q1: 1 renewal")
    assert "*Stark*" in blocks_text(beta.blocks) and "Acme" not in blocks_text(beta.blocks)
    assert bot.api.calls_to("chat.postMessage") == []
    assert proc(BETA_ANALYST, "renewals next").startswith("Renewals · POD Beta · 2027Q1")
    # Umbrella · Jira renews on the first day of 2027Q2.
    assert proc(ANALYST, "renewals 2027q2").startswith("Renewals · POD Alpha · 2027Q2: 1 renewal")
    assert proc(ANALYST, "renewals 2027Q3").startswith("Renewals · POD Alpha · 2027Q3: no renewals")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("renewals 2027Q9", "`2027Q9` has no quarter 9: quarters are Q1 to Q4."),
        ("renewals soon", "`soon` is not a quarter"),
        ("renewals 2027Q1 2027Q2", "is not a quarter"),
    ],
)
def test_proc_renewals_refuses_what_is_not_a_quarter(proc: Proc, text: str, says: str) -> None:
    answer = proc(ANALYST, text)
    assert says in answer
    assert answer.endswith("Usage: `/proc renewals [next|YYYYQn]`")
    assert proc.bot.api.calls_to("chat.postMessage") == []


def test_proc_renewals_tells_a_stranger_they_are_in_no_pod(proc: Proc) -> None:
    assert "not a member of any procurement POD" in proc(STRANGER, "renewals")


# --- a POD's renewals are matched with its own requests -------------------------------------


def test_another_pods_renewal_request_does_not_hide_this_pods_renewal(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ALPHA_POST)  # Fri 4 Dec 2026, 09:00 in Kolkata: 2027Q1 is next
    omega = add_contract(bot.db, "alpha", "Omega", "Miro", "12000", date(2027, 2, 15))
    # POD Beta opens a renewal request (REQ-1) for Alpha's contract's customer and tool.
    assert proc(BETA_ANALYST, "new Omega | Miro | renewal", channel=BETA).startswith(
        "Created *REQ-1*"
    )
    feb15 = day_token(date(2027, 2, 15))
    alpha_line = f"*Omega* · Miro · {feb15} · $12,000/yr · annual · no request"

    # Alpha's analyst still has it on their Home, with its Open renewal request button.
    home = open_home(bot, ANALYST)
    assert "Omega" in blocks_text(home["blocks"]).split("with no request")[1]
    assert ("home_open_renewal", str(omega)) in buttons(home)
    # Alpha's `/proc renewals` and quarterly calendar show no request, and nothing of Beta's.
    answer = proc.answer(ANALYST, "renewals next")
    assert alpha_line in blocks_text(answer["blocks"]) and "REQ-1" not in answer["text"]
    assert "REQ-1" not in blocks_text(answer["blocks"])
    run_job(bot.runtime, JOBS["renewal-calendar"], bot.runtime.config.pod("alpha"), now=ALPHA_POST)
    (parent,) = calendars(bot, ALPHA)
    assert alpha_line in blocks_text(parent.blocks) and "REQ-1" not in blocks_text(parent.blocks)
    # …and Alpha's analyst is reminded of it (90 days before 15 Feb has passed).
    run_job(bot.runtime, JOBS["renewal-reminders"], bot.runtime.config.pod("alpha"),
            now=ALPHA_POST)  # fmt: skip
    (reminder,) = [m for m in bot.api.messages(f"D{ANALYST[1:]}") if "Omega" in m.text]
    assert "no renewal request is open" in reminder.text

    # Alpha's own renewal request (REQ-2, opened beside Beta's on purpose) is the one matched.
    proc(ANALYST, "new Omega | Miro | renewal | again")
    shown = blocks_text(proc.answer(ANALYST, "renewals next")["blocks"])
    assert "REQ-2" in shown and "REQ-1" not in shown and alpha_line not in shown
    home = open_home(bot, ANALYST)
    assert ("home_open_renewal", str(omega)) not in buttons(home)
