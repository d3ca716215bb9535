"""Issue 34's book-of-business bundles: three customers (in two PODs) renewing Figma within 90
days are proposed once to their ems; accepting links one request per customer in one
coordinating thread; no customer is named in another customer's channel, canvas or update."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.db.customer_updates import update_facts
from bot.db.models import Account, Bundle, BundleMember, Request
from bot.db.usage import import_usage
from bot.domain.customer_update import draft
from bot.domain.usage import parse_usage_csv
from bot.jobs import JOBS
from tests.commands.conftest import (
    ALPHA,
    ANALYST,
    BETA,
    BETA_ANALYST,
    BETA_EM,
    BUYER,
    EM,
    Proc,
    blocks_text,
)
from tests.conftest import RunningBot
from tests.helpers.accounts import add_account
from tests.helpers.playbooks import press
from tests.helpers.savings import ephemerals_to
from tests.jobs.conftest import run_job

ROOMS = {"Acme": "C0ACMECUST", "Globex": "C0GLOBCUST", "Initech": "C0INITCUST"}
# Tuesday 24 November 2026, 09:30 in Kolkata (POD Alpha's check-in time is 09:00).
TUESDAY = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def bundles_run(bot: RunningBot, pod: str, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["bundles"], bot.runtime.config.pod(pod), now=now)


def proposals(bot: RunningBot, user: str) -> list:  # type: ignore[type-arg]
    return [m for m in bot.api.messages(f"D{user[1:]}") if m.text.startswith(":package:")]


def book(bot: RunningBot, proc: Proc) -> int:
    """Acme and Globex (POD Alpha) and Initech (POD Beta) renew Figma within 90 days, Hooli
    after; Acme's renewal is already being negotiated (with an itemised quote of 120 seats)."""
    for customer, room in ROOMS.items():
        bot.api.add_channel(room)
        pod = "beta" if customer == "Initech" else "alpha"
        add_account(bot, customer, pod, customer_channel=room, handover=date(2026, 11, 2))
    proc(ANALYST, "contract add Acme | Figma | 36,000 | 2027-01-15")
    proc(ANALYST, "contract add Globex | Figma | 24,000 | 2027-02-01")
    proc(BETA_ANALYST, "contract add Initech | Figma | 12,000 | 2027-02-10", BETA)
    proc(BETA_ANALYST, "contract add Hooli | Figma | 9,000 | 2027-04-01", BETA)
    proc(ANALYST, "contract add Acme | Zoom | 5,000 | 2027-01-05")  # one customer: no bundle
    proc(ANALYST, "new Acme | Figma | renewal | 36k | 2027-01-15")
    acme = proc.request_count()
    proc(ANALYST, f"qualify {acme}")
    proc(ANALYST, f"assign {acme} <@{BUYER}>")
    proc(BUYER, f"quote {acme} Crayon 120 seats × $250 annual")
    return acme


def test_three_customers_renewing_figma_get_one_proposal_and_accepting_links_them(
    bot: RunningBot, proc: Proc
) -> None:
    acme = book(bot, proc)
    # Globex's imported usage of Figma shows in the proposal, beside its POD-blind name elsewhere.
    rows, errors = parse_usage_csv(
        "customer,tool,as_of,seats_assigned,seats_active\nGlobex,Figma,2026-11-20,80,50\n"
    )
    assert errors == []
    with bot.db.transaction() as session:
        import_usage(session, rows, TUESDAY)
    # POD Alpha (the first by key) proposes it, not POD Beta's run.
    assert bundles_run(bot, "beta", TUESDAY).endswith(": no bundle to propose")
    assert bundles_run(bot, "alpha", TUESDAY).endswith(": proposed 1 bundle")
    (alpha_dm,) = proposals(bot, EM)
    (beta_dm,) = proposals(bot, BETA_EM)
    assert alpha_dm.text == (
        ":package: *Bundle?* 3 customers renew Figma within 90 days: negotiate them together?"
    )
    alpha_text = blocks_text(alpha_dm.blocks)
    assert "• Acme — renews Jan 15, 2027 · $36,000/yr · 120 seats" in alpha_text
    assert "• Globex — renews Feb 1, 2027 · $24,000/yr" in alpha_text
    assert "80 seats · 50 active (63 %) as of Nov 20 · right-size target 55" in alpha_text
    assert "80 seats · 50 active (63 %) as of Nov 20" in blocks_text(
        proposals(bot, BETA_EM)[0].blocks
    )
    assert "• a customer of POD Beta — renews Feb 10, 2027 · $12,000/yr" in alpha_text
    assert "*Combined:* 120 seats · $72,000 a year" in alpha_text
    assert "*Best unit price at that size:* $250.00/seat/yr (best of 1 deal at 50–249 seats)" in (
        alpha_text
    )
    assert "*Resellers that quoted before:* Crayon" in alpha_text
    # Beta's em reads Beta's customer by name and Alpha's by their POD only.
    beta_text = blocks_text(beta_dm.blocks)
    assert "• Initech — renews Feb 10, 2027" in beta_text
    assert beta_text.count("a customer of POD Alpha") == 2
    assert "Acme" not in beta_text and "Globex" not in beta_text
    assert "Hooli" not in alpha_text + beta_text and "Zoom" not in alpha_text
    # Once: a later run, either POD's, proposes nothing more.
    assert bundles_run(bot, "alpha", WEDNESDAY).endswith(": no bundle to propose")
    assert bundles_run(bot, "beta", WEDNESDAY).endswith(": no bundle to propose")
    assert len(proposals(bot, EM)) == len(proposals(bot, BETA_EM)) == 1

    # Someone not an em of those PODs may not accept it; Alpha's em does, once.
    press(bot, BUYER, "bundle_accept", alpha_dm)
    assert ephemerals_to(bot, BUYER)[-1].startswith(
        ":warning: Only an em of a bundled customer's POD may accept the bundle."
    )
    press(bot, EM, "bundle_accept", alpha_dm)
    with bot.db.reading() as session:
        bundle = session.scalars(select(Bundle)).one()
        assert (bundle.accepted_by, bundle.channel) == (EM, ALPHA)
        members = session.scalars(select(BundleMember).order_by(BundleMember.id)).all()
        linked = {m.customer: m.request_id for m in members}
        requests = {
            r.customer: (r.id, r.kind, r.pod.key)
            for r in session.scalars(select(Request).where(Request.id.in_(linked.values())))
        }
    # One request per customer: Acme's open one kept, the others opened as renewals.
    assert linked["Acme"] == acme
    assert len(set(linked.values())) == 3
    assert requests["Globex"][1:] == ("renewal", "alpha")
    assert requests["Initech"][1:] == ("renewal", "beta")
    coordinating = [m for m in bot.api.messages(ALPHA) if m.text.startswith(":package: *Bundle")]
    (thread,) = coordinating
    assert thread.text.startswith(
        f":package: *Bundle B-1 — Figma*: 3 renewals negotiated together, accepted by <@{EM}>."
    )
    assert f"• REQ-{linked['Acme']} Acme — renews" in thread.text
    assert f"• REQ-{linked['Initech']} a customer of POD Beta — renews" in thread.text
    for customer, number in linked.items():
        assert number is not None
        said = proc.thread(number)[-1].text
        assert said.startswith(":package: Part of bundle B-1: this renewal of Figma is negotiated")
        assert "with the renewals of 2 other customers" in said
        assert all(other not in said for other in ROOMS if other != customer)
    press(bot, BETA_EM, "bundle_accept", beta_dm)
    assert ephemerals_to(bot, BETA_EM)[-1].startswith(
        f":warning: <@{EM}> already accepted this bundle of Figma."
    )
    assert len([m for m in bot.api.messages(ALPHA) if m.text.startswith(":package: *Bundle")]) == 1

    # Customer-facing: each customer's channel, canvas and update name no other customer.
    config = bot.runtime.config
    with bot.db.reading() as session:
        accounts = session.scalars(select(Account)).all()
        updates = {
            a.customer: draft(
                update_facts(
                    session, a, bot.runtime.clock.now(), "Asia/Kolkata",
                    dict(config.procurement_stages), config.email.signature,
                )
            )
            for a in accounts
        }  # fmt: skip
    for customer, room in ROOMS.items():
        seen = json.dumps(
            [
                bot.api.canvas_markdown(room),
                [(m.text, m.blocks) for m in bot.api.messages(room)],
                [c.params for c in bot.api.calls if c.params.get("channel_id") == room],
                updates[customer].text,
                updates[customer].html,
            ]
        )
        assert bot.api.canvas_markdown(room) is not None
        for other in ROOMS:
            if other != customer:
                assert other not in seen, (customer, other)
