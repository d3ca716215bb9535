"""Who the invoker is: their POD(s) and role, and whether that role allows the action."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.config import Config, Pod
from bot.db.models import Request
from bot.db.requests import get_request_and_pod_key
from bot.domain.lifecycle import Action, StageError, may, next_stage, who_may
from bot.errors import NotFound, NotInPod, NotPermitted, WrongStage


def require_member(config: Config, user_id: str) -> list[tuple[Pod, str]]:
    """The user's (POD, role) pairs; NotInPod when there are none."""
    memberships = config.memberships(user_id)
    if not memberships:
        raise NotInPod(
            "You are not a member of any procurement POD yet; ask your POD's analyst to add you "
            "to podbot's configuration."
        )
    return memberships


def pod_for_new(config: Config, user_id: str, channel_id: str, action: Action) -> tuple[Pod, str]:
    """The POD a new request (or contract) goes to: the channel's POD, else the user's only one."""
    memberships = require_member(config, user_id)
    here = config.pod_for_channel(channel_id)
    if here is not None:
        role = here.role_of(user_id)
        if role is None:
            raise NotPermitted(f"You are not a member of {here.name}, whose channel this is.")
        candidates = [(here, role)]
    else:
        candidates = [(p, r) for p, r in memberships if may(r, action)]
        if len(candidates) > 1:
            names = ", ".join(p.name for p, _ in candidates)
            raise NotPermitted(
                f"You are in several PODs ({names}): run this in the channel of the POD it is for."
            )
        if not candidates:
            candidates = memberships[:1]
    pod, role = candidates[0]
    if not may(role, action):
        raise NotPermitted(f"Only {who_may(action)} may do that; in {pod.name} you are {role}.")
    return pod, role


def authorize(config: Config, user_id: str, request: Request, pod: Pod, action: Action) -> str:
    """The user's role in the request's POD, if it allows `action`; NotPermitted otherwise."""
    require_member(config, user_id)
    role = pod.role_of(user_id)
    if role is None:
        raise NotPermitted(f"{request.key} belongs to {pod.name}, and you are not a member of it.")
    if not may(role, action, is_assigned_buyer=request.buyer_id == user_id):
        # Blame the assignment only when being the assigned buyer would have been enough.
        if may(role, action, is_assigned_buyer=True) and request.buyer_id:
            raise NotPermitted(
                f"{request.key} is assigned to <@{request.buyer_id}>: "
                f"only {who_may(action)} may do that."
            )
        raise NotPermitted(f"Only {who_may(action)} may do that; in {pod.name} you are {role}.")
    return role


def load_request(
    session: Session, config: Config, number: int, *, for_update: bool = True
) -> tuple[Request, Pod]:
    """The request REQ-`number` (row-locked for the transaction) and its POD; NotFound if none."""
    found = get_request_and_pod_key(session, number, for_update=for_update)
    if found is None:
        raise NotFound(
            f"There is no request REQ-{number}; `{config.slack.command} mine` lists yours."
        )
    request, pod_key = found
    try:
        pod = config.pod(pod_key)
    except KeyError:
        raise NotFound(
            f"REQ-{number} belongs to POD `{pod_key}`, which is no longer configured."
        ) from None
    return request, pod


def require_stage(stage: str, action: Action, key: str) -> None:
    """Refuse an action the request's stage does not allow (WrongStage, with the reason)."""
    try:
        next_stage(stage, action, key)
    except StageError as exc:
        raise WrongStage(exc.message) from None
