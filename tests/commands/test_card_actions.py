"""Issue 19: the card's buttons do what their commands do, for the same people, and the Log as
update message shortcut posts a message as an update (signed HTTP → podbot → Slack test server)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.config import Config
from bot.db.models import Quote, SavingsClaim
from bot.jobs import JOBS
from bot.manifest import manifest
from slackfake.web_api import Message
from tests.commands.conftest import ALPHA, ANALYST, BUYER, CSM, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.card_actions import opened_view, submit
from tests.helpers.modals import fill
from tests.jobs.conftest import run_job

# Hold (issue 30) on an open card with a clock: intake (qualification) and negotiating (TAT).
INTAKE_BUTTONS = ["card_qualify", "card_disqualify", "card_hold"]
QUALIFIED_BUTTONS = ["card_assign"]
# …the contract checklist's and the vendor file's (issue 33), and Hold (issue 30).
NEGOTIATING_BUTTONS = [
    "card_update", "card_quote", "card_savings", "card_close", "card_checklist", "card_vendor",
    "card_hold",
]  # fmt: skip


def buttons(blocks: list[dict[str, Any]] | None) -> list[str]:
    """The action ids of a message's actions blocks, in order."""
    return [
        element["action_id"]
        for block in blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def click(bot: RunningBot, user: str, action: str, card: Message, value: str | None = None) -> None:
    response = bot.slack.block_action(action, value, user, card.channel, card.ts, message=card)
    assert response.status == 200, response.text
    bot.wait_idle()


def ephemerals_to(bot: RunningBot, user: str) -> list[str]:
    return [
        c.params["text"] for c in bot.api.calls_to("chat.postEphemeral") if c.params["user"] == user
    ]


def texts(messages: list[Message]) -> list[str]:
    return [m.text for m in messages]


def new_request(proc: Proc, customer: str = "Acme", tool: str = "Figma") -> int:
    proc(ANALYST, f"new {customer} | {tool} | new")
    return proc.request_count()


def negotiating(proc: Proc, customer: str = "Acme", tool: str = "Figma") -> int:
    number = new_request(proc, customer, tool)
    proc(ANALYST, f"qualify {number}")
    proc(ANALYST, f"assign {number} <@{BUYER}>")
    return number


def history(proc: Proc, number: int) -> list[str]:
    """The thread's lines without the first (`opened by`) one."""
    return texts(proc.thread(number))


# --- each stage shows exactly its buttons -----------------------------------------------------


def test_each_stage_shows_exactly_its_buttons(bot: RunningBot, proc: Proc) -> None:
    number = new_request(proc)
    posted = [
        c
        for c in bot.api.calls_to("chat.postMessage")
        if "blocks" in c.params and not c.params.get("thread_ts")
    ]
    blocks = posted[-1].params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert buttons(blocks) == INTAKE_BUTTONS
    assert buttons(proc.card(number).blocks) == INTAKE_BUTTONS

    def last_update() -> list[dict[str, Any]]:
        call = bot.api.calls_to("chat.update")[-1]
        assert call.params["ts"] == proc.card(number).ts
        raw = call.params["blocks"]
        return list(json.loads(raw) if isinstance(raw, str) else raw)

    proc(ANALYST, f"qualify {number}")
    assert buttons(last_update()) == QUALIFIED_BUTTONS
    picker = next(b for b in last_update() if b["type"] == "actions")
    assert picker["block_id"] == f"card_actions:{number}"
    assert picker["elements"][0]["type"] == "static_select"
    proc(ANALYST, f"assign {number} <@{BUYER}>")
    assert buttons(last_update()) == NEGOTIATING_BUTTONS
    proc(BUYER, f"close {number} lost too pricey")
    # A closed card's one button: an em marks it a case study of its tool's playbook (issue 34).
    assert buttons(last_update()) == ["card_case_study"]
    assert buttons(proc.card(number).blocks) == ["card_case_study"]
    # A disqualified card has none either; /proc status shows the card without buttons.
    other = new_request(proc, "Globex", "Slack")
    proc(ANALYST, f"disqualify {other} duplicate")
    assert buttons(proc.card(other).blocks) == []
    live = negotiating(proc, "Initech", "Miro")
    answer = proc.answer(BUYER, f"status {live}")
    assert buttons(answer.get("blocks")) == []


# --- intake: Qualify, Disqualify --------------------------------------------------------------


def test_the_qualify_button_does_what_the_command_does(bot: RunningBot, proc: Proc) -> None:
    by_command = new_request(proc)
    by_button = new_request(proc, "Globex", "Slack")
    proc(ANALYST, f"qualify {by_command}")
    click(bot, ANALYST, "card_qualify", proc.card(by_button))
    one, two = proc.request(by_command), proc.request(by_button)
    assert (two.stage, two.analyst_id) == (one.stage, one.analyst_id) == ("qualified", ANALYST)
    assert history(proc, by_button) == history(proc, by_command)
    assert history(proc, by_button)[-1] == f":white_check_mark: Qualified by <@{ANALYST}>."
    assert buttons(proc.card(by_button).blocks) == buttons(proc.card(by_command).blocks)
    assert ephemerals_to(bot, ANALYST)[-1] == f"REQ-{by_button} is qualified."


def test_a_buyer_clicking_qualify_is_refused_and_nothing_changes(
    bot: RunningBot, proc: Proc
) -> None:
    number = new_request(proc)
    card = proc.card(number)
    before = history(proc, number)
    updates = len(bot.api.calls_to("chat.update"))
    click(bot, BUYER, "card_qualify", card)
    assert ephemerals_to(bot, BUYER) == [
        ":warning: Only an analyst or em may do that; in POD Alpha you are buyer."
        "\nUsage: `/proc qualify REQ`"
    ]
    assert proc.request(number).stage == "intake"
    assert history(proc, number) == before
    assert len(bot.api.calls_to("chat.update")) == updates
    # The command refuses the same person with the same words.
    assert proc(BUYER, f"qualify {number}") == ephemerals_to(bot, BUYER)[0]  # the same words


def test_the_disqualify_button_asks_the_reason_then_disqualifies(
    bot: RunningBot, proc: Proc
) -> None:
    by_command = new_request(proc)
    by_button = new_request(proc, "Globex", "Slack")
    proc(ANALYST, f"disqualify {by_command} Duplicate of REQ-9 &amp; out of scope")
    click(bot, ANALYST, "card_disqualify", proc.card(by_button))
    view = opened_view(bot)
    assert view["callback_id"] == "card_disqualify"
    assert proc.request(by_button).stage == "intake"  # nothing until the reason is given
    assert submit(bot, ANALYST, view, fill(view, {"reason": ""}))["response_action"] == "errors"
    reason = fill(view, {"reason": "Duplicate of REQ-9 & out of scope"})
    assert submit(bot, ANALYST, view, reason) is None
    one, two = proc.request(by_command), proc.request(by_button)
    assert (two.stage, two.resolution_note) == (one.stage, one.resolution_note)
    assert two.stage == "disqualified"
    assert history(proc, by_button) == history(proc, by_command)
    assert history(proc, by_button)[-1] == (
        f":no_entry: Disqualified by <@{ANALYST}>: Duplicate of REQ-9 &amp; out of scope"
    )


def test_a_csm_cannot_open_the_disqualify_form(bot: RunningBot, proc: Proc) -> None:
    number = new_request(proc)
    click(bot, CSM, "card_disqualify", proc.card(number))
    assert bot.api.calls_to("views.open") == []
    assert ephemerals_to(bot, CSM) == [
        ":warning: Only an analyst or em may do that; in POD Alpha you are csm."
        "\nUsage: `/proc disqualify REQ <reason>`"
    ]


# --- qualified: the buyer picker --------------------------------------------------------------


def test_picking_a_buyer_assigns_as_the_command_does(bot: RunningBot, proc: Proc) -> None:
    by_command = new_request(proc)
    by_button = new_request(proc, "Globex", "Slack")
    proc(ANALYST, f"qualify {by_command}")
    proc(ANALYST, f"qualify {by_button}")
    proc(ANALYST, f"assign {by_command} <@{BUYER}>")
    click(bot, ANALYST, "card_assign", proc.card(by_button), value=BUYER)
    one, two = proc.request(by_command), proc.request(by_button)
    assert (two.stage, two.buyer_id, two.tat_due_at) == (one.stage, one.buyer_id, one.tat_due_at)
    assert two.stage == "negotiating"
    assert history(proc, by_button) == history(proc, by_command)
    assert history(proc, by_button)[-1].startswith(f":handshake: Assigned to <@{BUYER}> by ")
    assert buttons(proc.card(by_button).blocks) == NEGOTIATING_BUTTONS


def test_the_picker_offers_the_pods_buyers_by_their_slack_names(
    bot: RunningBot, proc: Proc
) -> None:
    bot.api.add_user(BUYER, name="bea", real_name="Bea Byers", display_name="Bea")
    # The people cache, as the daily people-refresh keeps it (users.info).
    outcome = run_job(bot.runtime, JOBS["people-refresh"], bot.runtime.config.pod("alpha"))
    assert outcome.outcome == "ok", outcome
    number = new_request(proc)
    proc(ANALYST, f"qualify {number}")
    (picker,) = [
        element
        for block in proc.card(number).blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    # POD Alpha's one buyer, by the name Slack knows them by: not its em, analyst or csm, nor
    # POD Beta's buyer (Slack's users_select would have offered the whole workspace).
    assert picker["type"] == "static_select"
    assert picker["placeholder"]["text"] == "Assign to a buyer…"
    assert [(o["text"]["text"], o["value"]) for o in picker["options"]] == [("Bea", BUYER)]


def test_a_buyer_slack_cannot_name_is_offered_by_id_and_the_card_still_goes_out(
    bot: RunningBot, proc: Proc
) -> None:
    bot.api.fail("users.info", error="user_not_found", times=None)
    outcome = run_job(bot.runtime, JOBS["people-refresh"], bot.runtime.config.pod("alpha"))
    assert outcome.outcome == "ok", outcome
    number = new_request(proc)
    proc(ANALYST, f"qualify {number}")
    picker = next(b for b in proc.card(number).blocks or [] if b["type"] == "actions")
    assert [(o["text"]["text"], o["value"]) for o in picker["elements"][0]["options"]] == [
        (BUYER, BUYER)
    ]
    click(bot, ANALYST, "card_assign", proc.card(number), value=BUYER)
    assert proc.request(number).buyer_id == BUYER
    # Drawing a card asks Slack nothing: names come from the people cache.
    assert len(bot.api.calls_to("users.info")) == len(bot.runtime.config.pod("alpha").members)


def test_the_picker_refuses_a_non_buyer_and_a_buyer_using_it(bot: RunningBot, proc: Proc) -> None:
    number = new_request(proc)
    proc(ANALYST, f"qualify {number}")
    before = history(proc, number)
    # The menu offers buyers only, but who is a buyer is checked again at click time (a pick
    # from a card drawn before the config changed, or a forged one).
    click(bot, ANALYST, "card_assign", proc.card(number), value=CSM)
    assert ephemerals_to(bot, ANALYST)[-1] == (
        f":warning: <@{CSM}> is not a buyer in POD Alpha, so cannot be assigned; "
        f"POD Alpha's buyers: <@{BUYER}>.\nUsage: `/proc assign REQ @buyer`"
    )
    click(bot, BUYER, "card_assign", proc.card(number), value=BUYER)
    assert ephemerals_to(bot, BUYER)[-1].startswith(":warning: Only an analyst or em may do that")
    request = proc.request(number)
    assert (request.stage, request.buyer_id) == ("qualified", None)
    assert history(proc, number) == before


# --- negotiating: Post update, Log quote, Claim savings, Close --------------------------------


def test_post_update_opens_the_update_modal_and_posts_as_the_command(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    click(bot, BUYER, "card_update", proc.card(number))
    view = opened_view(bot)
    assert view["callback_id"] == "update"
    submit(bot, BUYER, view, fill(view, {"status": "Vendor came back at 45k"}))
    line = history(proc, number)[-1]
    assert line == f":memo: *Update* from <@{BUYER}>:\n>*Status:* Vendor came back at 45k"
    # `/proc update REQ` opens the same form, and the same answers post the same line.
    proc(BUYER, f"update {number}")
    view = opened_view(bot)
    submit(bot, BUYER, view, fill(view, {"status": "Vendor came back at 45k"}))
    assert history(proc, number)[-2:] == [line, line]


def test_post_update_is_refused_to_the_analyst(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    click(bot, ANALYST, "card_update", proc.card(number))
    assert bot.api.calls_to("views.open") == []
    assert ephemerals_to(bot, ANALYST)[-1] == (
        ":warning: Only the assigned buyer or an em may do that; in POD Alpha you are analyst."
        "\nUsage: `/proc update REQ <text>`"
    )


def test_log_quote_records_the_quote_as_the_command(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(BUYER, f"quote {number} Canva 45k")
    click(bot, BUYER, "card_quote", proc.card(number))
    view = opened_view(bot)
    assert view["callback_id"] == "card_quote"
    errors = submit(bot, BUYER, view, fill(view, {"vendor": "Canva", "amount": "lots"}))
    assert errors is not None and "amount" in errors["errors"]
    assert submit(bot, BUYER, view, fill(view, {"vendor": "Canva", "amount": "40k"})) is None
    lines = history(proc, number)
    assert lines[-2] == (
        f":receipt: *Quote* recorded by <@{BUYER}>: *Canva* — $45,000 (1 competing quote so far)"
    )
    # Canva's second quote revises its first: still one competitor.
    assert lines[-1] == (
        f":receipt: *Quote* revised by <@{BUYER}>: *Canva* revised $45,000 → $40,000 "
        "(1 competing quote so far)"
    )
    with bot.db.transaction() as session:
        quotes = [(q.vendor, int(q.amount)) for q in session.scalars(select(Quote))]
    assert quotes == [("Canva", 45000), ("Canva", 40000)]
    # A csm may not record a quote: the form does not open.
    opened = len(bot.api.calls_to("views.open"))
    click(bot, CSM, "card_quote", proc.card(number))
    assert len(bot.api.calls_to("views.open")) == opened
    assert ephemerals_to(bot, CSM)[-1].startswith(":warning: Only a buyer or em may do that")


def test_claim_savings_posts_a_claim_as_the_command(bot: RunningBot, proc: Proc) -> None:
    by_command = negotiating(proc)
    by_button = negotiating(proc, "Globex", "Slack")
    proc(BUYER, f"savings {by_command} 48000 39500 avoidance")
    click(bot, BUYER, "card_savings", proc.card(by_button))
    view = opened_view(bot)
    assert view["callback_id"] == "card_savings"
    values = fill(view, {"baseline": "48000", "final": "39500"})
    values["avoidance"] = {
        "value": {
            "type": "checkboxes",
            "selected_options": [
                {"value": "avoidance", "text": {"type": "plain_text", "text": "Cost avoidance"}}
            ],
        }
    }
    assert submit(bot, BUYER, view, values) is None
    with bot.db.transaction() as session:
        claims = {
            c.request_id: (c.kind, int(c.baseline), int(c.final), c.status, c.created_by)
            for c in session.scalars(select(SavingsClaim))
        }
    assert claims[by_button] == claims[by_command] == (
        "avoidance", 48000, 39500, "pending", BUYER
    )  # fmt: skip
    assert len(proc.thread(by_button)) == len(proc.thread(by_command))
    # An analyst may not claim: refused, no form, no claim.
    opened = len(bot.api.calls_to("views.open"))
    click(bot, ANALYST, "card_savings", proc.card(by_button))
    assert len(bot.api.calls_to("views.open")) == opened
    assert ephemerals_to(bot, ANALYST)[-1].startswith(
        ":warning: Only the assigned buyer or an em may do that"
    )


def test_close_closes_as_the_command_and_leaves_only_the_case_study_button(
    bot: RunningBot, proc: Proc
) -> None:
    by_command = negotiating(proc)
    by_button = negotiating(proc, "Globex", "Slack")
    proc(BUYER, f"close {by_command} won 3-year deal")
    click(bot, BUYER, "card_close", proc.card(by_button))
    view = opened_view(bot)
    assert view["callback_id"] == "card_close"
    assert submit(bot, BUYER, view, fill(view, {"outcome": "won", "note": "3-year deal"})) is None
    one, two = proc.request(by_command), proc.request(by_button)
    assert (two.stage, two.outcome, two.resolution_note) == (
        one.stage, one.outcome, one.resolution_note
    ) == ("closed", "won", "3-year deal")  # fmt: skip
    by_command_lines = [
        t.replace(f"REQ-{by_command}", f"REQ-{by_button}") for t in history(proc, by_command)
    ]
    assert history(proc, by_button) == by_command_lines
    assert f":trophy: Closed *won* by <@{BUYER}>: 3-year deal" in history(proc, by_button)
    assert buttons(proc.card(by_button).blocks) == ["card_case_study"]


def test_hold_asks_whom_and_why_then_holds_as_the_command_and_resume_ends_it(
    bot: RunningBot, proc: Proc
) -> None:
    by_command = negotiating(proc)
    by_button = negotiating(proc, "Globex", "Slack")
    proc(BUYER, f"hold {by_command} customer InfoSec questionnaire")
    click(bot, BUYER, "card_hold", proc.card(by_button))
    view = opened_view(bot)
    assert view["callback_id"] == "card_hold"
    # Both fields are required: nothing is written without them.
    answer = submit(bot, BUYER, view, fill(view, {"reason": ""}))
    assert answer is not None and set(answer["errors"]) == {"party", "reason"}
    assert "on hold" not in "\n".join(history(proc, by_button))
    values = fill(view, {"party": "customer", "reason": "InfoSec questionnaire"})
    assert submit(bot, BUYER, view, values) is None
    lines = [t.replace(f"REQ-{by_command}", f"REQ-{by_button}") for t in history(proc, by_command)]
    assert history(proc, by_button) == lines
    assert any("*On hold* — waiting on the customer" in t for t in history(proc, by_button))
    # A held card offers Resume instead of Hold; Resume ends the hold.
    held = buttons(proc.card(by_button).blocks)
    assert "card_resume" in held and "card_hold" not in held
    click(bot, BUYER, "card_resume", proc.card(by_button))
    assert any("*Resumed*" in t for t in history(proc, by_button))
    assert buttons(proc.card(by_button).blocks) == NEGOTIATING_BUTTONS
    # The csm may not hold: refused at the click, no form opened.
    opened = len(bot.api.calls_to("views.open"))
    click(bot, CSM, "card_hold", proc.card(by_button))
    assert len(bot.api.calls_to("views.open")) == opened
    assert ephemerals_to(bot, CSM)


def test_close_refusals_match_the_command(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    before = history(proc, number)
    # A csm may neither close nor cancel: the form does not open.
    click(bot, CSM, "card_close", proc.card(number))
    assert bot.api.calls_to("views.open") == []
    assert ephemerals_to(bot, CSM)[-1].startswith(":warning: Only the assigned buyer")
    # The buyer may close won/lost but not cancel: the form says so and nothing changes.
    click(bot, BUYER, "card_close", proc.card(number))
    view = opened_view(bot)
    answer = submit(bot, BUYER, view, fill(view, {"outcome": "cancelled"}))
    assert answer is not None and answer["response_action"] == "errors"
    assert answer["errors"]["outcome"] == (
        "Only an analyst or em may do that; in POD Alpha you are buyer."
    )
    # The command says the same sentence, then its usage line.
    assert proc(BUYER, f"close {number} cancelled") == (
        ":warning: Only an analyst or em may do that; in POD Alpha you are buyer."
        "\nUsage: `/proc close REQ won|lost|cancelled [note]  ·  close REQ won | <annual amount> "
        "| <renewal YYYY-MM-DD> [| monthly|annual]`"
    )
    assert proc.request(number).stage == "negotiating"
    assert history(proc, number) == before


def test_em_may_cancel_from_the_card(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    click(bot, EM, "card_close", proc.card(number))
    view = opened_view(bot)
    assert submit(bot, EM, view, fill(view, {"outcome": "cancelled", "note": "budget cut"})) is None
    request = proc.request(number)
    assert (request.stage, request.outcome) == ("closed", "cancelled")
    assert history(proc, number)[-1] == f":wastebasket: Closed *cancelled* by <@{EM}>: budget cut"


# --- the Log as update shortcut ---------------------------------------------------------------


def shortcut(bot: RunningBot, user: str, message: Message) -> None:
    response = bot.slack.message_shortcut("log_as_update", user, message.channel, message)
    assert response.status == 200, response.text
    bot.wait_idle()


def test_log_as_update_posts_the_message_in_the_request_thread_with_a_link(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    said = bot.api.add_message(ALPHA, "Vendor came back at 45k &amp; wants a 3-year term", BUYER)
    shortcut(bot, BUYER, said)
    view = opened_view(bot)
    assert view["callback_id"] == "update"
    status = next(b for b in view["blocks"] if b.get("block_id") == "status")
    assert status["element"]["initial_value"] == "Vendor came back at 45k & wants a 3-year term"
    link = f"https://example.slack.com/archives/{ALPHA}/p{said.ts.replace('.', '')}"
    assert link in json.dumps(view["blocks"])
    submit(bot, BUYER, view, fill(view, {"status": status["element"]["initial_value"]}))
    line = history(proc, number)[-1]
    assert line.startswith(f":memo: *Update* from <@{BUYER}>:\n>")
    assert "Vendor came back at 45k &amp; wants a 3-year term" in line
    assert f"<{link}|Original message>" in line
    assert proc.thread(number)[-1].thread_ts == proc.card(number).ts


def test_log_as_update_on_a_thread_message_confirms_in_that_thread(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    card = proc.card(number)
    said = bot.api.add_message(ALPHA, "CFO approved the budget", BUYER, thread_ts=card.ts)
    shortcut(bot, BUYER, said)
    view = opened_view(bot)
    submit(bot, BUYER, view, fill(view, {"status": "CFO approved the budget"}))
    (told,) = [
        c.params for c in bot.api.calls_to("chat.postEphemeral")
        if c.params["text"] == f"Update posted in REQ-{number}'s thread."
    ]  # fmt: skip
    assert (told["channel"], told["user"], told.get("thread_ts")) == (ALPHA, BUYER, card.ts)


def test_log_as_update_lets_a_buyer_with_several_requests_choose(
    bot: RunningBot, proc: Proc
) -> None:
    first = negotiating(proc)
    second = negotiating(proc, "Globex", "Slack")
    said = bot.api.add_message(ALPHA, "Globex legal signed off", BUYER)
    shortcut(bot, BUYER, said)
    view = opened_view(bot)
    picker = next(b for b in view["blocks"] if b.get("block_id") == "request")
    assert [o["value"] for o in picker["element"]["options"]] == [str(first), str(second)]
    answer = submit(bot, BUYER, view, fill(view, {"status": "Globex legal signed off"}))
    assert answer is not None and answer["errors"] == {
        "request": "Choose the request this update is about."
    }
    values = fill(view, {"status": "Globex legal signed off", "request": str(second)})
    assert submit(bot, BUYER, view, values) is None
    assert "Globex legal signed off" in history(proc, second)[-1]
    assert not any("Globex legal" in t for t in history(proc, first))


def test_log_as_update_without_a_negotiating_request_says_so(bot: RunningBot, proc: Proc) -> None:
    new_request(proc)
    said = bot.api.add_message(ALPHA, "Anyone heard from Figma?", CSM)
    shortcut(bot, CSM, said)
    assert bot.api.calls_to("views.open") == []
    assert ephemerals_to(bot, CSM) == [
        ":warning: You have no request under negotiation in POD Alpha, so there is nothing to "
        "log this message on (Log as update posts it in the thread of a request assigned to you)."
    ]


def test_log_as_update_refused_on_a_thread_message_is_told_in_that_thread(
    bot: RunningBot, proc: Proc
) -> None:
    number = new_request(proc)
    card = proc.card(number)
    said = bot.api.add_message(ALPHA, "Anyone heard from Figma?", CSM, thread_ts=card.ts)
    shortcut(bot, CSM, said)
    (told,) = [c.params for c in bot.api.calls_to("chat.postEphemeral")]
    assert (told["channel"], told["user"], told.get("thread_ts")) == (ALPHA, CSM, card.ts)
    assert told["text"].startswith(":warning: You have no request under negotiation")


def test_the_manifest_declares_the_shortcut(test_config: Config) -> None:
    shortcuts = manifest("https://podbot.example.com", config=test_config)["features"]["shortcuts"]
    assert shortcuts == [
        {
            "name": "Log as update",
            "type": "message",
            "callback_id": "log_as_update",
            "description": "Post this message as an update on one of your requests",
        }
    ]
