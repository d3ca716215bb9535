"""Splitting a long report into Slack messages: groups of lines packed into sections and pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.limits import HEADER_TEXT, MAX_MESSAGE_BLOCKS, SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, fit_plain

# All block text of one message. Slack allows more, but a lighter post renders faster on phones.
MESSAGE_TEXT = 12_000

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


@dataclass(frozen=True)
class ReportMessage:
    """One message of a report: its notification text and its Block Kit blocks."""

    text: str
    blocks: list[Block]


def report_messages(
    *,
    text: str,
    head: list[Block],
    tail: Sequence[Block],
    head_chars: int,
    groups: list[tuple[str, list[str]]],
    heading: Heading,
    continued_title: str,
    continued_note: Callable[[int], str],
) -> list[ReportMessage]:
    """A report as one message, or a parent (head, first lines, tail, a "continued" note) and
    continuation messages titled "<continued_title> (2/4)" for its thread."""
    reserved = len(head) + len(tail)
    single = (MAX_MESSAGE_BLOCKS - reserved, MESSAGE_TEXT - head_chars)
    pages = paginate(groups, single, single, heading)
    if len(pages) > 1:
        # Room for the "continued" note in the parent, sized for any plausible page count.
        note_room = len(continued_note(9999))
        first = (MAX_MESSAGE_BLOCKS - reserved - 1, MESSAGE_TEXT - head_chars - note_room)
        rest = (MAX_MESSAGE_BLOCKS - 1, MESSAGE_TEXT - len(f"{continued_title} (9999/9999)"))
        pages = paginate(groups, first, rest, heading)
    total = len(pages)
    parent: list[Block] = [*head, *(_section(t) for t in pages[0]), *tail]
    if total > 1:
        parent.append(ContextBlock(elements=[MarkdownTextObject(text=continued_note(total - 1))]))
    messages = [ReportMessage(text=text, blocks=parent)]
    for number, page in enumerate(pages[1:], start=2):
        title = f"{continued_title} ({number}/{total})"
        blocks: list[Block] = [
            HeaderBlock(text=PlainTextObject(text=fit_plain(title, HEADER_TEXT), emoji=True)),
            *(_section(t) for t in page),
        ]
        messages.append(ReportMessage(text=escape_mrkdwn(title), blocks=blocks))
    return messages


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))
