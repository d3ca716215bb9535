"""Procurement steps (S0 stages) of a negotiating request: one started or done (`/proc stage`).

The request loaded (row-locked), the actor authorized, the step opened or closed, the timeline
written, the domain events recorded (`ProcurementStepMoved`: the card; `ThreadLine`: the
thread); the outcome says what happened, as facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Work
from bot.actions.access import authorize, load_request
from bot.actions.requests import advance
from bot.blocks.compliance import checklist_offer
from bot.blocks.text import plural
from bot.db.compliance import checklist_of
from bot.db.models import ProcurementStep
from bot.db.requests import open_step, record_event
from bot.domain.compliance import STATE_WORDS
from bot.domain.events import ProcurementStepMoved, ThreadLine
from bot.domain.grammar import StageStep
from bot.domain.lifecycle import Action
from bot.domain.mentions import defuse_broadcasts
from bot.domain.procurement import bound_days, step_day, step_words
from bot.domain.vocabulary import EventKind
from bot.errors import WrongStage


@dataclass(frozen=True)
class StepMoved:
    key: str
    words: str  # the step as the POD says it ("security review")
    done: bool
    expected: tuple[int, int] | None  # a started step's bound, in days


def move_step(work: Work, user: str, given: StageStep) -> StepMoved:
    """Start a procurement step of a negotiating request, or finish the one under way."""
    request, pod = load_request(work.session, work.config, given.number)
    authorize(work.config, user, request, pod, Action.PROCUREMENT_STEP)
    advance(request.stage, Action.PROCUREMENT_STEP, request.key)
    now = work.now
    words = step_words(given.stage)
    title = words[:1].upper() + words[1:]
    row = open_step(work.session, request.id, given.stage)
    expected: tuple[int, int] | None = None
    if given.done:
        if row is None:
            raise WrongStage(
                f"{request.key} has no {words} under way: start it with "
                f"`stage {request.key} {given.stage}`."
            )
        row.done_at, row.done_by = now, user
        if given.note:
            row.note = f"{row.note}\n{given.note}" if row.note else given.note
        days = step_day(row.started_at, now, pod.timezone)
        kind = EventKind.PROCUREMENT_DONE
        line = f":white_check_mark: *{title}* done (after {plural(days, 'day')}), by <@{user}>"
    else:
        if row is not None:
            raise WrongStage(f"{request.key}'s {words} is already under way.")
        work.session.add(
            ProcurementStep(
                request_id=request.id, stage=given.stage, started_at=now, started_by=user,
                note=given.note,
            )
        )  # fmt: skip
        expected = low, high = bound_days(work.config.procurement_stages[given.stage])
        kind = EventKind.PROCUREMENT_STARTED
        line = (
            f":hourglass_flowing_sand: *{title}* started by <@{user}> (expected {low}–{high} days)"
        )
    work.session.flush()
    record_event(
        work.session, request, at=now, actor=user, kind=kind,
        text=words + (f": {given.note}" if given.note else ""),
        data={"stage": given.stage},
    )  # fmt: skip
    work.record(
        ProcurementStepMoved(request.id),
        ThreadLine(
            request.id, line + (f":\n>{defuse_broadcasts(given.note)}" if given.note else ".")
        ),
    )
    # Issue 33: the checklist items tied to the step, offered once it is done.
    tied = [
        status
        for status in checklist_of(work.session, request.id, pod.checklist)
        if given.done and status.item.step == given.stage and not status.settled
    ]
    if tied:
        text, blocks = checklist_offer(
            request.id, request.key, words,
            [(s.item.key, s.item.name, STATE_WORDS[s.state]) for s in tied],
            work.config.slack.command,
        )  # fmt: skip
        work.record(ThreadLine(request.id, text, tuple(blocks)))
    return StepMoved(request.key, words, given.done, expected)
