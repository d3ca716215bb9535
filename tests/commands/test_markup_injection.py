"""What people type reaches Slack as what they typed: names and reasons cannot ping the channel,
disguise a link or broadcast under the bot's name (hardening item 3).

Slack sends slash command text with `<`, `>` and `&` escaped and a typed @channel as
`<!channel>`; modal values arrive exactly as typed, nothing escaped.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.jobs import JOBS
from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.markup_injection import negotiating, submit_intake
from tests.helpers.modals import fill, opened_view
from tests.helpers.savings import claim_message, click
from tests.jobs.conftest import run_job

# Typed in a modal: a disguised link, and a broadcast word Slack links when it parses a post.
EVIL_CUSTOMER = "<https://evil.example/login|Acme> @here"
EVIL_TOOL = "Figma <!channel>"
DEFUSED = "@\u2060"


def assert_harmless(text: str) -> None:
    """No live broadcast, user-group mention or link of the attacker's in a post's text."""
    for token in ("<!channel", "<!here", "<!everyone", "<!subteam", "<https://evil"):
        assert token not in text, text
    for word in ("@channel", "@here", "@everyone", "@buyers"):
        assert word not in text, text


def mrkdwn_of(blocks: Any) -> str:
    """Every mrkdwn text in blocks (plain_text, such as the card's header, is never parsed)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(blocks) if isinstance(blocks, str) else blocks)
    return "\n".join(out)


def posted_texts(bot: RunningBot) -> list[str]:
    """The text and the mrkdwn of every post and edit the bot made."""
    return [
        str(call.params.get("text") or "") + "\n" + mrkdwn_of(call.params.get("blocks"))
        for call in bot.api.calls_to("chat.postMessage") + bot.api.calls_to("chat.update")
    ]


def test_a_quote_s_vendor_cannot_ping_the_channel_or_disguise_a_link(
    bot: RunningBot, proc: Proc
) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    negotiating(proc, 1)
    # Typed: /proc quote REQ-1 @channel <https://evil.example/login|SHI International> 40k
    reply = proc(
        BUYER, "quote REQ-1 <!channel> &lt;https://evil.example/login|SHI International&gt; 40k"
    )
    assert_harmless(reply)
    (line,) = [m.text for m in proc.thread(1) if "*Quote*" in m.text]
    assert_harmless(line)
    # Shown as characters: names are plain text, so their markup is escaped.
    assert "*&lt;!channel&gt; &lt;https://evil.example/login|SHI International&gt;*" in line
    status = proc.answer(BUYER, "status REQ-1")
    assert_harmless(mrkdwn_of(status["blocks"]))


def test_names_from_the_intake_form_are_shown_as_typed_everywhere(
    bot: RunningBot, proc: Proc
) -> None:
    submit_intake(bot, proc, EVIL_CUSTOMER, EVIL_TOOL)
    # The same customer and tool again: the parallel-negotiation warning names them.
    submit_intake(bot, proc, EVIL_CUSTOMER, EVIL_TOOL, again=True)
    warnings = [m.text for m in proc.thread(1) if "Parallel negotiation?" in m.text]
    assert len(warnings) == 1
    assert (
        "&lt;https://evil.example/login|Acme&gt; @\u2060here · Figma &lt;!channel&gt;"
        in (warnings[0])
    )
    for confirmation in bot.api.calls_to("chat.postEphemeral"):
        assert_harmless(confirmation.params["text"])
    # The timeline stores the names as mrkdwn, like every other event text.
    status = proc.answer(ANALYST, "status REQ-1")
    timeline = mrkdwn_of(status["blocks"])
    assert "opened the request: &lt;https://evil.example/login|Acme&gt; @\u2060here" in timeline

    # A breach alert in the thread, and the analyst's breach digest DM, name them too.
    due = proc.request(1).qualification_due_at
    pod = bot.runtime.config.pod("alpha")
    assert "2 new" in run_job(bot.runtime, JOBS["tat-alerts"], pod, now=due)
    bot.wait_idle()
    (alert,) = [m.text for m in proc.thread(1) if "TAT breached" in m.text]
    assert "REQ-1 (&lt;https://evil.example/login|Acme&gt; @\u2060here · Figma" in alert
    # Due 20:30 in Kolkata, after office hours: the digest goes at 09:30 the next morning.
    assert "1 reminder DM" in run_job(
        bot.runtime, JOBS["reminders"], pod, now=due + timedelta(hours=13)
    )
    bot.wait_idle()
    (digest,) = [m for m in bot.api.messages(f"D{ANALYST[1:]}") if "breached" in m.text]
    listed = mrkdwn_of([block.to_dict() if hasattr(block, "to_dict") else block
                        for block in digest.blocks or []])  # fmt: skip
    assert listed.count("&lt;https://evil.example/login|Acme&gt; @\u2060here") == 2, listed
    for text in [*posted_texts(bot), timeline, listed]:
        assert_harmless(text)


def test_a_rejection_reason_from_the_form_is_shown_as_typed(bot: RunningBot, proc: Proc) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    negotiating(proc, 1)
    proc(BUYER, "savings 1 48000 39500")
    click(bot, EM, "savings_reject", claim_message(proc, 1))
    view: Any = bot.api.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    reason = "@channel see <https://evil.example/login|the real quote> & <!here>"
    values = {"reason": {"value": {"type": "plain_text_input", "value": reason}}}
    response = bot.slack.view_submission(
        "savings_reject", values, EM, private_metadata=view["private_metadata"]
    )
    assert response.status == 200 and not response.body
    bot.wait_idle()
    line = proc.thread(1)[-1].text
    assert "was rejected by <@U0EM00001>: " in line
    assert "@\u2060channel see &lt;https://evil.example/login|the real quote&gt; &amp; " in line
    assert_harmless(line)
    status = proc.answer(EM, "status REQ-1")
    assert_harmless(mrkdwn_of(status["blocks"]))
    for text in posted_texts(bot):
        assert_harmless(text)


def test_typed_broadcasts_in_updates_notes_and_reasons_are_not_reposted_live(
    bot: RunningBot, proc: Proc
) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "new Globex | Slack | new")
    negotiating(proc, 1)
    # Typed: @channel, @here, @everyone and a user group; Slack sends them as tokens.
    proc(BUYER, "update REQ-1 <!channel> vendor moved, <@U0EM00001> please look")
    proc(BUYER, "update REQ-1 cc <!subteam^S0BUYERS|@buyers>")
    proc(BUYER, "close REQ-1 won <!here|here> signed at 40k")
    proc(ANALYST, "disqualify REQ-2 <!everyone> duplicate")
    texts = posted_texts(bot)
    for text in texts:
        assert_harmless(text)
    thread = "\n".join(m.text for m in proc.thread(1))
    assert f">{DEFUSED}channel vendor moved, <@U0EM00001> please look" in thread  # person stays
    assert f">cc {DEFUSED}buyers" in thread
    assert f": {DEFUSED}here signed at 40k" in thread
    assert f"Disqualified by <@{ANALYST}>: {DEFUSED}everyone duplicate" in proc.thread(2)[-1].text
    for number in (1, 2):
        assert_harmless(mrkdwn_of(proc.answer(ANALYST, f"status REQ-{number}")["blocks"]))


def test_a_broadcast_typed_in_the_update_form_is_not_reposted_live(
    bot: RunningBot, proc: Proc
) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    negotiating(proc, 1)
    bot.slack.slash_command("update REQ-1", user_id=BUYER, channel_id=ALPHA, trigger_id="1.2")
    bot.wait_idle()
    _, view = opened_view(bot)
    answers = {"status": "@here vendor moved", "blockers": "legal, @everyone knows"}
    response = bot.slack.view_submission(
        view["callback_id"], fill(view, answers), BUYER, private_metadata=view["private_metadata"]
    )
    assert response.status == 200 and not response.body
    bot.wait_idle()
    update = proc.thread(1)[-1].text
    assert f"*Status:* {DEFUSED}here vendor moved" in update
    assert f"*Blockers:* legal, {DEFUSED}everyone knows" in update
    assert_harmless(update)
