"""Canvases in the Slack stand-in (issue 32): channel canvases made with
`conversations.canvases.create`, edited with `canvases.edit` operations on sections, deleted
with `canvases.delete` (or by a person: `delete_as_person`), and a channel whose plan holds no
canvas (`limit`). Shapes and errors as Slack's method reference documents them: a
`document_content` is `{"type": "markdown", "markdown": …}` (≤ 1 MiB); `changes` is a non-empty
array of `{operation, document_content?, section_id?}` with the operations `insert_after`,
`insert_before`, `insert_at_start`, `insert_at_end`, `replace`, `delete`; `insert_before`,
`insert_after` and `delete` need a `section_id`; `replace` without one replaces the whole
document. A section is a heading with what follows it, up to the next heading."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_MARKDOWN = 1_048_576
OPERATIONS = frozenset(
    {"insert_after", "insert_before", "insert_at_start", "insert_at_end", "replace", "delete"}
)
_NEED_SECTION = frozenset({"insert_after", "insert_before", "delete"})
_HEADING = re.compile(r"^#{1,3} ")


class CanvasError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class Canvas:
    canvas_id: str
    channel: str | None
    title: str | None
    sections: list[tuple[str, str]] = field(default_factory=list)  # (section id, markdown)
    deleted: bool = False
    edits: int = 0  # canvases.edit calls applied

    @property
    def markdown(self) -> str:
        return "".join(text for _id, text in self.sections)


def document(params: dict[str, Any], key: str = "document_content") -> str | None:
    """The markdown of a `document_content` argument (None: not given); a malformed one is
    `invalid_arguments`."""
    content = params.get(key)
    if content is None:
        return None
    if (
        not isinstance(content, dict)
        or content.get("type") != "markdown"
        or not isinstance(content.get("markdown"), str)
        or set(content) - {"type", "markdown"}
    ):
        raise CanvasError("invalid_arguments")
    markdown = str(content["markdown"])
    if len(markdown) > MAX_MARKDOWN:
        raise CanvasError("invalid_arguments")
    return markdown


class Canvases:
    """The canvases of one workspace: kept by the Web API server under its lock."""

    def __init__(self) -> None:
        self.by_id: dict[str, Canvas] = {}
        self.of_channel: dict[str, str] = {}
        self.limited: set[str] = set()
        self._serial = 0

    def _split(self, markdown: str) -> list[tuple[str, str]]:
        """Sections of a markdown text: each heading starts one (text before the first heading
        is a section of its own)."""
        parts: list[str] = []
        for line in markdown.splitlines(keepends=True):
            if not parts or _HEADING.match(line):
                parts.append(line)
            else:
                parts[-1] += line
        out = []
        for part in parts:
            self._serial += 1
            out.append((f"temp:C:{self._serial:028d}", part))
        return out

    def create_for_channel(self, channel: str, markdown: str | None, title: str | None) -> str:
        if channel in self.limited:
            raise CanvasError("team_tier_cannot_create_channel_canvases")
        existing = self.of_channel.get(channel)
        if existing is not None and not self.by_id[existing].deleted:
            raise CanvasError("channel_canvas_already_exists")
        self._serial += 1
        canvas_id = f"F0CANVAS{self._serial:04d}"
        canvas = Canvas(canvas_id, channel, title, self._split(markdown or ""))
        self.by_id[canvas_id] = canvas
        self.of_channel[channel] = canvas_id
        return canvas_id

    def edit(self, canvas_id: str | None, changes: Any) -> None:
        canvas = self.by_id.get(canvas_id or "")
        if not isinstance(changes, list) or not changes:
            raise CanvasError("invalid_arguments")
        checked = []
        for change in changes:
            if not isinstance(change, dict) or change.get("operation") not in OPERATIONS:
                raise CanvasError("invalid_arguments")
            if set(change) - {"operation", "document_content", "section_id"}:
                raise CanvasError("invalid_arguments")
            operation = str(change["operation"])
            markdown = document(change)
            section = change.get("section_id")
            if operation in _NEED_SECTION and not section:
                raise CanvasError("invalid_arguments")
            if operation != "delete" and markdown is None:
                raise CanvasError("invalid_arguments")
            checked.append((operation, markdown, section))
        if canvas is None or canvas.deleted:
            raise CanvasError("canvas_not_found")
        for operation, markdown, section in checked:
            self._apply(canvas, operation, markdown or "", section)
        canvas.edits += 1

    def _apply(self, canvas: Canvas, operation: str, markdown: str, section: str | None) -> None:
        ids = [sid for sid, _text in canvas.sections]
        if section is not None and section not in ids:
            raise CanvasError("canvas_editing_failed")
        new = self._split(markdown) if markdown else []
        at = ids.index(section) if section is not None else None
        if operation == "replace" and at is None:
            canvas.sections = new
        elif operation == "replace" and at is not None:
            canvas.sections[at : at + 1] = new
        elif operation == "delete" and at is not None:
            del canvas.sections[at]
        elif operation == "insert_at_start":
            canvas.sections[0:0] = new
        elif operation == "insert_at_end":
            canvas.sections += new
        elif operation == "insert_before" and at is not None:
            canvas.sections[at:at] = new
        elif operation == "insert_after" and at is not None:
            canvas.sections[at + 1 : at + 1] = new

    def lookup(self, canvas_id: str | None, criteria: Any) -> list[str]:
        """`canvases.sections.lookup`: the ids of the sections matching `criteria`
        (`section_types`: 1–3 of `any_header`, `h1`, `h2`, `h3`; `contains_text`; at least one
        of the two)."""
        if not isinstance(criteria, dict) or not criteria or set(criteria) - {
            "section_types", "contains_text"
        }:  # fmt: skip
            raise CanvasError("invalid_arguments")
        types = criteria.get("section_types")
        text = criteria.get("contains_text")
        if types is not None and (
            not isinstance(types, list)
            or not 1 <= len(types) <= 3
            or set(types) - {"any_header", "h1", "h2", "h3"}
        ):
            raise CanvasError("invalid_arguments")
        if text is not None and not isinstance(text, str):
            raise CanvasError("invalid_arguments")
        canvas = self.by_id.get(canvas_id or "")
        if canvas is None or canvas.deleted:
            raise CanvasError("canvas_not_found")
        found = []
        for section_id, markdown in canvas.sections:
            level = len(markdown) - len(markdown.lstrip("#"))
            kind = f"h{level}" if _HEADING.match(markdown) else None
            if types is not None and not (
                kind in types or (kind is not None and "any_header" in types)
            ):
                continue
            if text is not None and text not in markdown:
                continue
            found.append(section_id)
        return found

    def delete(self, canvas_id: str | None) -> None:
        canvas = self.by_id.get(canvas_id or "")
        if canvas is None or canvas.deleted:
            raise CanvasError("canvas_not_found")
        canvas.deleted = True
