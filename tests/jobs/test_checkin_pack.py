"""Issue 20 item 3: the customer check-in pack, and `/proc checkin <customer>` with Share in
channel. Issue 27 item 7: one weekly post per POD, the packs of the customers with activity in
its thread (each with its CSV), the quiet ones named in one line; "6 days overdue", "1 day"."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from bot.clock import ManualClock
from bot.config import parse_config
from bot.db.models import RequestEvent
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import ALPHA, ANALYST, BETA_ANALYST, BUYER, Proc, blocks_text
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.renewal_calendar import add_contract
from tests.helpers.weekly_digest_job import add_account
from tests.jobs.conftest import catch_up, run_job

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the test clock: Monday 20:30 in Kolkata


def packs(bot: RunningBot) -> list:
    return [m for m in bot.api.messages(ALPHA) if not m.thread_ts and "Check-in" in m.text]


def setup(proc: Proc, bot: RunningBot) -> None:
    proc(ANALYST, "new Acme | Figma | renewal | 48k")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    proc(BUYER, "update 1 Vendor at 45k")
    proc(ANALYST, "new Acme | Miro | new")
    proc(ANALYST, "new Globex | Zoom | new")
    add_contract(bot.db, "alpha", "Acme", "Slack", "24000", date(2027, 1, 15))
    add_contract(bot.db, "alpha", "Acme", "Jira", "5000", date(2027, 6, 1))  # past 90 days


def test_config_keys_are_validated() -> None:
    text = TEST_CONFIG.read_text().replace(
        'key = "alpha"', 'key = "alpha"\ncheckin_day = "tuesday"\ncheckin_time = "10:30"'
    )
    pod = parse_config(text, TEST_CONFIG).pod("alpha")
    assert (pod.checkin_day, pod.checkin_time.hour, pod.checkin_time.minute) == ("tue", 10, 30)
    bad = TEST_CONFIG.read_text().replace('key = "alpha"', 'key = "alpha"\ncheckin_day = "someday"')
    try:
        parse_config(bad, TEST_CONFIG)
    except Exception as exc:
        assert "checkin_day" in str(exc)
    else:
        raise AssertionError("someday accepted")


def posts(bot: RunningBot) -> list:
    """The weekly check-in posts in POD Alpha's channel (top level)."""
    return [m for m in bot.api.messages(ALPHA) if not m.thread_ts and "Check-ins" in m.text]


def packs_in(bot: RunningBot, post: Message) -> dict[str, str]:
    """customer -> text of each pack replied in the post's thread, in order."""
    return {
        m.text.split("·")[1].strip(" *"): m.text
        for m in bot.api.thread(ALPHA, post.ts)
        if m.text.startswith("*Check-in ·")
    }


# Monday 14 December 2026, 09:30 in Kolkata: three weeks after the test clock's Monday.
DEC_14 = datetime(2026, 12, 14, 4, 0, tzinfo=UTC)


def a_month_of_customers(proc: Proc, bot: RunningBot, clock: ManualClock) -> None:
    """Acme: assigned on 23 Nov with a 15-day TAT, nothing since (due 8 Dec: 6 days late on
    the 14th). Globex: opened on 23 Nov, untouched since (podbot reminded of it: not news).
    Hooli: a renewal assigned on 23 Nov, updated on 10 Dec. Umbrella: opened on 13 Dec.
    Initech: an account with a renewal, no request."""
    clock.set(NOW)
    proc(ANALYST, "new Acme | Figma | new | 48k")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    proc(ANALYST, "new Globex | Zoom | new")
    proc(ANALYST, "new Hooli | Miro | renewal")
    proc(ANALYST, "qualify 3")
    proc(ANALYST, f"assign 3 <@{BUYER}>")
    clock.set(datetime(2026, 12, 10, 6, 0, tzinfo=UTC))
    proc(BUYER, "update 3 vendor sent the renewal quote")
    with bot.db.transaction() as session:
        session.add(
            RequestEvent(request_id=2, at=datetime(2026, 12, 11, 6, 0, tzinfo=UTC),
                         actor="podbot", kind="approval_reminded", text="on the em's queue")
        )  # fmt: skip
    clock.set(datetime(2026, 12, 13, 6, 0, tzinfo=UTC))
    proc(ANALYST, "new Umbrella | Slack | new")
    add_account(bot, "Initech", date(2026, 10, 1), 10000)
    add_contract(bot.db, "alpha", "Initech", "Slack", "24000", date(2027, 1, 15))
    clock.set(DEC_14)


def test_one_weekly_post_per_pod_threads_only_the_customers_with_activity(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    a_month_of_customers(proc, bot, clock)
    pod = bot.runtime.config.pod("alpha")
    outcome = run_job(bot.runtime, JOBS["checkin-pack"], pod, now=DEC_14)
    assert "3 customer packs in the thread, 2 quiet" in outcome
    assert "already done" in run_job(bot.runtime, JOBS["checkin-pack"], pod, now=DEC_14)
    catch_up(bot.runtime, [JOBS["checkin-pack"]], DEC_14 + timedelta(hours=1))
    (post,) = posts(bot)
    assert [m for m in bot.api.messages(ALPHA) if not m.thread_ts and "Check-in ·" in m.text] == []
    shown = blocks_text(post.blocks)
    assert "*3 customers had activity in the last 7 days*" in shown
    assert "Nothing new for Globex, Initech" in shown
    assert list(packs_in(bot, post)) == ["Acme", "Hooli", "Umbrella"]
    files = sorted(f.filename for f in bot.api.files.values() if f.thread_ts == post.ts)
    assert files == [
        "checkin-alpha-acme-2026-12-14.csv", "checkin-alpha-hooli-2026-12-14.csv",
        "checkin-alpha-umbrella-2026-12-14.csv",
    ]  # fmt: skip
    # The next week: one post again, and the quiet customers still are not posted.
    later = DEC_14 + timedelta(days=7)
    assert "customer pack" in run_job(bot.runtime, JOBS["checkin-pack"], pod, now=later)
    assert len(posts(bot)) == 2


def test_a_late_tat_reads_days_overdue_and_every_count_agrees_with_its_noun(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    a_month_of_customers(proc, bot, clock)
    run_job(bot.runtime, JOBS["checkin-pack"], bot.runtime.config.pod("alpha"), now=DEC_14)
    (post,) = posts(bot)
    by_customer = packs_in(bot, post)
    assert "REQ-1 Figma — negotiating · 21 days old · TAT 6 days overdue" in by_customer["Acme"]
    assert "REQ-3 Miro — negotiating · 21 days old · TAT 39 days left" in by_customer["Hooli"]
    assert "REQ-4 Slack — intake · 1 day old" in by_customer["Umbrella"]
    for text in [post.text, *by_customer.values()]:
        assert "(s)" not in text and "TAT -" not in text, text
    # The CSV keeps the number a spreadsheet sorts: -6 days left.
    (acme,) = [f for f in bot.api.files.values() if "acme" in f.filename]
    rows = list(csv.DictReader(io.StringIO(acme.content.decode())))
    assert rows[0]["tat_days_left"] == "-6"


def test_proc_checkin_shows_a_quiet_customer_in_full(bot: RunningBot, proc: Proc) -> None:
    setup(proc, bot)
    answer = proc.answer(ANALYST, "checkin acme")
    assert "REQ-1" in answer["text"] and "REQ-2" in answer["text"] and "REQ-3" not in answer["text"]
    assert "TAT 60 days left" in answer["text"] and "0 days old" in answer["text"]
    assert "Slack — renews" in answer["text"] and "Jira" not in answer["text"]


def test_proc_checkin_is_ephemeral_and_share_posts_it(bot: RunningBot, proc: Proc) -> None:
    setup(proc, bot)
    answer = proc.answer(ANALYST, "checkin acme")
    assert answer["response_type"] == "ephemeral"
    assert "REQ-1" in answer["text"] and packs(bot) == []
    button = next(
        e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "checkin_share"
    )  # fmt: skip
    refused = proc.answer(BETA_ANALYST, "checkin acme", "C0BETA001")
    assert "not a member" in refused["text"]
    response = bot.slack.block_action(
        "checkin_share", button["value"], ANALYST, ALPHA, "1700000000.000100",
        message={"blocks": answer["blocks"], "ts": "1700000000.000100"},
    )  # fmt: skip
    assert response.status == 200
    bot.wait_idle()
    (shared,) = packs(bot)
    assert shared.text == answer["text"]
    assert [f for f in bot.api.files.values() if f.thread_ts == shared.ts]
    assert "Share in channel" not in blocks_text(shared.blocks)


def test_the_pack_shows_a_renewals_seat_usage(bot: RunningBot, proc: Proc) -> None:
    """Issue 34: the check-in pack's renewal line carries the customer's latest seat usage."""
    from bot.db.usage import import_usage
    from bot.domain.usage import parse_usage_csv

    setup(proc, bot)
    rows, _ = parse_usage_csv(
        "customer,tool,as_of,seats_assigned,seats_active\nAcme,Slack,2026-11-20,40,38\n"
    )
    with bot.db.transaction() as session:
        import_usage(session, rows, NOW)
    answer = proc.answer(ANALYST, "checkin acme")
    # 38 of 40 is 95 %; 38 × 1.10 = 41.8 → 42.
    assert "40 seats · 38 active (95 %) as of Nov 20 · right-size target 42" in answer["text"]
