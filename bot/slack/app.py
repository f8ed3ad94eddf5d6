"""The Slack app: `/mlops-check` runs the interview in a thread; listeners in bot/slack/listeners.

Every listener acknowledges first and works after (Slack wants an answer within 3 seconds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Commands
from bot.service import Advisor
from bot.settings import Settings
from bot.slack.acking import Acknowledger, apologise_unstored
from bot.slack.blocks import COMMAND as SLASH_COMMAND
from bot.slack.form_flow import FormFlow
from bot.slack.inbox import InboxMiddleware, InboxProcessor
from bot.slack.listeners import Deps, register
from bot.tasks import Tasks

if TYPE_CHECKING:
    from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
    from sqlalchemy import Engine

__all__ = ["COMMAND", "create_slack_app"]

COMMAND: Final = SLASH_COMMAND


def create_slack_app(
    settings: Settings,
    advisor: Advisor,
    *,
    socket_mode: bool = False,
    engine: Engine | None = None,
    commands: Commands | None = None,
) -> AsyncApp:
    """The Bolt app with the advisor's listeners, on the settings' workspace token or, when
    `settings.oauth`, on each installing workspace's token (multi-workspace OAuth).

    OAuth keeps installations in the portfolio's database: `engine` is required then, on that
    database migrated to head. Every Web API client (listeners', the install flow's) uses
    `settings.slack_api_url`.
    """
    client = _web_client(settings)
    secret = settings.slack_signing_secret
    # OAuth only when the settings ask for it, with our stores. (Bolt also switches to OAuth on
    # its own, with files under the home directory, whenever SLACK_CLIENT_ID and
    # SLACK_CLIENT_SECRET exist in the environment, even empty: Settings ignores empty ones.)
    oauth = _oauth_settings(settings, engine)
    app = AsyncApp(
        # Bolt copies this client's base URL and retry handlers into each request's client, and
        # the install flow calls oauth.v2.access with it.
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        # Socket Mode's WebSocket is authenticated by the app token; there is nothing to sign.
        request_verification_enabled=not socket_mode,
        # Bolt answers Slack as soon as a listener returns, with no polling for the ack (its
        # default polls every 10 ms); our listeners ack and hand the work to a task (after_ack).
        process_before_response=True,
        # Given to the app as well as to the OAuth settings, so Bolt authorizes requests with
        # `client` (SLACK_API_URL) rather than a default client on slack.com.
        installation_store=oauth.installation_store if oauth else None,
        installation_store_bot_only=True if oauth else None,
        oauth_settings=oauth,
    )
    tasks = Tasks()
    inbox = InboxMiddleware(InboxProcessor(app, advisor), apologise_unstored)
    app.use(inbox.store_first)
    deps = Deps(
        commands=commands or Commands.for_settings(advisor, settings),
        forms=FormFlow(advisor, tasks),
        acknowledger=Acknowledger(tasks),
        workspace_scoped=settings.oauth,
    )
    register(app, deps)
    return app


def _web_client(settings: Settings) -> AsyncWebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        # slack-sdk retries only connection errors by default; Slack's 429 (with Retry-After)
        # and passing 5xx answers deserve a retry too.
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def _oauth_settings(settings: Settings, engine: Engine | None) -> AsyncOAuthSettings | None:
    """Bolt's OAuth settings when the settings ask for OAuth, else None."""
    if not settings.oauth:
        return None
    if engine is None:
        raise ValueError("OAuth keeps installations in the database: pass its engine")
    # Imported here: only OAuth needs slack-sdk's SQLAlchemy stores (and greenlet with them).
    from bot.slack.oauth import oauth_settings  # noqa: PLC0415

    return oauth_settings(settings, engine)
