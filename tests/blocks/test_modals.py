"""The intake modal behind `/proc new` and the update modal behind `/proc update REQ` (SPEC §3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.blocks.ids import BlockId, CallbackId
from bot.blocks.modals import (
    IntakeInput,
    UpdateInput,
    intake_modal,
    parse_intake,
    parse_update,
    update_modal,
    update_text,
)
from bot.domain.money import AmountError, Money, parse_amount
from bot.errors import FieldErrors
from slackfake.web_api import MAX_VIEW_BLOCKS, block_errors

TODAY = date(2026, 11, 26)


def as_dict(view: View) -> dict[str, Any]:
    # to_dict() runs slack_sdk's own validation (title length, private_metadata size, …).
    return view.to_dict()


def assert_valid_view(view: dict[str, Any]) -> None:
    assert block_errors(view["blocks"], limit=MAX_VIEW_BLOCKS, at="/view/blocks") == []
    for key in ("title", "submit", "close"):
        assert view[key]["type"] == "plain_text" and 0 < len(view[key]["text"]) <= 24


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


# --- what a view_submission's view.state.values holds ----------------------------------------


def text(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def picked_date(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "datepicker", "selected_date": value}}


def radio(value: str | None) -> dict[str, Any]:
    option = (
        None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    )
    return {"value": {"type": "radio_buttons", "selected_option": option}}


def intake_state(**changes: dict[str, Any]) -> dict[str, Any]:
    state = {
        "customer": text("  Acme Corp "),
        "tool": text("Figma"),
        "type": radio("renewal"),
        "amount": text("EUR 40k"),
        "renewal_date": picked_date("2027-01-31"),
        "notes": text("Wants\nannual billing "),
    }
    return state | changes


def update_state(**changes: dict[str, Any]) -> dict[str, Any]:
    state = {
        "status": text("Vendor sent a revised quote."),
        "vendor_position": text("Holding at 10% off"),
        "next_step": text("Call with AE"),
        "next_step_date": picked_date("2026-12-01"),
        "blockers": text(None),
    }
    return state | changes


def field_errors(call: Any, *args: Any) -> dict[str, str]:
    with pytest.raises(FieldErrors) as info:
        call(*args)
    assert all(type(k) is str for k in info.value.errors)
    return info.value.errors


# --- intake modal --------------------------------------------------------------------------


def test_intake_modal_has_the_spec_inputs() -> None:
    view = as_dict(intake_modal('{"pod":"alpha","channel":"C0ALPHA01"}', "USD"))
    assert_valid_view(view)
    assert view["type"] == "modal"
    assert view["callback_id"] == CallbackId.INTAKE == "intake"
    assert view["title"]["text"] == "New request"
    assert view["submit"]["text"] == "Create"
    assert view["private_metadata"] == '{"pod":"alpha","channel":"C0ALPHA01"}'
    blocks = inputs(view)
    assert list(blocks) == ["customer", "tool", "type", "amount", "renewal_date", "notes", "again"]
    assert {b["element"]["action_id"] for b in blocks.values()} == {"value"}
    optional = {k for k, b in blocks.items() if b.get("optional")}
    assert optional == {"amount", "renewal_date", "notes", "again"}
    # One box: open it even beside an open request for the same customer and tool.
    assert blocks["again"]["element"]["type"] == "checkboxes"
    assert [o["value"] for o in blocks["again"]["element"]["options"]] == ["again"]
    assert blocks["type"]["element"]["type"] == "radio_buttons"
    assert [o["value"] for o in blocks["type"]["element"]["options"]] == ["new", "renewal"]
    assert blocks["renewal_date"]["element"]["type"] == "datepicker"
    assert blocks["notes"]["element"]["multiline"] is True
    assert blocks["customer"]["element"]["max_length"] == 200


def test_intake_modal_hint_names_the_default_currency() -> None:
    amount = inputs(as_dict(intake_modal("", "EUR")))["amount"]
    assert amount["label"]["text"] == "Current annual spend"
    assert amount["hint"]["text"] == "e.g. 48000, $48,000.50, 48k, EUR 40k; default currency EUR"


def test_intake_modal_carries_the_largest_private_metadata_slack_allows() -> None:
    assert_valid_view(as_dict(intake_modal("m" * 3000, "USD")))


def test_parse_intake_reads_every_field() -> None:
    assert parse_intake(intake_state(), "USD") == IntakeInput(
        customer="Acme Corp",
        tool="Figma",
        kind="renewal",
        amount=Money(Decimal("40000"), "EUR"),
        renewal_date=date(2027, 1, 31),
        notes="Wants\nannual billing",
    )


def test_parse_intake_uses_the_default_currency() -> None:
    parsed = parse_intake(intake_state(amount=text("48k")), "INR")
    assert parsed.amount == Money(Decimal("48000"), "INR")


def test_parse_intake_optional_fields_may_be_left_empty() -> None:
    state = intake_state(
        type=radio("new"), amount=text(None), renewal_date=picked_date(None), notes=text("  ")
    )
    parsed = parse_intake(state, "USD")
    assert (parsed.kind, parsed.amount, parsed.renewal_date, parsed.notes) == (
        "new",
        None,
        None,
        None,
    )


def test_parse_intake_optional_blocks_may_be_missing_entirely() -> None:
    state = {k: v for k, v in intake_state().items() if k in ("customer", "tool", "type")}
    assert parse_intake(state, "USD").amount is None


@pytest.mark.parametrize("block_id", ["customer", "tool"])
@pytest.mark.parametrize("value", [None, "", "   \n\t "])
def test_parse_intake_refuses_a_blank_name(block_id: str, value: str | None) -> None:
    errors = field_errors(parse_intake, intake_state(**{block_id: text(value)}), "USD")
    assert list(errors) == [block_id]
    assert errors[block_id].startswith("Enter the ")


@pytest.mark.parametrize("block_id", ["customer", "tool"])
def test_parse_intake_refuses_a_name_over_200_characters(block_id: str) -> None:
    assert parse_intake(intake_state(**{block_id: text("x" * 200)}), "USD")
    errors = field_errors(parse_intake, intake_state(**{block_id: text("x" * 201)}), "USD")
    assert errors == {block_id: errors[block_id]}
    assert "200 characters" in errors[block_id]


@pytest.mark.parametrize("amount", ["lots", "-5", "48.000", "UDS 40k", "1e6"])
def test_parse_intake_refuses_a_bad_amount_with_the_parsers_message(amount: str) -> None:
    with pytest.raises(AmountError) as expected:
        parse_amount(amount, "USD")
    errors = field_errors(parse_intake, intake_state(amount=text(amount)), "USD")
    assert errors == {"amount": str(expected.value)}


def test_parse_intake_refuses_a_missing_type() -> None:
    errors = field_errors(parse_intake, intake_state(type=radio(None)), "USD")
    assert errors == {"type": "Choose whether this is a new purchase or a renewal."}


def test_parse_intake_refuses_a_type_it_does_not_know() -> None:
    errors = field_errors(parse_intake, intake_state(type=radio("lease")), "USD")
    assert list(errors) == ["type"]


def test_parse_intake_reports_every_bad_field_at_once() -> None:
    state = intake_state(customer=text(" "), tool=text("t" * 300), type=radio(None))
    state["amount"] = text("abc")
    errors = field_errors(parse_intake, state, "USD")
    assert set(errors) == {BlockId.CUSTOMER, BlockId.TOOL, BlockId.TYPE, BlockId.AMOUNT}


# --- update modal --------------------------------------------------------------------------


def test_update_modal_has_the_spec_inputs_and_the_request_line() -> None:
    view = as_dict(update_modal('{"request":12}', "REQ-12", "REQ-12 · Acme · Figma"))
    assert_valid_view(view)
    assert view["callback_id"] == CallbackId.UPDATE == "update"
    assert view["title"]["text"] == "Daily update"
    assert view["private_metadata"] == '{"request":12}'
    assert view["blocks"][0] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "REQ-12 · Acme · Figma"}],
    }
    blocks = inputs(view)
    assert list(blocks) == ["status", "vendor_position", "next_step", "next_step_date", "blockers"]
    assert {b["element"]["action_id"] for b in blocks.values()} == {"value"}
    assert not blocks["status"].get("optional")
    assert all(blocks[k]["optional"] for k in list(blocks)[1:])
    assert blocks["status"]["element"]["multiline"] is True
    assert blocks["next_step"]["element"]["multiline"] is False
    assert blocks["next_step_date"]["element"]["type"] == "datepicker"


def test_update_modal_survives_a_huge_title_line() -> None:
    view = as_dict(update_modal("", "REQ-2147483647", "<&>" * 3000))
    assert_valid_view(view)
    assert len(view["blocks"][0]["elements"][0]["text"]) <= 300


def test_parse_update_reads_every_field() -> None:
    assert parse_update(update_state(), TODAY) == UpdateInput(
        status="Vendor sent a revised quote.",
        vendor_position="Holding at 10% off",
        next_step="Call with AE",
        next_step_date=date(2026, 12, 1),
        blockers=None,
    )


def test_parse_update_accepts_a_next_step_today() -> None:
    parsed = parse_update(update_state(next_step_date=picked_date("2026-11-26")), TODAY)
    assert parsed.next_step_date == TODAY


def test_parse_update_needs_only_a_status() -> None:
    state = {"status": text("Waiting on legal")}
    assert parse_update(state, TODAY) == UpdateInput("Waiting on legal", None, None, None, None)


@pytest.mark.parametrize("value", [None, "", "  \n "])
def test_parse_update_refuses_a_blank_status(value: str | None) -> None:
    errors = field_errors(parse_update, update_state(status=text(value)), TODAY)
    assert list(errors) == ["status"]


def test_parse_update_refuses_a_next_step_date_in_the_past() -> None:
    errors = field_errors(
        parse_update, update_state(next_step_date=picked_date("2026-11-25")), TODAY
    )
    assert errors == {"next_step_date": "Nov 25, 2026 is in the past; pick today or a later date."}


# --- the update as posted in the thread ------------------------------------------------------


def test_update_text_shows_every_part() -> None:
    update = UpdateInput("Revised quote", "10% off", "Call with AE", date(2026, 12, 1), "Legal")
    assert update_text(update) == (
        "*Status:* Revised quote\n"
        "*Vendor position:* 10% off\n"
        "*Next step:* Call with AE (by Dec 1, 2026)\n"
        "*Blockers:* Legal"
    )


def test_update_text_omits_absent_parts() -> None:
    assert update_text(UpdateInput("On track", None, None, None, None)) == "*Status:* On track"
    only_date = UpdateInput("On track", None, None, date(2026, 12, 1), None)
    assert update_text(only_date) == "*Status:* On track\n*Next step:* (by Dec 1, 2026)"


def test_update_text_escapes_what_the_buyer_typed() -> None:
    update = UpdateInput("ping <!channel> & <@U0EM00001>", None, None, None, None)
    assert update_text(update) == "*Status:* ping &lt;!channel&gt; &amp; &lt;@U0EM00001&gt;"
