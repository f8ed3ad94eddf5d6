"""The HTTP face of the bot: Slack's requests at /slack/events, Teams' at /api/messages, /healthz.

With Slack OAuth (multi-workspace), also the install flow: /slack/install (the "Add to Slack"
page) and /slack/oauth_redirect (where Slack sends the installer back). Without it those paths
are 404, as /slack/events is when only Teams is served and /api/messages when Teams is off.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.blocking import database_answers
from bot.service import Advisor

if TYPE_CHECKING:
    from bot.teams.app import TeamsBot

__all__ = ["Scheduler", "create_web_app"]


class Scheduler(Protocol):
    """What the web app needs of a scheduler (APScheduler's AsyncIOScheduler is one)."""

    def start(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


def create_web_app(
    slack_app: AsyncApp | None,
    advisor: Advisor,
    *,
    scheduler: Scheduler | None = None,
    teams: TeamsBot | None = None,
) -> Starlette:
    """An ASGI app for a production server (uvicorn), not Bolt's development server: Slack
    (unless `slack_app` is None), Teams (with `teams`), or both on one port.

    A `scheduler` (the digest scheduler) is started with the server's event loop, in the ASGI
    lifespan's startup, and shut down at its shutdown; without lifespan events it never starts.
    """
    routes = [Route("/healthz", _healthz(advisor), methods=["GET"])]
    if slack_app is not None:
        routes += _slack_routes(slack_app)
    if teams is not None:
        routes += teams.routes()
    # Everything built so far (policy, models, Bolt) lives as long as the process. Moving it out of
    # the garbage collector's reach spares the event loop the full collections that otherwise
    # stall every request in flight for 50-200 ms (measured: see docs/performance.md).
    gc.collect()
    gc.freeze()
    if scheduler is None:
        return Starlette(routes=routes)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        scheduler.start()
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)

    return Starlette(routes=routes, lifespan=lifespan)


def _healthz(advisor: Advisor) -> Callable[[Request], Awaitable[Response]]:
    async def healthz(_: Request) -> Response:
        # 503 within the health deadline (MLOPS_ADVISOR_DB_HEALTH_TIMEOUT) when the database is
        # down or silent: the ping has threads of its own, never queued behind stuck requests.
        if await database_answers(advisor.ping):
            return PlainTextResponse("ok")
        return PlainTextResponse("the database does not answer", status_code=503)

    return healthz


def _slack_routes(slack_app: AsyncApp) -> list[Route]:
    handler = AsyncSlackRequestHandler(slack_app)

    async def slack_events(request: Request) -> Response:
        # Commands, events and interactivity all arrive here; Bolt verifies the signature and
        # answers 401 to forged or stale (older than 5 minutes) requests.
        return await handler.handle(request)

    async def oauth(request: Request) -> Response:
        # Bolt's OAuth flow: the install page issues a state (stored in the database, and set as
        # a cookie); the redirect checks both, exchanges the code and stores the installation.
        return await handler.handle(request)

    routes = [Route("/slack/events", slack_events, methods=["POST"])]
    flow = slack_app.oauth_flow
    if flow is not None:
        routes += [
            Route(flow.install_path, oauth, methods=["GET"]),
            Route(flow.redirect_uri_path, oauth, methods=["GET"]),
        ]
    return routes
