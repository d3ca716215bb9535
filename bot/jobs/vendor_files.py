"""`vendor-files` (issue 33): the vendor file's expiry, watched for each POD.

For the vendors of the POD's open requests (a request's vendor is its tool, by name key):

* a document expiring within 30 days is an item of the analysts' *vendor expiry* digest
  (`bot/digests.py`: their own hours, their cover while away, each document and expiry told
  once), not a DM of this job's;
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

from bot.blocks.text import escape_mrkdwn, plain_date, plural
from bot.db.models import PodRow, Request, Vendor, VendorDocument
from bot.db.requests import record_event
from bot.domain.compliance import DOCUMENT_KINDS
from bot.domain.events import RequestChanged, ThreadLine
from bot.domain.reminders import in_office_hours
from bot.domain.vocabulary import OPEN_STAGES, EventKind
from bot.jobs import ledger, register
from bot.jobs.runner import JobContext, JobSpec, working_hour

NAME = "vendor-files"
FLAG_JOB = "vendor-expired-flag"


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
    """The documents past their expiry, of the vendors of the POD's open requests."""
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
                VendorDocument.expires_on < today,
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
    for doc in _watched(context, today):
        if doc.expires < today and not ledger.is_done(
            db, FLAG_JOB, pod.key, flag_period(doc.id, doc.expires)
        ):
            flagged += _flag(context, doc)
    return f"{plural(flagged, 'expired vendor document')} flagged"


SPEC = register(
    JobSpec(
        name=NAME,
        summary="expired vendor documents flag their open requests (those expiring in 30 days "
        "are in the analysts' digest)",
        trigger=lambda config, pod: CronTrigger(
            day_of_week=",".join(pod.workdays), minute=10, timezone=pod.zone
        ),
        describe=lambda config, pod: f"hourly on working days, in office hours ({pod.timezone})",
        period=working_hour,
        body=_body,
        claims_period=False,
    )
)
