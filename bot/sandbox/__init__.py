"""`podbot sandbox`: podbot, a Slack-compatible Web API and a web page, in one process.

A newcomer with no Slack workspace drives the production code path from a browser: the page
sends podbot requests signed exactly as Slack signs them, and podbot answers through the
Web API in `slack_api`, which keeps the channels, threads, DMs, ephemerals and modals the
page shows.
"""
