"""Issue 33, `vendor-files`: a vendor document expiring within 30 days is an item of the POD's
analysts' digest, once per document and expiry (a weekend or a holiday puts it off to the next
working day); an expired one flags every open request with that vendor, in every POD."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.db.models import RequestEvent
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import (
    ANALYST,
    BETA,
    BETA_ANALYST,
    BETA_BUYER,
    Proc,
    blocks_text,
)
from tests.conftest import RunningBot
from tests.helpers.savings import negotiating
from tests.jobs.conftest import run_job

EST = timedelta(hours=5)
BETA_ANALYSTS = (BETA_ANALYST, "U0BUY0001")  # POD Beta's analysts


def ny(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + EST


def run(bot: RunningBot, pod: str, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["vendor-files"], bot.runtime.config.pod(pod), now=now)


def dms(bot: RunningBot, user: str) -> list[Message]:
    return [m for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts]


def beta_negotiating(proc: Proc, tool: str = "Figma") -> int:
    proc(BETA_ANALYST, f"new Globex | {tool} | new", channel=BETA)
    number = proc.request_count()
    proc(BETA_ANALYST, f"qualify {number}", channel=BETA)
    proc(BETA_ANALYST, f"assign {number} <@{BETA_BUYER}>", channel=BETA)
    return number


def expiry_dms(bot: RunningBot, user: str) -> list[Message]:
    return [m for m in dms(bot, user) if "Vendor documents expiring" in m.text]


def remind(bot: RunningBot, now: datetime) -> str:
    """The `reminders` job for POD Beta: the analysts' digests, the vendor expiry among them."""
    return run_job(bot.runtime, JOBS["reminders"], bot.runtime.config.pod("beta"), now=now)


def test_expiry_reminders_are_digest_items_that_wait_out_a_holiday_and_a_weekend_once(
    bot: RunningBot, proc: Proc
) -> None:
    beta_negotiating(proc)
    # 30 days before Dec 26 is Thanksgiving (POD Beta's holiday); before Dec 28, a Saturday.
    proc(ANALYST, "vendor Figma soc2 received 2026-01-05 expires 2026-12-26")
    proc(ANALYST, "vendor Figma insurance received 2026-01-05 expires 2026-12-28")
    proc(ANALYST, "vendor Figma w9 received 2026-01-05 expires 2027-12-28")  # far off

    remind(bot, ny(date(2026, 11, 25)))  # 31 days
    remind(bot, ny(date(2026, 11, 26)))  # Thanksgiving
    assert all(expiry_dms(bot, a) == [] for a in BETA_ANALYSTS)
    remind(bot, ny(date(2026, 11, 27)))
    for analyst in BETA_ANALYSTS:
        (dm,) = expiry_dms(bot, analyst)
        body = blocks_text(dm.blocks)
        assert "*Figma*: SOC 2 Type II report expires <!date^" in body
        assert "|Dec 26, 2026> (29 days) — " in body and "REQ-1" in body
        assert "insurance" not in body
    remind(bot, ny(date(2026, 11, 27), 11))  # once
    remind(bot, ny(date(2026, 11, 28)))  # Saturday
    assert all(len(expiry_dms(bot, a)) == 1 for a in BETA_ANALYSTS)
    remind(bot, ny(date(2026, 11, 30)))
    for analyst in BETA_ANALYSTS:
        _soc2, insurance = expiry_dms(bot, analyst)
        body = blocks_text(insurance.blocks)
        assert "certificate of insurance expires" in body and "(28 days)" in body
        assert "SOC 2" not in body
    remind(bot, ny(date(2026, 12, 1)))
    assert all(len(expiry_dms(bot, a)) == 2 for a in BETA_ANALYSTS)
    assert dms(bot, ANALYST) == []  # POD Alpha has no request with Figma

    # A renewed certificate (a new expiry) is a new document to remind, once.
    proc(ANALYST, "vendor Figma insurance received 2026-12-01 expires 2026-12-31")
    remind(bot, ny(date(2026, 12, 2)))
    remind(bot, ny(date(2026, 12, 3)))
    assert all(len(expiry_dms(bot, a)) == 3 for a in BETA_ANALYSTS)
    # The vendor-files job itself sends nothing about documents not yet expired.
    assert "0 expired vendor documents flagged" in run(bot, "beta", ny(date(2026, 12, 3)))


def test_an_expired_certificate_flags_every_open_request_with_that_vendor_in_every_pod(
    bot: RunningBot, proc: Proc
) -> None:
    alpha = negotiating(proc)  # Acme · Figma in POD Alpha
    beta = beta_negotiating(proc)
    other = beta_negotiating(proc, "Miro")
    # Typed in lower case: the file is named as the requests spell the tool.
    proc(ANALYST, "vendor figma iso27001 received 2025-11-01 expires 2026-11-20")
    edits = len(bot.api.calls_to("chat.update"))

    tuesday = date(2026, 11, 24)
    assert "1 expired vendor document flagged" in run(bot, "alpha", ny(tuesday) - 9 * EST / 5)
    assert "1 expired vendor document flagged" in run(bot, "beta", ny(tuesday))
    assert "0 expired" in run(bot, "beta", ny(tuesday, 11))  # once
    for number in (alpha, beta):
        card = proc.card(number)
        assert ":warning: vendor file: 0/5 · ISO 27001 expired" in blocks_text(card.blocks)
        assert any(
            "The vendor file's ISO 27001 certificate of Figma expired on Nov 20, 2026." in m.text
            for m in proc.thread(number)
        )
    assert ":warning:" not in blocks_text(proc.card(other).blocks)
    updated = {c.params["ts"] for c in bot.api.calls_to("chat.update")[edits:]}
    assert updated == {proc.card(alpha).ts, proc.card(beta).ts}
    with bot.db.transaction() as session:
        flagged = session.scalars(
            select(RequestEvent.request_id).where(RequestEvent.kind == "vendor_expired")
        ).all()
    assert sorted(flagged) == [alpha, beta]
