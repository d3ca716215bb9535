"""Events API listeners; `register` wires them into the Bolt app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.events import home, installs, mentions, people

if TYPE_CHECKING:
    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    """Attach every event listener."""
    mentions.register(app, runtime)
    home.register(app, runtime)
    people.register(app, runtime)
    installs.register(app, runtime)
