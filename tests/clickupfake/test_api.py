"""The ClickUp stand-in answers as ClickUp's API v2 documents: shapes, errors, webhooks, limits."""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from clickupfake.api import ClickUpApiServer

TEAM = "9012345"
LIST = "901100200300"
OTHER_LIST = "901100200999"
TOKEN = "pk_4000001_PODBOT"
DANA_TOKEN = "pk_4000002_DANA"
BOT, DANA, LEE = 4000001, 4000002, 4000003
STATUSES = ("new", "qualifying", "negotiating", "on hold", "closed")
T0 = 1_780_000_000.0  # the tests' clock: seconds since the epoch
DUE_MS = 1_780_600_000_000


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    raw: bytes


def call(
    api: ClickUpApiServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = TOKEN,
) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token is not None:
        headers["Authorization"] = token
    request = Request(api.url + path, data=data, headers=headers, method=method)
    try:
        with urlopen(request, timeout=5) as response:
            raw, status, got = response.read(), response.status, dict(response.headers)
    except HTTPError as error:
        raw, status, got = error.read(), error.code, dict(error.headers)
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = raw.decode()
    return Answer(status, parsed, got, raw)


@dataclass
class Receiver:
    """A webhook endpoint recording what it received; it answers ``status``."""

    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            box.received.append((dict(self.headers), body))
            self.send_response(box.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    box.url = f"http://127.0.0.1:{httpd.server_address[1]}/clickup/webhook"
    yield box
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def seed(api: ClickUpApiServer) -> None:
    api.add_workspace(
        TEAM,
        [
            {"id": BOT, "email": "podbot@example.com", "username": "podbot"},
            {"id": DANA, "email": "dana@example.com", "username": "Dana Scully"},
            {"id": LEE, "email": "lee@example.com", "username": "Lee Adama"},
        ],
        name="Procurement",
    )
    api.add_token(TOKEN, BOT)
    api.add_token(DANA_TOKEN, DANA)
    api.add_list(LIST, "POD Alpha", STATUSES, space_id="90150", folder_id="90160")
    api.add_list(OTHER_LIST, "POD Beta", ("to do", "complete"), space_id="90150")
    api.add_custom_field(LIST, "cf-req", "podbot request")
    api.add_custom_field(LIST, "cf-tier", "Tier", "drop_down", options=("gold", "silver"))


@pytest.fixture
def api(clock: Clock) -> Iterator[ClickUpApiServer]:
    with ClickUpApiServer(clock=clock) as server:
        seed(server)
        yield server


def create(api: ClickUpApiServer, **extra: Any) -> dict[str, Any]:
    answer = call(api, "POST", f"/list/{LIST}/task", {"name": "Acme · Figma (REQ-12)", **extra})
    assert answer.status == 200, answer.body
    task: dict[str, Any] = answer.body
    return task


def hook(api: ClickUpApiServer, url: str, **scope: Any) -> dict[str, Any]:
    answer = call(api, "POST", f"/team/{TEAM}/webhook", {"endpoint": url, "events": "*", **scope})
    assert answer.status == 200, answer.body
    webhook: dict[str, Any] = answer.body["webhook"]
    return webhook


# -- auth and workspace --------------------------------------------------------------------------


def test_a_missing_or_unknown_token_is_401_with_clickups_codes(api: ClickUpApiServer) -> None:
    missing = call(api, "GET", "/user", token=None)
    unknown = call(api, "GET", "/user", token="pk_nope")
    assert (missing.status, missing.body["ECODE"]) == (401, "OAUTH_017")
    assert (unknown.status, unknown.body) == (
        401,
        {"err": "Oauth token not found", "ECODE": "OAUTH_018"},
    )
    assert [c.status for c in api.calls] == [401, 401]


def test_user_and_workspaces_show_members_with_their_emails(api: ClickUpApiServer) -> None:
    me = call(api, "GET", "/user", token="Bearer " + DANA_TOKEN)
    assert me.body["user"]["id"] == DANA
    assert me.body["user"]["initials"] == "DS"
    teams = call(api, "GET", "/team").body["teams"]
    assert [t["id"] for t in teams] == [TEAM]
    assert [(m["user"]["id"], m["user"]["email"]) for m in teams[0]["members"]] == [
        (BOT, "podbot@example.com"),
        (DANA, "dana@example.com"),
        (LEE, "lee@example.com"),
    ]


def test_a_list_shows_its_statuses_and_a_missing_list_is_404(api: ClickUpApiServer) -> None:
    lst = call(api, "GET", f"/list/{LIST}").body
    assert [(s["status"], s["type"]) for s in lst["statuses"]] == [
        ("new", "open"),
        ("qualifying", "custom"),
        ("negotiating", "custom"),
        ("on hold", "custom"),
        ("closed", "closed"),
    ]
    assert lst["folder"]["id"] == "90160" and lst["space"]["id"] == "90150"
    missing = call(api, "GET", "/list/404404")
    assert missing.status == 404 and set(missing.body) == {"err", "ECODE"}
    fields = call(api, "GET", f"/list/{LIST}/field").body["fields"]
    assert [(f["id"], f["type"]) for f in fields] == [
        ("cf-req", "short_text"),
        ("cf-tier", "drop_down"),
    ]


# -- tasks ---------------------------------------------------------------------------------------


def test_create_task_answers_the_documented_task(api: ClickUpApiServer) -> None:
    task = create(
        api,
        description="Card: https://example.slack.com/archives/C1/p1",
        assignees=[DANA],
        status="Qualifying",
        due_date=DUE_MS,
        due_date_time=True,
        notify_all=False,
        custom_fields=[{"id": "cf-req", "value": "REQ-12"}],
    )
    assert task["status"]["status"] == "qualifying"
    assert [a["id"] for a in task["assignees"]] == [DANA]
    assert task["due_date"] == str(DUE_MS)  # ms as a string, as ClickUp answers
    assert task["date_created"] == str(int(T0 * 1000))
    assert task["creator"]["id"] == BOT
    assert task["list"] == {"id": LIST, "name": "POD Alpha", "access": True}
    assert task["url"] == f"https://app.clickup.com/t/{task['id']}"
    assert {f["id"]: f.get("value") for f in task["custom_fields"]} == {
        "cf-req": "REQ-12",
        "cf-tier": None,
    }
    assert call(api, "GET", f"/task/{task['id']}").body == task
    assert api.tasks(LIST) == [task]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "name"),
        ({"name": "x", "title": "typo"}, "Unknown field: title"),
        ({"name": "x", "status": "won"}, "Status does not exist"),
        ({"name": "x", "assignees": [999]}, "not a member"),
        ({"name": "x", "assignees": ["dana@example.com"]}, "integer"),
        ({"name": "x", "due_date": 1_780_600_000}, "seconds"),
        ({"name": "x", "due_date": "2026-12-01"}, "milliseconds"),
        ({"name": "x", "priority": 7}, "Priority"),
        ({"name": "x", "custom_fields": [{"id": "cf-nope", "value": 1}]}, "Custom field"),
        ({"name": "x", "notify_all": "yes"}, "boolean"),
    ],
)
def test_create_task_refuses_bad_bodies_with_400(
    api: ClickUpApiServer, body: dict[str, Any], fragment: str
) -> None:
    answer = call(api, "POST", f"/list/{LIST}/task", body)
    assert answer.status == 400
    assert fragment in answer.body["err"] and answer.body["ECODE"]
    assert api.tasks(LIST) == []


def test_update_task_changes_status_assignees_and_due_date(api: ClickUpApiServer) -> None:
    task = create(api, assignees=[DANA])
    answer = call(
        api,
        "PUT",
        f"/task/{task['id']}",
        {"status": "negotiating", "assignees": {"add": [LEE], "rem": [DANA]}, "due_date": DUE_MS},
    )
    assert answer.status == 200
    assert answer.body["status"]["status"] == "negotiating"
    assert [a["id"] for a in answer.body["assignees"]] == [LEE]
    assert answer.body["due_date"] == str(DUE_MS)
    assert call(api, "PUT", f"/task/{task['id']}", {"assignees": [LEE]}).status == 400
    assert call(api, "PUT", f"/task/{task['id']}", {"stage": "x"}).status == 400
    assert call(api, "PUT", f"/task/{task['id']}", {"status": "won"}).status == 400
    closed = call(api, "PUT", f"/task/{task['id']}", {"status": "closed"}).body
    assert closed["date_closed"] == closed["date_done"] is not None


def test_a_deleted_task_is_404_item_013(api: ClickUpApiServer) -> None:
    task = create(api)
    assert call(api, "DELETE", f"/task/{task['id']}").status == 200
    for method, path, body in [
        ("GET", f"/task/{task['id']}", None),
        ("PUT", f"/task/{task['id']}", {"name": "y"}),
        ("POST", f"/task/{task['id']}/comment", {"comment_text": "hi", "notify_all": False}),
    ]:
        answer = call(api, method, path, body)
        assert (answer.status, answer.body) == (
            404,
            {"err": "Task not found, deleted", "ECODE": "ITEM_013"},
        )
    assert api.task(task["id"]) is None


def test_list_tasks_pages_by_100_and_hides_closed_and_archived(api: ClickUpApiServer) -> None:
    for i in range(150):
        api.add_task(LIST, f"Task {i}", assignees=[DANA] if i % 2 else [])
    api.add_task(LIST, "Done", status="closed")
    api.add_task(LIST, "Shelved", archived=True)
    first = call(api, "GET", f"/list/{LIST}/task?page=0").body
    second = call(api, "GET", f"/list/{LIST}/task?page=1").body
    assert (len(first["tasks"]), first["last_page"]) == (100, False)
    assert (len(second["tasks"]), second["last_page"]) == (50, True)
    assert first["tasks"][0]["name"] == "Task 0" and second["tasks"][-1]["name"] == "Task 149"
    closed = call(api, "GET", f"/list/{LIST}/task?page=1&include_closed=true").body
    assert closed["tasks"][-1]["name"] == "Done"
    archived = call(api, "GET", f"/list/{LIST}/task?archived=true").body
    assert [t["name"] for t in archived["tasks"]] == ["Shelved"]
    mine = call(api, "GET", f"/list/{LIST}/task?assignees[]={DANA}&page=0").body
    assert len(mine["tasks"]) == 75
    assert call(api, "GET", f"/list/{LIST}/task?pagesize=5").status == 400


# -- comments and custom fields -------------------------------------------------------------------


def test_comments_need_text_and_notify_all_and_list_newest_first(api: ClickUpApiServer) -> None:
    task = create(api)
    path = f"/task/{task['id']}/comment"
    assert call(api, "POST", path, {"comment_text": "no notify"}).status == 400
    assert call(api, "POST", path, {"notify_all": False}).status == 400
    assert (
        call(api, "POST", path, {"comment_text": "x", "notify_all": False, "text": 1}).status == 400
    )
    first = call(api, "POST", path, {"comment_text": "Status: sourcing", "notify_all": False})
    assert first.status == 200 and set(first.body) == {"id", "hist_id", "date"}
    assert isinstance(first.body["id"], int)  # a number here, a string in GET
    api.comment_as(task["id"], DANA, "Vendor moved to 20% off")
    comments = call(api, "GET", path).body["comments"]
    assert [(c["comment_text"], c["user"]["id"]) for c in comments] == [
        ("Vendor moved to 20% off", DANA),
        ("Status: sourcing", BOT),
    ]
    assert comments[1]["id"] == str(first.body["id"])
    assert [c["comment_text"] for c in api.comments(task["id"])] == [
        "Status: sourcing",
        "Vendor moved to 20% off",
    ]


def test_custom_field_values_are_checked_against_the_fields_type(api: ClickUpApiServer) -> None:
    task = create(api)
    base = f"/task/{task['id']}/field"
    assert call(api, "POST", f"{base}/cf-req", {"value": "REQ-12"}).body == {}
    assert call(api, "POST", f"{base}/cf-req", {"value": 12}).status == 400
    assert call(api, "POST", f"{base}/cf-req", {"val": "x"}).status == 400
    assert call(api, "POST", f"{base}/cf-nope", {"value": "x"}).status == 400
    assert call(api, "POST", f"{base}/cf-tier", {"value": 1}).status == 200  # an option index
    assert call(api, "POST", f"{base}/cf-tier", {"value": "bronze"}).body["ECODE"] == "FIELD_011"
    values = {f["id"]: f.get("value") for f in api.task(task["id"])["custom_fields"]}  # type: ignore[index]
    assert values == {"cf-req": "REQ-12", "cf-tier": "opt-cf-tier-1"}


# -- webhooks ------------------------------------------------------------------------------------


def test_webhooks_are_created_listed_per_user_updated_and_deleted(
    api: ClickUpApiServer, receiver: Receiver
) -> None:
    created = call(
        api,
        "POST",
        f"/team/{TEAM}/webhook",
        {"endpoint": receiver.url, "events": ["taskCommentPosted"], "list_id": int(LIST)},
    )
    assert created.status == 200
    webhook = created.body["webhook"]
    assert created.body["id"] == webhook["id"]
    assert webhook["list_id"] == int(LIST) and webhook["userid"] == BOT
    assert len(webhook["secret"]) == 64 and webhook["health"]["status"] == "active"
    again = call(
        api,
        "POST",
        f"/team/{TEAM}/webhook",
        {"endpoint": receiver.url, "events": ["taskCreated"], "list_id": LIST},
    )
    assert again.status == 400  # same endpoint and scope
    assert call(api, "POST", f"/team/{TEAM}/webhook", {"endpoint": receiver.url}).status == 400
    bad_event = {"endpoint": receiver.url, "events": ["taskExploded"]}
    assert call(api, "POST", f"/team/{TEAM}/webhook", bad_event).status == 400
    assert call(api, "POST", "/team/1/webhook", bad_event).status == 401
    listed = call(api, "GET", f"/team/{TEAM}/webhook").body["webhooks"]
    assert [w["id"] for w in listed] == [webhook["id"]]
    assert call(api, "GET", f"/team/{TEAM}/webhook", token=DANA_TOKEN).body == {"webhooks": []}
    updated = call(api, "PUT", f"/webhook/{webhook['id']}", {"events": "*", "status": "active"})
    assert updated.body["webhook"]["events"] == ["*"]
    assert call(api, "PUT", f"/webhook/{webhook['id']}", {"secret": "mine"}).status == 400
    assert call(api, "DELETE", f"/webhook/{webhook['id']}").body == {}
    assert call(api, "GET", f"/team/{TEAM}/webhook").body == {"webhooks": []}
    assert call(api, "DELETE", f"/webhook/{webhook['id']}").status == 404


def test_a_persons_comment_is_signed_with_the_webhooks_secret(
    api: ClickUpApiServer, receiver: Receiver
) -> None:
    task = create(api)
    webhook = hook(api, receiver.url, list_id=LIST)
    api.comment_as(task["id"], DANA, "Legal approved — «redlines» attached")
    assert receiver.received == []  # nothing leaves until the test delivers it
    [event] = api.pending()
    assert api.deliver_pending() == [200]
    headers, body = receiver.received[0]
    assert body == event.body and b": " not in body  # compact JSON, as ClickUp sends it
    expected = hmac.new(webhook["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == expected
    payload = json.loads(body)
    assert (payload["event"], payload["task_id"], payload["webhook_id"]) == (
        "taskCommentPosted",
        task["id"],
        webhook["id"],
    )
    [item] = payload["history_items"]
    assert (item["field"], item["type"], item["user"]["id"]) == ("comment", 1, DANA)
    assert item["user"]["email"] == "dana@example.com"
    assert item["date"] == str(int(T0 * 1000))
    assert item["comment"]["text_content"] == "Legal approved — «redlines» attached"
    assert event.delivered and api.pending() == []


def test_redelivery_reordering_and_bad_signatures_for_tests(
    api: ClickUpApiServer, receiver: Receiver
) -> None:
    task = create(api)
    webhook = hook(api, receiver.url)
    api.comment_as(task["id"], DANA, "first")
    api.set_status_as(task["id"], DANA, "on hold")
    api.assign_as(task["id"], LEE, add=[LEE])
    kinds = [e.event for e in api.pending()]
    assert kinds == ["taskCommentPosted", "taskStatusUpdated", "taskAssigneeUpdated"]
    first, status, assign = (e.index for e in api.pending())
    assert api.deliver_pending(order=[assign, first]) == [200, 200]
    assert api.deliver_again(first) == 200
    assert api.deliver_with_bad_signature(status) == 200  # the receiver here checks nothing
    assert api.deliver_with_bad_signature(status, signature="") == 200
    bodies = [b for _h, b in receiver.received]
    signatures = [h.get("X-Signature") for h, _b in receiver.received]
    events = api.events
    assert (
        bodies
        == [events[assign].body, events[first].body, events[first].body] + [events[status].body] * 2
    )
    assert signatures[:3] == [events[i].signature for i in (assign, first, first)]
    assert signatures[3] != events[status].signature and signatures[4] is None
    assert not events[status].delivered  # only badly signed copies went out
    status_item = events[status].payload["history_items"][0]
    assert (status_item["before"]["status"], status_item["after"]["status"]) == ("new", "on hold")
    assign_item = events[assign].payload["history_items"][0]
    assert (assign_item["field"], assign_item["after"]["id"]) == ("assignee_add", LEE)
    assert webhook["id"] == events[first].webhook_id


def test_changes_through_the_api_fire_webhooks_with_the_tokens_user(
    api: ClickUpApiServer, receiver: Receiver
) -> None:
    hook(api, receiver.url, list_id=LIST)
    task = create(api, assignees=[DANA])
    call(api, "PUT", f"/task/{task['id']}", {"due_date": DUE_MS, "name": "Renamed"})
    call(api, "POST", f"/task/{task['id']}/comment", {"comment_text": "ok", "notify_all": True})
    call(api, "DELETE", f"/task/{task['id']}")
    events = api.events
    assert [e.event for e in events] == [
        "taskCreated",
        "taskStatusUpdated",
        "taskDueDateUpdated",
        "taskUpdated",
        "taskCommentPosted",
        "taskDeleted",
    ]
    users = {i["user"]["id"] for e in events for i in e.payload.get("history_items", [])}
    assert users == {BOT}
    assert "history_items" not in events[-1].payload
    due = events[2].payload["history_items"][0]
    assert (due["before"], due["after"]) == (None, str(DUE_MS))


def test_a_webhook_hears_only_its_scope_and_not_after_its_owner_is_deactivated(
    api: ClickUpApiServer, receiver: Receiver
) -> None:
    hook(api, receiver.url, list_id=OTHER_LIST)
    create(api)  # on LIST: not this webhook's
    assert api.events == []
    other = api.add_task(OTHER_LIST, "Beta task")
    api.comment_as(other["id"], DANA, "heard")
    assert len(api.events) == 1
    api.deactivate_user(BOT)
    api.comment_as(other["id"], DANA, "not heard")
    assert len(api.events) == 1
    assert call(api, "GET", "/user").status == 401


def test_failed_deliveries_count_against_the_webhooks_health(
    api: ClickUpApiServer, receiver: Receiver
) -> None:
    webhook = hook(api, receiver.url)
    task = create(api)
    receiver.status = 500
    assert api.deliver_pending() == [500, 500]
    listed = call(api, "GET", f"/team/{TEAM}/webhook").body["webhooks"]
    assert listed[0]["health"] == {"status": "failing", "fail_count": 2}
    receiver.status = 200
    api.deliver_again(0)
    assert api.webhooks()[0]["health"] == {"status": "active", "fail_count": 0}
    assert webhook["id"] == api.events[0].webhook_id and task["id"] == api.events[0].task_id


def test_auto_deliver_sends_in_order_as_changes_happen(clock: Clock, receiver: Receiver) -> None:
    with ClickUpApiServer(clock=clock, auto_deliver=True) as api:
        seed(api)
        hook(api, receiver.url)
        task = api.add_task(LIST, "Seeded")
        api.comment_as(task["id"], DANA, "one")
        api.comment_as(task["id"], LEE, "two")
        api.wait_deliveries()
        texts = [
            json.loads(b)["history_items"][0]["comment"]["text_content"]
            for _h, b in receiver.received
        ]
        assert texts == ["one", "two"]


# -- rate limit and outages ----------------------------------------------------------------------


def test_the_rate_limit_is_per_token_per_minute_with_reset_headers(
    api: ClickUpApiServer, clock: Clock
) -> None:
    api.rate_limit(per_minute=3)
    answers = [call(api, "GET", "/user") for _ in range(4)]
    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    limited = answers[-1]
    assert limited.body == {"err": "Rate limit reached", "ECODE": "APP_002"}
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert limited.headers["X-RateLimit-Reset"] == str(int(T0) + 60)
    assert call(api, "GET", "/user", token=DANA_TOKEN).status == 200  # its own window
    clock.now = T0 + 59
    assert call(api, "GET", "/user").status == 429
    clock.now = T0 + 60
    again = call(api, "GET", "/user")
    assert again.status == 200 and again.headers["X-RateLimit-Reset"] == str(int(T0) + 120)


def test_an_outage_answers_5xx_until_the_clock_passes_it(
    api: ClickUpApiServer, clock: Clock
) -> None:
    api.fail(500, until=T0 + 60)
    down = call(api, "GET", "/user")
    assert down.status == 500 and set(down.body) == {"err", "ECODE"}
    clock.now = T0 + 59.9
    assert call(api, "POST", f"/list/{LIST}/task", {"name": "lost?"}).status == 500
    assert api.tasks(LIST) == []  # a failed request changes nothing
    clock.now = T0 + 60
    assert call(api, "GET", "/user").status == 200
    api.fail(503, count=2)
    gateway = call(api, "GET", "/user")
    assert gateway.status == 503 and "<html>" in gateway.body  # a proxy's page, not JSON
    assert [call(api, "GET", "/user").status for _ in range(2)] == [503, 200]
    assert [c.status for c in api.calls] == [500, 500, 200, 503, 503, 200]
    assert api.calls_to("POST", r"/list/\d+/task")[0].body == {"name": "lost?"}


def test_clickupfake_imports_nothing_of_bot() -> None:
    package = Path(__file__).parents[2] / "clickupfake"
    found = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{path.name}: {n}" for n in names if n == "bot" or n.startswith("bot.")]
    assert found == []


def test_a_webhook_made_with_a_known_secret_and_a_snapshot_restored(
    api: ClickUpApiServer, clock: Clock, receiver: Receiver
) -> None:
    webhook = api.add_webhook(TEAM, BOT, receiver.url, list_id=LIST, secret="s3cret")
    assert webhook["secret"] == "s3cret" and webhook["list_id"] == int(LIST)
    task = create(api)
    api.comment_as(task["id"], DANA, "kept")
    version = api.version
    saved = json.loads(json.dumps(api.snapshot()))
    with ClickUpApiServer(clock=clock) as again:
        again.restore(saved)
        assert again.task(task["id"]) == api.task(task["id"])
        assert again.comments(task["id"]) == api.comments(task["id"])
        assert call(again, "GET", f"/team/{TEAM}/webhook").body["webhooks"] == [
            {**webhook, "health": {"status": "active", "fail_count": 0}}
        ]
        again.comment_as(task["id"], LEE, "after")
        assert again.version > version
        assert (
            again.pending()[0].signature
            == hmac.new(b"s3cret", again.pending()[0].body, hashlib.sha256).hexdigest()
        )
        assert create(again)["id"] != task["id"]  # ids go on where they were
