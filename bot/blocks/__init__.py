"""Block Kit: every message, card, report page, modal and Home view podbot builds, as pure
functions (values in, slack_sdk model objects out), with the text helpers and Slack's limits
(`bot.blocks.limits`) they share. Nothing here reads the database or talks to Slack."""
