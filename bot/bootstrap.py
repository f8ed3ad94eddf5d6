"""The composition root: settings in; the service, the channels' apps (one command layer for
both), the posters and the scheduler out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine, make_url

from advisor import DEFAULT, Policy
from bot.service import Advisor, ScheduledWork
from storage import (
    DatabaseTimeouts,
    current_revision,
    default_database_url,
    head_revision,
    make_engine,
    make_session_factory,
    upgrade,
)

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk import WebClient

    from bot.jobs.digests import RunResult
    from bot.jobs.runner import Posters
    from bot.settings import Settings
    from bot.teams.app import TeamsBot, TeamsSender

__all__ = [
    "Channels",
    "DatabaseNotReadyError",
    "TeamsNotInstalledError",
    "build_channels",
    "create_digest_scheduler",
    "open_advisor",
    "open_scheduled_work",
    "prepare_database",
    "run_due_digests_now",
    "scheduled_posters",
    "slack_client",
    "teams_sender",
]

logger = logging.getLogger(__name__)


class DatabaseNotReadyError(RuntimeError):
    """The database schema is behind this version and was not to be upgraded automatically."""


def prepare_database(
    database_url: str | None = None,
    *,
    upgrade_schema: bool = False,
    timeouts: DatabaseTimeouts | None = None,
) -> Engine:
    """An engine on the database, its schema at this version's head; waits on a server bounded
    by `timeouts` (default: DatabaseTimeouts' defaults).

    The embedded SQLite file is upgraded automatically: it belongs to this installation. A
    server database (PostgreSQL) is shared by replicas and upgraded only when asked
    (`mlops-advisor db upgrade`, or `upgrade_schema`), never behind an operator's back.
    """
    url = database_url or default_database_url()
    engine = make_engine(url, timeouts=timeouts or DatabaseTimeouts())
    if upgrade_schema or make_url(url).get_backend_name() == "sqlite":
        upgrade(engine)
    elif current_revision(engine) != head_revision():
        engine.dispose()
        raise DatabaseNotReadyError(
            "the database schema is not up to date: run `mlops-advisor db upgrade` first"
        )
    return engine


def open_advisor(
    database_url: str | None = None,
    *,
    policy: Policy = DEFAULT,
    upgrade_schema: bool = False,
    timeouts: DatabaseTimeouts | None = None,
) -> Advisor:
    """The advisor service on a prepared database."""
    engine = prepare_database(database_url, upgrade_schema=upgrade_schema, timeouts=timeouts)
    return Advisor(make_session_factory(engine), policy=policy, on_close=engine.dispose)


# Scheduled work ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Channels:
    """The channels' apps a process serves, sharing one command layer."""

    slack: AsyncApp | None
    teams: TeamsBot | None


def build_channels(
    settings: Settings,
    advisor: Advisor,
    *,
    slack: bool,
    teams: bool,
    socket_mode: bool = False,
    engine: Engine | None = None,
) -> Channels:
    """The Slack app (with `slack`; OAuth keeps its installations on `engine`) and the Teams
    bot (with `teams`; the `teams` extra must be installed), over one command layer."""
    from bot.commands import Commands  # noqa: PLC0415 (the channels' stack loads late)

    commands = Commands.for_settings(advisor, settings)
    slack_app = None
    if slack:
        from bot.slack.app import create_slack_app  # noqa: PLC0415

        slack_app = create_slack_app(
            settings, advisor, socket_mode=socket_mode, engine=engine, commands=commands
        )
    teams_bot = None
    if teams:
        from bot.teams.app import TeamsBot  # noqa: PLC0415 (the optional Teams SDK)

        teams_bot = TeamsBot(settings, advisor, commands)
    return Channels(slack=slack_app, teams=teams_bot)


class TeamsNotInstalledError(RuntimeError):
    """The TEAMS_ settings are set but the optional Teams SDK is not installed."""


def open_scheduled_work(
    database_url: str | None = None,
    *,
    policy: Policy = DEFAULT,
    timeouts: DatabaseTimeouts | None = None,
) -> ScheduledWork:
    """The scheduled work's service on a prepared database, for the commands that need nothing
    else (`digest run-due`, `digest preview`); closing it disposes of the engine. `serve` takes
    its advisor's (`Advisor.scheduled_work`), on the same connections."""
    engine = prepare_database(database_url, timeouts=timeouts)
    return ScheduledWork(make_session_factory(engine), policy=policy, on_close=engine.dispose)


def slack_client(settings: Settings) -> WebClient | None:
    """The client scheduled Slack posts use, with the workspace's bot token (SLACK_BOT_TOKEN);
    None without one."""
    if settings.slack_bot_token is None:
        return None
    from bot.slack.posting import make_slack_client  # noqa: PLC0415 (slack_sdk)

    return make_slack_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)


def teams_sender(settings: Settings) -> TeamsSender | None:
    """The sender of proactive Teams posts when Teams is set up (`settings.teams_enabled`);
    raises TeamsNotInstalledError when it is but the Teams SDK is missing."""
    if not settings.teams_enabled:
        return None
    try:
        from bot.teams.app import TeamsSender  # noqa: PLC0415 (the optional Teams SDK)
    except ImportError:
        raise TeamsNotInstalledError(
            "the TEAMS_ settings are set but the Teams SDK is not installed: "
            "pip install 'mlops-advisor[teams]'"
        ) from None
    return TeamsSender(settings)


def scheduled_posters(
    *, slack: WebClient | None, teams: TeamsSender | None
) -> Callable[[], Posters]:
    """What builds each set-up platform's posters; call it on the event loop Teams sends on
    (the posters themselves run in worker threads)."""

    def build() -> Posters:
        from bot.jobs.runner import Posters  # noqa: PLC0415

        posters = Posters()
        if slack is not None:
            from bot.slack.posting import SlackDigestPoster, SlackFollowUpPoster  # noqa: PLC0415

            posters = replace(
                posters,
                slack_digest=SlackDigestPoster(slack),
                slack_follow_up=SlackFollowUpPoster(slack),
            )
        if teams is not None:
            from bot.teams.posting import TeamsDigestPoster, TeamsFollowUpPoster  # noqa: PLC0415

            loop = asyncio.get_running_loop()
            posters = replace(
                posters,
                teams_digest=TeamsDigestPoster(teams, loop),
                teams_follow_up=TeamsFollowUpPoster(teams, loop),
            )
        return posters

    return build


def create_digest_scheduler(
    settings: Settings, work: ScheduledWork, *, teams: TeamsSender | None = None
) -> AsyncIOScheduler | None:
    """The scheduler of `serve` (not started: start it on the serving event loop), posting
    Slack's digests and follow-ups with SLACK_BOT_TOKEN and Teams' with `teams`; None when
    nothing can post.

    With multi-workspace OAuth there is no single token: Slack's scheduled posts stay off, and
    the scheduler says so once.
    """
    from bot.jobs.scheduler import digest_scheduler  # noqa: PLC0415 (APScheduler)

    client = None
    if settings.oauth:
        logger.warning(
            "scheduled Slack digests and follow-ups are off: they post with SLACK_BOT_TOKEN "
            "(one workspace), not with multi-workspace OAuth installations"
        )
    elif settings.slack_bot_token is None:
        logger.info("scheduled Slack digests and follow-ups are off: SLACK_BOT_TOKEN is not set")
    else:
        client = slack_client(settings)
    if client is None and teams is None:
        return None
    return digest_scheduler(work, scheduled_posters(slack=client, teams=teams))


def run_due_digests_now(
    settings: Settings, work: ScheduledWork, now: datetime, *, teams: TeamsSender | None
) -> list[RunResult]:
    """`digest run-due`: post the digests due at `now` with each platform that is set up."""
    from bot.jobs.scheduler import run_due_digests  # noqa: PLC0415

    build = scheduled_posters(slack=slack_client(settings), teams=teams)
    if teams is None:
        return run_due_digests(work, build(), now=now)

    async def run() -> list[RunResult]:
        # The SDK sends on this loop; the runner (synchronous) runs beside it in a worker thread.
        posters = build()
        return await asyncio.to_thread(run_due_digests, work, posters, now=now)

    return asyncio.run(run())
