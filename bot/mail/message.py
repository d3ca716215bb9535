"""A customer update as a real email: an RFC 5322 message with a plain-text and an HTML part,
built with Python's `email` package; its bytes are the `.eml` file DMed with the draft."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Config
    from bot.db.models import CustomerUpdate

__all__ = [
    "build_message",
    "eml_name",
    "leadership_message",
    "parse_contacts",
    "update_message",
]

# The From: of an `.eml` when podbot sends no email itself (the sender's mail client sets it).
NO_SENDER = "procurement@example.invalid"


def parse_contacts(text: str | None) -> list[str]:
    """The addresses of a contacts cell (`a@x.com; B <b@y.com>`, commas or semicolons)."""
    if not text:
        return []
    return [address for _name, address in getaddresses([text.replace(";", ",")]) if address]


def build_message(
    *,
    update_id: int,
    subject: str,
    text: str,
    html: str,
    sender: str,
    recipients: list[str],
    at: datetime,
) -> EmailMessage:
    """The update as an email: To its recipients (none yet: the person sending fills them in),
    From `sender`, dated `at`, with a Message-ID naming the draft (one draft, one id)."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = sender
    if recipients:
        message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(at)
    domain = sender.rpartition("@")[2] or "podbot.invalid"
    message["Message-ID"] = f"<customer-update-{update_id}@{domain}>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def eml_name(customer: str, day: str) -> str:
    """`update-acme-corp-2026-12-07.eml`."""
    slug = "".join(c if c.isalnum() else "-" for c in customer.lower()).strip("-")
    slug = "-".join(part for part in slug.split("-") if part) or "customer"
    return f"update-{slug}-{day}.eml"


def update_message(config: Config, row: CustomerUpdate) -> EmailMessage:
    """The stored draft as the email sent (and as the `.eml` DMed): the same bytes either way
    but for the From: when no `[email]` sender is configured."""
    return build_message(
        update_id=row.id,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        sender=config.email.sender or NO_SENDER,
        recipients=parse_contacts(row.recipients),
        at=row.drafted_at,
    )


def leadership_message(
    config: Config, *, month: str, subject: str, text: str, html: str, at: datetime
) -> EmailMessage:
    """The monthly leadership report as an email draft (issue 35): no To: (the person
    sending it to leadership's chain fills it in), From the `[email]` sender, one
    Message-ID per month."""
    message = EmailMessage(policy=SMTP)
    sender = config.email.sender or NO_SENDER
    message["Subject"] = subject
    message["From"] = sender
    message["Date"] = format_datetime(at)
    domain = sender.rpartition("@")[2] or "podbot.invalid"
    message["Message-ID"] = f"<leadership-report-{month}@{domain}>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
