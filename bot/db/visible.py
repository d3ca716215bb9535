"""What every reader sees: the rows of an import not complete are left out.

`podbot import requests` writes its requests and their cards' outbox rows in batches, each row
marked with its import (`import_id`, see `bot.db.imports`). Until that import is `complete`,
none of them is there for the serving bot: `hide_unfinished_imports`, a hook on every session
`Database` makes, adds `published` to each ORM SELECT of requests and outbox rows — commands,
cards, Homes, jobs, KPIs, relationship loads alike. The few Core SELECTs of outbox rows (the
delivery worker's take, the backlog metric) add `published` themselves.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import ColumnElement, Executable, literal, or_, select
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria

from bot.db.models import ImportRun, ImportState, OutboxRow, Request

# An uncorrelated subquery, read once per statement: the imports not complete (a few at most).
# Written as the states it holds, not "not complete": a look-up in `ix_imports_state`. The
# states are two plain parameters, not an expanding IN (the same SQL, without rendering it
# again on every execution of every statement that carries it).
_UNFINISHED = select(ImportRun.id).where(
    ImportRun.state.in_([literal(ImportState.IMPORTING.value), literal(ImportState.FAILED.value)])
)


def published(import_id: Any) -> ColumnElement[bool]:
    """The rows whose import (the `import_id` column given) is none or complete."""
    return or_(import_id.is_(None), import_id.not_in(_UNFINISHED))


_HIDE = (
    with_loader_criteria(Request, lambda cls: published(cls.import_id), include_aliases=True),
    with_loader_criteria(OutboxRow, lambda cls: published(cls.import_id), include_aliases=True),
)


# Each statement with the criteria added, kept while the statement lives: a statement built
# once (a command's request load) then keeps the cache key SQLAlchemy works out on its first
# execution, instead of a new copy whose key is worked out again on every execution.
_hidden: weakref.WeakKeyDictionary[Executable, Executable] = weakref.WeakKeyDictionary()
_hidden_lock = threading.Lock()


def hide_unfinished_imports(state: ORMExecuteState) -> None:
    """A `do_orm_execute` hook: an ORM SELECT of requests or outbox rows leaves out the rows of
    imports not complete."""
    if state.is_select:
        statement = state.statement
        hidden = _hidden.get(statement)
        if hidden is None:
            hidden = statement.options(*_HIDE)
            with _hidden_lock:
                _hidden[statement] = hidden
        state.statement = hidden
