"""Issue 28: the one table of consequences (`bot/consequences.py`), walked row by row.

Each domain event is recorded on a transaction of a running bot, and what the Slack test
server then received is read back as the consequences a reader finds in the table: the card
edited, a line in the thread, the claim message edited, the Homes republished, reminder DMs
settled. A new row (a ClickUp comment, a canvas edit) gets its line here.
"""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot import consequences
from bot.consequences import CONSEQUENCES
from bot.db.models import Contract, OutboxRow, SavingsClaim
from bot.domain.checkin import CheckinPack
from bot.domain.events import (
    AbsenceChanged,
    AccountHealthSet,
    CheckinShared,
    ClaimDecided,
    ClaimPosted,
    ClaimStepApproved,
    ClockCrossed,
    ContractSaved,
    Event,
    HoldEnded,
    HoldStarted,
    HomeOpened,
    MentionResolved,
    PeopleMatrixChanged,
    ProcurementStepMoved,
    RemindersSnoozed,
    RenewalOpened,
    RequestChanged,
    RequestOpened,
    RequestReassigned,
    SentimentSet,
    TargetUpdated,
    TermAsked,
    ThreadLine,
)
from bot.domain.vocabulary import ClaimStatus
from bot.jobs import JOBS
from bot.slack.outbox import Outbox
from tests.commands.conftest import ANALYST, BUYER, CSM, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.renewal_calendar import add_contract
from tests.jobs.conftest import run_job

HOMES = {("home", ANALYST), ("home", BUYER), ("home", EM)}  # POD Alpha's, for REQ-1


def test_every_event_has_its_row() -> None:
    assert set(typing.get_args(Event)) == set(CONSEQUENCES)


def _received(
    bot: RunningBot, since: int, card_ts: str, claim_ts: str | None
) -> set[tuple[str, str]]:
    """What Slack received since call `since`, as consequences: ("card", ts), ("thread", text),
    ("claim", ts), ("home", user), ("dm settled", channel)."""
    seen: set[tuple[str, str]] = set()
    for call in bot.api.calls[since:]:
        params = call.params
        if call.method == "chat.update" and params.get("ts") == card_ts:
            seen.add(("card", "edited"))
        elif call.method == "chat.update" and claim_ts and params.get("ts") == claim_ts:
            seen.add(("claim", "edited"))
        elif call.method == "chat.update" and str(params.get("channel", "")).startswith("D"):
            seen.add(("dm settled", str(params["channel"])))
        elif call.method == "chat.postMessage" and params.get("thread_ts") == card_ts:
            seen.add(("thread", str(params.get("text"))))
        elif call.method == "views.publish":
            seen.add(("home", str(params.get("user_id"))))
        elif call.method not in ("conversations.history", "conversations.replies"):
            seen.add((call.method, "?"))
    return seen


def test_the_table_walked_on_what_slack_received(bot: RunningBot) -> None:
    proc = Proc(bot)
    proc(ANALYST, "new Acme | Figma | new | 30k")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    proc(BUYER, "savings 1 30k 26k")
    card_ts = proc.card(1).ts
    with bot.db.reading() as session:
        claim = session.scalars(select(SavingsClaim)).one()
        claim_id, claim_ts = claim.id, claim.message_ts
    assert claim_ts is not None

    def walk(*events: Event) -> set[tuple[str, str]]:
        since = len(bot.api.calls)
        outbox = Outbox(bot.runtime)
        with bot.db.transaction() as session:
            consequences.record(session, outbox, *events)
        outbox.deliver()
        bot.wait_idle()
        return _received(bot, since, card_ts, claim_ts)

    card = {("card", "edited")}
    assert walk(RequestOpened(1)) == card | HOMES
    assert walk(RequestChanged(1, "update")) == card | HOMES
    assert walk(RequestReassigned(1, CSM)) == card | HOMES | {("home", CSM)}
    assert walk(HoldStarted(1, "customer")) == card | HOMES
    assert walk(HoldEnded(1)) == card | HOMES
    assert walk(ProcurementStepMoved(1)) == card
    assert walk(ClockCrossed(1)) == card | HOMES
    assert walk(ThreadLine(1, "A line.")) == {("thread", "A line.")}
    assert walk(ClaimPosted(claim_id, 1)) == {("claim", "edited")} | card | HOMES
    decided = ClaimDecided(claim_id, 1, ClaimStatus.APPROVED, EM, "Decided.", "figma")
    assert walk(decided) == {("claim", "edited"), ("thread", "Decided.")} | card | HOMES
    stepped = ClaimStepApproved(claim_id, 1, EM, "Approved, one to go.")
    assert walk(stepped) == {("claim", "edited"), ("thread", "Approved, one to go.")} | card | HOMES
    # An absence: the POD's pending claims say who decides them now, the Homes what changed.
    absence = AbsenceChanged(("alpha",), (BUYER,))
    assert walk(absence) == {("claim", "edited")} | HOMES
    (asked,) = walk(TermAsked(1))  # the analysts asked in the thread, with the button
    assert asked[0] == "thread" and f"<@{ANALYST}>" in asked[1]
    assert walk(HomeOpened(CSM)) == {("home", CSM)}
    assert walk(MentionResolved(())) == set()  # no reminder DMs: nothing to settle
    # Recorded, and nothing outside podbot shows them yet.
    assert walk(AccountHealthSet(1, "at-risk", EM)) == set()
    assert walk(PeopleMatrixChanged(1, "add", CSM)) == set()
    assert walk(SentimentSet(1, "negative", EM)) == set()
    assert walk(TargetUpdated("alpha", "2026Q4", None, EM)) == set()
    assert walk(ContractSaved("alpha", "Acme", "Figma", "inserted", ANALYST)) == set()
    # A check-in pack shared: posted in the POD channel, its CSV in the post's thread.
    pack = CheckinPack("Acme", "Alpha", date(2026, 11, 23), [], [], [], [])
    channel = bot.runtime.config.pod("alpha").channel
    shared = walk(CheckinShared("alpha", channel, pack, ANALYST))
    uploaded = {("files.getUploadURLExternal", "?"), ("upload", "?")}
    assert shared == {("chat.postMessage", "?"), ("files.completeUploadExternal", "?")} | uploaded
    posted = [c for c in bot.api.calls if c.method == "chat.postMessage"][-1]
    assert posted.params["channel"] == channel and "Acme" in str(posted.params["text"])

    # A renewal opened settles the reminder DM of each analyst of the contract's POD.
    today = date(2026, 11, 23)
    add_contract(bot.db, "beta", "Globex", "Zoom", "24000", today + timedelta(days=90))
    at = datetime(2026, 11, 23, 15, tzinfo=UTC)  # 10:00 in New York, a Monday
    run_job(bot.runtime, JOBS["renewal-reminders"], bot.runtime.config.pod("beta"), now=at)
    with bot.db.reading() as session:
        contract = session.scalars(select(Contract)).one().id
    analysts = {("dm settled", "D0ANA0002"), ("dm settled", "D0BUY0001")}
    assert walk(RenewalOpened(contract, 1, "REQ-1")) == analysts
    assert walk(RenewalOpened(contract, 1, "REQ-1")) == set()  # settled once

    # A snooze edits the DM it was clicked on: the note in place of its Snooze buttons.
    with bot.db.reading() as session:
        dm = session.scalars(
            select(OutboxRow).where(OutboxRow.kind == "dm", OutboxRow.status == "delivered")
        ).first()
        assert dm is not None and dm.result
        where = (str(dm.payload["user"]), str(dm.result["channel"]), str(dm.result["ts"]))
    snoozed = RemindersSnoozed(*where, ":zzz: Snoozed until tomorrow")
    assert walk(snoozed) == {("dm settled", where[1])}
