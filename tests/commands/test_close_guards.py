"""Issue 33: risk and compliance before the close — the vendor file, the contract checklist and
a `close … won` that cannot skip them (unless an em overrides, with a reason), over signed
HTTP with the guards on (the shared test config switches them off)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Config, load_config
from bot.db.models import ChecklistEntry, Contract, RequestEvent
from bot.domain.compliance import ALL_GUARDS, DEFAULT_CHECKLIST, ChecklistItem
from bot.jobs import JOBS
from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM, Proc, blocks_text
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.savings import actions_of, claim_message, click, negotiating
from tests.jobs.conftest import run_job

# A Monday past 09:00 in Kolkata, the week after the tests' clock (Mon Nov 23, 2026).
WEEK_LATER = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def test_config() -> Config:
    """The shared test config with every close guard on (as a POD without the key has them)."""
    config = load_config(TEST_CONFIG)
    return replace(config, pods=tuple(replace(p, close_guards=ALL_GUARDS) for p in config.pods))


def events(bot: RunningBot, number: int, kind: str) -> list[RequestEvent]:
    with bot.db.transaction() as session:
        query = select(RequestEvent).where(
            RequestEvent.request_id == number, RequestEvent.kind == kind
        )
        return list(session.scalars(query))


def full_file(proc: Proc, vendor: str = "Figma", insurance: str = "2027-06-30") -> None:
    for kind in ("soc2", "iso27001", "w9", "financials"):
        proc(ANALYST, f"vendor {vendor} {kind} received 2026-01-10 expires 2027-06-30")
    proc(ANALYST, f"vendor {vendor} insurance received 2025-11-01 expires {insurance}")


def checklist_done_but(proc: Proc, number: int, *open_items: str) -> None:
    for item in DEFAULT_CHECKLIST:
        if item.key not in open_items:
            proc(BUYER, f"checklist {number} {item.key} done")


def test_a_close_missing_four_things_is_refused_naming_each_once_then_closes(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    proc(BUYER, f"quote {number} Figma 40k")
    proc(BUYER, f"savings {number} 48000 40000")  # pending: undecided
    checklist_done_but(proc, number, "dpa")
    full_file(proc, insurance="2026-11-20")  # expired three days ago (today: Nov 23)
    proc(BUYER, f"attach {number} <https://files.example.com/signed.pdf>")

    reply = proc(BUYER, f"close {number} won")

    assert reply.startswith(":warning: REQ-1 cannot close won yet; missing (4):")
    lines = [line for line in reply.splitlines() if line.startswith("• ")]
    assert len(lines) == 4
    assert lines[0].startswith("• a competing quote from a second vendor (1 vendor quoted) — ")
    assert "`/proc solesource REQ-1 <reason>`" in lines[0]
    assert lines[1].startswith("• a decision on the savings claim (it is pending) — ")
    assert lines[2] == (
        "• checklist: DPA signed (GDPR/CCPA) (not started) — "
        "`/proc checklist REQ-1 dpa done` (or **Checklist**)"
    )
    assert lines[3] == (
        "• vendor file of Figma: certificate of insurance expired — "
        "`/proc vendor Figma insurance received expires YYYY-MM-DD`"
    )
    assert "Only an em may override" in reply
    request = proc.request(number)
    assert request.stage == "negotiating" and request.guards_met is None  # nothing written

    proc(BUYER, f"quote {number} Crayon 39k")
    click(bot, EM, "savings_approve", claim_message(proc, number))
    proc(BUYER, f"checklist {number} dpa done")
    proc(ANALYST, "vendor figma insurance received expires 2027-11-01")  # by name key

    assert proc(BUYER, f"close {number} won").startswith("REQ-1 is closed (won).")
    closed = proc.request(number)
    assert closed.stage == "closed" and closed.guards_met is True
    assert closed.guards_override_by is None


def test_an_em_overrides_with_a_reason_on_the_timeline_and_a_buyer_cannot(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    reply = proc(BUYER, f"close {number} won override the customer signed already")
    assert reply.startswith(
        ":warning: Only an em may override POD Alpha's close guards; REQ-1 still lacks:"
    )
    assert proc.request(number).stage == "negotiating"

    reply = proc(EM, f"close {number} won override signed at the customer's desk")
    assert reply == (
        "REQ-1 is closed (won). Record its new term with the button in its thread. Its close "
        "guards were overridden (10 missing): your reason is on its timeline and goes in the "
        "weekly digest."
    )
    request = proc.request(number)
    assert request.guards_met is False
    assert request.guards_override_by == EM
    assert request.guards_override_reason == "signed at the customer's desk"
    (event,) = events(bot, number, "guards_overridden")
    assert event.actor == EM and event.text == "signed at the customer's desk"
    assert event.data is not None and len(event.data["missing"]) == 1 + 1 + 6 + 1 + 1
    assert any(
        "Close guards *overridden* by <@U0EM00001>: signed at the customer's desk" in m.text
        for m in proc.thread(number)
    )

    # The weekly digest lists the override; the POD's stats count the share met.
    spec = JOBS["weekly-digest"]
    outcome = run_job(bot.runtime, spec, bot.runtime.config.pod("alpha"), now=WEEK_LATER)
    assert "queued the digest" in outcome
    (digest,) = [m for m in bot.api.messages(ALPHA) if m.text.startswith("Weekly digest")]
    text = blocks_text(digest.blocks)
    assert "*Close guards overridden this week* (1):\n• REQ-1 by <@U0EM00001> " in text
    assert ": signed at the customer's desk" in text
    stats = proc(EM, "stats pod")
    assert "Closed with every guard met: 0 of 1 won close (0%) — no bar yet" in stats


def test_the_refused_close_from_the_card_shows_the_list_on_the_form(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    values = {"outcome": {"value": {"type": "radio_buttons", "selected_option": {"value": "won"}}}}
    metadata = json.dumps({"request": number, "channel": "C0ALPHA01"})
    response = bot.slack.view_submission("card_close", values, BUYER, private_metadata=metadata)
    bot.wait_idle()
    body = response.json()
    assert body["response_action"] == "errors"
    assert body["errors"]["outcome"].startswith("REQ-1 cannot close won yet; missing (10):")
    assert proc.request(number).stage == "negotiating"


def test_the_card_shows_the_vendor_file_and_the_checklist(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(ANALYST, "vendor Figma soc2 received 2026-01-10 expires 2027-06-30")
    proc(ANALYST, "vendor Figma iso27001 received 2026-01-10")
    proc(ANALYST, "vendor Figma w9 received 2026-01-10")
    proc(ANALYST, "vendor Figma insurance received 2026-01-10 expires 2026-12-05")
    proc(BUYER, f"checklist {number} dpa requested")
    text = blocks_text(proc.card(number).blocks)
    assert "vendor file: 4/5 · insurance expires in 12 days" in text
    assert "checklist: 0/6 settled · 1 requested" in text
    assert "card_checklist" in actions_of(proc.card(number))

    shown = proc(BUYER, "vendor FIGMA")
    assert "*Figma* — vendor file: 4/5 · insurance expires in 12 days" in shown
    assert "• financial statements: :x: missing" in shown
    assert "checked by <@U0ANA0001>" in shown


def opened_view(bot: RunningBot) -> dict[str, Any]:
    view = bot.api.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_the_checklist_modal_round_trips_and_edits_the_card_once(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    proc(BUYER, f"checklist {number} residency na EU only, not applicable")
    card = proc.card(number)
    response = bot.slack.block_action(
        "card_checklist", None, BUYER, card.channel, card.ts, message=card
    )
    assert response.status == 200
    bot.wait_idle()
    view = opened_view(bot)
    assert view["callback_id"] == "card_checklist"
    blocks = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert blocks["checklist_state:dpa"]["element"]["initial_option"]["value"] == "not_started"
    assert blocks["checklist_state:residency"]["element"]["initial_option"]["value"] == "na"
    assert blocks["checklist_reason:residency"]["element"]["initial_value"] == (
        "EU only, not applicable"
    )

    values: dict[str, Any] = {}
    for item in DEFAULT_CHECKLIST:
        state = {"dpa": "done", "security": "requested", "residency": "na"}.get(
            item.key, "not_started"
        )
        values[f"checklist_state:{item.key}"] = {
            "value": {"type": "static_select", "selected_option": {"value": state}}
        }
        reason = "EU only, not applicable" if item.key == "residency" else ""
        values[f"checklist_reason:{item.key}"] = {
            "value": {"type": "plain_text_input", "value": reason}
        }
    edits = len(bot.api.calls_to("chat.update"))
    response = bot.slack.view_submission(
        "card_checklist", values, BUYER, private_metadata=view["private_metadata"]
    )
    assert response.status == 200 and not response.body
    bot.wait_idle()
    card_edits = [c for c in bot.api.calls_to("chat.update")[edits:] if c.params["ts"] == card.ts]
    assert len(card_edits) == 1
    with bot.db.transaction() as session:
        rows = {
            r.item: (r.state, r.reason)
            for r in session.scalars(
                select(ChecklistEntry).where(ChecklistEntry.request_id == number)
            )
        }
    assert rows == {
        "dpa": ("done", None),
        "security": ("requested", None),
        "residency": ("na", "EU only, not applicable"),
    }
    assert len(events(bot, number, "checklist")) == 3  # residency: once, by the command
    assert "checklist: 2/6 settled · 1 requested" in blocks_text(proc.card(number).blocks)

    # The modal again shows what was saved.
    bot.slack.block_action("card_checklist", None, BUYER, card.channel, card.ts, message=card)
    bot.wait_idle()
    again = {b["block_id"]: b for b in opened_view(bot)["blocks"] if "block_id" in b}
    assert again["checklist_state:security"]["element"]["initial_option"]["value"] == "requested"


def test_a_not_applicable_item_needs_its_reason_on_the_form(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    values = {
        "checklist_state:dpa": {
            "value": {"type": "static_select", "selected_option": {"value": "na"}}
        },
        "checklist_reason:dpa": {"value": {"type": "plain_text_input", "value": ""}},
    }
    metadata = json.dumps({"request": number, "channel": "C0ALPHA01"})
    body = bot.slack.view_submission(
        "card_checklist", values, BUYER, private_metadata=metadata
    ).json()
    assert body == {
        "response_action": "errors",
        "errors": {"checklist_reason:dpa": "Say why it does not apply."},
    }


class TestCustomChecklist:
    @pytest.fixture
    def test_config(self) -> Config:
        config = load_config(TEST_CONFIG)
        alpha, beta = config.pods
        custom = (
            ChecklistItem("msa", "MSA countersigned"),
            ChecklistItem("sow", "SOW attached", required=False),
        )
        return replace(
            config, pods=(replace(alpha, close_guards=ALL_GUARDS, checklist=custom), beta)
        )

    def test_a_pods_checklist_replaces_the_default(self, bot: RunningBot, proc: Proc) -> None:
        number = negotiating(proc)
        shown = proc(BUYER, f"checklist {number}")
        assert "MSA countersigned `msa`: not started" in shown
        assert "SOW attached `sow`: not started _(optional)_" in shown
        assert "DPA" not in shown
        assert proc(BUYER, f"checklist {number} dpa done").startswith(
            ":warning: `dpa` is not an item of POD Alpha's checklist; its items: msa, sow."
        )
        reply = proc(EM, f"close {number} won")
        assert "checklist: MSA countersigned (not started)" in reply
        assert "SOW" not in reply  # optional


def test_a_done_security_review_offers_its_checklist_item(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(BUYER, f"stage {number} security-review")
    proc(BUYER, f"stage {number} security-review done")
    (offer,) = [m for m in proc.thread(number) if "card_checklist" in actions_of(m)]
    assert offer.text == (
        ":ballot_box_with_check: Security review is done: next on the contract checklist, "
        "*Security questionnaire answered* (not started) — `/proc checklist REQ-1 security done`"
    )
    response = bot.slack.block_action(
        "card_checklist", None, BUYER, offer.channel, offer.ts, message=offer
    )
    assert response.status == 200
    bot.wait_idle()
    assert opened_view(bot)["callback_id"] == "card_checklist"

    # Settled before the step is done: nothing offered.
    other = negotiating(proc, tool="Miro")
    proc(BUYER, f"checklist {other} security na Answered in the MSA")
    proc(BUYER, f"stage {other} security-review")
    proc(BUYER, f"stage {other} security-review done")
    assert not [m for m in proc.thread(other) if "card_checklist" in actions_of(m)]


def test_the_aging_report_and_the_analysts_home_list_checklist_gaps_at_the_po(
    bot: RunningBot, proc: Proc
) -> None:
    at_po = negotiating(proc)
    earlier = negotiating(proc, tool="Miro")  # not at its PO yet: not listed
    proc(BUYER, f"stage {at_po} po")
    checklist_done_but(proc, at_po, "dpa", "security")
    proc(BUYER, f"stage {earlier} legal-redline")

    run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("alpha"), now=WEEK_LATER)
    (report,) = [m for m in bot.api.messages(ALPHA) if m.text.startswith("Aging report")]
    text = blocks_text(report.blocks)
    assert "*Checklist gaps at the PO* (1) — in their last step, the contract checklist open:" in (
        text
    )
    assert "DPA signed (GDPR/CCPA), Security questionnaire answered" in text
    assert "REQ-2" not in text.split("Checklist gaps at the PO")[1].split("\n\n")[0]

    response = bot.slack.event(
        {"type": "app_home_opened", "user": ANALYST, "tab": "home", "channel": "D0HOME"}
    )
    assert response.status == 200
    bot.wait_idle()
    (call, *_) = reversed(
        [c for c in bot.api.calls_to("views.publish") if c.params.get("user_id") == ANALYST]
    )
    view = call.params["view"]
    home = json.loads(view) if isinstance(view, str) else view
    home_text = blocks_text(home["blocks"])
    assert "*Checklist gaps at the PO* (1)" in home_text
    assert (
        "at its PO, checklist open: DPA signed (GDPR/CCPA), Security questionnaire answered"
        in home_text
    )
    assert {"action_id": "card_checklist", "value": str(at_po)}.items() <= next(
        b["accessory"] for b in home["blocks"] if "PO, checklist open" in blocks_text([b])
    ).items()


def test_the_cards_vendor_file_button_records_a_document_of_its_tool(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    card = proc.card(number)
    response = bot.slack.block_action(
        "card_vendor", None, ANALYST, card.channel, card.ts, message=card
    )
    assert response.status == 200
    bot.wait_idle()
    view = opened_view(bot)
    assert view["callback_id"] == "card_vendor_document"
    values = {
        "document": {"value": {"type": "static_select", "selected_option": {"value": "insurance"}}},
        "received": {"value": {"type": "datepicker", "selected_date": "2026-11-20"}},
        "expires": {"value": {"type": "datepicker", "selected_date": "2026-12-05"}},
    }
    response = bot.slack.view_submission(
        "card_vendor_document", values, ANALYST, private_metadata=view["private_metadata"]
    )
    assert response.status == 200 and not response.body
    bot.wait_idle()
    assert "vendor file: 1/5 · insurance expires in 12 days" in blocks_text(
        proc.card(number).blocks
    )
    assert "checked by <@U0ANA0001>" in proc(ANALYST, "vendor Figma")

    values["expires"] = {"value": {"type": "datepicker", "selected_date": "2026-11-01"}}
    body = bot.slack.view_submission(
        "card_vendor_document", values, ANALYST, private_metadata=view["private_metadata"]
    ).json()
    assert body["response_action"] == "errors"
    assert (
        "cannot expire (2026-11-01) before it was received (2026-11-20)"
        in (body["errors"]["document"])
    )


class TestNoticePeriod:
    @pytest.fixture
    def test_config(self) -> Config:
        return load_config(TEST_CONFIG)  # the guards off: this is about the term

    def test_the_auto_renewal_items_notice_period_feeds_the_new_term(
        self, bot: RunningBot, proc: Proc
    ) -> None:
        number = negotiating(proc)
        assert "takes a notice period" in proc(BUYER, f"checklist {number} dpa done 60")
        proc(BUYER, f"checklist {number} auto-renewal done 60 days")
        shown = proc(BUYER, f"checklist {number}")
        assert "Auto-renewal clause and notice period `auto-renewal`: done" in shown
        assert any("notice period 60 days" in m.text for m in proc.thread(number))
        proc(ANALYST, f"close {number} won | 48k | 2027-12-31")
        with bot.db.transaction() as session:
            (contract,) = session.scalars(select(Contract)).all()
            assert (contract.auto_renew, contract.notice_days) == (True, 60)


def test_a_file_shared_in_the_thread_is_the_closes_document(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    card = proc.card(number)
    shared = {
        "type": "message", "subtype": "file_share", "channel": card.channel, "user": BUYER,
        "text": "signed order form", "ts": "1795000000.000200", "thread_ts": card.ts,
        "files": [{"id": "F0SIGNED1", "name": "order-form-signed.pdf"}],
    }  # fmt: skip
    assert bot.slack.event(shared, event_id="Ev0FILE001").status == 200
    assert bot.slack.event(shared, event_id="Ev0FILE001", retry_num=1).status == 200  # again
    bot.wait_idle()
    (event,) = events(bot, number, "document")
    assert (event.actor, event.text) == (BUYER, "order-form-signed.pdf")
    assert "the final quote, signed contract" not in proc(BUYER, f"close {number} won")


@pytest.mark.postgres
def test_the_guards_their_reports_and_the_vendor_file_on_postgresql(
    start_bot: Callable[..., RunningBot], postgres_url: str
) -> None:
    bot = start_bot(postgres_url)
    proc = Proc(bot)
    number = negotiating(proc)
    proc(BUYER, f"stage {number} po")
    full_file(proc, insurance="2026-11-20")
    assert "vendor file of Figma: certificate of insurance expired" in proc(
        BUYER, f"close {number} won"
    )
    run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("alpha"), now=WEEK_LATER)
    (report,) = [m for m in bot.api.messages(ALPHA) if m.text.startswith("Aging report")]
    assert "*Checklist gaps at the PO* (1)" in blocks_text(report.blocks)
    proc(EM, f"close {number} won override signed on paper")
    assert "Closed with every guard met: 0 of 1 won close (0%)" in proc(EM, "stats pod")


def test_only_members_see_a_checklist_and_a_csm_records_no_document(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    assert proc("U0ANA0002", f"checklist {number}").startswith(
        ":warning: REQ-1 belongs to POD Alpha, and you are not a member of it."
    )
    assert proc("U0CSM0001", "vendor Figma soc2 received").startswith(
        ":warning: Only a buyer, analyst or em may record a vendor's documents."
    )
    assert proc(BUYER, "vendor Figma soc2 received 2026-11-01 expires 2026-10-01").startswith(
        ":warning: The SOC 2 Type II report cannot expire (2026-10-01) before it was received"
    )
