"""The SMTP stand-in (issue 32): a local SMTP server (aiosmtpd) that requires STARTTLS with a
test CA's certificate (trustme), may require a login, keeps every message it accepted, and
answers failures as a relay does (421: try later; 550: refused). Imports nothing of `bot`."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["Received", "SmtpServer"]


@dataclass(frozen=True)
class Received:
    """One message the server accepted: envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    tls: bool  # whether the session had switched to TLS (STARTTLS) before the data


@dataclass
class _Handler:
    server: SmtpServer

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        return self.server._data(session, envelope)


@dataclass
class SmtpServer:
    """`with SmtpServer(folder) as server:` … `server.port`, `server.ca_file`,
    `server.received`; `fail(421 or 550, count=n)` answers the next n messages so."""

    folder: Path
    username: str | None = None
    password: str | None = None
    received: list[Received] = field(default_factory=list)
    _failures: list[tuple[int, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def __enter__(self) -> SmtpServer:
        ca = trustme.CA()
        certificate = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = str(self.folder / "smtp-ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(tls)
        kwargs: dict[str, Any] = {"tls_context": tls, "require_starttls": True}
        if self.username is not None:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=True)
        else:
            kwargs.update(auth_require_tls=False)
        with socket.socket() as probe:  # a free port (aiosmtpd's readiness check needs one)
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, **kwargs
        )
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()

    def fail(self, code: int, count: int = 1) -> None:
        """Answer the next `count` messages' data with `code` (421: later; 550: refused)."""
        text = "Service not available, try later" if code < 500 else "Message refused"
        with self._lock:
            self._failures += [(code, text)] * count

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        return AuthResult(success=ok)

    def _data(self, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self._failures:
                code, text = self._failures.pop(0)
                return f"{code} {text}"
            content = envelope.original_content or envelope.content or b""
            raw = content if isinstance(content, bytes) else content.encode()
            parsed = message_from_bytes(raw, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.received.append(
                Received(
                    str(envelope.mail_from),
                    list(envelope.rcpt_tos),
                    parsed,
                    session.ssl is not None,
                )
            )
        return "250 OK: queued"
