"""podbot: a Slack bot for procurement PODs."""

__version__ = "0.1.0"
