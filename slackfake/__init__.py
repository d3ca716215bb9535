"""slackfake: a stand-in for Slack, apart from podbot (it imports nothing of `bot`).

Three parts, each usable alone:

* `slackfake.web_api` — a local Slack Web API server (`SlackApiServer`) that records every
  call, keeps channels, threads, files and Home views, and answers as Slack does (the samples in
  `slackfake/fixtures`). slack_sdk is pointed at it with `SLACK_API_URL`.
* `slackfake.signing` — `SlackClient`, which sends slash commands, clicks, view submissions and
  events to an app the way Slack does: same bodies, same headers, same v0 signature.
* `slackfake.render` — Slack's mrkdwn and the Block Kit elements podbot uses, as HTML.

The test suite drives podbot through the first two; `podbot sandbox` (bot/sandbox/) serves all
three behind its page.
"""
