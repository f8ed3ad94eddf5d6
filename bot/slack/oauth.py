"""Multi-workspace installs: Bolt's OAuth flow on slack-sdk's SQLAlchemy stores.

Installations (each workspace's bot token) and the `state` values of pending installs live in the
portfolio's database, in the tables migration 0002 creates (`slack_installations`, `slack_bots`,
`slack_oauth_states`). Listeners get the installing workspace's token through Bolt's injected
`client`; code outside a request (a scheduled job) looks it up with
`app.installation_store.sync.find_bot(enterprise_id=..., team_id=...)`.

slack-sdk's async SQLAlchemy stores need an `AsyncEngine` and an async driver (aiosqlite for the
embedded SQLite file, which the app does not ship). The app's engine is synchronous and shared
with the portfolio, so the synchronous stores are used, each call in a worker thread (never on the
event loop) within the request deadline, as the listeners' calls are (bot.blocking). (Importing
either store module still needs greenlet: see pyproject.toml.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from logging import Logger
from typing import Any, Final

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.blocking import call_service
from bot.settings import Settings

__all__ = [
    "BOT_SCOPES",
    "INSTALL_PATH",
    "REDIRECT_PATH",
    "STATE_EXPIRATION_SECONDS",
    "ThreadedInstallationStore",
    "ThreadedOAuthStateStore",
    "oauth_settings",
]

# The bot scopes of manifests/slack.yaml (oauth_config.scopes.bot), which is not packaged with the
# app; tests/bot/test_slack_oauth.py checks that the two lists agree.
BOT_SCOPES: Final = (
    "chat:write",
    "chat:write.public",
    "commands",
    "channels:history",
    "groups:history",
    "im:history",
    "users:read",
)
INSTALL_PATH: Final = "/slack/install"
# Must match oauth_config.redirect_urls in the manifest (its path; the host is the deployment's).
REDIRECT_PATH: Final = "/slack/oauth_redirect"
# Bolt's default: an install must be completed within ten minutes of opening /slack/install.
STATE_EXPIRATION_SECONDS: Final = 600


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack-sdk's synchronous `SQLAlchemyInstallationStore` for the async app (`sync`)."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.sync = store

    @property
    def logger(self) -> Logger:
        return self.sync.logger

    async def async_save(self, installation: Installation) -> None:
        await call_service(self.sync.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await call_service(self.sync.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await call_service(
            self.sync.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await call_service(
            self.sync.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await call_service(self.sync.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await call_service(
            self.sync.delete_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await call_service(self.sync.delete_all, enterprise_id=enterprise_id, team_id=team_id)


class ThreadedOAuthStateStore(AsyncOAuthStateStore):
    """slack-sdk's synchronous `SQLAlchemyOAuthStateStore` for the async app (`sync`).

    slack-sdk deletes a state when it is used, never when it expires unused; anyone can open
    /slack/install, so expired states are deleted whenever a new one is issued.
    """

    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.sync = store

    @property
    def logger(self) -> Logger:
        return self.sync.logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await call_service(self._issue)

    async def async_consume(self, state: str) -> bool:
        return await call_service(self.sync.consume, state)

    def _issue(self) -> str:
        table = self.sync.oauth_states
        # Naive UTC, as slack-sdk stores and compares expire_at.
        now = datetime.now(UTC).replace(tzinfo=None)
        with self.sync.engine.begin() as connection:
            connection.execute(table.delete().where(table.c.expire_at <= now))
        return self.sync.issue()


def oauth_settings(settings: Settings, engine: Engine) -> AsyncOAuthSettings:
    """Bolt's OAuth settings for `settings`' app, its stores on `engine` (migrated to head)."""
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    installations = ThreadedInstallationStore(
        SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=engine)
    )
    states = ThreadedOAuthStateStore(
        SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine)
    )
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        # The app never acts as a person. An explicit empty list: Bolt would otherwise read
        # SLACK_USER_SCOPES from the environment.
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        # Only bot tokens are stored and used.
        installation_store_bot_only=True,
        state_store=states,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
    )
