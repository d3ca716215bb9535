"""Reads for book-of-business bundles (issue 34): the SaaS stack's renewals not yet in a bundle,
and what a bundle's proposal shows (its customers' contracts, seats, the resellers quoted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.db.models import Bundle, BundleMember, Contract, PodRow, Quote, QuoteLine, Request
from bot.domain.playbooks import Renewal


def unbundled_renewals(session: Session, first: date, last: date) -> list[Renewal]:
    """Every POD's contracts renewing from `first` to `last` whose renewal is in no bundle."""
    rows = session.execute(
        select(
            Contract.id, PodRow.key, Contract.customer_key, Contract.tool_key,
            Contract.renewal_date,
        )
        .join(PodRow, PodRow.id == Contract.pod_id)
        .outerjoin(
            BundleMember,
            and_(
                BundleMember.contract_id == Contract.id,
                BundleMember.renewal_date == Contract.renewal_date,
            ),
        )
        .where(
            Contract.renewal_date >= first,
            Contract.renewal_date <= last,
            BundleMember.id.is_(None),
        )
        .order_by(Contract.id)
    ).all()  # fmt: skip
    return [Renewal(*row) for row in rows]


@dataclass(frozen=True)
class MemberFacts:
    """One customer of a bundle: its contract, POD, seats (its latest itemised quote's) and
    request once accepted."""

    member_id: int
    contract_id: int
    pod_key: str
    customer: str
    renewal_date: date
    annual: Decimal
    currency: str
    seats: int | None
    request_id: int | None


def members_of(session: Session, bundle_id: int) -> list[MemberFacts]:
    """The bundle's customers, by renewal date."""
    rows = session.execute(
        select(BundleMember, Contract, PodRow.key)
        .join(Contract, Contract.id == BundleMember.contract_id)
        .join(PodRow, PodRow.id == BundleMember.pod_id)
        .where(BundleMember.bundle_id == bundle_id)
        .order_by(BundleMember.renewal_date, BundleMember.id)
    ).all()
    out = []
    for member, contract, pod_key in rows:
        seats = session.scalar(
            select(QuoteLine.quantity)
            .join(Request, Request.id == QuoteLine.request_id)
            .where(
                Request.customer_key == contract.customer_key,
                Request.tool_key == contract.tool_key,
            )
            .order_by(QuoteLine.id.desc())
            .limit(1)
        )
        out.append(
            MemberFacts(
                member.id, contract.id, pod_key, contract.customer, member.renewal_date,
                contract.annual_amount, contract.currency, seats, member.request_id,
            )
        )  # fmt: skip
    return out


def resellers_quoted(session: Session, tool_key: str) -> list[str]:
    """The vendors quoted on any POD's requests for the tool, by name."""
    names = session.execute(
        select(Quote.vendor_key, Quote.vendor)
        .join(Request, Request.id == Quote.request_id)
        .where(Request.tool_key == tool_key)
        .order_by(Quote.id)
    ).all()
    latest = {key: vendor for key, vendor in names}
    return sorted(latest.values(), key=str.casefold)


def bundle(session: Session, bundle_id: int, *, for_update: bool = False) -> Bundle | None:
    query = select(Bundle).where(Bundle.id == bundle_id)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()
