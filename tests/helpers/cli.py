"""Test helpers shared by several test modules: cli."""

from __future__ import annotations

from pathlib import Path

# Moved here from tests/cli/test_cli.py by move_helpers.py (issue 28).


ROOT = Path(__file__).resolve().parents[2]
