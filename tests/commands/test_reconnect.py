"""A PostgreSQL restart between two commands costs the user nothing.

podbot does not ping the database before every transaction (a round trip per command); a
pooled connection the server has dropped fails once and the action runs again on a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from bot.db.models import RequestEvent
from tests.commands.conftest import ANALYST, BUYER, Proc
from tests.conftest import RunningBot


def test_a_command_after_the_database_dropped_its_connections_succeeds_once(
    start_bot: Callable[[str], RunningBot], postgres_url: str
) -> None:
    bot = start_bot(postgres_url)
    proc = Proc(bot)
    backends: list[int] = []
    event.listen(
        bot.db.engine, "connect", lambda dbapi, _record: backends.append(dbapi.info.backend_pid)
    )
    bot.db.engine.dispose()  # from here on every connection podbot opens is known
    proc(ANALYST, "new Acme Corp | Figma | new | $48,000")
    proc(ANALYST, "qualify REQ-1")
    proc(ANALYST, f"assign REQ-1 <@{BUYER}>")
    assert backends, "podbot opened no connection"

    # What a server restart does to the pool: every connection podbot holds is cut.
    url = make_url(postgres_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as admin:
        for pid in backends:
            admin.execute("select pg_terminate_backend(%s)", (pid,))

    reply = proc(BUYER, "update REQ-1 Vendor came back at 45k")
    assert reply == "Update posted in REQ-1's thread."
    with bot.db.transaction() as session:
        kinds = list(session.scalars(select(RequestEvent.kind).order_by(RequestEvent.id)))
    assert kinds.count("update") == 1
    updates = [m for m in proc.thread(1) if "Vendor came back at 45k" in (m.text or "")]
    assert len(updates) == 1
