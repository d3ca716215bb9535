"""`people-refresh`: daily at 06:00 POD time, the POD's members' names looked up with
`users.info` and kept in `people`, for the places a Slack mention does not render (the weekly
digest's charts and CSV, the aging CSV, `podbot report kpis`).

A member whose name was fetched (or changed by a `user_change` event) less than `FRESH` ago is
not asked again, so a member of two PODs is looked up once a day. The lookups happen in the
body, outside any transaction, spaced by the Web API seam (Slack's Tier 4; a 429 is waited
out by the WebClient); the names are written with the run's ledger row. A member Slack cannot
tell podbot about (`user_not_found`, or any error) keeps their id (or the name podbot had) and
a warning in the log; the run does not fail. Rate-limited past the WebClient's retries, the run
stops asking and the rest wait for tomorrow.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.blocks.text import plural
from bot.config import Config, Pod
from bot.db.people import due_for_lookup, remember
from bot.domain.people import Profile
from bot.jobs import register
from bot.jobs.runner import JobContext, JobSpec, local_time_reached
from bot.slack.web_api import WebApiError

log = logging.getLogger(__name__)

NAME = "people-refresh"
AT = time(6, 0)  # POD time: before the morning's reports
# A name younger than this is not looked up again: at most one lookup a day per member.
FRESH = timedelta(hours=23)


def _body(context: JobContext) -> str:
    runtime, pod, now = context.runtime, context.pod, context.now
    with runtime.db.reading() as session:
        due = due_for_lookup(session, pod.members, now - FRESH)
    if context.dry_run:
        return f"would look up {plural(len(due), 'member')}"
    found: list[Profile] = []
    kept: list[str] = []
    for index, user in enumerate(due):
        try:
            profile = runtime.slack.user_info(user)
        except WebApiError as exc:
            kept.append(user)
            if exc.error == "ratelimited":
                rest = due[index + 1 :]
                kept += rest
                log.warning(
                    "people-refresh %s: Slack is rate-limiting users.info; %s keep their id "
                    "or old name until the next run", pod.key, plural(1 + len(rest), "member"),
                )  # fmt: skip
                break
            log.warning(
                "people-refresh %s: users.info could not name %s (%s); they keep their id "
                "or old name", pod.key, user, exc.error,
            )  # fmt: skip
            continue
        except Exception:  # an answer podbot cannot read: this member only
            kept.append(user)
            log.warning(
                "people-refresh %s: users.info's answer for %s could not be read; they keep "
                "their id or old name", pod.key, user, exc_info=True,
            )  # fmt: skip
            continue
        if profile.name is None:
            kept.append(user)
            log.warning("people-refresh %s: Slack has no name for %s", pod.key, user)
            continue
        found.append(profile)
    if found:
        context.write(lambda session: remember(session, found, now))
    said = f"{plural(len(found), 'name')} looked up"
    return said + (f"; {len(kept)} kept as before (see the log)" if kept else "")


def _period(config: Config, pod: Pod, now: datetime) -> str:
    return now.astimezone(pod.zone).date().isoformat()


SPEC = register(
    JobSpec(
        name=NAME,
        summary="look up the POD's members' names (users.info) for charts, CSVs and plain text",
        trigger=lambda config, pod: CronTrigger(hour=AT.hour, minute=AT.minute, timezone=pod.zone),
        describe=lambda config, pod: f"daily at {AT:%H:%M} {pod.timezone}",
        period=_period,
        body=_body,
        overdue=lambda config, pod, now: local_time_reached(pod, now, AT),
    )
)
