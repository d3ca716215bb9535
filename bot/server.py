"""The HTTP face of `podbot serve`: Bolt on /slack/events (and /healthz) on the public
listener; /healthz, /readyz and /metrics on the operations listener (loopback by default)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt import App
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.adapter.asgi.http_response import AsgiHttpResponse
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot import metrics
from bot.clickup import inbound
from bot.clock import SystemClock
from bot.db.migrate import SchemaOutOfDate, check_schema
from bot.runtime import Runtime

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)
_WALL = SystemClock()
HANDLER_THREADS = 8
SLACK_PATH = "/slack/events"
# Slack's requests are a few KB; the largest, a modal submitted with every field full, stays
# well under 100 KB. A larger body is refused while it is read, before it is buffered whole.
MAX_BODY_BYTES = 256 * 1024
# Slack's rule: a request whose timestamp is more than five minutes off is refused.
SIGNATURE_SKEW = 5 * 60


class Refused(Exception):
    """A request to /slack/events answered before Bolt sees it: `status` and one reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(scope: Scope, receive: Receive, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused (413) as soon as it is known to be over `limit` bytes."""
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            if not value.isdigit():
                raise Refused(400, "the Content-Length header is not a number")
            if int(value) > limit:
                raise Refused(413, f"a body of {int(value)} bytes is over the {limit}-byte cap")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "the client went away before sending its body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"a body over the {limit}-byte cap")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def verify_signature(secret: bytes, body: bytes, headers: dict[str, str]) -> None:
    """Slack's v0 signature and timestamp (within five minutes) on the raw bytes, or 401.

    Computed here rather than with slack_sdk's SignatureVerifier, which decodes the body as
    UTF-8 first: a body that is not UTF-8 would raise before its signature was looked at."""
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not timestamp or not signature:
        raise Refused(401, "no Slack signature")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > SIGNATURE_SKEW:
        raise Refused(401, "a stale or malformed request timestamp")
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refused(401, "a bad Slack signature")


def parse_slack_body(body: bytes, content_type: str | None) -> tuple[str, dict[str, Any]]:
    """The body as text and as the dict Bolt would make of it, or 400.

    Bolt (1.30) reads any form body that merely *contains* the word "payload" as an
    interactivity payload, so `/proc update REQ-3 the payload schema` reached no listener (404).
    Here a form body is an interactivity payload only when its one field is named `payload`.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    try:
        if content_type == "application/json" or text.startswith("{"):
            parsed = json.loads(text)
            what = "a JSON body"
        else:
            fields = dict(parse_qsl(text, keep_blank_values=True))
            if "payload" not in fields:
                return text, fields
            parsed = json.loads(fields["payload"])
            what = "the payload field"
    except RecursionError:
        raise Refused(400, "the JSON is nested too deeply") from None
    except ValueError:
        raise Refused(400, "the body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return text, parsed


class ParsedBoltRequest(BoltRequest):
    """A BoltRequest whose body podbot parsed (see parse_slack_body); the raw text is kept
    for Bolt's own signature check."""

    def __init__(
        self, *, raw: str, parsed: dict[str, Any], query: str, headers: dict[str, Any]
    ) -> None:
        super().__init__(body="", query=query, headers=headers)
        self.raw_body = raw
        self.body = parsed
        self.context = build_context(BoltContext({}), parsed)


def build_asgi(app: App, runtime: Runtime) -> ASGIApp:
    """The public listener: Slack's POSTs to /slack/events go straight to Bolt (synchronous,
    like SQLAlchemy: see below for where it runs), and /healthz answers a liveness probe."""
    # Where Bolt runs: on a pool of threads, never on the event loop's own, where a command
    # waiting on the database held up every other request (issue 25: `/proc stats` over a
    # long history held another person's `/proc help` for 9 s). On PostgreSQL a commit waits
    # for the server's disk and a row lock for another process; on SQLite a writer waits its
    # turn behind the delivery worker's writes (`WriterQueue`), and meanwhile the acks of
    # others go on. Measured on SQLite (`bench/ack_latency.py`, alternating runs): 16 clients'
    # `/proc update` p99 4.3–5.2 s on the event loop, 1.1–1.2 s on one thread, 0.71–0.73 s on
    # eight, at 2.5× the throughput of one. A slow answer is no command's ack: it is worked out
    # after the ack, on the after-ack threads (`Subcommand.deferred`).
    handlers = ThreadPoolExecutor(max_workers=HANDLER_THREADS, thread_name_prefix="podbot-http")

    secret = runtime.settings.signing_secret
    verifier = secret.encode("utf-8") if secret else None

    async def slack_events(scope: Scope, receive: Receive, send: Send) -> None:
        # Plain ASGI on the busiest path, with Bolt's own ASGI request and response pieces
        # (no router, request or response objects): every command comes this way. The body
        # is capped while it is read and its signature checked on the raw bytes before
        # anything parses it: an unsigned or oversized request costs next to nothing.
        arrived = time.perf_counter()
        # Bolt types an ASGI scope as a dict of its own value types, and each header value as
        # `str | Sequence[str]`: the scope is uvicorn's dict, and `get_headers` makes every
        # value one str (the two ignores below). Bolt's types are too loose, not ours.
        request = AsgiHttpRequest(scope, receive)  # type: ignore[arg-type]
        headers = request.get_headers()
        try:
            body = await read_body(scope, receive)
            if verifier is not None:
                verify_signature(verifier, body, headers)  # type: ignore[arg-type]
            raw, parsed = parse_slack_body(body, _content_type(headers))  # type: ignore[arg-type]
        except Refused as refused:
            log.warning(
                "refused a request to %s: %s", SLACK_PATH, refused.reason,
                extra={"status": refused.status},
            )  # fmt: skip
            answer = JSONResponse({"error": refused.reason}, status_code=refused.status)
            await answer(scope, receive, send)
            return
        bolt_request = ParsedBoltRequest(
            raw=raw, parsed=parsed, query=request.query_string, headers=headers
        )
        loop = asyncio.get_running_loop()
        bolt_response = await loop.run_in_executor(handlers, app.dispatch, bolt_request)
        response = AsgiHttpResponse(bolt_response.status, bolt_response.headers, bolt_response.body)
        await send(response.get_response_start())
        await send(response.get_response_body())
        metrics.record_ack(time.perf_counter() - arrived)

    async def clickup_webhook(scope: Scope, receive: Receive, send: Send) -> None:
        # ClickUp's events (issue 31): the body capped as Slack's is, its X-Signature checked
        # on the raw bytes before anything parses it; handled on the dispatch pool.
        signature = None
        for name, value in scope.get("headers") or ():
            if name == b"x-signature":
                signature = value.decode("latin-1")
        try:
            body = await read_body(scope, receive)
            loop = asyncio.get_running_loop()
            done = await loop.run_in_executor(handlers, inbound.receive, runtime, body, signature)
        except (Refused, inbound.Rejected) as refused:
            log.warning(
                "refused a request to %s: %s", inbound.PATH, refused.reason,
                extra={"status": refused.status},
            )  # fmt: skip
            answer = JSONResponse({"error": refused.reason}, status_code=refused.status)
            await answer(scope, receive, send)
            return
        log.info("ClickUp webhook: %s", done)
        await JSONResponse({"ok": True})(scope, receive, send)

    async def healthz(scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse({"status": "ok"})(scope, receive, send)

    oauth_flow = app.oauth_flow  # OAuth mode's install pages (issue 36), else None
    oauth_paths = (
        {oauth_flow.install_path, oauth_flow.redirect_uri_path} if oauth_flow is not None else set()
    )

    async def oauth_page(scope: Scope, receive: Receive, send: Send) -> None:
        # Bolt's own flow: /slack/install (the Add to Slack page, with a state cookie) and
        # /slack/oauth_redirect (the code exchanged, the installation stored).
        assert oauth_flow is not None
        request = AsgiHttpRequest(scope, receive)  # type: ignore[arg-type]
        bolt_request = BoltRequest(
            body="", query=request.query_string, headers=request.get_headers()
        )
        handle = (
            oauth_flow.handle_installation
            if scope["path"] == oauth_flow.install_path
            else oauth_flow.handle_callback
        )
        loop = asyncio.get_running_loop()
        bolt_response = await loop.run_in_executor(handlers, handle, bolt_request)
        response = AsgiHttpResponse(bolt_response.status, bolt_response.headers, bolt_response.body)
        await send(response.get_response_start())
        await send(response.get_response_body())

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        # The public listener: Slack's requests and a liveness probe, nothing that reads the
        # database or describes the deployment (/readyz and /metrics are on the ops listener).
        if scope["type"] == "http" and scope["path"] == SLACK_PATH and scope["method"] == "POST":
            await slack_events(scope, receive, send)
        elif (
            scope["type"] == "http"
            and scope["path"] == inbound.PATH
            and scope["method"] == "POST"
            and runtime.config.clickup is not None
        ):
            await clickup_webhook(scope, receive, send)
        elif scope["type"] == "http" and scope["path"] in oauth_paths and scope["method"] == "GET":
            await oauth_page(scope, receive, send)
        elif scope["type"] == "http" and scope["path"] == "/healthz":
            await healthz(scope, receive, send)
        elif scope["type"] == "http":
            await JSONResponse({"error": "not found"}, status_code=404)(scope, receive, send)

    return asgi


def build_ops_asgi(runtime: Runtime, checks: dict[str, Callable[[], str]] | None = None) -> ASGIApp:
    """The operations listener (`PODBOT_OPS_HOST`:`PODBOT_OPS_PORT`, loopback by default):
    /healthz, /readyz and /metrics, for the orchestrator and Prometheus, not the internet.
    `checks`: more readiness checks, after the runtime's (`serve`'s delivery process)."""
    # Delivery rows are stamped in real time, whatever the domain clock says.
    registry = metrics.build_registry(runtime.db, _WALL.now)
    more = checks or {}

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        checks = await run_in_threadpool(readiness, runtime, more)
        failing = next((name for name, result in checks.items() if result != "ok"), None)
        if failing:
            log.warning("not ready: %s: %s", failing, checks[failing])
            return JSONResponse({"status": "not ready", "failing": failing, **checks}, 503)
        # Parked rows do not make podbot unready (they wait for a person), but show here.
        parked = await run_in_threadpool(metrics.parked_deliveries, runtime.db)
        answer: dict[str, Any] = {"status": "ready", **checks, "parked_deliveries": parked}
        if runtime.installations is not None:  # OAuth mode: workspaces whose token lapsed
            failed = await run_in_threadpool(runtime.installations.refresh_failures)
            if failed:
                answer["token_refresh_failed"] = failed
        return JSONResponse(answer)

    async def metrics_text(_request: Request) -> Response:
        exposition = await run_in_threadpool(generate_latest, registry)
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_text, methods=["GET"]),
        ]
    )


def _content_type(headers: dict[str, str]) -> str | None:
    value = headers.get("content-type")
    return value.split(";")[0].strip().lower() if value else None


def readiness(runtime: Runtime, more: dict[str, Callable[[], str]] | None = None) -> dict[str, str]:
    """Run the checks in order until one fails; each is "ok" or a sentence saying what is wrong.
    `more`: checks of the process around the runtime, run after the runtime's."""
    checks: dict[str, str] = {}
    runs: list[tuple[str, Callable[[], str]]] = [
        ("database", partial(_database_answers, runtime)),
        ("schema", partial(_schema_current, runtime)),
        ("delivery_backlog", partial(_backlog_young, runtime)),
        *(more or {}).items(),
    ]
    for name, check in runs:
        try:
            checks[name] = check()
        except Exception as exc:  # a check that cannot run has failed; say so, not a 500
            # The answer names what failed, not where: the driver's message carries the
            # database's host and port. The log line has it for the operator.
            log.warning("readiness check %s failed", name, exc_info=True)
            checks[name] = f"check failed: {exc.__class__.__name__}"
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
    """Runs an ASGI app under uvicorn on a thread: for tests, the sandbox and the operations
    listener, with the limits of `settings` (default: the defaults) as `podbot serve` has."""

    def __init__(
        self,
        asgi: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: Settings | None = None,
    ) -> None:
        import uvicorn

        from bot.config import Settings
        from bot.listener import uvicorn_options

        self._config = uvicorn.Config(
            asgi, host=host, port=port, log_level="warning", lifespan="off",
            **uvicorn_options(settings or Settings()),
        )  # fmt: skip
        self._server = uvicorn.Server(self._config)
        self._thread = threading.Thread(target=self._server.run, name="podbot-http", daemon=True)

    def start(self, timeout: float = 10.0) -> str:
        """Start serving; returns the base URL once the socket listens."""
        self._thread.start()
        started = threading.Event()
        # uvicorn sets `started` after binding; poll its flag through an Event wait, bounded.
        for _ in range(int(timeout * 100)):
            if self._server.started or not self._thread.is_alive():  # listening, or gave up
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
