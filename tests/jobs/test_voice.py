"""SPEC "Voice", end to end: everything podbot sent the Slack test server (posts, edits, DMs,
ephemerals, the Home, files) and every answer to a command, over one avoidance claim's life on
POD Beta (New York) — superseded, queued for the em, in the aging report, escalated, on the
em's Home, approved, in the customer's check-in pack and on the request's timeline.

The rules: one date format (a Slack date token `{date_short}` or `{date_short} {time}` whose
fallback is the POD's date, and the same words where Slack cannot render one); "working hours"
in words; no internal ids; an avoidance claim says "avoided", never "saved".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.jobs import JOBS
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.digests import BETA, BUYER, EM, dms, negotiating, ny, remind
from tests.helpers.home import open_home
from tests.jobs.conftest import run_job

NEW_YORK = ZoneInfo("America/New_York")
ANALYST = "U0ANA0002"
_HUMAN_KEYS = {"text", "title", "alt_text", "alt_txt", "initial_comment"}
_TOKEN = re.compile(r"<!date\^[^>]*>")
_GOOD_TOKEN = re.compile(
    r"<!date\^(?P<unix>\d+)\^\{date_short\}(?P<time> \{time\})?"
    r"\|(?P<fallback>[A-Z][a-z]{2} \d{1,2}, \d{4}(?: \d\d:\d\d [A-Z]{3})?)>"
)
_FORBIDDEN = {
    "an abbreviation of working hours": re.compile(r"\bwh\b|\b\d+ ?h\b"),
    "an internal id": re.compile(r"claim #|#\d|claim_id"),
    "'saved' for an avoidance claim": re.compile(r"\bsaved\b", re.IGNORECASE),
    "an ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "another date form": re.compile(
        r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
        r"|Nov|Dec)\b"
    ),
}


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def human_texts(node: Any, plain: bool = False) -> Iterator[tuple[str, bool]]:
    """(text, is it plain text) for every string a person reads in a payload."""
    node = _decoded(node)
    if isinstance(node, dict):
        plain = plain or node.get("type") in ("plain_text", "header", "button")
        for key, value in node.items():
            value = _decoded(value)
            if key in _HUMAN_KEYS and isinstance(value, str):
                yield value, plain or node.get("type") == "plain_text" or key != "text"
            elif key not in ("metadata", "private_metadata", "value", "url", "filename"):
                yield from human_texts(value, plain and key != "elements")
    elif isinstance(node, list):
        for item in node:
            yield from human_texts(item, plain)


def test_what_people_read_keeps_one_voice(bot: RunningBot, proc: Proc, clock: ManualClock) -> None:
    answers: list[Any] = []
    number = negotiating(proc, clock, ny(25, 14))
    clock.set(ny(25, 15))  # Wednesday 15:00; Thursday is Thanksgiving
    answers.append(proc.answer(BUYER, f"update {number} vendor at 39.5k", BETA))
    answers.append(proc.answer(BUYER, f"savings {number} 48k 42k avoidance", BETA))
    superseding = proc.answer(BUYER, f"savings {number} 48k 39.5k avoidance", BETA)
    answers.append(superseding)
    assert superseding["text"] == (
        "Cost-avoidance claim of $8,500 (17.7%) on REQ-1 posted in its thread for "
        f"<@{EM}> to approve. It supersedes the pending cost-avoidance claim of $6,000 (12.5%)."
    )
    remind(bot, ny(27, 15))  # 24 working hours: the em's approval queue
    (queue,) = dms(bot, EM)
    claimed = int(ny(25, 15).timestamp())
    assert (
        f"<@{BUYER}> claims *$8,500 (17.7%)* avoided · no other approved Zoom claims yet · "
        f"claimed <!date^{claimed}^{{date_short}} {{time}}|Nov 25, 2026 15:00 EST>"
    ) in blocks_text(queue.blocks)
    run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("beta"), now=ny(30, 9))
    report = [m for m in bot.api.messages(BETA) if m.text.startswith("Aging report")][-1]
    assert report.blocks and report.blocks[0]["text"]["text"] == (
        "Aging report · POD Beta · Nov 30, 2026"
    )
    assert (
        f"$8,500 (17.7%) avoided · claimed <!date^{claimed}^{{date_short}}|Nov 25, 2026>"
    ) in blocks_text(report.blocks)
    assert "1 claim escalation" in remind(bot, ny(30, 15))  # 48 working hours
    card = proc.card(number)
    raised = [m.text for m in bot.api.thread(card.channel, card.ts) if "pending for 48" in m.text]
    assert raised == [
        ":rotating_light: *Waiting for an em* — the cost-avoidance claim of $8,500 (17.7%) on "
        "REQ-1 (Globex · Zoom) has been pending for 48 working hours. <@U0EM00002>"
    ]
    home = open_home(bot, EM)
    assert (
        f"$8,500 (17.7%) avoided, claimed by <@{BUYER}> "
        f"<!date^{claimed}^{{date_short}} {{time}}|Nov 25, 2026 15:00 EST>"
    ) in blocks_text(home["blocks"])
    clock.set(ny(30, 16, 5))
    bot.slack.block_action("savings_approve", "2", EM, queue.channel, queue.ts, message=queue)
    bot.wait_idle()
    approved = int(ny(30, 16, 5).timestamp())
    pack = proc.answer(ANALYST, "checkin globex", BETA)
    answers.append(pack)
    assert (
        f"• REQ-1 Zoom — $8,500 avoided, approved <!date^{approved}^{{date_short}}|Nov 30, 2026>"
    ) in pack["text"]
    status = proc.answer(EM, f"status {number}", BETA)
    answers.append(status)
    timeline = blocks_text(status["blocks"])
    assert "superseded a savings claim: $6,000 (12.5%) replaced by $8,500 (17.7%)" in timeline
    assert (
        "escalated a pending savings claim: cost-avoidance claim of $8,500 (17.7%) pending 48 "
        "working hours"
    ) in timeline
    assert "approved savings: $8,500 (17.7%) avoided" in timeline

    # Everything the server received and every answer, against the rules.
    payloads = [c.params for c in bot.api.calls if not c.method.startswith(("auth.", "users."))]
    # CSV files are data: their dates are ISO (tests/blocks/test_aging_report.py and
    # tests/jobs/test_renewal_calendar.py check them); every other file is read by people.
    files = [
        f.content.decode("utf-8") for f in bot.api.files.values() if not f.filename.endswith(".csv")
    ]
    read = [*human_texts(payloads), *human_texts(answers), *((f, True) for f in files)]
    assert len(read) > 50
    tokens = 0
    for text, plain in read:
        for rule, pattern in _FORBIDDEN.items():
            assert not pattern.search(text), f"{rule} in {text!r}"
        for token in _TOKEN.findall(text):
            assert not plain, f"a date token in plain text: {text!r}"
            found = _GOOD_TOKEN.fullmatch(token)
            assert found, f"not the one date form: {token!r}"
            local = datetime.fromtimestamp(int(found["unix"]), UTC).astimezone(NEW_YORK)
            pod_date = f"{local:%b} {local.day}, {local.year}"
            if found["time"]:
                pod_date += f" {local:%H:%M} {local.tzname()}"
            assert found["fallback"] == pod_date, token  # the POD's date, as Slack would show
            tokens += 1
    assert tokens > 10
