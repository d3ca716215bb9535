"""The HTTP face of `podbot serve`: Bolt on /slack/events plus /healthz, /readyz and /metrics."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt import App
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.adapter.asgi.http_response import AsgiHttpResponse
from slack_bolt.request import BoltRequest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot import metrics
from bot.clock import SystemClock
from bot.db.migrate import SchemaOutOfDate, check_schema
from bot.runtime import Runtime

log = logging.getLogger(__name__)
_WALL = SystemClock()
HANDLER_THREADS = 8
SLACK_PATH = "/slack/events"


def build_asgi(app: App, runtime: Runtime) -> ASGIApp:
    """Slack's POSTs to /slack/events go straight to Bolt (synchronous, like SQLAlchemy: see
    below for where it runs); /healthz, /readyz and /metrics are Starlette routes."""
    # Delivery rows are stamped in real time, whatever the domain clock says.
    registry = metrics.build_registry(runtime.db, _WALL.now)
    # Where Bolt runs. On SQLite, on the event loop's own thread, as Bolt's ASGI adapter for a
    # synchronous App does: SQLite takes one writer at a time anyway, transactions never wait
    # on Slack (posts go through the outbox), and handing each request to a worker thread
    # and back costs more than the command itself (the two threads trade the GIL at every
    # SQLite call: measured 4.3 ms of CPU per `/proc update` against 2.5 ms inline). On
    # PostgreSQL a commit waits for the server's disk and a row lock for another process, so
    # requests run on a pool of threads and overlap.
    inline = runtime.db.dialect == "sqlite"
    handlers = (
        None
        if inline
        else ThreadPoolExecutor(max_workers=HANDLER_THREADS, thread_name_prefix="podbot-http")
    )

    async def slack_events(scope: Scope, receive: Receive, send: Send) -> None:
        # Plain ASGI on the busiest path, with Bolt's own ASGI request and response pieces
        # (no router, request or response objects): every command comes this way.
        arrived = time.perf_counter()
        request = AsgiHttpRequest(scope, receive)
        bolt_request = BoltRequest(
            body=await request.get_raw_body(),
            query=request.query_string,
            headers=request.get_headers(),
        )
        if handlers is None:
            bolt_response = app.dispatch(bolt_request)
        else:
            loop = asyncio.get_running_loop()
            bolt_response = await loop.run_in_executor(handlers, app.dispatch, bolt_request)
        response = AsgiHttpResponse(bolt_response.status, bolt_response.headers, bolt_response.body)
        await send(response.get_response_start())
        await send(response.get_response_body())
        metrics.record_ack(time.perf_counter() - arrived)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        checks = await run_in_threadpool(readiness, runtime)
        failing = next((name for name, result in checks.items() if result != "ok"), None)
        if failing:
            log.warning("not ready: %s: %s", failing, checks[failing])
            return JSONResponse({"status": "not ready", "failing": failing, **checks}, 503)
        return JSONResponse({"status": "ready", **checks})

    async def metrics_text(_request: Request) -> Response:
        exposition = await run_in_threadpool(generate_latest, registry)
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    others = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_text, methods=["GET"]),
        ]
    )

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == SLACK_PATH and scope["method"] == "POST":
            await slack_events(scope, receive, send)
        else:
            await others(scope, receive, send)

    return asgi


def readiness(runtime: Runtime) -> dict[str, str]:
    """Run the checks in order until one fails; each is "ok" or a sentence saying what is wrong."""
    checks: dict[str, str] = {}
    for name, check in (
        ("database", _database_answers),
        ("schema", _schema_current),
        ("delivery_backlog", _backlog_young),
    ):
        try:
            checks[name] = check(runtime)
        except Exception as exc:  # a check that cannot run has failed; say how, not a 500
            checks[name] = f"check failed: {exc.__class__.__name__}: {exc}".splitlines()[0]
        if checks[name] != "ok":
            break
    return checks


def _database_answers(runtime: Runtime) -> str:
    with runtime.db.engine.connect() as connection:
        connection.execute(text("select 1"))
    return "ok"


def _schema_current(runtime: Runtime) -> str:
    try:
        check_schema(runtime.db.engine)
    except SchemaOutOfDate as exc:
        return str(exc)
    return "ok"


def _backlog_young(runtime: Runtime) -> str:
    limit = runtime.settings.ready_backlog_seconds
    backlog = metrics.delivery_backlog(runtime.db, _WALL.now())
    if backlog.age_seconds < limit:
        return "ok"
    return (
        f"{backlog.size} deliveries waiting; the oldest for {backlog.age_seconds:.0f} s "
        f"(limit {limit:g} s)"
    )


class BackgroundServer:
    """Runs an ASGI app under uvicorn on a thread: for tests and the sandbox."""

    def __init__(self, asgi: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self._config = uvicorn.Config(
            asgi, host=host, port=port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(self._config)
        self._thread = threading.Thread(target=self._server.run, name="podbot-http", daemon=True)

    def start(self, timeout: float = 10.0) -> str:
        """Start serving; returns the base URL once the socket listens."""
        self._thread.start()
        started = threading.Event()
        # uvicorn sets `started` after binding; poll its flag through an Event wait, bounded.
        for _ in range(int(timeout * 100)):
            if self._server.started:
                break
            started.wait(0.01)
        if not self._server.started:
            raise RuntimeError("uvicorn did not start")
        sock = self._server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
