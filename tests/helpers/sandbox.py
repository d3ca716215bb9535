"""Test helpers shared by several test modules: sandbox."""

from __future__ import annotations

import json
import urllib
from typing import Any

# Moved here from tests/sandbox/test_sandbox.py by move_helpers.py (issue 28).


def post(url: str, body: dict[str, Any], *, timeout: float = 20) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
