"""The people matrix and sentiment of an account, and the repeat-disqualification flag
(issue 35): `change_people` (`/proc people … add|remove|contacted`, recording
`PeopleMatrixChanged`), `set_sentiment` (`/proc account … sentiment`, `SentimentSet`) and
`flag_repeat_disqualifications` (called by `disqualify`, `RepeatDisqualificationsFlagged`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.actions import Work
from bot.actions.accounts import Seen, account_for
from bot.blocks.text import escape_mrkdwn
from bot.config import Config, Pod
from bot.db.models import AccountPerson, AccountSentiment, RepeatDisqualificationFlag, Request
from bot.db.people_matrix import (
    contacts_of,
    disqualified_since,
    find_person,
    last_flag,
    openers_of,
    sentiments_of,
)
from bot.domain.accounts import AccountCommand
from bot.domain.aging import local_date
from bot.domain.events import PeopleMatrixChanged, RepeatDisqualificationsFlagged, SentimentSet
from bot.domain.names import name_key
from bot.domain.people_matrix import (
    REPEAT_DISQUALIFIED,
    REPEAT_WINDOW_DAYS,
    Contact,
    MatrixRole,
    PeopleCommand,
    Sentiment,
    SentimentCommand,
    single_threaded,
)
from bot.domain.vocabulary import Role
from bot.errors import NotFound, NotPermitted

# Who may change the people matrix, and who may record the customer's sentiment.
PEOPLE_ROLES = frozenset({Role.CSM, Role.ANALYST, Role.EM})
SENTIMENT_ROLES = frozenset({Role.CSM, Role.EM})


def seen_account(session: Session, config: Config, user: str, customer: str) -> Seen:
    """The customer's account, if `user` is a member of its POD (for reading)."""
    return account_for(session, config, user, AccountCommand(customer), for_update=False)


@dataclass(frozen=True)
class PeopleChanged:
    customer: str
    change: str
    person: str
    role: MatrixRole | None
    escalation: int | None
    contacted: date | None
    contacts: list[Contact]

    @property
    def single_threaded(self) -> bool:
        return single_threaded(self.contacts)


def change_people(work: Work, user: str, given: PeopleCommand) -> PeopleChanged:
    """Add (or change) a person of the account's matrix, remove one, or note a contact."""
    assert given.verb is not None and given.person is not None, "a change to make"
    seen = account_for(
        work.session, work.config, user, AccountCommand(given.customer), for_update=True
    )
    account, pod = seen.account, seen.pod
    if seen.role not in PEOPLE_ROLES:
        raise NotPermitted(
            f"Only a csm, an analyst or an em of {pod.name} may change an account's people; "
            f"in {pod.name} you are {seen.role}."
        )
    found = find_person(work.session, account.id, given.person, for_update=True)
    contacted: date | None = None
    if given.verb == "add":
        assert given.role is not None
        if found is None:
            found = AccountPerson(
                account_id=account.id, name=given.person, name_key=name_key(given.person),
                added_at=work.now, added_by=user,
            )  # fmt: skip
            work.session.add(found)
        found.role = given.role.value
        found.escalation = given.escalation
    elif found is None:
        raise NotFound(
            f"{escape_mrkdwn(given.person)} is not in the people of "
            f"{escape_mrkdwn(account.customer)} (`/proc people {account.customer}` lists them)."
        )
    elif given.verb == "remove":
        work.session.delete(found)
    else:
        contacted = given.contacted or local_date(work.now, pod.timezone)
        if contacted > local_date(work.now, pod.timezone):
            raise NotPermitted("A last contact cannot be in the future.")
        found.last_contact = contacted
    work.session.flush()
    work.record(PeopleMatrixChanged(account.id, given.verb, user))
    return PeopleChanged(
        account.customer, given.verb, found.name, given.role, given.escalation, contacted,
        contacts_of(work.session, account.id),
    )  # fmt: skip


@dataclass(frozen=True)
class SentimentRecorded:
    customer: str
    sentiment: Sentiment
    was: str | None


def set_sentiment(work: Work, user: str, given: SentimentCommand) -> SentimentRecorded:
    """Record the customer's sentiment with a note, kept beside the earlier ones."""
    seen = account_for(
        work.session, work.config, user, AccountCommand(given.customer), for_update=True
    )
    account, pod = seen.account, seen.pod
    if seen.role not in SENTIMENT_ROLES:
        raise NotPermitted(
            f"Only a csm or an em of {pod.name} may record a customer's sentiment; "
            f"in {pod.name} you are {seen.role}."
        )
    history = sentiments_of(work.session, account.id)
    was = history[-1].sentiment if history else None
    work.session.add(
        AccountSentiment(
            account_id=account.id, sentiment=given.sentiment.value, note=given.note,
            set_at=work.now, set_by=user,
        )
    )  # fmt: skip
    work.record(SentimentSet(account.id, given.sentiment.value, user))
    return SentimentRecorded(account.customer, given.sentiment, was)


def flag_repeat_disqualifications(work: Work, request: Request, pod: Pod) -> None:
    """After a disqualification: a customer with REPEAT_DISQUALIFIED or more requests
    disqualified in the last REPEAT_WINDOW_DAYS days is flagged to its CSMs and the POD's ems,
    once: the disqualifications a flag reported are not counted again."""
    session = work.session
    work.session.flush()
    since = work.now - timedelta(days=REPEAT_WINDOW_DAYS)
    previous = last_flag(session, request.pod_id, request.customer_key)
    if previous is not None:
        # What a flag reported is not counted again: only what was disqualified after it.
        since = max(since, previous.flagged_at + timedelta(microseconds=1))
    recent = disqualified_since(session, request.pod_id, request.customer_key, since)
    if len(recent) < REPEAT_DISQUALIFIED:
        return
    window_start = recent[0][1].date()
    flag = RepeatDisqualificationFlag(
        pod_id=request.pod_id, customer_key=request.customer_key, customer=request.customer,
        window_start=window_start,
        reasons="\n".join(f"{key}: {' '.join(reason.split())}" for key, _, reason in recent),
        flagged_at=work.now,
    )  # fmt: skip
    # Two disqualifications deciding the same flag at once (PostgreSQL): the second's insert
    # waits for the first and finds its window flagged — it flags nothing, and still commits.
    try:
        with session.begin_nested():
            session.add(flag)
            session.flush()
    except IntegrityError:
        return
    csms = {
        u for u in openers_of(session, request.pod_id, request.customer_key)
        if pod.role_of(u) == Role.CSM
    }  # fmt: skip
    users = tuple(sorted(csms)) + tuple(u for u in pod.members_with(Role.EM) if u not in csms)
    work.record(RepeatDisqualificationsFlagged(flag.id, users))
