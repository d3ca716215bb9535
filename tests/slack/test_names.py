"""Members' names from Slack (`SlackApi.user_name`, which the card's buyer menu shows): asked
of `users.info` once and kept; a failure is asked again as its kind says (issue 27, item 9)."""

from __future__ import annotations

from tests.commands.conftest import BUYER, CSM, EM
from tests.conftest import RunningBot


def test_a_name_is_kept_an_outage_is_asked_again_and_a_refusal_only_after_a_while(
    bot: RunningBot,
) -> None:
    slack, api = bot.runtime.slack, bot.api
    api.add_user(BUYER, name="bea", real_name="Bea Byers")
    api.add_user(CSM, name="cal", real_name="Cal Carter")

    assert slack.user_name(BUYER) == slack.user_name(BUYER) == "Bea Byers"
    assert [c.params["user"] for c in api.calls_to("users.info")] == [BUYER]

    # Slack unreachable (5xx after the client's retries): no name now, and the next time
    # Slack is asked again, so the name is back as soon as Slack is.
    api.fail("users.info", status=503, times=None)
    assert slack.user_name(CSM) is None
    api.heal("users.info")
    assert slack.user_name(CSM) == "Cal Carter"

    # Slack says no (user_not_found): not asked again for a few minutes.
    api.fail("users.info", error="user_not_found", times=None)
    assert slack.user_name(EM) is None
    api.heal("users.info")
    asked = len(api.calls_to("users.info"))
    assert slack.user_name(EM) is None
    assert len(api.calls_to("users.info")) == asked
