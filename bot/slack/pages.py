"""Splitting a long report into Slack messages: groups of lines packed into sections and pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

SECTION_TEXT = 3000  # Slack's limit on one section's text

# (group key, its number of lines, whether it was already shown on an earlier page) -> heading
Heading = Callable[[str, int, bool], str]


@dataclass
class _Page:
    """Sections of one message being filled, with the room left in it."""

    blocks_left: int
    chars_left: int
    sections: list[list[str]] = field(default_factory=list)
    section_chars: int = 0


def paginate(
    groups: list[tuple[str, list[str]]],
    first: tuple[int, int],
    rest: tuple[int, int],
    heading: Heading,
) -> list[list[str]]:
    """Pack groups of lines, in order, into pages of section texts.

    `first` and `rest` are the (blocks, characters) room of the first and later pages; the first
    section of a group on a page starts with the group's heading.
    """
    pages = [_Page(*first)]
    for key, lines in groups:
        on_page = False  # whether this group has a section on the current page
        shown = False  # whether this group has a section on any page yet
        for line in lines:
            while True:
                page = pages[-1]
                cost = 1 + len(line)
                if (
                    on_page
                    and page.section_chars + cost <= SECTION_TEXT
                    and cost <= page.chars_left
                ):
                    page.sections[-1].append(line)
                    page.section_chars += cost
                    page.chars_left -= cost
                    break
                head = [] if on_page else [heading(key, len(lines), shown)]
                text_len = sum(len(t) + 1 for t in head) + len(line)
                if page.blocks_left >= 1 and text_len <= page.chars_left:
                    page.sections.append([*head, line])
                    page.section_chars = text_len
                    page.chars_left -= text_len
                    page.blocks_left -= 1
                    on_page = shown = True
                    break
                # Lines are bounded to a few hundred characters, so a fresh page always fits one.
                if not page.sections:
                    raise ValueError("a report line does not fit an empty message")
                pages.append(_Page(*rest))
                on_page = False
    return [["\n".join(section) for section in page.sections] for page in pages]
