"""The delivery worker's doorbell: how a process answering Slack tells the delivery process of
`podbot serve` that it committed outbox rows (`bot/process.py`, `DeliveryProcess`).

One datagram on a local (AF_UNIX) socket per commit that queued rows, naming their channels:
the worker looks at those channels at once (one indexed query each), as when it ran in the
same process and `Outbox.deliver` called `OutboxWorker.notify` directly. Ringing costs one
non-blocking `sendto`; a ring that cannot be delivered (the delivery process restarting, its
socket's buffer full) is dropped: the rows are in the database, and the worker's sweep every
SWEEP_SECONDS finds them anyway.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

# A datagram: the channels, one per line ("" for rows of no channel); SWEEP asks for a look at
# every due row (`notify()` without channels: an installation resumed, held rows released).
SWEEP = b"*"
_STOP = b"\x00stop"
_MAX_DATAGRAM = 65536

Notify = Callable[[set[str | None] | None], None]


def _encode(channels: set[str | None] | None) -> bytes:
    if channels is None:
        return SWEEP
    return "\n".join(sorted(channel or "" for channel in channels)).encode()


def _decode(data: bytes) -> set[str | None] | None:
    if data == SWEEP:
        return None
    return {line or None for line in data.decode().split("\n")}


class Ringer:
    """The sending end, in a process answering Slack: `ring` is `OutboxWorker.notify`'s
    stand-in there (`OutboxWorker.doorbell`)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._socket: socket.socket | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _sock(self) -> socket.socket:
        # One socket per process (a `--workers N` child opens its own).
        with self._lock:
            if self._socket is None or self._pid != os.getpid():
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                sock.setblocking(False)
                self._socket, self._pid = sock, os.getpid()
            return self._socket

    def ring(self, channels: set[str | None] | None = None) -> None:
        # Not listening (restarting), or its buffer is full: the sweep finds the rows.
        with contextlib.suppress(OSError):
            self._sock().sendto(_encode(channels), self.path)


class Doorbell:
    """The receiving end, in the delivery process: a thread that hands each ring to `notify`
    (the worker's). Bound before the worker starts; its first take sweeps every due row, so
    nothing rung before the bind waits."""

    def __init__(self, path: str, notify: Notify) -> None:
        self.path = path
        self._notify = notify
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # a previous delivery process's (it died)
        self._socket.bind(path)
        self._thread = threading.Thread(target=self._listen, name="podbot-doorbell", daemon=True)

    def start(self) -> Doorbell:
        self._thread.start()
        return self

    def _listen(self) -> None:
        while True:
            try:
                data = self._socket.recv(_MAX_DATAGRAM)
            except OSError:
                return
            if data == _STOP:
                return
            try:
                self._notify(_decode(data))
            except Exception:  # a malformed ring: the sweep finds the rows anyway
                log.exception("the delivery doorbell could not read a ring")

    def stop(self) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock, contextlib.suppress(OSError):
            sock.sendto(_STOP, self.path)
        self._thread.join(timeout=5)
        self._socket.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
