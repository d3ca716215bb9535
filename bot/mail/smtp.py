"""Sending an email by SMTP: STARTTLS before the login, credentials from the environment
(`bot.config.EmailSettings`). A refusal the server gives for good (5xx) is a `MailRefused`;
anything else (a timeout, a 4xx, a dropped connection) is a `MailUnavailable`, tried again."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

__all__ = ["MailRefused", "MailUnavailable", "SmtpSettings", "send"]


class MailUnavailable(Exception):
    """The server could not take the message now: try again later."""


class MailRefused(Exception):
    """The server refused the message for good."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    ca_file: str | None = None  # a private relay's CA (else the system's)
    timeout: float = 20.0


def send(settings: SmtpSettings, message: EmailMessage) -> str:
    """Send `message` to its To: addresses; returns the server's answer to the data."""
    context = ssl.create_default_context(cafile=settings.ca_file)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            refused = smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        error = exc.smtp_error
        said = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        text = f"{exc.smtp_code} {said}"
        if 500 <= exc.smtp_code < 600:
            raise MailRefused(text) from exc
        raise MailUnavailable(text) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailRefused(f"every recipient refused: {sorted(exc.recipients)}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise MailUnavailable(str(exc) or type(exc).__name__) from exc
    if refused:
        return f"sent; refused by the server: {', '.join(sorted(refused))}"
    return f"sent to {message['To']}"
