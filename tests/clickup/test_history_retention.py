"""The `retention` job's keep for ClickUp's handled webhook history items (issue 31)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.models import ClickUpHistoryItem
from bot.db.session import Database
from bot.jobs.retention import prune_clickup_history

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_history_items_past_the_keep_go_and_younger_ones_stay(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        with db.transaction() as session:
            for item, days in (("old", 8), ("young", 6)):
                session.add(
                    ClickUpHistoryItem(
                        item_id=item, task_id="t1", event="taskCommentPosted",
                        handled_at=NOW - timedelta(days=days),
                    )
                )  # fmt: skip
        assert prune_clickup_history(db, NOW - timedelta(days=7), batch=1) == 1
        with db.reading() as session:
            assert session.scalars(select(ClickUpHistoryItem.item_id)).all() == ["young"]
    finally:
        db.dispose()
