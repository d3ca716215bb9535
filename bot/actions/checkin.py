"""A customer's check-in pack (`/proc checkin`), and sharing it in the POD channel (its
**Share in channel** button): the pack read for a member of the customer's POD, and the share
recorded as `CheckinShared` (its post and CSV: `bot/consequences.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.actions import Work
from bot.blocks.text import escape_mrkdwn
from bot.config import Config, Pod
from bot.db.checkin import customer_facts, find_customer_pod, pack_of
from bot.domain.checkin import CheckinPack
from bot.domain.events import CheckinShared
from bot.errors import NotFound, NotPermitted


def pack_for(
    session: Session, config: Config, customer: str, user: str, now: datetime,
    usage: str | None = None,
) -> tuple[Pod, CheckinPack]:  # fmt: skip
    """The customer's POD and check-in pack as of `now`, for `user` who must be a member of
    that POD; `usage` goes with the refusal of an unknown customer (a typed command's)."""
    found = find_customer_pod(session, customer)
    if found is None:
        raise NotFound(
            f"There is no account or open request for {escape_mrkdwn(customer)}.", usage=usage
        )
    pod_key, key, name = found
    pod = config.find_pod(pod_key)
    if pod is None:
        raise NotFound(f"{escape_mrkdwn(name)}'s POD is no longer configured.")
    if pod.role_of(user) is None:
        raise NotPermitted(
            f"{escape_mrkdwn(name)} is a customer of {pod.name}, and you are not a member of it."
        )
    facts = customer_facts(session, pod_key, key, name, now)
    return pod, pack_of(facts, pod.name, pod.zone, now, config.usage_headroom)


@dataclass(frozen=True)
class ShareCheckin:
    customer: str


@dataclass(frozen=True)
class CheckinPosted:
    pod_name: str
    channel: str  # the POD's


def share(work: Work, user: str, given: ShareCheckin) -> CheckinPosted:
    """Post the customer's check-in pack in its POD's channel."""
    pod, pack = pack_for(work.session, work.config, given.customer, user, work.now)
    work.record(CheckinShared(pod.key, pod.channel, pack, user))
    return CheckinPosted(pod.name, pod.channel)
