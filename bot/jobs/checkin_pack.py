"""`checkin-pack`: weekly (the POD's `checkin_day` at `checkin_time`, default Monday 09:00), one
post in the POD channel naming the customers with nothing new in one line, and in its thread one
reply per customer that had activity (`had_activity`) — its pack: open requests, closes and
approved savings of the last 7 days, renewals in the next 90 days — each followed by its CSV.

One ledger run per POD and ISO week (job `checkin-pack`, the POD, `<ISO week>`), so a second
run or the catch-up the same week posts nothing again.
"""

from __future__ import annotations

from bot.blocks.checkin import checkin_blocks, checkin_post
from bot.blocks.text import plain_date, plural
from bot.db.checkin import customer_facts, pack_of, pod_customers
from bot.db.customer_updates import quiet_accounts
from bot.db.requests import pod_row
from bot.domain.checkin import CheckinPack, checkin_csv, checkin_csv_name, had_activity
from bot.jobs import register
from bot.jobs.runner import JobContext, weekly_job

NAME = "checkin-pack"


def _body(context: JobContext) -> str:
    pod, now = context.pod, context.now
    active: list[CheckinPack] = []
    quiet: list[str] = []
    with context.runtime.db.reading() as session:
        pod_id = pod_row(session, pod.key).id
        no_update = [account.customer for account in quiet_accounts(session, pod_id, now)]
        for key, name in pod_customers(session, pod.key).items():
            facts = customer_facts(session, pod.key, key, name, now)
            pack = pack_of(facts, pod.name, pod.zone, now, context.runtime.config.usage_headroom)
            if had_activity(pack):
                active.append(pack)
            else:
                quiet.append(pack.customer)
    if not active and not quiet:
        return "no customers: nothing posted"
    as_of = now.astimezone(pod.zone).date()
    text, blocks = checkin_post(
        pod.name, as_of, pod.timezone, [p.customer for p in active], quiet, no_update
    )
    parent = context.post(pod.channel, text, blocks)
    for pack in active:
        text, blocks = checkin_blocks(pack)
        context.post(pod.channel, text, blocks, thread=parent)
        context.upload(
            pod.channel, checkin_csv_name(pod.key, pack),
            checkin_csv(pack).encode("utf-8"),
            title=f"Check-in {pack.customer} {plain_date(pack.as_of)}", thread=parent,
        )  # fmt: skip
    return (
        f"check-ins posted: {plural(len(active), 'customer pack')} in the thread, "
        f"{len(quiet)} quiet"
    )


SPEC = register(
    weekly_job(
        NAME,
        "a weekly check-in post in the POD channel, each active customer's pack and CSV in its "
        "thread",
        _body,
        day=lambda pod: pod.checkin_day,
        at=lambda pod: pod.checkin_time,
    )
)
