"""Issue 35 items 1–2: the `ats-snapshots` job (once per account and ISO week, across two
schedulers), `/proc offline`, and the weekly `catchup` pack on a fixture POD: its sections,
the abnormalities found exactly, and the chart's data equal to the snapshots."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import ManualClock
from bot.db.models import Account, AtsSnapshot, Contract, PodRow
from bot.jobs import JOBS, catchup
from tests.commands.conftest import ALPHA, ANALYST, BUYER, CSM, EM, Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.renewal_calendar import add_contract
from tests.jobs.conftest import run_job

D = Decimal
# Mondays 09:30 in Kolkata (POD Alpha): ISO weeks 2026-W50 and 2026-W51.
DEC_7 = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
DEC_14 = datetime(2026, 12, 14, 4, 0, tzinfo=UTC)


def add_account(
    bot: RunningBot, customer: str, *, handover: date | None, ats: int | None, health_set: datetime
) -> None:
    with bot.db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == "alpha")).one()
        session.add(
            Account(pod_id=pod_id, customer=customer, initiated=handover, handover=handover,
                    ats=None if ats is None else D(ats), currency="USD", health="favorable",
                    health_set_at=health_set, created_at=DEC_7, updated_at=DEC_7,
                    updated_by="import")
        )  # fmt: skip


def week_one(bot: RunningBot) -> None:
    """Acme (ATS figure 50,000; handed over): Figma 10,000, Slack 24,000 renewing 10 Dec,
    Zoom 6,000 renewing 12 Dec. Globex (no handover, no ATS figure): Jira with no amount."""
    add_account(bot, "Acme", handover=date(2026, 9, 1), ats=50000, health_set=DEC_7)
    add_account(
        bot, "Globex", handover=None, ats=None, health_set=datetime(2026, 11, 1, tzinfo=UTC)
    )
    add_contract(bot.db, "alpha", "Acme", "Figma", "10000", date(2027, 3, 1))
    add_contract(bot.db, "alpha", "Acme", "Slack", "24000", date(2026, 12, 10))
    add_contract(bot.db, "alpha", "Acme", "Zoom", "6000", date(2026, 12, 12))
    add_contract(bot.db, "alpha", "Globex", "Jira", "0", date(2027, 5, 1))


def week_two(bot: RunningBot, proc: Proc, clock: ManualClock) -> None:
    """Slack's renewal date passes with no renewal request (sunset); Zoom renewed down to
    4,000; Miro added at 3,000; Notion bought offline at 2,500 (`/proc offline`)."""
    with bot.db.transaction() as session:
        session.execute(
            update(Contract)
            .where(Contract.tool == "Zoom")
            .values(annual_amount=D(4000), renewal_date=date(2027, 12, 12))
        )
    add_contract(bot.db, "alpha", "Acme", "Miro", "3000", date(2027, 12, 1))
    clock.set(datetime(2026, 12, 11, 6, 0, tzinfo=UTC))
    # The week's requests: REQ-1 opened and qualified, REQ-2 opened and disqualified.
    proc(ANALYST, "new Acme | Asana | new | 10k")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, "new Globex | Trello | new")
    proc(ANALYST, "disqualify 2 Covered by their enterprise agreement.")
    said = proc(CSM, "offline Acme Notion 2.5k bought by their IT")
    assert said == (
        "Recorded Acme's offline purchase of Notion: $2,500 a year. It counts in the account's "
        "ATS on the platform from the next snapshot."
    )
    clock.set(DEC_14)


def snapshots(bot: RunningBot) -> dict[tuple[str, str], D]:
    with bot.db.reading() as session:
        rows = session.execute(
            select(Account.customer, AtsSnapshot.week, AtsSnapshot.platform_ats).join(
                Account, Account.id == AtsSnapshot.account_id
            )
        ).all()
    return {(customer, week): amount for customer, week, amount in rows}


def test_offline_is_refused_to_a_buyer_and_needs_an_amount(bot: RunningBot, proc: Proc) -> None:
    add_account(bot, "Acme", handover=date(2026, 9, 1), ats=50000, health_set=DEC_7)
    assert "records offline purchases; in POD Alpha you are buyer" in proc(
        BUYER, "offline Acme Notion 2500"
    )
    assert "annual amount" in proc(ANALYST, "offline Acme Notion")
    assert "Was $2,500" not in proc(ANALYST, "offline Acme | Google Workspace | 12k")
    assert "(was $12,000)" in proc(EM, "offline Acme | Google Workspace | 13k | renewed")


def test_a_weeks_snapshot_is_written_once_across_two_schedulers(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    bot = start_bot(database_url)
    week_one(bot)
    other = start_bot(database_url, deliver=False)
    pod = bot.runtime.config.pod("alpha")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(runtime: object) -> None:
        barrier.wait()
        outcomes.append(run_job(runtime, JOBS["ats-snapshots"], pod, now=DEC_7))  # type: ignore[arg-type]

    threads = [threading.Thread(target=run, args=(b.runtime,)) for b in (bot, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.outcome for o in outcomes) == ["ok", "skipped"]  # type: ignore[attr-defined]
    # 10,000 + 24,000 + 6,000 (Slack renews on the 10th: not sunset on the 7th).
    assert snapshots(bot) == {("Acme", "2026-W50"): D(40000), ("Globex", "2026-W50"): D(0)}
    # The unique key is the rule itself: a second row of the week is refused.
    with pytest.raises(IntegrityError), bot.db.transaction() as session:
        acme = session.scalars(select(Account).where(Account.customer == "Acme")).one()
        session.add(
            AtsSnapshot(account_id=acme.id, week="2026-W50", taken_on=date(2026, 12, 7),
                        platform_ats=D(1), currency="USD", lines=[], taken_at=DEC_7)
        )  # fmt: skip


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[str, D | None], ...]]:
    """The series each catch-up chart was drawn from, as the job handed it to the plan."""
    seen: list[tuple[tuple[str, D | None], ...]] = []
    plan = catchup.ats_trend_plan

    def spy(series: tuple[tuple[str, D | None], ...], pod_name: str, currency: str) -> object:
        seen.append(series)
        return plan(series, pod_name, currency)

    monkeypatch.setattr(catchup, "ats_trend_plan", spy)
    return seen


def test_the_catchup_pack_of_a_fixture_pod(
    bot: RunningBot, proc: Proc, clock: ManualClock, drawn: list
) -> None:
    week_one(bot)
    pod = bot.runtime.config.pod("alpha")
    assert run_job(bot.runtime, JOBS["ats-snapshots"], pod, now=DEC_7).outcome == "ok"  # type: ignore[attr-defined]
    week_two(bot, proc, clock)
    outcome = run_job(bot.runtime, JOBS["catchup"], pod, now=DEC_14)
    assert "queued the catch-up pack of 2 accounts with the ATS chart, the CSV" in outcome
    assert "already done" in run_job(bot.runtime, JOBS["catchup"], pod, now=DEC_14)

    (post,) = [m for m in bot.api.messages(ALPHA) if m.text.startswith("POD catch-up")]
    head = blocks_text(post.blocks)
    # 19,500 this week (Acme) + 0 (Globex) against 40,000: −20,500.
    assert (
        "2 accounts, ATS on the platform $19,500 (−$20,500 on last week); 4 data abnormalities"
        in head
    )
    thread = [m for m in bot.api.thread(ALPHA, post.ts) if m.text]
    sections = {m.text.split("\n", 1)[0]: m.text for m in thread}
    assert list(sections) == [
        "*ATS trend*", "*Health and sentiment*", "*People matrix*", "*Requests audit*",
        "*Data abnormalities*",
    ]  # fmt: skip
    trend = sections["*ATS trend*"]
    assert "• *Acme*: $19,500 this week · $40,000 last week · — four weeks ago" in trend
    assert (
        "this week: Miro added +$3,000; Slack sunset −$24,000; Zoom renewed down −$2,000; "
        "Notion offline +$2,500"
    ) in trend
    # 50,000 − 19,500 = 30,500 short of the ATS figure; 19,500 ÷ 50,000 = 39 % uploaded.
    assert (
        "ATS figure $50,000 (39 % uploaded) · deficit $30,500 · sunset $24,000 · offline $2,500"
        in trend
    )
    health = sections["*Health and sentiment*"]
    assert "• *Acme*: health favorable (set 2026-12-07) · ⚠️ no sentiment recorded" in health
    assert "• *Globex*: ⚠️ health favorable (set 2026-11-01)" in health  # 43 days: stale
    assert "• *Acme*: ⚠️ single-threaded (0 contacts)" in sections["*People matrix*"]
    assert sections["*Requests audit*"].split("\n")[1:] == [
        "• Opened: 2 (REQ-1, REQ-2)",
        "• Qualified: 1 (REQ-1)",
        "• Disqualified: 1",
        "    REQ-2: Covered by their enterprise agreement.",
        "• Closed: 0",
        "• Savings approved: $0",
    ]
    assert sections["*Data abnormalities*"].split("\n")[1:] == [
        "• renewal date in the past: *Acme* — Slack 2026-12-10",
        "• ATS uploaded under 75 %: *Acme* — 39 %",
        "• no handover date: *Globex*",
        "• contract with no amount: *Globex* — Jira",
    ]
    # The chart's data is the snapshots': week 50's and the week 51 the run wrote.
    assert snapshots(bot) == {
        ("Acme", "2026-W50"): D(40000), ("Globex", "2026-W50"): D(0),
        ("Acme", "2026-W51"): D(19500), ("Globex", "2026-W51"): D(0),
    }  # fmt: skip
    (series,) = drawn
    assert len(series) == 12 and series[0][0] == "2026-W40"
    assert [(w, v) for w, v in series if v is not None] == [
        ("2026-W50", D(40000)), ("2026-W51", D(19500)),
    ]  # fmt: skip
    files = {f.filename: f for f in bot.api.files.values() if f.thread_ts == post.ts}
    assert sorted(files) == ["catchup-alpha-2026-W51-ats.png", "catchup-alpha-2026-W51.csv"]
    rows = list(csv.DictReader(io.StringIO(files["catchup-alpha-2026-W51.csv"].content.decode())))
    assert [(r["customer"], r["ats_this_week"], r["change_week"]) for r in rows] == [
        ("Acme", "19500.00", "-20500.00"), ("Globex", "0.00", "0.00"),
    ]  # fmt: skip


def test_proc_catchup_answers_the_pack_to_a_member(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    week_one(bot)
    clock.set(DEC_7)
    said = proc(EM, "catchup alpha")
    assert "*POD catch-up* · POD Alpha · week 2026-W50" in said
    assert "• contract with no amount: *Globex* — Jira" in said
    assert "not a member of POD Beta" in proc(EM, "catchup beta")
