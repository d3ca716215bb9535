"""Structured logs: one JSON object per line, carrying the request key, user, action and outcome."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

# The `extra=` fields podbot's log lines may carry, in the order they appear in a JSON line.
FIELDS = (
    "request",
    "user",
    "action",
    "outcome",
    "ref",
    "job",
    "pod",
    "slack_method",
    "delivery",
    "duration_ms",
)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: ts, level, logger, message, known extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single-line JSON object."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # json.dumps escapes newlines, so a traceback never splits the line.
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The human format, with any known extras appended as key=value pairs."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The classic line plus ` key=value` for each known extra present."""
        extras = " ".join(
            f"{name}={record.__dict__[name]}"
            for name in FIELDS
            if record.__dict__.get(name) is not None
        )
        base = super().formatMessage(record)
        return f"{base} [{extras}]" if extras else base


def wants_json(log_format: str | None, stream: TextIO | None = None) -> bool:
    """JSON when asked for, text when asked for, otherwise JSON unless `stream` is a terminal."""
    if log_format in ("json", "text"):
        return log_format == "json"
    stream = stream or sys.stderr
    return not (hasattr(stream, "isatty") and stream.isatty())


def configure_logging(json: bool, level: int | str = logging.INFO) -> None:
    """Send every log record to stderr, as JSON lines or as text, replacing earlier handlers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json else TextFormatter())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic narrates every step at INFO; operators only need our one-line summary.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request at INFO (ClickUp's: hundreds a minute at an import); podbot logs
    # what goes wrong with them itself (bot/clickup/deliver.py).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
