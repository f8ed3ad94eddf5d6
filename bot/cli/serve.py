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
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import database_url_or_default, fail, load_policy, open_service

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from sqlalchemy import Engine

    from bot.bootstrap import Channels
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
    settings, slack_on = _checked_settings(host=host, socket_mode=socket_mode)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    teams_on = _teams_on(settings)
    policy = load_policy(settings.mlops_advisor_policy)
    from bot.blocking import configure  # noqa: PLC0415
    from bot.bootstrap import build_channels  # noqa: PLC0415

    configure(settings)
    with (
        open_service(settings.database_url, policy, settings.database_timeouts) as advisor,
        _oauth_engine(settings) as engine,
    ):
        channels = build_channels(
            settings,
            advisor,
            slack=slack_on,
            teams=teams_on,
            socket_mode=socket_mode,
            engine=engine,
        )
        if channels.teams is not None and channels.teams.insecure_local:
            logger.warning(
                "MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL is set: Teams activities at /api/messages "
                "are NOT AUTHENTICATED. For local development on %s only; never in production.",
                host,
            )
        scheduler = None if no_scheduler else _digest_scheduler(settings, advisor, channels.teams)
        if socket_mode:
            assert channels.slack is not None  # --socket-mode is refused without Slack
            _serve_socket_mode(settings, channels.slack, advisor, scheduler)
        else:
            _serve_http(settings, channels, advisor, scheduler, host=host, port=port)


def _checked_settings(*, host: str, socket_mode: bool) -> tuple[Settings, bool]:
    """The settings, checked for what `serve` will run; and whether Slack is served (unless
    only Teams is set up). Exits with one line on anything that cannot work."""
    # Imported here: the Slack and web stack is for `serve` only, and `assess` starts faster.
    from bot.settings import Settings, SettingsError  # noqa: PLC0415

    try:
        settings = Settings()
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
    return settings, slack_on


def _serve_socket_mode(
    settings: Settings, slack_app: AsyncApp, advisor: Advisor, scheduler: Scheduler | None
) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import (  # noqa: PLC0415
        AsyncSocketModeHandler,
    )

    from bot.slack.routes import inbox_sweeper  # noqa: PLC0415

    assert settings.slack_app_token is not None  # checked with the settings
    handler = AsyncSocketModeHandler(slack_app, settings.slack_app_token.get_secret_value())
    serving = handler.start_async()  # type: ignore[no-untyped-call]
    jobs = [job for job in (scheduler, inbox_sweeper(slack_app, advisor)) if job]
    asyncio.run(_with_jobs(serving, jobs))


def _serve_http(
    settings: Settings,
    channels: Channels,
    advisor: Advisor,
    scheduler: Scheduler | None,
    *,
    host: str,
    port: int,
) -> None:
    import uvicorn  # noqa: PLC0415

    from bot.web import create_web_app  # noqa: PLC0415

    app = create_web_app(
        channels.slack, advisor, scheduler=scheduler, teams=channels.teams, settings=settings
    )
    # No access log: a line per Slack request costs ack latency and says little; errors and
    # the listeners' own logging still go out.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


def _teams_on(settings: Settings) -> bool:
    """Whether Teams is served: set up, with its SDK installed; off is said once."""
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
        return False
    if not _teams_installed():
        raise fail(
            "the TEAMS_ settings are set but the Teams SDK is not installed: "
            "pip install 'mlops-advisor[teams]'"
        )
    return True


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
