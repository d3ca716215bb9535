"""What a request's ClickUp task is told (issue 31): the consequences (`bot/consequences.py`)
that queue `clickup` outbox rows in the change's own transaction, in the lane of the task.

Each looks at what changed since it last queued something for the task, as the link records
it (`ClickUpLink`): the timeline events not yet mirrored become comments in the POD's
prescribed format; the status the request's stage, procurement step or hold maps to, when it
is not the one last set; the TAT due date, when it moved; the buyer, when reassigned. So a
consequence may sit in the rows of several events (an update records a thread line and a
change): what it queues, it queues once."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import PodClickUp
from bot.db.holds import open_hold
from bot.db.models import ClickUpLink, PodRow, Request, RequestEvent
from bot.db.people import names_of
from bot.db.requests import open_step
from bot.domain.vocabulary import EventKind, Stage

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.slack.outbox import Outbox

LANE = "clickup"
# The timeline events a task is told of, with the words its comment starts with.
MIRRORED: dict[str, str] = {
    EventKind.QUALIFIED: "Qualified",
    EventKind.DISQUALIFIED: "Disqualified",
    EventKind.PREAPPROVAL: "Pre-approval",
    EventKind.ASSIGNED: "Assigned",
    EventKind.UPDATE: "Update",
    EventKind.QUOTE: "Quote",
    EventKind.PROCUREMENT_STARTED: "Procurement step started",
    EventKind.PROCUREMENT_DONE: "Procurement step done",
    EventKind.HOLD: "On hold",
    EventKind.RESUMED: "Resumed",
    EventKind.CLOSED: "Closed",
    EventKind.SAVINGS_CLAIMED: "Savings claimed",
    EventKind.SAVINGS_APPROVED: "Savings approved",
    EventKind.SAVINGS_STEP_APPROVED: "Savings step approved",
    EventKind.SAVINGS_REJECTED: "Savings rejected",
    EventKind.TERM_RECORDED: "New term recorded",
}
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BOLD = re.compile(r"(?<!\w)\*([^*\n]+)\*(?!\w)")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]+)>")


def task_name(request: Request) -> str:
    """The task's name: "Acme Corp · Figma (REQ-12)"."""
    return f"{request.customer} · {request.tool} ({request.key})"


def plain(text: str, names: dict[str, str]) -> str:
    """Slack mrkdwn as ClickUp's plain comment text: mentions by name (a person podbot has no
    name for yet stays `<@U…>`, named by the sender: `bot/clickup/deliver.py`), bold marks
    and entities gone, links as their words and address."""
    text = _MENTION.sub(lambda m: _who(m[1], names), text)
    text = _DATE.sub(lambda m: m[1], text)
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})", text)
    text = _BOLD.sub(lambda m: m[1], text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _who(user: str, names: dict[str, str]) -> str:
    name = names.get(user)
    return f"@{name}" if name and name != user else f"<@{user}>"


def comment_text(request: Request, event: RequestEvent, names: dict[str, str]) -> str:
    """A timeline event as the POD's prescribed comment: what, by whom, on which request,
    then its text (an update's Status / Vendor position / Next step / Blockers lines)."""
    who = _who(event.actor, names).removeprefix("@") if event.actor[:1] in "UW" else event.actor
    head = f"{MIRRORED[event.kind]} · {request.key} · by {who} (via podbot)"
    body = plain(event.text or "", names).strip()
    if event.kind == EventKind.UPDATE and body and not body.startswith("Status:"):
        body = f"Status: {body}"  # a free-text update: the status is what was said
    return f"{head}\n{body}" if body else head


def pod_clickup(runtime: Runtime, session: Session, request: Request) -> PodClickUp | None:
    """The request's POD's ClickUp list, when the POD has one and ClickUp is configured with
    its token (without CLICKUP_TOKEN nothing is queued for ClickUp: `podbot doctor` says so)."""
    config = runtime.config
    if config.clickup is None or runtime.clickup is None:
        return None
    key = session.scalar(select(PodRow.key).where(PodRow.id == request.pod_id))
    pod = config.find_pod(key) if key is not None else None
    return pod.clickup if pod is not None else None


def wanted_status(session: Session, request: Request, mapping: PodClickUp) -> str | None:
    """The list status the request is in, by the mapping: a hold first, then the procurement
    step under way, then its stage (a close by its outcome); None when none is mapped."""
    keys: list[str] = []
    if request.stage in (Stage.INTAKE, Stage.QUALIFIED, Stage.NEGOTIATING):
        hold = open_hold(session, request.id)
        if hold is not None:
            keys += [f"hold-{hold.party}", "hold"]
        if request.stage == Stage.NEGOTIATING:
            step = open_step(session, request.id)
            if step is not None:
                keys.append(step.stage)
    if request.stage == Stage.CLOSED and request.outcome:
        keys.append(f"closed-{request.outcome}")
    keys.append(request.stage)
    return mapping.status_for(*keys)


def _queue(session: Session, outbox: Outbox, link: ClickUpLink, payload: dict[str, Any]) -> None:
    outbox.clickup(session, link.lane, {"request": link.request_id, **payload})


def _active_link(session: Session, outbox: Outbox, request_id: int) -> ClickUpLink | None:
    if outbox.runtime.clickup is None:  # no ClickUp here: not even a lookup on the ack path
        return None
    link = session.get(ClickUpLink, request_id)
    return link if link is not None and link.state == "active" else None


def new_link(
    session: Session, outbox: Outbox, request: Request, mapping: PodClickUp, *,
    task_id: str | None, by: str, create: bool, tell_status: bool = True,
) -> ClickUpLink:  # fmt: skip
    """Link the request to a task: a new one podbot creates (`create`: its `create` row,
    carrying the request's status, due date and buyer as they are now), or `task_id`, told
    what podbot knows of the request (its REQ key field, status, due date); `tell_status`
    False: the task's status is where the request's came from (an import)."""
    session.flush()
    last = session.scalar(
        select(func.max(RequestEvent.id)).where(RequestEvent.request_id == request.id)
    )
    link = ClickUpLink(
        request_id=request.id,
        list_id=mapping.list_id,
        task_id=task_id,
        lane=f"{LANE}:{task_id or request.key}",
        state="active",
        mirrored_event_id=last or 0,
        status=wanted_status(session, request, mapping),
        due_at=request.tat_due_at,
        assignee=request.buyer_id,
        linked_at=outbox.runtime.clock.now(),
        linked_by=by,
    )
    session.add(link)
    session.flush()
    payload: dict[str, Any] = {
        "op": "create" if create else "adopt",
        "name": task_name(request),
        "status": link.status if tell_status else None,
        "due": link.due_at.isoformat() if link.due_at else None,
        "assignee": link.assignee,
    }
    _queue(session, outbox, link, payload)
    return link


# -- the consequences -------------------------------------------------------------------------


def task(session: Session, outbox: Outbox, event: Any) -> None:
    """A new request gets its task (`[clickup] task_on = "create"`), or an assigned one
    (`"assign"`); a reassigned request's task changes assignee."""
    config = outbox.runtime.config
    if config.clickup is None or outbox.runtime.clickup is None:
        return
    request = session.get(Request, event.request_id)
    if request is None:
        return
    mapping = pod_clickup(outbox.runtime, session, request)
    if mapping is None:
        return
    link = session.get(ClickUpLink, request.id)
    assigning = hasattr(event, "previous_buyer")
    if link is None:
        if (config.clickup.task_on == "assign") == assigning:
            new_link(session, outbox, request, mapping, task_id=None, by="podbot", create=True)
        return
    if link.state == "active" and assigning and request.buyer_id != link.assignee:
        _queue(
            session, outbox, link,
            {"op": "assignee", "user": request.buyer_id, "previous": link.assignee},
        )  # fmt: skip
        link.assignee = request.buyer_id


def comments(session: Session, outbox: Outbox, event: Any) -> None:
    """The timeline events since the last mirrored, each as a task comment."""
    link = _active_link(session, outbox, event.request_id)
    if link is None:
        return
    session.flush()  # the use case's timeline event
    events = session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == link.request_id, RequestEvent.id > link.mirrored_event_id)
        .order_by(RequestEvent.id)
    ).all()
    if not events:
        return
    request = session.get(Request, link.request_id)
    assert request is not None
    actors = {e.actor for e in events}
    for e in events:
        actors.update(m[1] for m in _MENTION.finditer(e.text or ""))
    names = names_of(session, actors)
    for e in events:
        if e.kind in MIRRORED:
            _queue(
                session, outbox, link, {"op": "comment", "text": comment_text(request, e, names)}
            )
    link.mirrored_event_id = events[-1].id


def status(session: Session, outbox: Outbox, event: Any) -> None:
    """The task's status, when the request's stage, step or hold maps to another."""
    link = _active_link(session, outbox, event.request_id)
    if link is None:
        return
    request = session.get(Request, link.request_id)
    assert request is not None
    mapping = pod_clickup(outbox.runtime, session, request)
    wanted = wanted_status(session, request, mapping) if mapping is not None else None
    if wanted is not None and wanted != link.status:
        _queue(session, outbox, link, {"op": "status", "status": wanted})
        link.status = wanted


def due(session: Session, outbox: Outbox, event: Any) -> None:
    """The task's due date, when the TAT's due moved (assigned, a hold ended)."""
    link = _active_link(session, outbox, event.request_id)
    if link is None:
        return
    request = session.get(Request, link.request_id)
    assert request is not None
    if request.tat_due_at is not None and request.tat_due_at != link.due_at:
        _queue(session, outbox, link, {"op": "due", "due": request.tat_due_at.isoformat()})
        link.due_at = request.tat_due_at


def linked(session: Session, outbox: Outbox, event: Any) -> None:
    """`/proc link`: the request's link to the task, and the task told what podbot knows."""
    request = session.get(Request, event.request_id)
    assert request is not None
    mapping = pod_clickup(outbox.runtime, session, request)
    if mapping is not None:
        new_link(
            session, outbox, request, mapping, task_id=event.task_id, by=event.by, create=False
        )
