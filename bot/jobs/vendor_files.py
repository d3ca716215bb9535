"""`vendor-files` (issue 33): the vendor file's expiry, watched for each POD.

For the vendors of the POD's open requests (a request's vendor is its tool, by name key):

* a document expiring within 30 days is reminded to the POD's analysts (their cover when
  away) in one DM listing every such document — once per document, expiry date and POD
  (a ledger run of its own, job `vendor-expiry-reminder`, `doc/<id>/<expires>/30d`);
* a document past its expiry flags every open request of the POD with that vendor: a line in
  its thread and its card's vendor-file line marked — once per document, expiry and POD
  (`vendor-expired-flag`, `doc/<id>/<expires>/expired`). Each POD's run flags its own
  requests, so an expired certificate flags every open request with that vendor in every POD.

It runs hourly on the POD's working days, in office hours: a threshold crossed on a weekend or
a holiday is told on the next working day, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.compliance import expiry_reminder_dm
from bot.blocks.text import escape_mrkdwn, plain_date, plural
from bot.db.absences import away_in
from bot.db.models import PodRow, Request, Vendor, VendorDocument
from bot.db.requests import record_event
from bot.domain.absences import route
from bot.domain.compliance import DOCUMENT_KINDS, EXPIRY_WARNING_DAYS
from bot.domain.events import RequestChanged, ThreadLine
from bot.domain.reminders import in_office_hours
from bot.domain.vocabulary import OPEN_STAGES, EventKind, Role
from bot.jobs import ledger, register
from bot.jobs.runner import JobContext, JobSpec, working_hour

NAME = "vendor-files"
REMINDER_JOB = "vendor-expiry-reminder"
FLAG_JOB = "vendor-expired-flag"


def reminder_period(doc_id: int, expires: date) -> str:
    return f"doc/{doc_id}/{expires:%Y-%m-%d}/{EXPIRY_WARNING_DAYS}d"


def flag_period(doc_id: int, expires: date) -> str:
    return f"doc/{doc_id}/{expires:%Y-%m-%d}/expired"


@dataclass(frozen=True)
class _Doc:
    id: int
    kind: str
    vendor: str
    expires: date
    requests: tuple[tuple[int, str], ...]  # the POD's open requests with the vendor: (id, key)


def _watched(context: JobContext, today: date) -> list[_Doc]:
    """The documents with an expiry within the warning window or past, of the vendors of the
    POD's open requests."""
    horizon = date.fromordinal(today.toordinal() + EXPIRY_WARNING_DAYS)
    with context.runtime.db.reading() as session:
        rows = session.execute(
            select(VendorDocument, Vendor.name, Request.id)
            .join(Vendor, Vendor.id == VendorDocument.vendor_id)
            .join(Request, Request.tool_key == Vendor.key)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(
                PodRow.key == context.pod.key,
                Request.stage.in_([s.value for s in OPEN_STAGES]),
                VendorDocument.expires_on.is_not(None),
                VendorDocument.expires_on <= horizon,
            )
            .order_by(VendorDocument.expires_on, VendorDocument.id, Request.id)
        ).all()
    docs: dict[int, _Doc] = {}
    for doc, vendor, request_id in rows:
        assert doc.expires_on is not None
        found = docs.get(doc.id)
        requests = (found.requests if found else ()) + ((request_id, f"REQ-{request_id}"),)
        docs[doc.id] = _Doc(doc.id, doc.kind, vendor, doc.expires_on, requests)
    return list(docs.values())


def _flag(context: JobContext, doc: _Doc) -> bool:
    """Flag the POD's open requests with the vendor: a thread line and the card."""
    what = f"{DOCUMENT_KINDS[doc.kind]} of {escape_mrkdwn(doc.vendor)}"
    line = f":warning: The vendor file's {what} expired on {plain_date(doc.expires)}."
    for request_id, _key in doc.requests:

        def stamp(session: Session, request_id: int = request_id) -> None:
            request = session.get(Request, request_id)
            if request is not None:
                record_event(
                    session, request, at=context.now, actor="podbot",
                    kind=EventKind.VENDOR_EXPIRED, text=line,
                    data={"document": doc.id, "expires": doc.expires.isoformat()},
                )  # fmt: skip

        context.write(stamp)
        context.record(ThreadLine(request_id, line))
        context.record(RequestChanged(request_id, "vendor file expired"))
    return context.queue(FLAG_JOB, flag_period(doc.id, doc.expires))


def _body(context: JobContext) -> str:
    pod, now = context.pod, context.now
    if not in_office_hours(pod.calendar, context.runtime.config.schedule.office_hours, now):
        return "0 vendor documents (outside office hours)"
    today = now.astimezone(pod.zone).date()
    db = context.runtime.db
    flagged = 0
    due: list[_Doc] = []
    for doc in _watched(context, today):
        if doc.expires < today:
            if not ledger.is_done(db, FLAG_JOB, pod.key, flag_period(doc.id, doc.expires)):
                flagged += _flag(context, doc)
        elif not ledger.is_done(db, REMINDER_JOB, pod.key, reminder_period(doc.id, doc.expires)):
            due.append(doc)
    if due:
        lines = [
            f"• *{escape_mrkdwn(d.vendor)}*: {DOCUMENT_KINDS[d.kind]} expires "
            f"{plain_date(d.expires)} ({plural((d.expires - today).days, 'day')}) — "
            + ", ".join(key for _id, key in d.requests)
            for d in due
        ]
        text = (
            f":hourglass: Vendor documents expiring within {EXPIRY_WARNING_DAYS} days "
            f"({pod.name}):\n" + "\n".join(lines)
        )
        blocks = expiry_reminder_dm(text)
        with db.reading() as session:
            away = away_in(session, pod, now)
        analysts = pod.members_with(Role.ANALYST)
        for analyst in dict.fromkeys(filter(None, (route(a, away) for a in analysts))):
            context.dm(analyst, text, blocks)
        # The DMs are queued with the first document's run; the others' runs are recorded
        # after it (a crash in between reminds those again, in the next run's DM).
        for doc in due:
            context.queue(REMINDER_JOB, reminder_period(doc.id, doc.expires))
    return (
        f"{plural(len(due), 'expiring vendor document')} reminded, "
        f"{plural(flagged, 'expired vendor document')} flagged"
    )


SPEC = register(
    JobSpec(
        name=NAME,
        summary="vendor documents expiring in 30 days reminded to the analysts; expired ones "
        "flag their open requests",
        trigger=lambda config, pod: CronTrigger(
            day_of_week=",".join(pod.workdays), minute=10, timezone=pod.zone
        ),
        describe=lambda config, pod: f"hourly on working days, in office hours ({pod.timezone})",
        period=working_hour,
        body=_body,
        claims_period=False,
    )
)
