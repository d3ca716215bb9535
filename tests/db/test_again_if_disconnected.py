"""A lost connection is retried only when the action has not committed anything yet."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.db.session import Database, again_if_disconnected


def lost() -> DBAPIError:
    return DBAPIError(
        "select 1", {}, Exception("server closed the connection"), connection_invalidated=True
    )


def test_an_action_that_lost_its_connection_before_committing_runs_once_more() -> None:
    tries: list[int] = []

    def action() -> str:
        tries.append(1)
        if len(tries) == 1:
            raise lost()
        return "done"

    assert again_if_disconnected(action) == "done"
    assert len(tries) == 2


def test_an_action_that_already_committed_is_not_run_again(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    tries: list[int] = []

    def action() -> None:
        tries.append(1)
        with db.transaction() as session:
            session.execute(text("select 1"))
        raise lost()  # e.g. its second transaction met a dropped connection

    try:
        with pytest.raises(DBAPIError):
            again_if_disconnected(action)
    finally:
        db.dispose()
    assert len(tries) == 1


def test_other_database_errors_are_not_retried() -> None:
    tries: list[int] = []

    def action() -> None:
        tries.append(1)
        raise DBAPIError("insert", {}, Exception("duplicate key"))

    with pytest.raises(DBAPIError):
        again_if_disconnected(action)
    assert len(tries) == 1
