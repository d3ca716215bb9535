"""Slack's limits on what podbot sends, in one place
(https://docs.slack.dev/reference/block-kit/blocks, chat.postMessage, views.publish)."""

from __future__ import annotations

MAX_MESSAGE_BLOCKS = 50  # blocks in one message
MAX_VIEW_BLOCKS = 100  # blocks in a modal or a Home tab
MAX_MESSAGE_TEXT = 40_000  # a message's text (chat.postMessage answers `msg_too_long` above it)
SECTION_TEXT = 3000  # one section's text
HEADER_TEXT = 150  # a header's text
FIELD_TEXT = 2000  # one of a section's fields
MAX_FIELDS = 10  # fields in one section
PLAIN_TEXT_INPUT = 3000  # a plain_text_input's value
PLACEHOLDER_TEXT = 150  # an input's placeholder
OPTION_TEXT = 75  # one option's text in a select menu
MAX_OPTIONS = 100  # options in one select menu
BUTTON_VALUE = 2000  # a button's value
