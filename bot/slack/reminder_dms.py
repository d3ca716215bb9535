"""Reminder DMs that stay true (SPEC §5): when what a DM lists is resolved — the mention
answered or marked answered, an update posted on a request, the breach or TAT past, the claim
decided, the new term recorded, a pre-approved request qualified or disqualified, the request
closed — the DM is edited: that item's line settled (✅, its button gone) while the others stay
live, and once every item is resolved the DM as a whole says so, its buttons gone.

`settle(session, outbox, …)` is called by the change that resolves something, in its own
transaction: it finds the delivered DMs listing those subjects (a reminder row records where
its DM landed), and queues an `outbox.edit` of each DM with an item newly resolved, built on
the DM as it now reads (`current_dm`: its latest edit, else what was sent). A DM is settled as a
whole once (its edit row is marked `settled`). `resolved(session, reminders)` is the test for a
click on a DM's Snooze (read in `bot/db/reminders.py`): on a DM whose items are all resolved
it changes nothing.

`settle_renewal` settles the renewal reminder DMs about a contract once a renewal request for
it opens. Which change settles what is the table in `bot/consequences.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.blocks.reminders import settle_items, settled_blocks
from bot.db.models import (
    OutboxKind,
    OutboxRow,
    OutboxStatus,
    Reminder,
    ReminderKind,
)
from bot.db.reminders import MENTION_KINDS as _MENTION_KINDS
from bot.db.reminders import REQUEST_KINDS as _REQUEST_KINDS
from bot.db.reminders import is_resolved, note_for
from bot.slack.outbox import Lane, Outbox

if TYPE_CHECKING:
    from sqlalchemy import Select


def _already_settled(session: Session, channel: str, ts: str) -> bool:
    payloads = session.scalars(
        select(OutboxRow.payload).where(
            OutboxRow.lane == Lane.MESSAGE.of(channel, ts),
            OutboxRow.kind == OutboxKind.UPDATE.value,
        )
    )
    return any(p.get("settled") for p in payloads)


def _recent_dms(session: Session, user: str, limit: int) -> Iterable[tuple[Any, Any]]:
    """(payload, where it landed) of the user's last `limit` delivered DMs, newest first."""
    rows = session.execute(
        select(OutboxRow.payload, OutboxRow.result)
        .where(
            OutboxRow.lane == Lane.DM.of(user),
            OutboxRow.kind == OutboxKind.DM.value,
            OutboxRow.status == OutboxStatus.DELIVERED.value,
        )
        .order_by(OutboxRow.id.desc())
        .limit(limit)
    )
    yield from ((payload, result) for payload, result in rows)


def _delivered_dm(session: Session, user: str, channel: str, ts: str) -> dict[str, Any] | None:
    """The payload of the DM row that landed at (channel, ts): its text and blocks."""
    for payload, result in _recent_dms(session, user, 200):
        if result and result.get("channel") == channel and result.get("ts") == ts:
            return dict(payload)
    return None


# How far back a change looks for DMs to settle, per person: a digest a day per kind for weeks
# (an older DM has scrolled away; its stale button still changes nothing).
RECENT_DMS = 60


def _dms_of(session: Session, user: str) -> Iterable[tuple[str, str, list[list[Any]]]]:
    """(channel, ts, reminder keys) of the user's recent delivered DMs that carried reminders."""
    for payload, result in _recent_dms(session, user, RECENT_DMS):
        keys = (payload or {}).get("reminders") or []
        if keys and result and result.get("channel") and result.get("ts"):
            yield str(result["channel"]), str(result["ts"]), [list(k) for k in keys]


def _reminders(
    session: Session, user: str, dms: dict[tuple[str, str], list[list[Any]]]
) -> dict[tuple[str, str], list[Reminder]]:
    """The reminder rows of each DM's keys (kind, subject, user, window), read in one query."""
    if not dms:
        return {}
    subjects = {int(subject) for keys in dms.values() for _kind, subject, *_ in keys}
    rows = session.scalars(
        select(Reminder).where(Reminder.user_id == user, Reminder.subject.in_(subjects))
    )
    by_key = {(r.kind, r.subject, r.user_id, r.window): r for r in rows}
    return {
        place: [by_key[k] for k in map(tuple, keys) if k in by_key] for place, keys in dms.items()
    }


def current_dm(session: Session, user: str, channel: str, ts: str) -> dict[str, Any] | None:
    """A delivered DM as it reads now, or will once its queued edits are sent: the payload
    (text, blocks) of its latest edit row, else of the DM row that landed at (channel, ts)."""
    latest = session.scalar(
        select(OutboxRow.payload)
        .where(
            OutboxRow.lane == Lane.MESSAGE.of(channel, ts),
            OutboxRow.kind == OutboxKind.UPDATE.value,
        )
        .order_by(OutboxRow.id.desc())
        .limit(1)
    )
    return dict(latest) if latest else _delivered_dm(session, user, channel, ts)


def settle_dm(
    session: Session, outbox: Outbox, user: str, channel: str, ts: str, reminders: list[Reminder]
) -> bool:
    """Edit one delivered DM for what is resolved of it now: each resolved item's line settled,
    and, once every item is, the DM as a whole (its buttons gone, the note under it), once.
    False when there is nothing new to show."""
    if _already_settled(session, channel, ts):
        return False
    items = [r for r in reminders if r.kind != ReminderKind.DIGEST.value]
    done = [r for r in items if is_resolved(session, r)]
    if not done:
        return False
    current = current_dm(session, user, channel, ts) or {}
    shown = list(current.get("blocks") or [])
    blocks = settle_items(shown, {(r.kind, r.subject) for r in done})
    whole = len(done) == len(items)
    note = note_for(reminders)
    if whole:
        blocks = settled_blocks(blocks, note)
    elif blocks == shown:
        return False  # those items' lines are settled already (or the DM names no items)
    outbox.edit(session, channel, ts, str(current.get("text") or note), blocks, settled=whole)
    return True


@lru_cache(maxsize=64)
def _reminded(kinds: int, subjects: int) -> Select[str]:
    """Who was reminded of these subjects (kinds bound as k0, k1, …, subjects as s0, s1, …):
    built once per count (the few counts in use), as every change to a request asks it before
    its command's ack (the SQL of an expanding IN, not expanded again on every execution)."""
    return select(Reminder.user_id).where(
        Reminder.kind.in_([bindparam(f"k{n}", type_=Reminder.kind.type) for n in range(kinds)]),
        Reminder.subject.in_(
            [bindparam(f"s{n}", type_=Reminder.subject.type) for n in range(subjects)]
        ),
    )


def settle(
    session: Session,
    outbox: Outbox,
    *,
    mentions: Iterable[int] = (),
    requests: Iterable[int] = (),
    claims: Iterable[int] = (),
) -> int:
    """Edit every delivered DM about these subjects with an item newly resolved (settled on its
    line, or the DM as a whole when all its items are); returns how many edits were queued."""
    wanted: list[tuple[tuple[str, ...], list[int]]] = [
        (_MENTION_KINDS, list(mentions)),
        (_REQUEST_KINDS, list(requests)),
        ((ReminderKind.APPROVAL.value,), list(claims)),
    ]
    # Who was reminded of these subjects; then every delivered DM of theirs that listed one
    # (a digest lists a still-open item again each day: each of those DMs is settled, not
    # only the latest, which is the one a reminder row records).
    about: set[tuple[str, int]] = set()
    users: set[str] = set()
    for kinds, subjects in wanted:
        if not subjects:
            continue
        about |= {(kind, subject) for kind in kinds for subject in subjects}
        values: dict[str, object] = {f"k{n}": kind for n, kind in enumerate(kinds)}
        values |= {f"s{n}": subject for n, subject in enumerate(subjects)}
        if session.autoflush:  # as the ORM would before a query (a reminder just written)
            session.flush()
        # Core on the transaction's connection: reminders have no ORM criteria to add.
        statement = _reminded(len(kinds), len(subjects))
        users |= set(session.connection().execute(statement, values).scalars())
    by_dm: dict[tuple[str, str, str], list[Reminder]] = {}
    for user in sorted(users):
        listing = {
            (channel, ts): keys
            for channel, ts, keys in _dms_of(session, user)
            if any((kind, subject) in about for kind, subject, *_ in keys)
        }
        for (channel, ts), reminders in _reminders(session, user, listing).items():
            by_dm[(user, channel, ts)] = reminders
    edited = 0
    for (user, channel, ts), reminders in sorted(by_dm.items()):
        edited += settle_dm(session, outbox, user, channel, ts, reminders)
    return edited


def settle_renewal(
    session: Session, outbox: Outbox, users: Iterable[str], contract_id: int, request_key: str
) -> int:
    """Settle the delivered renewal reminder DMs about a contract (their payload names it) in
    these users' recent DMs: the button gone, the note naming the renewal request now open.
    Returns how many edits were queued."""
    note = f":white_check_mark: *Opened* — {request_key} is open for this renewal."
    edited = 0
    for user in sorted(set(users)):
        for payload, result in _recent_dms(session, user, RECENT_DMS):
            if (payload or {}).get("renewal") != contract_id or not result:
                continue
            channel, ts = result.get("channel"), result.get("ts")
            if not channel or not ts or _already_settled(session, channel, ts):
                continue
            current = current_dm(session, user, channel, ts) or {}
            blocks = settled_blocks(list(current.get("blocks") or []), note)
            text = str(current.get("text") or note)
            outbox.edit(session, channel, ts, text, blocks, settled=True)
            edited += 1
    return edited
