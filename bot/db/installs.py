"""Slack installations (OAuth mode, issue 36): slack_sdk's own tables on podbot's database.

Bolt's `SQLAlchemyInstallationStore` and `SQLAlchemyOAuthStateStore` read and write these;
podbot's migration 0031 creates them (the stores' `create_tables` is never called), and they
are declared here on podbot's metadata so the migration is checked against them."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, Table

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
OAUTH_STATES = "slack_oauth_states"
# Seconds an install link's state is good for (Bolt's default).
STATE_SECONDS = 600


def declare(metadata: MetaData) -> tuple[Table, Table, Table]:
    """The three tables, as slack_sdk builds them, on `metadata`."""
    return (
        SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS),
        SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES),
    )


def installation_store(client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    """Bolt's installation store on podbot's database, for the app `client_id`."""
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    """Bolt's OAuth state store on podbot's database."""
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine)
