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

from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.blocking import database_answers
from bot.service import Advisor
from bot.settings import Settings
from bot.slack.routes import inbox_sweeper, slack_routes

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
    settings: Settings | None = None,
) -> Starlette:
    """An ASGI app for a production server (uvicorn), not Bolt's development server: Slack
    (unless `slack_app` is None), Teams (with `teams`), or both on one port.

    Slack's requests are checked against `settings` (read from the environment when not given):
    its signing secret (without one every request is refused) and the request size limit.

    A `scheduler` (the digest scheduler) and the Slack inbox's sweeper are started with the
    server's event loop, in the ASGI lifespan's startup, and shut down at its shutdown; without
    lifespan events they never start.
    """
    routes = [Route("/healthz", _healthz(advisor), methods=["GET"])]
    if slack_app is not None:
        routes += slack_routes(slack_app, settings or Settings())
    if teams is not None:
        routes += teams.routes()
    # Everything built so far (policy, models, Bolt) lives as long as the process. Moving it out of
    # the garbage collector's reach spares the event loop the full collections that otherwise
    # stall every request in flight for 50-200 ms (measured: see docs/performance.md).
    gc.collect()
    gc.freeze()
    jobs: list[Scheduler] = [
        job for job in (scheduler, inbox_sweeper(slack_app, advisor)) if job is not None
    ]
    if not jobs:
        return Starlette(routes=routes)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        for job in jobs:
            job.start()
        try:
            yield
        finally:
            for job in jobs:
                job.shutdown(wait=False)

    return Starlette(routes=routes, lifespan=lifespan)


def _healthz(advisor: Advisor) -> Callable[[Request], Awaitable[Response]]:
    async def healthz(_: Request) -> Response:
        # 503 within the health deadline (MLOPS_ADVISOR_DB_HEALTH_TIMEOUT) when the database is
        # down or silent: the ping has threads of its own, never queued behind stuck requests.
        if await database_answers(advisor.ping):
            return PlainTextResponse("ok")
        return PlainTextResponse("the database does not answer", status_code=503)

    return healthz
