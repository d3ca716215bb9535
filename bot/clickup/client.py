"""ClickUp's API v2 over httpx: the calls podbot makes, with timeouts, retries of a
connection that failed, and ClickUp's errors as `ClickUpError` (its status, ECODE, and for a
429 when the rate limit resets).

The outbox worker calls with `retries=0`: a 429 or a 5xx is the outbox's to retry, on its
clock, losing nothing. The CLI's verbs (doctor, webhooks, the import) wait out a 429 until
`X-RateLimit-Reset` and retry a 5xx a few times with backoff."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

log = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# ClickUp's answer to a missing or deleted task or list (its ECODEs vary: ITEM_013, …).
NOT_FOUND = 404


class ClickUpError(Exception):
    """ClickUp refused or could not be reached: `status` (0: no answer), its `code` (ECODE),
    and for a 429 `reset_at` (epoch seconds, `X-RateLimit-Reset`)."""

    def __init__(
        self, method: str, path: str, status: int, code: str, message: str,
        reset_at: float | None = None,
    ) -> None:  # fmt: skip
        self.method, self.path, self.status, self.code = method, path, status, code
        self.reset_at = reset_at
        super().__init__(f"ClickUp {method} {path}: {status} {code} {message}".strip())

    @property
    def passing(self) -> bool:
        """Worth retrying: rate limited, ClickUp's own failure, or no answer."""
        return self.status in (0, 429) or self.status >= 500

    @property
    def error(self) -> str:
        """A short code for logs and the outbox's `last_error`."""
        if self.status == 429:
            return "ratelimited"
        if self.status == 0:
            return self.code or "unreachable"
        return f"clickup_{self.status}"


class ClickUpApi:
    """One ClickUp token's calls. `retries`: how often a 429 or 5xx is retried here (0: the
    caller retries); `pause` waits (a test passes time instead) and `clock` says the time in
    epoch seconds (a 429's reset is read on it)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        retries: int = 0,
        pause: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.time,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.pause = pause
        self.clock = clock
        # Connection failures (refused, reset before an answer) are retried by the transport.
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": token, "Content-Type": "application/json"},
            timeout=timeout,
            transport=httpx.HTTPTransport(retries=2),
        )

    def close(self) -> None:
        self._http.close()

    def call(
        self, method: str, path: str, *, json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """One call, retried `retries` times when ClickUp asks to wait or fails itself."""
        attempt = 0
        while True:
            try:
                return self._once(method, path, json, params)
            except ClickUpError as exc:
                if not exc.passing or attempt >= self.retries:
                    raise
                attempt += 1
                if exc.reset_at is not None:
                    wait = max(exc.reset_at - self.clock(), 0.0) + 0.01
                else:
                    wait = min(2.0**attempt, 30.0)
                log.info("%s; retrying in %.1f s", exc, wait)
                self.pause(wait)

    def _once(
        self, method: str, path: str, json: dict[str, Any] | None, params: dict[str, Any] | None
    ) -> dict[str, Any]:
        try:
            answer = self._http.request(method, path, json=json, params=params)
        except httpx.TimeoutException:
            raise ClickUpError(method, path, 0, "timeout", "no answer in time") from None
        except httpx.HTTPError as exc:
            raise ClickUpError(method, path, 0, "unreachable", type(exc).__name__) from None
        try:
            body = answer.json() if answer.content else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {"value": body}
        if answer.status_code >= 400:
            reset: float | None = None
            if answer.status_code == 429:
                try:
                    reset = float(answer.headers.get("X-RateLimit-Reset", ""))
                except ValueError:
                    reset = self.clock() + 60.0
            raise ClickUpError(
                method, path, answer.status_code, str(body.get("ECODE") or ""),
                str(body.get("err") or ""), reset,
            )  # fmt: skip
        return body

    # -- the calls podbot makes ----------------------------------------------------------------

    def user(self) -> dict[str, Any]:
        """The token's user (`GET /user`): {id, username, email}."""
        user = self.call("GET", "/user").get("user")
        return user if isinstance(user, dict) else {}

    def workspaces(self) -> list[dict[str, Any]]:
        """The token's workspaces (`GET /team`), each with its `members`."""
        teams = self.call("GET", "/team").get("teams")
        return list(teams) if isinstance(teams, list) else []

    def get_list(self, list_id: str) -> dict[str, Any]:
        return self.call("GET", f"/list/{list_id}")

    def list_tasks(self, list_id: str, *, include_closed: bool = False) -> list[dict[str, Any]]:
        """Every task of the list, page after page (`GET /list/{id}/task`)."""
        tasks: list[dict[str, Any]] = []
        page = 0
        while True:
            params = {
                "page": page,
                "archived": "false",
                "include_closed": str(include_closed).lower(),
            }
            answer = self.call("GET", f"/list/{list_id}/task", params=params)
            found = answer.get("tasks") or []
            tasks.extend(found)
            if answer.get("last_page", not found) or not found:
                return tasks
            page += 1

    def create_task(self, list_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", f"/list/{list_id}/task", json=body)

    def get_task(self, task_id: str) -> dict[str, Any]:
        return self.call("GET", f"/task/{task_id}")

    def update_task(self, task_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("PUT", f"/task/{task_id}", json=body)

    def comment(self, task_id: str, text: str) -> dict[str, Any]:
        body = {"comment_text": text, "notify_all": False}
        return self.call("POST", f"/task/{task_id}/comment", json=body)

    def comments(self, task_id: str) -> list[dict[str, Any]]:
        found = self.call("GET", f"/task/{task_id}/comment").get("comments")
        return list(found) if isinstance(found, list) else []

    def set_field(self, task_id: str, field_id: str, value: Any) -> dict[str, Any]:
        return self.call("POST", f"/task/{task_id}/field/{field_id}", json={"value": value})

    def create_webhook(
        self, workspace_id: str, endpoint: str, events: list[str], list_id: str
    ) -> dict[str, Any]:
        """A webhook on one list; ClickUp answers with its id and secret."""
        body = {"endpoint": endpoint, "events": events, "list_id": int(list_id)}
        return self.call("POST", f"/team/{workspace_id}/webhook", json=body)

    def webhooks(self, workspace_id: str) -> list[dict[str, Any]]:
        found = self.call("GET", f"/team/{workspace_id}/webhook").get("webhooks")
        return list(found) if isinstance(found, list) else []

    def delete_webhook(self, webhook_id: str) -> None:
        self.call("DELETE", f"/webhook/{webhook_id}")
