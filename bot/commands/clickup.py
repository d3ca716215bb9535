"""`link REQ clickup <task id or URL>` (issue 31): the adapter of `bot/actions/clickup.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions import clickup
from bot.actions.clickup import LinkTask
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform
from bot.domain.grammar import parse_clickup_link

if TYPE_CHECKING:
    from bot.runtime import Runtime

LINK_USAGE = "link REQ clickup <task id or URL>"


@subcommand("link", LINK_USAGE, "link a request to its existing ClickUp task", order=95)
def link(runtime: Runtime, invocation: Invocation) -> Reply:
    """Link a request to a ClickUp task instead of the one podbot would create."""
    number, task_id = arguments(parse_clickup_link, invocation.args)
    outbox, done = perform(runtime, clickup.link, invocation.user_id, LinkTask(number, task_id))
    text = (
        f"Linked *{done.key}* to ClickUp task `{done.task_id}`: it gets the REQ key, status and "
        "due date, then every update, quote, claim, hold and the close."
    )
    return Reply(text=text, after_ack=[outbox.deliver])
