"""SPEC §4: one effective claim per request and kind. A new claim on a request with an approved
claim of its kind revises it: approved, it replaces that one in every figure from its approval
on; rejected, that one stands. A claim marked additional counts beside it.

The issue's REQ-37: $7,000 approved, then a second claim from the same $48,000 baseline,
$8,100, approved the next day. Everything counted $15,100; the request saved $8,100.

The clock reads Monday 2026-11-23 15:00 UTC (20:30 in Kolkata, POD Alpha's zone), then Tuesday
at the same time. Acme Corp started 1 Oct, was handed over 15 Oct, MSG $20,000, PSE $100,000;
the POD's 2026Q4 target is $100,000, the buyer's $50,000.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.kpi_reference import load_facts
from bot.db.models import SavingsClaim
from bot.domain.quarters import Quarter
from bot.jobs import JOBS
from tests.commands.conftest import (
    BUYER,
    CSM,
    EM,
    Proc,
    blocks_text,
    instant_day_token,
)
from tests.conftest import RunningBot
from tests.helpers.claim_revisions import (
    MONDAY,
    TUESDAY,
    approve_first,
    claim_revision,
    setup,
    test_config,  # noqa: F401 (this module's config: a fixture)
)
from tests.helpers.home import open_home
from tests.helpers.savings import claim_message, claims, click
from tests.helpers.savings_race import SECOND_EM
from tests.helpers.weekly_digest_job import drawn  # noqa: F401 (a fixture)
from tests.jobs.conftest import run_job


def stats(proc: Proc, text: str) -> list[str]:
    return proc(EM, text).split("\n")


def test_the_revision_says_what_it_revises_and_its_approval_replaces_it(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    proc = setup(bot)
    approve_first(bot, proc)
    first = claim_message(proc, 1)
    reply = claim_revision(bot, proc, clock)
    approved_on = instant_day_token(MONDAY)
    assert reply == (
        "Savings claim of $8,100 (16.9%) on REQ-1 posted in its thread for <@U0EM00001> "
        f"<@{SECOND_EM}> to approve. It revises the approved $7,000 (approved {approved_on} by "
        "<@U0EM00001>): approved, it replaces that one in every figure; rejected, that one "
        "stands."
    )
    revision = claim_message(proc, 1)
    assert (
        f":repeat: Revises the approved $7,000 (approved {approved_on} by <@U0EM00001>)."
        in blocks_text(revision.blocks)
    )
    # Its own request's approved claim is not its benchmark, and the line says what it lacks.
    assert "Benchmark for Miro: no other approved Miro claims yet." in blocks_text(revision.blocks)

    click(bot, SECOND_EM, "savings_approve", revision)
    a, b = claims(bot)
    assert (a.status, a.revised_by_id, a.superseded_at) == ("approved", b.id, TUESDAY)
    assert (b.status, b.revises_id, b.decided_at) == ("approved", a.id, TUESDAY)
    # The first claim's message says it no longer counts; the card shows the request's saving.
    edited = blocks_text(bot.api.message(first.channel, first.ts).blocks)
    assert (
        f":fast_forward: Revised: the claim of $8,100 approved {instant_day_token(TUESDAY)} "
        f"by <@{SECOND_EM}> replaces this one (below), which no longer counts."
    ) in edited
    assert ":moneybag: $8,100" in blocks_text(proc.card(1).blocks)
    assert proc.thread(1)[-1].text == (
        f":tada: <@{BUYER}> your savings claim of $8,100 (16.9%) was approved by "
        f"<@{SECOND_EM}>. It replaces the approved $7,000, which no longer counts."
    )


def test_two_approved_claims_on_one_request_count_once_everywhere(
    bot: RunningBot,
    proc: Proc,
    clock: ManualClock,
    drawn: list[Any],  # noqa: F811
) -> None:
    proc = setup(bot)
    approve_first(bot, proc)
    claim_revision(bot, proc, clock)
    click(bot, EM, "savings_approve", claim_message(proc, 1))

    # $8,100 once, not $7,000 + $8,100 = $15,100: 8.1 % of the POD's $100,000, 16.2 % of the
    # buyer's $50,000, 40.5 % of Acme's $20,000 MSG (day 40 after handover: ⏳), 8.1 % of its
    # PSE. Acme's first time value is the day of the saving that counts: 1 Oct → 24 Nov.
    pod = stats(proc, "stats pod")
    assert pod[2] == (
        "⚠️ *Net savings vs POD target*: 8.1% (bar 100.0%) — $8,100 of $100,000 · "
        "savings $8,100 + avoidance $0"
    )
    assert stats(proc, f"stats <@{BUYER}>")[2] == (
        "⚠️ *Savings quota*: 16.2% (bar 70.0%) — $8,100 of $50,000"
    )
    assert stats(proc, "stats Acme Corp")[2:5] == [
        "❌ *First time value*: 54 days (bar 14 days)",
        "⏳ *Minimum savings guarantee*: 40.5% (bar 100.0%) — $8,100 of $20,000",
        "⏳ *Projected savings estimate*: 8.1% (bar 60.0%) — $8,100 of $100,000",
    ]

    # The buyer's Home quota.
    home = blocks_text(open_home(bot, BUYER)["blocks"])
    assert "$8,100 of $50,000" in home and "$15,100" not in home

    # The check-in pack: one saving approved in the last 7 days, REQ-1's $8,100.
    pack = proc(CSM, "checkin Acme Corp")
    assert "*Savings approved in the last 7 days* (1)" in pack
    assert "$8,100" in pack and "$7,000" not in pack

    # The weekly digest: its charts' data and its KPI CSV.
    pod_config = bot.runtime.config.pod("alpha")
    run_job(bot.runtime, JOBS["weekly-digest"], pod_config, now=TUESDAY + timedelta(hours=1))
    (data,) = [data for name, data in drawn if name == "POD Alpha"]
    assert {b.buyer: b.approved for b in data.buyers}[BUYER] == Decimal(8100)
    assert {c.customer: c.approved for c in data.customers}["Acme Corp"] == Decimal(8100)
    (sheet,) = [f for f in bot.api.files.values() if f.filename.endswith(".csv")]
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8"))))
    by = {(r["scope"], r["subject"], r["kpi"]): r for r in rows}
    assert by[("pod", "alpha", "net_savings")]["numerator"] == "8100"
    assert by[("member", BUYER, "savings_quota")]["numerator"] == "8100"
    assert by[("customer", "Acme Corp", "msg")]["numerator"] == "8100"


def test_a_figure_as_of_before_the_revision_still_counts_the_claim_it_revised(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    proc = setup(bot)
    approve_first(bot, proc)
    claim_revision(bot, proc, clock)
    click(bot, EM, "savings_approve", claim_message(proc, 1))
    config = bot.runtime.config
    with bot.db.reading() as session:
        before = load_facts(session, config, config.pod("alpha"), Quarter(2026, 4), TUESDAY
                            - timedelta(minutes=1))  # fmt: skip
        after = load_facts(session, config, config.pod("alpha"), Quarter(2026, 4), TUESDAY)
    assert [c.savings for c in before.claims] == [Decimal(7000)]
    assert [c.savings for c in after.claims] == [Decimal(8100)]


def test_a_rejected_revision_leaves_the_approved_claim_standing(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    proc = setup(bot)
    approve_first(bot, proc)
    claim_revision(bot, proc, clock)
    revision = claim_message(proc, 1)
    click(bot, EM, "savings_reject", revision)
    view = bot.api.calls_to("views.open")[-1].params["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    values = {"reason": {"value": {"type": "plain_text_input", "value": "Same deal, restated"}}}
    bot.slack.view_submission(
        "savings_reject", values, EM, private_metadata=view["private_metadata"]
    )
    bot.wait_idle()
    a, b = claims(bot)
    assert (a.status, a.revised_by_id, a.superseded_at) == ("approved", None, None)
    assert b.status == "rejected"
    assert stats(proc, "stats pod")[2] == (
        "⚠️ *Net savings vs POD target*: 7.0% (bar 100.0%) — $7,000 of $100,000 · "
        "savings $7,000 + avoidance $0"
    )
    assert ":moneybag: $7,000" in blocks_text(proc.card(1).blocks)
    assert proc.thread(1)[-1].text.endswith("Same deal, restated\nThe approved $7,000 stands.")


def test_an_additional_claim_adds_to_the_approved_one(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    proc = setup(bot)
    approve_first(bot, proc)
    clock.set(TUESDAY)
    # A second product line on the same request: its own $20,000 baseline, $2,000 saved.
    reply = proc(BUYER, "savings 1 20000 18000 | Additional")
    assert reply.endswith(
        "It is marked additional: approved, it counts beside the request's claim."
    )
    additional = claim_message(proc, 1)
    assert (
        ":repeat: Marked additional: a saving beside the request's claim, with its own baseline."
        in blocks_text(additional.blocks)
    )
    click(bot, EM, "savings_approve", additional)
    a, b = claims(bot)
    assert (a.revised_by_id, b.additional, b.revises_id) == (None, True, None)
    # $7,000 + $2,000.
    assert stats(proc, "stats pod")[2] == (
        "⚠️ *Net savings vs POD target*: 9.0% (bar 100.0%) — $9,000 of $100,000 · "
        "savings $9,000 + avoidance $0"
    )
    assert ":moneybag: $9,000" in blocks_text(proc.card(1).blocks)
    # A claim not marked additional then revises the request's claim, not the additional one.
    proc(BUYER, "savings 1 48000 39900")
    click(bot, EM, "savings_approve", claim_message(proc, 1))
    a, b, c = claims(bot)
    assert (a.revised_by_id, b.revised_by_id, c.revises_id) == (c.id, None, a.id)
    assert stats(proc, "stats pod")[2].startswith(
        "⚠️ *Net savings vs POD target*: 10.1% (bar 100.0%) — $10,100 of $100,000"
    )


def test_additional_is_the_only_word_after_a_bar(bot: RunningBot, proc: Proc) -> None:
    proc = setup(bot)
    reply = proc(BUYER, "savings 1 48000 41000 | extra")
    assert reply.startswith(":warning: After `|` write `additional`")
    assert reply.endswith(
        "Usage: `/proc savings REQ <baseline> <final> [avoidance] [| additional] [right-sizing]`"
    )
    assert claims(bot) == []


def test_the_savings_form_marks_a_claim_additional(bot: RunningBot, proc: Proc) -> None:
    from tests.helpers.card_actions import opened_view, submit
    from tests.helpers.modals import fill

    proc = setup(bot)
    approve_first(bot, proc)
    click(bot, BUYER, "card_savings", proc.card(1))
    view = opened_view(bot)
    values = fill(view, {"baseline": "20000", "final": "18000"})
    values["avoidance"] = {"value": {"type": "checkboxes", "selected_options": [
        {"value": "additional"}]}}  # fmt: skip
    assert submit(bot, BUYER, view, values) is None
    assert [(c.status, c.additional) for c in claims(bot)] == [
        ("approved", False), ("pending", True)
    ]  # fmt: skip


def test_a_claim_tagged_right_sizing(bot: RunningBot, proc: Proc) -> None:
    """Issue 34: `| right-sizing` (beside `additional` or alone) tags the claim; its message
    says so; the tag changes nothing else about the claim."""
    from bot.db.usage import import_usage
    from bot.domain.usage import parse_usage_csv

    proc = setup(bot)
    rows, _ = parse_usage_csv(
        "customer,tool,as_of,seats_assigned,seats_active\nAcme Corp,Miro,2026-11-20,120,71\n"
    )
    with bot.db.transaction() as session:
        import_usage(session, rows, bot.runtime.clock.now())
    proc(BUYER, "savings 1 48000 41000 | right-sizing")
    tag = ":straight_ruler: Tagged *right-sizing*: the saving came from fewer seats."
    shown = blocks_text(claim_message(proc, 1).blocks)
    # The em deciding it sees the usage behind it.
    assert f"{tag}\n*Usage:* :warning: 120 seats · 71 active (59 %) as of Nov 20 · " in shown
    click(bot, EM, "savings_approve", claim_message(proc, 1))
    proc(BUYER, "savings 1 20000 18000 | additional, Right Sizing")
    assert [(c.status, c.additional, c.right_sizing) for c in claims(bot)] == [
        ("approved", False, True), ("pending", True, True)
    ]  # fmt: skip
    proc(BUYER, "savings 1 48000 40000")
    assert claims(bot)[-1].right_sizing is False
    assert tag not in blocks_text(claim_message(proc, 1).blocks)
    reply = proc(BUYER, "savings 1 48000 40000 | right-sizing right-sizing")
    assert reply.startswith(":warning: After `|` write `additional`")


def test_the_savings_form_tags_a_claim_right_sizing(bot: RunningBot, proc: Proc) -> None:
    from tests.helpers.card_actions import opened_view, submit
    from tests.helpers.modals import fill

    proc = setup(bot)
    click(bot, BUYER, "card_savings", proc.card(1))
    view = opened_view(bot)
    values = fill(view, {"baseline": "48000", "final": "41000"})
    values["avoidance"] = {"value": {"type": "checkboxes", "selected_options": [
        {"value": "right-sizing"}]}}  # fmt: skip
    assert submit(bot, BUYER, view, values) is None
    assert [(c.additional, c.right_sizing) for c in claims(bot)] == [(False, True)]


def test_two_ems_racing_on_a_revision_decide_it_once(
    start_bot: Callable[[str], RunningBot], database_url: str, clock: ManualClock
) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    bot = start_bot(database_url)
    proc = setup(bot)
    approve_first(bot, proc)
    claim_revision(bot, proc, clock)
    revision = claim_message(proc, 1)
    racers = 6
    start = threading.Barrier(2 * racers, timeout=30)

    def approve(em: str) -> int:
        start.wait()
        return bot.slack.block_action(
            "savings_approve", None, em, revision.channel, revision.ts, message=revision
        ).status

    with ThreadPoolExecutor(max_workers=2 * racers) as pool:
        futures = [pool.submit(approve, em) for em in [EM, SECOND_EM] * racers]
        assert [f.result(timeout=60) for f in futures] == [200] * 2 * racers
    bot.wait_idle()

    a, b = claims(bot)
    assert b.status == "approved" and b.decided_by in (EM, SECOND_EM)
    assert (a.status, a.revised_by_id, a.superseded_at) == ("approved", b.id, b.decided_at)
    told = [m for m in proc.thread(1) if "your savings claim of $8,100" in m.text]
    assert len(told) == 1
    assert stats(proc, "stats pod")[2].startswith(
        "⚠️ *Net savings vs POD target*: 8.1% (bar 100.0%) — $8,100 of $100,000"
    )
    with bot.db.reading() as session:
        effective = session.scalars(
            select(SavingsClaim.id).where(SavingsClaim.superseded_at.is_(None))
        ).all()
    assert effective == [b.id]
