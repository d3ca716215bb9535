"""`/proc` subcommands, one module per group; `register` wires them all into the Bolt app.

The modules are listed here by name (no package scan): importing one registers its
subcommands with the router (`@subcommand("update", …)` in `bot/commands/updates.py`); a module
with interactive parts (modals, buttons) also has `register(app, runtime)`, called in this
order.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.commands.router import Invocation, run

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Every `/proc` group, and the buttons and modals that go with them.
COMMAND_MODULES = (
    "access",
    "accounts",
    "aging",
    "card_actions",
    "checkin",
    "contract",
    "help",
    "home",
    "intake",
    "interactions",
    "lifecycle",
    "reminders",
    "renewals",
    "router",
    "savings",
    "stats",
    "status",
    "terms",
    "updates",
)
MODULES: list[ModuleType] = [
    importlib.import_module(f"{__name__}.{name}") for name in COMMAND_MODULES
]


def register(app: App, runtime: Runtime) -> None:
    """Attach the one slash-command listener, then each module's listeners (Bolt runs only the
    first matching listener, so every subcommand goes through one; it is registered first
    because Bolt tries listeners in order and commands are the busiest path)."""

    @app.command(runtime.config.slack.command)
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        invocation = Invocation.from_body(body)
        reply = run(runtime, invocation)
        ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)
        for work in reply.after_ack:
            try:
                work()
            except Exception:
                log.exception(
                    "after-ack work failed for %s",
                    invocation.subcommand,
                    extra={"user": invocation.user_id, "action": invocation.subcommand},
                )

    for module in MODULES:
        if module.__name__ != __name__ + ".router" and hasattr(module, "register"):
            module.register(app, runtime)
