"""Persistence: models, sessions, migrations."""
