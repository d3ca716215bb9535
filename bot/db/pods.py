"""Mirror the config's PODs and members into the database, which requests reference."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.config import Config
from bot.db.models import Member, PodRow

_SYNC_LOCK = 0x706F64626F74  # "podbot": the advisory lock that serialises config syncs


def sync_pods(session: Session, config: Config) -> None:
    """Upsert PODs by key and replace their member lists; PODs gone from the config go inactive."""
    if session.get_bind().dialect.name == "postgresql":
        # Processes starting together would insert the same PODs: one syncs, the others wait.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SYNC_LOCK})
    existing = {pod.key: pod for pod in session.scalars(select(PodRow))}
    for pod_config in config.pods:
        pod = existing.pop(pod_config.key, None)
        if pod is None:
            pod = PodRow(key=pod_config.key)
            session.add(pod)
        pod.name = pod_config.name
        pod.channel = pod_config.channel
        pod.timezone = pod_config.timezone
        pod.active = True
        current = {m.user_id: m for m in pod.members}
        for user_id, role in pod_config.members.items():
            if user_id in current:
                current.pop(user_id).role = role
            else:
                pod.members.append(Member(user_id=user_id, role=role))
        for gone in current.values():
            pod.members.remove(gone)
    for stale in existing.values():
        stale.active = False
        # Free the channel so another POD may take it over.
        stale.channel = f"{stale.channel}~{stale.id}"[:32]
    session.flush()
