"""Test helpers shared by several test modules: import requests."""

from __future__ import annotations

# Moved here from tests/cli/test_import_requests.py by move_helpers.py (issue 28).


HEADER = (
    "external_id,pod,customer,tool,type,stage,buyer,analyst,created,assigned,current_spend,"
    "renewal_date,notes,last_update,last_update_at"
)
