"""`/proc` subcommands, one module per group; `register` wires them all into the Bolt app.

The modules are listed here by name (no package scan): importing one registers its
subcommands with the router (`@subcommand("update", …)` in `bot/commands/updates.py`); a module
with interactive parts (modals, buttons) also has `register(app, runtime)`, called in this
order.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.commands.router import Invocation, Reply, run
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Every `/proc` group, and the buttons and modals that go with them.
COMMAND_MODULES = (
    "absences",
    "accounts",
    "aging",
    "ats",
    "benchmarks",
    "card_actions",
    "checkin",
    "clickup",
    "compliance",
    "contract",
    "customer_updates",
    "forecast",
    "help",
    "holds",
    "home",
    "intake",
    "interactions",
    "lifecycle",
    "people_matrix",
    "playbooks",
    "preapproval_answers",
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


# Deferred answers worked out at once, at most: they run on the after-ack threads, which also
# open modals (a trigger expires in 3 s) and send follow-ups, so slow work never takes them all.
SLOW_WIDTH = 2


class SlowAnswers:
    """Works out deferred subcommands' answers (`Reply.later`) after their ack, on at most
    SLOW_WIDTH of the after-ack threads, in the order asked, and queues each answer in the
    outbox (`Outbox.respond`). One per person at a time: a member repeating `/proc stats`
    cannot queue work ahead of everyone else."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._lock = threading.Lock()
        self._queue: deque[tuple[Invocation, Callable[[], Reply]]] = deque()
        self._running = 0
        self._asking: dict[str, str] = {}  # user → the subcommand being worked out for them

    def submit(self, invocation: Invocation, later: Callable[[], Reply]) -> str | None:
        """Queue the work; None, or the subcommand still being worked out for this person."""
        with self._lock:
            if invocation.user_id in self._asking:
                return self._asking[invocation.user_id]
            self._asking[invocation.user_id] = invocation.subcommand
            self._queue.append((invocation, later))
            start = self._running < SLOW_WIDTH
            if start:
                self._running += 1
        if start:
            assert self.runtime.background is not None  # serving Slack: bot/process.py
            self.runtime.background.submit(self._drain)
        return None

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._running -= 1
                    return
                invocation, later = self._queue.popleft()
            try:
                self._answer(invocation, later)
            except Exception:  # queueing the answer failed (the database): the log says so
                log.exception(
                    "could not queue the answer to %s",
                    invocation.subcommand,
                    extra={"user": invocation.user_id, "action": invocation.subcommand},
                )
            finally:
                with self._lock:
                    del self._asking[invocation.user_id]

    def _answer(self, invocation: Invocation, later: Callable[[], Reply]) -> None:
        reply = later()  # refusals and errors are its text (router.answer)
        outbox = Outbox(self.runtime)
        outbox.respond_alone(invocation.user_id, invocation.response_url, reply.text, reply.blocks)
        outbox.deliver()
        after_ack(invocation, reply)


def still_working_text(invocation: Invocation, subcommand: str) -> str:
    """The ack of a deferred command while the same person's last one is being worked out."""
    return (
        f":hourglass_flowing_sand: Still working out your last `{invocation.command} "
        f"{subcommand}`; ask again once its answer is here."
    )


def after_ack(invocation: Invocation, reply: Reply) -> None:
    """Run the reply's after-ack work; a failure is logged, never raised."""
    for work in reply.after_ack:
        try:
            work()
        except Exception:
            log.exception(
                "after-ack work failed for %s",
                invocation.subcommand,
                extra={"user": invocation.user_id, "action": invocation.subcommand},
            )


def register(app: App, runtime: Runtime) -> None:
    """Attach the one slash-command listener, then each module's listeners (Bolt runs only the
    first matching listener, so every subcommand goes through one; it is registered first
    because Bolt tries listeners in order and commands are the busiest path)."""
    slow = SlowAnswers(runtime)

    @app.command(runtime.config.slack.command)
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        invocation = Invocation.from_body(body)
        reply = run(runtime, invocation)
        if reply.later is not None:
            busy = slow.submit(invocation, reply.later)
            if busy is not None:
                reply = Reply(text=still_working_text(invocation, busy))
        ack(response_type="ephemeral", text=reply.text, blocks=reply.blocks)
        after_ack(invocation, reply)

    for module in MODULES:
        if module.__name__ != __name__ + ".router" and hasattr(module, "register"):
            module.register(app, runtime)
