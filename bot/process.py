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

`podbot serve` over HTTP runs its outbox worker and its scheduler in a child process, the
delivery process (`DeliveryProcess`): the worker's rendering (cards, Homes) then has a core of
its own instead of sharing the GIL with the acks. The processes answering Slack ring its
doorbell (bot/slack/doorbell.py) after each commit that queued rows. The parent supervises it:
started before the listeners, stopped after them (deliveries under way finish), restarted when
it dies, and when it keeps dying the server stops, loudly; /readyz says whether it runs.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing.connection
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.config import Config, Settings
from bot.db.session import Database
from bot.runtime import Runtime, Schema, WorkerOptions, build_runtime

if TYPE_CHECKING:
    from multiprocessing.context import SpawnProcess
    from multiprocessing.synchronize import Event

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


# The environment variable naming the delivery process's doorbell to `--workers N` children.
DOORBELL_ENV = "PODBOT_DOORBELL"
# A delivery process that dies more than RESTARTS times within RESTART_WINDOW seconds is not
# started again: the server stops (exit status 1) rather than ack what it will never deliver.
RESTARTS = 3
RESTART_WINDOW = 60.0
# How long `start` waits for the delivery process's worker to run.
START_SECONDS = 120.0
# How long `stop` waits for the delivery process to finish the deliveries under way.
STOP_SECONDS = 60.0


class DeliveryProcessFailed(Exception):
    """The delivery process could not start; the message is the operator's line."""


class DeliveryProcess:
    """The outbox worker (and the scheduler) of `podbot serve` in a child process, supervised.

    `target(setup, doorbell, ready)` runs in the child (spawned, a fresh interpreter): it builds
    the runtime, binds the doorbell at the path `doorbell`, starts the worker, sets `ready`, and
    returns after SIGTERM once its scheduler and worker have stopped. `on_give_up` is called
    (on the supervising thread) when the child keeps dying."""

    def __init__(
        self,
        target: Callable[[dict[str, Any], str, Event], None],
        setup: dict[str, Any],
        *,
        on_give_up: Callable[[], None] | None = None,
    ) -> None:
        self._target, self._setup = target, setup
        self._on_give_up = on_give_up
        self._context = multiprocessing.get_context("spawn")
        self._dir = ""
        self.doorbell = ""  # the socket's path, once started
        self._child: SpawnProcess | None = None
        self._ready: Event | None = None
        self._deaths: list[float] = []
        self._lock = threading.Lock()
        self._stopping = False
        self.gave_up = False
        self._supervisor: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.pid if child is not None else None

    def spawn(self) -> None:
        """Start the child, not waiting for it: `serve` builds its own runtime meanwhile."""
        if self._child is None:
            self._dir = tempfile.mkdtemp(prefix="podbot-")
            self.doorbell = os.path.join(self._dir, "doorbell")
            self._spawn()

    def start(self) -> None:
        """Spawn the child if `spawn` has not, wait until its worker runs, then supervise it.
        Raises DeliveryProcessFailed when it dies before or does not start in START_SECONDS."""
        self.spawn()
        # Serve once deliveries go out (a health check that passes means commands are
        # answered and delivered): wait for the child's worker, or for its death.
        child, ready = self._child, self._ready
        assert child is not None and ready is not None
        deadline = time.monotonic() + START_SECONDS
        while not ready.wait(0.05):
            if not child.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise DeliveryProcessFailed(
                    f"the delivery process {child.pid} did not start (status "
                    f"{child.exitcode}); see the lines above"
                )
        self._supervisor = threading.Thread(
            target=self._supervise, name="podbot-delivery-supervisor", daemon=True
        )
        self._supervisor.start()

    def _spawn(self) -> None:
        ready = self._context.Event()
        child = self._context.Process(
            target=self._target, args=(self._setup, self.doorbell, ready), name="podbot-delivery"
        )
        child.start()
        self._child, self._ready = child, ready
        log.info("delivery process %s started (the outbox worker%s)", child.pid,
                 " and the scheduler" if self._setup.get("scheduler") else "")  # fmt: skip

    def _supervise(self) -> None:
        while True:
            child = self._child
            assert child is not None
            child.join()
            with self._lock:
                if self._stopping:
                    return
                now = time.monotonic()
                self._deaths = [t for t in self._deaths if now - t < RESTART_WINDOW] + [now]
                if len(self._deaths) > RESTARTS:
                    log.critical(
                        "the delivery process %s exited (status %s), %d deaths within %g s: "
                        "not starting another; podbot stops (nothing would be delivered)",
                        child.pid, child.exitcode, len(self._deaths), RESTART_WINDOW,
                    )  # fmt: skip
                    self.gave_up = True
                    break
                log.error(
                    "the delivery process %s exited unexpectedly (status %s); starting another",
                    child.pid, child.exitcode,
                )  # fmt: skip
                self._spawn()
        if self._on_give_up is not None:
            self._on_give_up()

    def readiness(self) -> str:
        """ "ok", or a sentence for /readyz."""
        child, ready = self._child, self._ready
        if self.gave_up:
            return "the delivery process keeps dying; podbot is stopping"
        if child is None or not child.is_alive():
            return "the delivery process is not running (restarting)"
        if ready is None or not ready.is_set():
            return "the delivery process is starting"
        return "ok"

    def stop(self) -> None:
        """SIGTERM the child (its scheduler stops, deliveries under way finish) and wait for it;
        SIGKILL it after STOP_SECONDS."""
        with self._lock:
            self._stopping = True
            child = self._child
        if child is not None and child.pid is not None and child.is_alive():
            began = time.monotonic()
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGTERM)
            child.join(STOP_SECONDS)
            log.info("delivery process %s stopped in %.1f s", child.pid, time.monotonic() - began)
            if child.is_alive():
                log.error("the delivery process %s did not stop in %g s; killed", child.pid,
                          STOP_SECONDS)  # fmt: skip
                child.kill()
                child.join(5)
            elif child.exitcode:
                log.error("the delivery process %s stopped with status %s", child.pid,
                          child.exitcode)  # fmt: skip
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(timeout=5)
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)


def keep_switching_fast() -> None:
    """The GIL switch interval a process answering Slack had when its worker ran beside it
    (`SWITCH_INTERVAL`): its request threads and event loop hand the GIL over as before."""
    from bot.slack.worker import SWITCH_INTERVAL

    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))


def die_with_parent() -> None:
    """In the delivery process: be killed when the parent dies, however it dies (SIGKILL
    included), as the worker was when it ran in the parent; a lease recovers its rows."""
    parent = multiprocessing.parent_process()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):  # elsewhere: a thread watches the parent
        if parent is not None:
            sentinel = parent.sentinel

            def watch() -> None:
                multiprocessing.connection.wait([sentinel])
                os._exit(1)

            threading.Thread(target=watch, name="podbot-parent-watch", daemon=True).start()
    if parent is not None and os.getppid() != parent.pid:  # died before prctl
        os._exit(1)


class Process:
    """A runtime, its Bolt app (if it serves Slack) and what runs around them."""

    def __init__(
        self,
        runtime: Runtime,
        plan: Plan,
        app: App | None = None,
        *,
        wrap: Callable[[ASGIApp], ASGIApp] | None = None,
        delivery: DeliveryProcess | None = None,
    ) -> None:
        self.runtime = runtime
        self.plan = plan
        self.app = app
        self._wrap = wrap
        # `podbot serve`: the worker and the scheduler run there, not here (the plan has
        # neither).
        self.delivery = delivery
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
        if self.delivery is not None:
            from bot.slack.doorbell import Ringer

            self.delivery.start()
            os.environ[DOORBELL_ENV] = self.delivery.doorbell  # for `--workers N` children
            runtime.outbox_worker.doorbell = Ringer(self.delivery.doorbell).ring
            keep_switching_fast()
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

        checks = {}
        if self.delivery is not None:
            checks["delivery_process"] = self.delivery.readiness
        server = BackgroundServer(
            build_ops_asgi(self.runtime, checks), listen.host, listen.port, self.runtime.settings
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
            if self.delivery is not None:
                self.delivery.stop()
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
    delivery: DeliveryProcess | None = None,
) -> Process:
    """Build a process (nothing started yet): the runtime (`build_runtime`'s arguments), and
    when the plan serves Slack, the after-ack threads (`after_ack`, default a pool of
    AFTER_ACK_THREADS) and the Bolt app, which checks the token (`bot.app.StartupError`).
    `wrap` wraps the public listener's ASGI app (the sandbox's page); `delivery` runs the
    worker and the scheduler in a child process (`podbot serve`; the plan then has neither)."""
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
    return Process(runtime, plan, app, wrap=wrap, delivery=delivery)


__all__ = [
    "DeliveryProcess",
    "DeliveryProcessFailed",
    "Listen",
    "Plan",
    "Process",
    "Serves",
    "open_process",
]
