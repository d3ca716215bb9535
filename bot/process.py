"""One podbot process from start to stop: `open_process` builds it (the runtime, by the
composition root `bot/runtime.py`, and the Bolt app when it serves Slack), `Process.start`
starts what it runs, in one order, and `Process.stop` stops it in the reverse order.

Every process that runs podbot goes through here: `podbot serve` (HTTP, `--workers N`' children,
Socket Mode), `podbot scheduler`, the sandbox and the tests' `start_bot` fixture. The one-shot
verbs (`jobs run`, `outbox retry`, `import …`) build a runtime and drain its worker themselves.

Start order: the outbox worker (so what the catch-up sweep and the first commands queue goes
out), the scheduler (its catch-up sweep first), the operations listener, then the public
listener when it runs on a thread here (tests, the sandbox; `serve` runs uvicorn or Socket Mode
in the foreground after `start`). Stop order: the listeners (no new input), the scheduler, the
after-ack threads (what follows an ack is queued), the worker (deliveries under way finish),
then the database's connections.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Config, Settings
from bot.db.session import Database
from bot.runtime import Runtime, Schema, WorkerOptions, build_runtime

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler
    from slack_bolt import App
    from starlette.types import ASGIApp

    from bot.server import BackgroundServer

log = logging.getLogger(__name__)

# What follows an ack (modals, follow-up ephemerals, deferred answers) runs on these threads.
AFTER_ACK_THREADS = 16


class Serves(Enum):
    """Whether the process answers Slack, and how."""

    NOTHING = "nothing"  # the scheduler: no Bolt app
    HTTP = "http"  # signed requests on /slack/events
    SOCKET_MODE = "socket-mode"  # a Socket Mode connection (no signing secret)


@dataclass(frozen=True)
class Listen:
    """A listener served on a thread of this process."""

    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port


@dataclass(frozen=True)
class Plan:
    """What a process runs besides its runtime."""

    serves: Serves = Serves.NOTHING
    # The public listener on a thread here (tests, the sandbox); None: the caller serves
    # `Process.asgi()` in the foreground (`podbot serve`), or nothing.
    listen: Listen | None = None
    ops: Listen | None = None  # /healthz, /readyz, /metrics
    scheduler: bool = False
    worker: bool = True  # start the outbox worker (a test may leave rows pending)
    # `podbot scheduler` lets a job run under way finish when it stops; `serve` does not wait.
    wait_for_jobs: bool = False


class Process:
    """A runtime, its Bolt app (if it serves Slack) and what runs around them."""

    def __init__(
        self,
        runtime: Runtime,
        plan: Plan,
        app: App | None = None,
        *,
        wrap: Callable[[ASGIApp], ASGIApp] | None = None,
    ) -> None:
        self.runtime = runtime
        self.plan = plan
        self.app = app
        self._wrap = wrap
        self.url = ""  # the public listener's, once started on a thread here
        self.ops_url = ""  # the operations listener's, once started
        self._scheduler: BackgroundScheduler | None = None
        self._server: BackgroundServer | None = None
        self._ops: BackgroundServer | None = None
        self._stopped = False

    def asgi(self) -> ASGIApp:
        """The public listener's ASGI app: Bolt on /slack/events (bot/server.py)."""
        from bot.server import build_asgi

        assert self.app is not None, "a process that serves nothing has no listener"
        asgi = build_asgi(self.app, self.runtime)
        return self._wrap(asgi) if self._wrap is not None else asgi

    def start(self) -> Process:
        """Start the worker, the scheduler, the operations listener and the public listener
        (those the plan names), in that order."""
        plan, runtime = self.plan, self.runtime
        if plan.worker:
            runtime.outbox_worker.start()
        if plan.scheduler:
            from bot.jobs.scheduler import start

            self._scheduler = start(runtime)
        if plan.ops is not None:
            self._start_ops(plan.ops)
        if plan.listen is not None:
            from bot.server import BackgroundServer

            self._server = BackgroundServer(
                self.asgi(), plan.listen.host, plan.listen.port, runtime.settings
            )
            self.url = self._server.start()
        return self

    def _start_ops(self, listen: Listen) -> None:
        from bot.server import BackgroundServer, build_ops_asgi

        server = BackgroundServer(
            build_ops_asgi(self.runtime), listen.host, listen.port, self.runtime.settings
        )
        try:
            self.ops_url = server.start()
        except RuntimeError:
            # Slack's traffic matters more than the probes: keep serving, say so loudly.
            log.error(
                "the operations listener could not listen on %s:%s (in use?); /readyz and "
                "/metrics are off; set PODBOT_OPS_PORT to a free port, or 0",
                listen.host, listen.port,
            )  # fmt: skip
            return
        self._ops = server
        log.info("operations listener (/healthz, /readyz, /metrics) on %s", self.ops_url)

    def stop(self) -> None:
        """Stop in the reverse order of `start`: the listeners, the scheduler, the after-ack
        threads, the worker, the database's connections. A second call does nothing."""
        if self._stopped:
            return
        self._stopped = True
        runtime = self.runtime
        try:
            # The two listeners wind down side by side (uvicorn takes 0.1-0.2 s each).
            ops = self._ops
            ops_stopping = threading.Thread(target=ops.stop) if ops is not None else None
            if ops_stopping is not None:
                ops_stopping.start()
            if self._server is not None:
                self._server.stop()
            if ops_stopping is not None:
                ops_stopping.join()
            if self._scheduler is not None:
                self._scheduler.shutdown(wait=self.plan.wait_for_jobs)
            if runtime.background is not None:
                runtime.background.shutdown(wait=True)
        finally:
            runtime.outbox_worker.stop()
            runtime.db.dispose()

    def __enter__(self) -> Process:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def open_process(
    config: Config,
    settings: Settings,
    plan: Plan | None = None,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    schema: Schema = Schema.CHECK,
    delivery_clock: Clock | None = None,
    slack_pause: Callable[[float], object] | None = None,
    worker: WorkerOptions | None = None,
    after_ack: Executor | None = None,
    wrap: Callable[[ASGIApp], ASGIApp] | None = None,
) -> Process:
    """Build a process (nothing started yet): the runtime (`build_runtime`'s arguments), and
    when the plan serves Slack, the after-ack threads (`after_ack`, default a pool of
    AFTER_ACK_THREADS) and the Bolt app, which checks the token (`bot.app.StartupError`).
    `wrap` wraps the public listener's ASGI app (the sandbox's page)."""
    plan = plan or Plan()
    serving = plan.serves is not Serves.NOTHING
    if serving and after_ack is None:
        after_ack = ThreadPoolExecutor(
            max_workers=AFTER_ACK_THREADS, thread_name_prefix="podbot-after-ack"
        )
    if serving and settings.oauth and after_ack is not None:
        from bot.slack.installs import CarryingWorkspace

        # OAuth mode: what follows an ack goes with the token of the request's workspace.
        after_ack = CarryingWorkspace(after_ack)
    runtime = build_runtime(
        config,
        settings,
        db=db,
        clock=clock,
        schema=schema,
        delivery_clock=delivery_clock,
        slack_pause=slack_pause,
        worker=worker,
        background=after_ack if serving else None,
    )
    app = None
    if serving:
        from bot.app import build_app

        try:
            app = build_app(runtime, socket_mode=plan.serves is Serves.SOCKET_MODE)
        except Exception:
            if after_ack is not None:
                after_ack.shutdown(wait=False)
            raise
    return Process(runtime, plan, app, wrap=wrap)


__all__ = ["Listen", "Plan", "Process", "Serves", "open_process"]
