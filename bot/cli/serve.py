"""`mlops-advisor serve`: the Slack app over HTTP (uvicorn) or Socket Mode, and Teams beside it.

Teams (the `teams` extra) is served on the same port at POST /api/messages when its settings are
given; with Teams settings and no Slack settings at all, `serve` runs Teams alone.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import database_url_or_default, fail, load_policy, open_service

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.service import Advisor
    from bot.settings import Settings
    from bot.teams.app import TeamsBot
    from bot.web import Scheduler

__all__ = ["register"]

logger = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Add `serve` to the command line."""
    app.command("serve")(serve_command)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Connect out to Slack instead of listening.")
    ] = False,
    no_scheduler: Annotated[
        bool,
        typer.Option(
            "--no-scheduler",
            help="Run no scheduled jobs (the digests that are due, every minute) in this "
            "process, for replicas that leave them to another one or to `digest run-due`.",
        ),
    ] = False,
) -> None:
    """Serve the Slack app, and Teams when it is set up. Settings come from the environment
    (see README, "Slack" and "Microsoft Teams")."""
    # Imported here: the Slack and web stack is for `serve` only, and `assess` starts faster.
    from bot.settings import Settings, SettingsError  # noqa: PLC0415

    try:
        settings = Settings()
        # Slack is served unless only Teams is set up; its settings are checked as before.
        slack_on = settings.slack_configured or not settings.teams_enabled
        if slack_on:
            settings.checked(socket_mode=socket_mode)
        if settings.teams_enabled:
            settings.teams_checked(host=host)
    except SettingsError as error:
        raise fail(str(error)) from None
    if settings.teams_enabled and socket_mode:
        raise fail(
            "Teams needs serve over HTTP (its activities arrive at POST /api/messages): "
            "drop --socket-mode, or unset the TEAMS_ settings"
        )
    present_but_empty = [
        name
        for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
        if name in os.environ and not os.environ[name].strip()
    ]
    if present_but_empty and not settings.oauth:
        # Bolt reads these itself and switches to file-based OAuth when they merely exist.
        empty = " and ".join(present_but_empty)
        raise fail(f"{empty} set but empty: unset it to serve one workspace")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    teams_app = _teams_module(settings)
    policy = load_policy(settings.mlops_advisor_policy)
    from bot.blocking import configure  # noqa: PLC0415

    configure(settings)
    timeouts = settings.database_timeouts
    with (
        open_service(settings.database_url, policy, timeouts) as advisor,
        _oauth_engine(settings) as engine,
    ):
        from bot.slack.app import create_slack_app  # noqa: PLC0415

        slack_app = (
            create_slack_app(settings, advisor, socket_mode=socket_mode, engine=engine)
            if slack_on
            else None
        )
        teams = None if teams_app is None else teams_app.TeamsBot(settings, advisor)
        if teams is not None and teams.insecure_local:
            logger.warning(
                "MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL is set: Teams activities at /api/messages "
                "are NOT AUTHENTICATED. For local development on %s only; never in production.",
                host,
            )
        scheduler = None if no_scheduler else _digest_scheduler(settings, advisor, teams)
        if socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import (  # noqa: PLC0415
                AsyncSocketModeHandler,
            )

            from bot.slack.routes import inbox_sweeper  # noqa: PLC0415

            assert slack_app is not None and settings.slack_app_token is not None  # checked above
            handler = AsyncSocketModeHandler(slack_app, settings.slack_app_token.get_secret_value())
            serving = handler.start_async()  # type: ignore[no-untyped-call]
            jobs = [job for job in (scheduler, inbox_sweeper(slack_app, advisor)) if job]
            asyncio.run(_with_jobs(serving, jobs))
            return
        import uvicorn  # noqa: PLC0415

        from bot.web import create_web_app  # noqa: PLC0415

        # No access log: a line per Slack request costs ack latency and says little; errors and
        # the listeners' own logging still go out.
        uvicorn.run(
            create_web_app(slack_app, advisor, scheduler=scheduler, teams=teams, settings=settings),
            host=host,
            port=port,
            log_level="info",
            access_log=False,
        )


def _teams_module(settings: Settings) -> ModuleType | None:
    """`bot.teams.app` when Teams is set up; None, said once, when it is off."""
    if not settings.teams_enabled:
        # Said without importing the Teams SDK, which takes seconds for nothing here.
        if not _teams_installed():
            logger.info("Microsoft Teams is off (pip install 'mlops-advisor[teams]' to add it)")
        else:
            logger.info(
                "Microsoft Teams is off: set TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET (or "
                "TEAMS_MANAGED_IDENTITY_CLIENT_ID) and TEAMS_TENANT_ID to serve it at "
                "/api/messages"
            )
        return None
    try:
        import bot.teams.app as teams_app  # noqa: PLC0415 (the optional Teams SDK)
    except ImportError:
        raise fail(
            "the TEAMS_ settings are set but the Teams SDK is not installed: "
            "pip install 'mlops-advisor[teams]'"
        ) from None
    return teams_app


def _teams_installed() -> bool:
    """Whether the Teams adapter and its SDK can be imported, found without importing them."""
    try:
        return all(
            importlib.util.find_spec(name) is not None
            for name in ("bot.teams.app", "microsoft_teams.apps")
        )
    except ModuleNotFoundError:
        return False


def _digest_scheduler(
    settings: Settings, advisor: Advisor, teams: TeamsBot | None
) -> Scheduler | None:
    """The digest scheduler (started with the event loop), or None when it cannot post."""
    from bot.bootstrap import create_digest_scheduler  # noqa: PLC0415

    return create_digest_scheduler(
        settings,
        advisor.scheduled_work(),
        teams=None if teams is None else teams.sender,
    )


async def _with_jobs(serving: Awaitable[None], jobs: list[Scheduler]) -> None:
    """Run `serving` with the jobs started on its event loop, and shut down after."""
    for job in jobs:
        job.start()
    try:
        await serving
    finally:
        for job in jobs:
            job.shutdown(wait=False)


@contextmanager
def _oauth_engine(settings: Settings) -> Iterator[Engine | None]:
    """With OAuth, an engine on the portfolio's database (already at head: `open_service` made
    sure) for slack-sdk's installation and state stores; None for one workspace's bot token."""
    if not settings.oauth:
        yield None
        return
    from storage import make_engine  # noqa: PLC0415

    engine = make_engine(
        database_url_or_default(settings.database_url), timeouts=settings.database_timeouts
    )
    try:
        yield engine
    finally:
        engine.dispose()
