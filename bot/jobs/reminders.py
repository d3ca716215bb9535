"""`reminders`: hourly on working days, DMs for overdue buyer updates and unanswered mentions.

(a) each buyer gets one DM listing their negotiating requests without an update for 24
working hours; (b) each member gets one DM per mention unanswered past 24 working hours, and
past 48 the POD's em(s) get an escalation; (c) each analyst gets one DM listing the POD's won
requests whose new term is still unrecorded 24 working hours after the close. A reminder is
keyed by (kind, subject, user, window) — the window being the due instant — so it is sent once
per window; a snooze re-arms it once, at the snooze's time (term reminders have no snooze).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.claims import when
from bot.blocks.ids import ActionId
from bot.blocks.text import escape_mrkdwn
from bot.config import Config, Pod
from bot.db.models import PendingResponse, PodRow, Reminder, ReminderKind, Request, ResponseState
from bot.domain.lifecycle import TERM_RECORD_HOURS
from bot.domain.vocabulary import Stage
from bot.domain.working_time import add_working_hours
from bot.jobs import register
from bot.jobs.aging_report import late_terms
from bot.jobs.runner import JobContext, JobSpec
from bot.slack.web_api import SlackApi

NAME = "reminders"


@dataclass(frozen=True)
class Due:
    """One reminder that is due now: what about, to whom, and the window it belongs to."""

    kind: ReminderKind
    subject: int
    user: str
    window: datetime
    line: str


def _window(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def snooze_buttons(mention: bool) -> ActionsBlock:
    """Snooze 1 h, Snooze until tomorrow and, for mentions, Mark answered."""
    elements = [
        ButtonElement(text="Snooze 1 h", action_id=ActionId.SNOOZE_HOUR.value, value="1h"),
        ButtonElement(
            text="Snooze until tomorrow", action_id=ActionId.SNOOZE_TOMORROW.value, value="tomorrow"
        ),
    ]
    if mention:
        elements.append(
            ButtonElement(
                text="Mark answered",
                action_id=ActionId.MARK_ANSWERED.value,
                value="answered",
                style="primary",
            )
        )
    return ActionsBlock(block_id="reminder_actions", elements=elements)


def _still_to_send(context: JobContext, candidates: list[Due]) -> list[Due]:
    """Drop reminders already sent for their window, unless a snooze has run out."""
    if not candidates:
        return []
    with context.runtime.db.transaction() as session:
        rows = session.scalars(
            select(Reminder).where(
                Reminder.kind.in_({d.kind.value for d in candidates}),
                Reminder.subject.in_({d.subject for d in candidates}),
            )
        ).all()
    sent = {(r.kind, r.subject, r.user_id, r.window): r for r in rows}
    keep = []
    for due in candidates:
        row = sent.get((due.kind.value, due.subject, due.user, _window(due.window)))
        if row is None or (row.snoozed_until is not None and row.snoozed_until <= context.now):
            keep.append(due)
    return keep


def _key(due: Due) -> list[Any]:
    """The reminder's unique key, as its DM's outbox row carries it."""
    return [due.kind.value, due.subject, due.user, _window(due.window)]


def _remember(context: JobContext, dues: list[Due]) -> None:
    """Record the reminders as sent (or re-sent after a snooze), in the run's transaction; the
    DM that carries them records where it landed when the worker sends it."""

    def write(session: Session) -> None:
        for due in dues:
            row = session.scalars(
                select(Reminder).where(
                    Reminder.kind == due.kind.value,
                    Reminder.subject == due.subject,
                    Reminder.user_id == due.user,
                    Reminder.window == _window(due.window),
                )
            ).one_or_none()
            if row is None:
                row = Reminder(
                    kind=due.kind.value, subject=due.subject, user_id=due.user,
                    window=_window(due.window), sent_at=context.now,
                )  # fmt: skip
                session.add(row)
            row.sent_at, row.snoozed_until = context.now, None
        session.flush()

    context.write(write)


def _update_reminders(context: JobContext, team_url: str | None) -> list[Due]:
    pod, now = context.pod, context.now
    hours = context.runtime.config.clocks.update_hours
    with context.runtime.db.transaction() as session:
        requests = session.scalars(
            select(Request)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(PodRow.key == pod.key, Request.stage == Stage.NEGOTIATING)
            .order_by(Request.id)
        ).all()
    dues = []
    for request in requests:
        if request.last_update_at is None or request.buyer_id is None:
            continue
        due = add_working_hours(pod.calendar, request.last_update_at, hours)
        if due > now:
            continue
        link = (
            SlackApi.archive_link(team_url, request.card_channel, request.card_ts)
            if request.card_channel and request.card_ts
            else None
        )
        key = f"<{link}|{request.key}>" if link else request.key
        line = (
            f"• {key} {escape_mrkdwn(request.customer)} · {escape_mrkdwn(request.tool)} — "
            f"last update {when(request.last_update_at)}, due {when(due)}"
        )
        dues.append(Due(ReminderKind.UPDATE, request.id, request.buyer_id, due, line))
    return dues


def _mention_reminders(context: JobContext, team_url: str | None) -> list[Due]:
    pod, now = context.pod, context.now
    with context.runtime.db.transaction() as session:
        pending = session.scalars(
            select(PendingResponse)
            .join(PodRow, PodRow.id == PendingResponse.pod_id)
            .where(
                PodRow.key == pod.key,
                PendingResponse.state == ResponseState.OPEN.value,
                PendingResponse.due_at <= now,
            )
            .order_by(PendingResponse.id)
        ).all()
    dues = []
    for p in pending:
        link = SlackApi.archive_link(team_url, p.channel, p.message_ts)
        if link and p.thread_ts != p.message_ts:
            link += f"?thread_ts={p.thread_ts}&cid={p.channel}"
        message = f"<{link}|this message>" if link else "a message"
        dues.append(
            Due(
                ReminderKind.MENTION, p.id, p.member, p.due_at,
                f":speech_balloon: <@{p.author}> mentioned you in <#{p.channel}> ({message}) "
                f"{when(p.mentioned_at)} and is waiting for your reply (due {when(p.due_at)}).",
            )
        )  # fmt: skip
        if p.escalate_at <= now:
            for em in pod.members_with("em"):
                if em == p.member:
                    continue
                dues.append(
                    Due(
                        ReminderKind.ESCALATION, p.id, em, p.escalate_at,
                        f":rotating_light: <@{p.member}> has not answered <@{p.author}>'s "
                        f"mention in <#{p.channel}> ({message}) for 48 working hours.",
                    )
                )  # fmt: skip
    return dues


def _term_reminders(context: JobContext, team_url: str | None) -> list[Due]:
    """Won requests whose new term is unrecorded 24 working hours after the close: one
    reminder per analyst of the POD, its window the due instant (so it is sent once, ever)."""
    pod, now = context.pod, context.now
    with context.runtime.db.reading() as session:
        late = late_terms(session, pod, now)
        places = {
            number: (channel, ts)
            for number, channel, ts in session.execute(
                select(Request.id, Request.card_channel, Request.card_ts).where(
                    Request.id.in_([item.number for item in late])
                )
            )
        }
    dues = []
    for item in late:
        assert item.due_at is not None
        channel, ts = places.get(item.number, (None, None))
        link = SlackApi.archive_link(team_url, channel, ts) if channel and ts else None
        key = f"<{link}|{item.key}>" if link else item.key
        line = (
            f"• {key} {escape_mrkdwn(item.customer)} · {escape_mrkdwn(item.tool)} — "
            f"won {when(item.closed_at)}"
        )
        for analyst in pod.members_with("analyst"):
            dues.append(Due(ReminderKind.TERM, item.number, analyst, item.due_at, line))
    return dues


def _body(context: JobContext) -> str:
    team_url = None if context.dry_run else context.runtime.slack.team_url()
    sent = 0
    # (a) one DM per buyer listing every overdue request.
    by_buyer: dict[str, list[Due]] = defaultdict(list)
    for due in _still_to_send(context, _update_reminders(context, team_url)):
        by_buyer[due.user].append(due)
    for buyer, dues in by_buyer.items():
        text = (
            f":alarm_clock: *Update due* — {len(dues)} of your requests "
            f"{'has' if len(dues) == 1 else 'have'} had no update for "
            f"{context.runtime.config.clocks.update_hours} working hours:"
        )
        lines = "\n".join(d.line for d in dues)[:2900]
        blocks: list[Block] = [
            SectionBlock(text=MarkdownTextObject(text=f"{text}\n{lines}")),
            SectionBlock(text=MarkdownTextObject(text="Post one with `/proc update REQ-n …`.")),
            snooze_buttons(mention=False),
        ]
        context.dm(buyer, text, blocks, reminders=[_key(d) for d in dues])
        _remember(context, dues)
        sent += 1
    # (b) one DM per unanswered mention, and escalations to the em(s).
    for due in _still_to_send(context, _mention_reminders(context, team_url)):
        blocks = [SectionBlock(text=MarkdownTextObject(text=due.line)), snooze_buttons(True)]
        context.dm(due.user, due.line, blocks, reminders=[_key(due)])
        _remember(context, [due])
        sent += 1
    # (c) one DM per analyst listing the won requests whose new term is still unrecorded.
    by_analyst: dict[str, list[Due]] = defaultdict(list)
    for due in _still_to_send(context, _term_reminders(context, team_url)):
        by_analyst[due.user].append(due)
    for analyst, dues in by_analyst.items():
        text = (
            f":memo: *New term not recorded* — {len(dues)} won "
            f"{'request has' if len(dues) == 1 else 'requests have'} no new term in the SaaS "
            f"stack {TERM_RECORD_HOURS} working hours after the close:"
        )
        lines = "\n".join(d.line for d in dues)[:2900]
        blocks = [
            SectionBlock(text=MarkdownTextObject(text=f"{text}\n{lines}")),
            SectionBlock(
                text=MarkdownTextObject(
                    text="Press *Record the new term* in the request's thread, or "
                    "`/proc contract add …`."
                )
            ),
        ]
        context.dm(analyst, text, blocks, reminders=[_key(d) for d in dues])
        _remember(context, dues)
        sent += 1
    return f"{sent} reminder DM(s)"


def _period(config: Config, pod: Pod, now: datetime) -> str | None:
    local = now.astimezone(pod.zone)
    return local.strftime("%Y-%m-%dT%H") if pod.calendar.is_working_day(local.date()) else None


SPEC = register(
    JobSpec(
        name=NAME,
        summary="DMs for overdue buyer updates and unanswered mentions (em escalation at 48 wh)",
        trigger=lambda config, pod: CronTrigger(
            day_of_week=",".join(pod.workdays), minute=0, timezone=pod.zone
        ),
        describe=lambda config, pod: f"hourly on working days ({pod.timezone})",
        period=_period,
        body=_body,
        overdue=lambda config, pod, now: True,
    )
)
