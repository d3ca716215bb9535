"""The one date format (SPEC "Voice"): Slack date tokens with one fallback form, the POD's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.blocks.text import plain_date, slack_date
from slackfake.render import Renderer

KOLKATA = "Asia/Kolkata"
NEW_YORK = "America/New_York"


def test_a_day_is_month_day_year_as_slack_shows_date_short() -> None:
    assert plain_date(date(2026, 12, 1)) == "Dec 1, 2026"
    assert plain_date(date(2027, 1, 31)) == "Jan 31, 2027"


def test_an_instant_is_the_pods_date_and_time() -> None:
    # 20:00 UTC on the 23rd is 01:30 on the 24th in Kolkata and 15:00 on the 23rd in New York.
    instant = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    assert plain_date(instant, KOLKATA) == "Nov 24, 2026"
    assert plain_date(instant, NEW_YORK) == "Nov 23, 2026"
    assert plain_date(instant, KOLKATA, with_time=True) == "Nov 24, 2026 01:30 IST"
    assert plain_date(instant, NEW_YORK, with_time=True) == "Nov 23, 2026 15:00 EST"


def test_the_token_is_slacks_with_the_plain_form_as_fallback() -> None:
    instant = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    assert slack_date(instant, KOLKATA) == "<!date^1795464000^{date_short}|Nov 24, 2026>"
    assert slack_date(instant, KOLKATA, with_time=True) == (
        "<!date^1795464000^{date_short} {time}|Nov 24, 2026 01:30 IST>"
    )


def test_a_day_is_sent_as_noon_in_the_pods_zone() -> None:
    # So a reader within 12 hours of the POD sees the POD's date.
    noon = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo(NEW_YORK))
    assert slack_date(date(2026, 12, 1), NEW_YORK) == (
        f"<!date^{int(noon.timestamp())}^{{date_short}}|Dec 1, 2026>"
    )
    for zone in ("Pacific/Honolulu", "UTC", "Europe/Berlin"):
        assert noon.astimezone(ZoneInfo(zone)).date() == date(2026, 12, 1)


def test_the_sandbox_renders_the_token_as_slack_does_in_the_readers_zone() -> None:
    token = slack_date(datetime(2026, 11, 23, 20, 0, tzinfo=UTC), KOLKATA, with_time=True)
    now = datetime(2026, 11, 30, tzinfo=UTC)

    def seen_in(zone: str) -> str:
        return Renderer(names=str, zone=ZoneInfo(zone), now=now).mrkdwn(f"due {token}")

    assert seen_in(KOLKATA) == "due Nov 24, 2026 01:30"
    assert seen_in(NEW_YORK) == "due Nov 23, 2026 15:00"
    # A token the renderer cannot read shows its fallback, the POD's form.
    broken = "<!date^not-a-time^{date_short}|Nov 24, 2026>"
    assert Renderer(names=str, zone=UTC, now=now).mrkdwn(broken) == "Nov 24, 2026"
