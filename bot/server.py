"""The HTTP face of `podbot serve`: Bolt on /slack/events plus /healthz, as ASGI under uvicorn."""

from __future__ import annotations

import threading

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.runtime import Runtime


def build_asgi(app: App, runtime: Runtime) -> Starlette:
    """Route Slack's POSTs to Bolt (in a worker thread: Bolt and SQLAlchemy are synchronous)."""

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


class BackgroundServer:
    """Runs an ASGI app under uvicorn on a thread: for tests and the sandbox."""

    def __init__(self, asgi: Starlette, host: str = "127.0.0.1", port: int = 0) -> None:
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
