"""`/proc link REQ clickup <task>` (issue 31): link a request to a ClickUp task that exists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.actions import Work
from bot.actions.access import authorize, load_request
from bot.db.models import ClickUpLink
from bot.domain.events import ClickUpLinked
from bot.domain.lifecycle import Action
from bot.errors import UsageError, WrongStage


@dataclass(frozen=True)
class LinkTask:
    number: int
    task_id: str


@dataclass(frozen=True)
class Linked:
    key: str
    task_id: str


def link(work: Work, user: str, given: LinkTask) -> Linked:
    """Link the request to the task (the POD's analysts and ems, who keep ClickUp in order):
    refused when the POD has no ClickUp list, when the request has a task already, or when
    the task is another request's."""
    session = work.session
    request, pod = load_request(session, work.config, given.number)
    authorize(work.config, user, request, pod, Action.ASSIGN)
    if work.config.clickup is None or pod.clickup is None:
        raise UsageError(f"{pod.name} has no ClickUp list: add `clickup.list_id` to its config.")
    current = session.get(ClickUpLink, request.id)
    if current is not None and current.state == "active":
        raise WrongStage(
            f"{request.key} is linked to ClickUp task `{current.task_id or 'being created'}` "
            "already."
        )
    other = session.scalar(select(ClickUpLink).where(ClickUpLink.task_id == given.task_id))
    if other is not None:
        raise WrongStage(f"ClickUp task `{given.task_id}` is REQ-{other.request_id}'s.")
    if current is not None:  # a task deleted in ClickUp: this one takes its place
        session.delete(current)
        session.flush()
    work.record(ClickUpLinked(request.id, given.task_id, user))
    return Linked(request.key, given.task_id)
