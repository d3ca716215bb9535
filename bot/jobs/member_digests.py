"""`member-digests` (issue 30): each person's digests inside *their* office hours.

A POD member whose Slack time zone (the people cache, kept by `people-refresh` and
`user_change`) is not the POD's, or who has hours of their own in the config
(`pods[].member_hours`), gets their digest DMs from this job instead of `reminders`: every half
hour, every day, it sends the digests of the members then inside their own office hours on
their own working days (the POD's workdays and holidays, in their zone). The digests are the
same, item for item (`bot/digests.py`: `digest_items`, `send_digests`), recorded per
person, kind and the person's own local day. The clocks keep counting in the POD's calendar.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.blocks.text import plural
from bot.config import Config, Pod
from bot.db.absences import away_in
from bot.db.models import PodRow
from bot.digests import digest_items, own_hours, routed, send_digests
from bot.domain.reminders import in_office_hours
from bot.jobs import register
from bot.jobs.runner import JobContext, JobSpec

NAME = "member-digests"


def half_hour(config: Config, pod: Pod, now: datetime) -> str:
    """The run's period: the POD's local half hour (`2026-11-24T09:30`), any day."""
    return now.astimezone(pod.zone).strftime("%Y-%m-%dT%H:%M")


def _body(context: JobContext) -> str:
    awake = {
        user: person
        for user, person in own_hours(context).items()
        if in_office_hours(person.calendar, person.hours, context.now)
    }
    if not awake:
        return "0 digest DMs (no member with hours of their own is in them)"
    team_url = None if context.dry_run else context.runtime.slack.team_url()
    with context.runtime.db.reading() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == context.pod.key)).one()
        away = away_in(session, context.pod, context.now)
    # Nothing for anyone away (`/proc away`): items about their requests go to their cover.
    items = [i for i in routed(digest_items(context, team_url), away) if i.user in awake]
    sent = send_digests(context, pod_id, items, awake)
    return plural(sent, "digest DM")


SPEC = register(
    JobSpec(
        name=NAME,
        summary="digest DMs of members in other time zones, inside their own office hours",
        trigger=lambda config, pod: CronTrigger(minute="0,30", timezone=pod.zone),
        describe=lambda config, pod: f"every half hour ({pod.timezone}), each member's own hours",
        period=half_hour,
        body=_body,
    )
)
