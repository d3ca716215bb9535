"""Which of a Slack member's names podbot shows where a mention does not render (SPEC §3c)."""

from __future__ import annotations

from bot.domain.people import NAME_LIMIT, Profile, name_of, profile_of


def user(display: str | None, real: str | None, handle: str | None) -> dict[str, object]:
    return {
        "id": "U0ROHAN01", "name": handle, "real_name": real, "tz": "Asia/Kolkata",
        "profile": {"display_name": display, "real_name": real},
    }  # fmt: skip


def test_a_member_is_named_by_display_name_then_full_name_then_handle() -> None:
    assert profile_of(user("Ro", "Rohan Mehta", "rohan")) == Profile(
        "U0ROHAN01", "Ro", "Asia/Kolkata"
    )
    # Slack leaves a display name nobody chose as "": the full name, then the handle.
    assert profile_of(user("", "Rohan Mehta", "rohan")).name == "Rohan Mehta"
    assert profile_of(user("  ", None, "rohan")).name == "rohan"
    assert profile_of(user(None, None, None)).name is None
    # One line of plain text, within the limit.
    assert profile_of(user("Ro\nhan\x07  M", None, None)).name == "Ro han M"
    assert profile_of(user("x" * 200, None, None)).name == "x" * NAME_LIMIT
    # Someone podbot has no name for is shown by their id.
    assert name_of("U0NOBODY1", {"U0ROHAN01": "Ro"}) == "U0NOBODY1"
    assert name_of("U0ROHAN01", {"U0ROHAN01": "Ro"}) == "Ro"
