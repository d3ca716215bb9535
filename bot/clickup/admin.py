"""The ClickUp side of the CLI (issue 31): `podbot doctor`'s checks, `podbot clickup webhook
create|list|delete`, and `podbot import clickup --list ID [--check]`, the day-one import of
a list's open tasks as requests (all or none, idempotent on the task id)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.clickup.client import ClickUpApi, ClickUpError
from bot.clickup.mirror import new_link
from bot.config import Config, Pod, Settings
from bot.db.models import ClickUpLink, ClickUpWebhook, Request
from bot.domain.request_import import ImportedRequest
from bot.domain.vocabulary import Stage, counts_as_buyer
from bot.slack.web_api import WebApiError

if TYPE_CHECKING:
    from bot.runtime import Runtime

# What a webhook podbot makes listens to.
EVENTS = ["taskCommentPosted", "taskStatusUpdated", "taskAssigneeUpdated", "taskDeleted"]
EXTERNAL = "clickup:"  # a request's external id: clickup:<task id>
_NAME = re.compile(r"^\s*(?P<customer>.+?)\s+[·|–-]\s+(?P<tool>.+?)\s*(\((REQ-\d+)\))?\s*$")


@dataclass(frozen=True)
class Problem:
    ok: bool
    text: str


# -- doctor -------------------------------------------------------------------------------------


def workspace_of(config: Config, api: ClickUpApi) -> str | None:
    """The configured workspace, else the token's only one."""
    assert config.clickup is not None
    if config.clickup.workspace_id:
        return config.clickup.workspace_id
    teams = api.workspaces()
    return str(teams[0]["id"]) if len(teams) == 1 else None


def checks(
    config: Config, settings: Settings, api: ClickUpApi | None, known: set[str] | None = None
) -> list[Problem]:
    """ClickUp's lines of `podbot doctor`: the token, each POD's list, its status mapping
    against the list's real statuses, its REQ field, and its webhook (with `known`, the ids of
    the webhooks whose secret the database holds: one it lacks has its events refused)."""
    if config.clickup is None:
        return []
    if api is None or not settings.clickup_token:
        return [Problem(False, "CLICKUP_TOKEN is not set: export a ClickUp service account's "
                               "personal token (Settings → Apps)")]  # fmt: skip
    found: list[Problem] = []
    try:
        me = api.user()
        found.append(Problem(True, f"ClickUp token: {me.get('username') or me.get('id')}"))
        workspace = workspace_of(config, api)
        hooks = api.webhooks(workspace) if workspace else []
    except ClickUpError as exc:
        return [Problem(False, f"ClickUp refused the token ({exc.status} {exc.code}): export a "
                               "valid CLICKUP_TOKEN")]  # fmt: skip
    if workspace is None:
        found.append(Problem(False, "the token sees several ClickUp workspaces: set [clickup] "
                                    "workspace_id"))  # fmt: skip
    for index, pod in enumerate(config.pods):
        if pod.clickup is None:
            continue
        where = f"pods[{index}].clickup"
        list_id = pod.clickup.list_id
        try:
            lst = api.get_list(list_id)
        except ClickUpError as exc:
            found.append(Problem(False, f"{where}.list_id: ClickUp has no list {list_id} this "
                                        f"token can see ({exc.status}): copy the list's id from "
                                        "its URL"))  # fmt: skip
            continue
        real = {str(s.get("status", "")).casefold() for s in lst.get("statuses") or []}
        wrong = [
            f"{key} = {status!r}"
            for key, status in pod.clickup.statuses.items()
            if status.casefold() not in real
        ]
        if wrong:
            found.append(
                Problem(
                    False,
                    f"{where}.statuses: list {list_id} has no status "
                    f"{', '.join(wrong)} (it has: {', '.join(sorted(real))})",
                )
            )
        else:
            found.append(
                Problem(
                    True,
                    f"{pod.key}: ClickUp list {lst.get('name')} ({list_id}), "
                    f"{len(pod.clickup.statuses)} statuses mapped",
                )
            )
        if pod.clickup.req_field:
            try:
                fields = api.call("GET", f"/list/{list_id}/field").get("fields") or []
            except ClickUpError:
                fields = []
            if pod.clickup.req_field not in {f.get("id") for f in fields}:
                found.append(Problem(False, f"{where}.req_field: list {list_id} has no custom "
                                            f"field {pod.clickup.req_field}"))  # fmt: skip
        live = [
            h
            for h in hooks
            if str(h.get("list_id")) == list_id
            and (h.get("health") or {}).get("status") == "active"
        ]
        if live and known is not None and not {str(h.get("id")) for h in live} & known:
            found.append(Problem(False, f"{pod.key}: the webhook on list {list_id} is not "
                                        "podbot's (its secret is not in the database): its "
                                        "events are refused; `podbot clickup webhook create "
                                        f"--list {list_id} --endpoint …` makes one"))  # fmt: skip
        if not live:
            found.append(
                Problem(
                    False,
                    f"{pod.key}: no active ClickUp webhook on list {list_id}: "
                    "`podbot clickup webhook create --list "
                    f"{list_id} --endpoint https://…/clickup/webhook`",
                )
            )
    return found


# -- webhooks -------------------------------------------------------------------------------------


def create_webhook(runtime: Runtime, list_id: str, endpoint: str) -> ClickUpWebhook:
    """A webhook on the list, its secret stored (podbot verifies each event with it)."""
    api, config = runtime.clickup, runtime.config
    assert api is not None
    workspace = workspace_of(config, api)
    if workspace is None:
        raise ValueError("the token sees several ClickUp workspaces: set [clickup] workspace_id")
    answer = api.create_webhook(workspace, endpoint, EVENTS, list_id)
    hook = answer.get("webhook") or {}
    row = ClickUpWebhook(
        webhook_id=str(answer.get("id") or hook.get("id")),
        list_id=list_id,
        endpoint=endpoint,
        secret=str(hook.get("secret") or ""),
        user_id=str(hook["userid"]) if hook.get("userid") is not None else None,
        created_at=runtime.clock.now(),
    )
    with runtime.db.transaction() as session:
        session.merge(row)
    return row


def list_webhooks(runtime: Runtime) -> list[dict[str, Any]]:
    """The workspace's webhooks, each marked whether podbot has its secret."""
    api = runtime.clickup
    assert api is not None
    workspace = workspace_of(runtime.config, api)
    hooks = api.webhooks(workspace) if workspace else []
    with runtime.db.reading() as session:
        known = set(session.scalars(select(ClickUpWebhook.webhook_id)))
    return [{**h, "podbot": str(h.get("id")) in known} for h in hooks]


def delete_webhook(runtime: Runtime, webhook_id: str) -> None:
    api = runtime.clickup
    assert api is not None
    api.delete_webhook(webhook_id)
    with runtime.db.transaction() as session:
        row = session.get(ClickUpWebhook, webhook_id)
        if row is not None:
            session.delete(row)


# -- the day-one import --------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskError:
    task_id: str
    name: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """A list's open tasks read for the import: the requests to make, the tasks already
    imported, and every bad task with its reason."""

    pod: Pod
    rows: list[tuple[ImportedRequest, str]]  # (the request, its task id)
    known: list[str]
    errors: list[TaskError]


def plan_import(runtime: Runtime, list_id: str) -> Plan:
    """Read the list's open tasks and say what each would become (nothing is written)."""
    config, api = runtime.config, runtime.clickup
    assert api is not None
    pod = next((p for p in config.pods if p.clickup and p.clickup.list_id == list_id), None)
    if pod is None or pod.clickup is None:
        raise ValueError(f"no POD's clickup.list_id is {list_id}: add it to the config first")
    tasks = api.list_tasks(list_id)
    ids = [f"{EXTERNAL}{t['id']}" for t in tasks]
    with runtime.db.reading() as session:
        known = set(
            session.scalars(select(Request.external_id).where(Request.external_id.in_(ids)))
        )
        linked = set(
            session.scalars(select(ClickUpLink.task_id).where(ClickUpLink.task_id.is_not(None)))
        )
    rows: list[tuple[ImportedRequest, str]] = []
    errors: list[TaskError] = []
    done: list[str] = []
    now = runtime.clock.now()
    for line, task in enumerate(tasks, 1):
        task_id, name = str(task["id"]), str(task.get("name") or "")
        if f"{EXTERNAL}{task_id}" in known or task_id in linked:
            done.append(task_id)
            continue
        reasons: list[str] = []
        match = _NAME.match(name)
        if match is None:
            reasons.append('its name is not "Customer · Tool"')
        status = str((task.get("status") or {}).get("status") or "")
        keys = pod.clickup.keys_for(status)
        stage = next(
            (
                Stage.NEGOTIATING.value if k not in ("intake", "qualified", "negotiating") else k
                for k in keys
                if not k.startswith("closed") and k != "disqualified"
            ),
            None,
        )
        if stage is None:
            reasons.append(f'its status "{status}" maps to no open stage (pods[].clickup.statuses)')
        buyer = None
        assignees = task.get("assignees") or []
        if stage == Stage.NEGOTIATING:
            email = str(assignees[0].get("email") or "") if assignees else ""
            buyer = _slack_user(runtime, email) if email else None
            if buyer is None or not counts_as_buyer(pod.role_of(buyer)):
                reasons.append(
                    "it is under way but assigned to no buyer of the POD (matched by email)"
                )
        if reasons:
            errors.append(TaskError(task_id, name, "; ".join(reasons)))
            continue
        assert match is not None and stage is not None
        created = _instant(task.get("date_created")) or now
        rows.append(
            (
                ImportedRequest(
                    line=line, external_id=f"{EXTERNAL}{task_id}", pod=pod.key,
                    customer=match["customer"][:200], tool=match["tool"][:200], kind="new",
                    stage=stage, buyer=buyer, analyst=None, created=created,
                    assigned=now if stage == Stage.NEGOTIATING else None, current_spend=None,
                    renewal_date=None, notes=(str(task.get("description") or "")[:2000] or None),
                    last_update=None, last_update_at=None,
                ),
                task_id,
            )
        )  # fmt: skip
    return Plan(pod, rows, done, errors)


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _slack_user(runtime: Runtime, email: str) -> str | None:
    try:
        return runtime.slack.user_by_email(email)
    except WebApiError:
        return None


def run_import(runtime: Runtime, plan: Plan, list_id: str) -> list[int]:
    """Write the plan's requests in one transaction (all or none): each with its card, its
    link to its task and the task told its REQ key. Returns the new requests' numbers."""
    from bot.consequences import unit_of_work
    from bot.db.request_import import PodClocks, prepare_batch, write_batch

    if not plan.rows:
        return []
    pod, config = plan.pod, runtime.config
    assert pod.clickup is not None
    with unit_of_work(runtime) as (work, outbox):
        session = work.session
        from bot.db.requests import pod_row

        clocks = PodClocks(
            pod_row(session, pod.key).id, pod.calendar, pod.timezone, pod.currency,
            config.clocks.qualification_hours, config.clocks.tat_days,
        )  # fmt: skip
        rows = [row for row, _ in plan.rows]
        # No import run (its rows are seen once all are written): this is one transaction.
        batch = prepare_batch(rows, pods={pod.key: clocks}, now=work.now, import_id=0)
        for values in batch.requests:
            values["import_id"] = None
        numbers = write_batch(session, batch, file_name=f"ClickUp list {list_id}", now=work.now)
        for number, (_, task_id) in zip(numbers, plan.rows, strict=True):
            request = session.get(Request, number)
            assert request is not None
            outbox.card(session, number)
            new_link(
                session, outbox, request, pod.clickup, task_id=task_id, by="import",
                create=False, tell_status=False,
            )  # fmt: skip
    outbox.deliver()
    return numbers
