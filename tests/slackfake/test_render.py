"""The sandbox page shows Slack formatting and podbot's Block Kit readably, and nothing more."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slackfake.render import Renderer

NOW = datetime(2026, 11, 23, 4, 30, tzinfo=UTC)  # Monday 10:00 in Bengaluru


def renderer() -> Renderer:
    names = {"U0ROHAN01": "Rohan Mehta"}
    return Renderer(
        names=lambda user: names.get(user, user),
        zone=ZoneInfo("Asia/Kolkata"),
        now=NOW,
        channel_names={"C0BLR0001": "pod-bengaluru"},
    )


def test_mrkdwn_formatting_mentions_links_and_emoji() -> None:
    html = renderer().mrkdwn(
        "*REQ-1* is _late_ ~gone~ `code` :warning: <@U0ROHAN01> in <#C0BLR0001> "
        "<https://vendor.example.com/q?a=1&amp;b=2|the quote>"
    )
    assert "<b>REQ-1</b>" in html
    assert "<i>late</i>" in html
    assert "<s>gone</s>" in html
    assert "<code>code</code>" in html
    assert "⚠️" in html
    assert '<span class="mention">@Rohan Mehta</span>' in html
    assert '<span class="mention">#pod-bengaluru</span>' in html
    assert '<a href="https://vendor.example.com/q?a=1&amp;b=2" target="_blank"' in html


def test_typed_markup_is_shown_not_run() -> None:
    html = renderer().mrkdwn("&lt;script&gt;alert(1)&lt;/script&gt; & <javascript:alert(1)|x>")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert "javascript:" not in html


def test_date_tokens_read_in_the_viewers_zone_relative_to_the_sandbox_clock() -> None:
    unix = int(datetime(2026, 11, 24, 3, 30, tzinfo=UTC).timestamp())  # Tue 09:00 IST
    html = renderer().mrkdwn(f"due <!date^{unix}^{{date_short_pretty}} {{time}}|fallback>")
    assert html == "due Tomorrow 09:00"
    opened = int(datetime(2026, 11, 20, 4, 30, tzinfo=UTC).timestamp())
    assert "(3 days ago)" in renderer().mrkdwn(
        f"<!date^{opened}^Opened {{date_short}} ({{ago}})|x>"
    )


def test_an_archive_link_opens_the_message_in_the_page() -> None:
    link = "<https://example.slack.com/archives/C0BLR0001/p1795408200000012|this message>"
    html = renderer().mrkdwn(link)
    assert 'data-goto-channel="C0BLR0001"' in html
    assert 'data-goto-ts="1795408200.000012"' in html


def test_blocks_render_header_fields_context_divider_buttons_and_files() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "REQ-1 · Acme · Figma"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Stage*\n:handshake: Negotiating"},
                {"type": "mrkdwn", "text": "*Buyer*\n<@U0ROHAN01>"},
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "POD Bengaluru"}]},
        {"type": "divider"},
        {
            "type": "actions",
            "block_id": "claim_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "savings_approve",
                    "value": "7",
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Approve"},
                }
            ],
        },
    ]
    files = [{"id": "F01", "name": "aging.csv", "title": "Aging report (CSV)", "size": 2048}]
    html = renderer().message("fallback", blocks, files)
    assert '<div class="bk-header">REQ-1 · Acme · Figma</div>' in html
    assert "<b>Stage</b><br>🤝 Negotiating" in html
    assert '<hr class="bk-divider">' in html
    assert 'data-action-id="savings_approve"' in html
    assert 'data-block-id="claim_actions"' in html
    assert 'data-value="7"' in html
    assert "bk-button primary" in html
    assert '<a href="/sandbox/files/F01" download="aging.csv">Aging report (CSV)</a>' in html
    assert "2.0 KB" in html
    assert "fallback" not in html


def test_modal_inputs_become_form_fields_with_their_errors() -> None:
    view = {
        "blocks": [
            {
                "type": "input",
                "block_id": "customer",
                "label": {"type": "plain_text", "text": "Customer"},
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 200},
            },
            {
                "type": "input",
                "block_id": "type",
                "label": {"type": "plain_text", "text": "Type"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "options": [{"value": "new", "text": {"type": "plain_text", "text": "New"}}],
                },
            },
            {
                "type": "input",
                "block_id": "renewal_date",
                "optional": True,
                "label": {"type": "plain_text", "text": "Renewal date"},
                "element": {"type": "datepicker", "action_id": "value"},
            },
        ]
    }
    html = renderer().view(view, {"customer": "Enter the customer's name."})
    assert 'data-block-id="customer" data-action-id="value" data-type="plain_text_input"' in html
    assert 'maxlength="200"' in html
    assert '<div class="field-error">Enter the customer&#x27;s name.</div>' in html
    assert 'type="radio" name="type/value" value="new" data-text="New"' in html
    assert 'type="date"' in html
    assert "(optional)" in html


def test_a_select_menu_in_a_message_is_a_menu_the_page_sends_as_a_choice() -> None:
    picker = {
        "type": "static_select",
        "action_id": "card_assign",
        "placeholder": {"type": "plain_text", "text": "Assign to a buyer…"},
        "options": [
            {"text": {"type": "plain_text", "text": "Rohan <Mehta>"}, "value": "U0ROHAN01"},
        ],
        "option_groups": [
            {
                "label": {"type": "plain_text", "text": "EMs"},
                "options": [{"text": {"type": "plain_text", "text": "Ananya"}, "value": "U0A"}],
            }
        ],
    }
    people = {"type": "users_select", "action_id": "pick", "initial_user": "U0KAVYA01"}
    blocks = [{"type": "actions", "block_id": "card_actions:3", "elements": [picker, people]}]
    render = renderer()
    render.users = [("U0ROHAN01", "Rohan Mehta"), ("U0KAVYA01", "Kavya Iyer")]

    html = render.message("REQ-3", blocks)

    assert (
        '<select class="bk-select" data-action-id="card_assign" data-block-id="card_actions:3" '
        'data-type="static_select" aria-label="Assign to a buyer…">'
        '<option value="" disabled selected>Assign to a buyer…</option>'
        '<option value="U0ROHAN01" data-text="Rohan &lt;Mehta&gt;">Rohan &lt;Mehta&gt;</option>'
        '<optgroup label="EMs"><option value="U0A" data-text="Ananya">Ananya</option></optgroup>'
        "</select>"
    ) in html
    # A users_select offers the workspace's members, its initial user chosen.
    assert 'data-type="users_select"' in html
    assert '<option value="U0KAVYA01" data-text="Kavya Iyer" selected>Kavya Iyer</option>' in html
    assert len(re.findall(r"<select[^>]*>", html)) == 2
    assert re.findall(r"<select[^>]* disabled>", html) == []
    # An ephemeral's menus (as its buttons) are shown, not live.
    shown = render.message("REQ-3", blocks, interactive=False)
    assert len(re.findall(r"<select[^>]* disabled>", shown)) == 2
