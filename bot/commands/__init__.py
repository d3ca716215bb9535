"""`/proc` subcommands, one module per group; `register` wires them all into the Bolt app."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.commands import aging, intake, lifecycle, savings, status, updates  # noqa: F401

# Importing a module registers its subcommands with the router.
from bot.commands import help as _help  # noqa: F401
from bot.commands.router import Invocation, run

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def register(app: App, runtime: Runtime) -> None:
    """Attach the one slash-command listener (Bolt runs only the first matching listener)."""

    intake.register(app, runtime)
    updates.register(app, runtime)
    savings.register(app, runtime)

    @app.command(runtime.config.slack.command)
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        invocation = Invocation.from_body(body)
        reply = run(runtime, invocation)
        ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)
        for work in reply.after_ack:
            try:
                work()
            except Exception:
                log.exception("after-ack work failed for %s", invocation.subcommand)
