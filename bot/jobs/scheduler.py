"""The digest scheduler inside `mlops-advisor serve`: every minute, post the digests that are due.

The same job then posts the verdict follow-ups that are due
(`bot.jobs.follow_ups.run_due_follow_ups`),
exactly once each, by the same claim-then-post pattern.

The job only asks "what is due now?" (`bot.jobs.digests.run_due`). When a digest is due, and the
daylight-saving rules that go with it, is computed in the subscription's own time zone by
`advisor.schedule`; the scheduler's own clock is a plain UTC interval. That is what keeps local
times right across clock changes, and what makes running it in every replica safe: the claims in
the database let exactly one of them post each digest (`serve --no-scheduler` turns it off).

Scheduled digests post to Slack with the workspace's bot token (SLACK_BOT_TOKEN): with
multi-workspace OAuth there is no single token, so Slack's digests and follow-ups stay off and
the scheduler says so once. Teams channels' digests go out through the Teams app when it is set up
(`bot.teams.posting`), proactively, on the serving event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from advisor import DEFAULT, Platform, Policy
from bot.jobs.digests import (
    Poster,
    RunResult,
    by_platform,
    claimant_name,
    make_slack_client,
    run_due,
)
from bot.jobs.follow_ups import post_due_follow_ups, run_due_follow_ups

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session, sessionmaker

    from bot.settings import Settings
    from bot.teams.app import TeamsSender

__all__ = ["JOB_ID", "create_digest_scheduler", "run_due_digests"]

logger = logging.getLogger(__name__)

JOB_ID: Final = "digests"
_INTERVAL_SECONDS: Final = 60
# A tick the loop could not run on time (a busy or suspended process) still runs if it is at most
# this late; coalescing folds any backlog of ticks into one.
_MISFIRE_GRACE_SECONDS: Final = 50
_UTC: Final = ZoneInfo("UTC")


def run_due_digests(
    sessions: sessionmaker[Session],
    client: WebClient | None,
    *,
    now: datetime | None = None,
    claimant: str | None = None,
    teams: Poster | None = None,
) -> list[RunResult]:
    """The job: post every digest due at `now` (default: the current time) exactly once; Slack
    channels' with `client`, Teams channels' with `teams`."""
    from bot.jobs.digest_render import post_scheduled_digest  # noqa: PLC0415 (jinja2, matplotlib)

    slack = None if client is None else functools.partial(post_scheduled_digest, client, sessions)
    return run_due(
        sessions,
        now=now or datetime.now(UTC),
        post=by_platform(slack=slack, teams=teams),
        claimant=claimant or claimant_name(),
    )


def create_digest_scheduler(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    policy: Policy = DEFAULT,
    teams: TeamsSender | None = None,
) -> AsyncIOScheduler | None:
    """A scheduler (not started: start it on the serving event loop) with the digest job every
    minute; None when nothing can post: no single Slack bot token (OAuth) and no `teams`."""
    client = None
    if settings.oauth:
        logger.warning(
            "scheduled Slack digests and follow-ups are off: they post with SLACK_BOT_TOKEN "
            "(one workspace), not with multi-workspace OAuth installations"
        )
    elif settings.slack_bot_token is None:
        logger.info("scheduled Slack digests and follow-ups are off: SLACK_BOT_TOKEN is not set")
    else:
        client = make_slack_client(
            settings.slack_bot_token.get_secret_value(), settings.slack_api_url
        )
    if client is None and teams is None:
        return None

    async def tick() -> None:
        teams_post = teams_follow_up = None
        if teams is not None:
            from bot.teams.posting import (  # noqa: PLC0415
                TeamsDigestPoster,
                TeamsFollowUpPoster,
            )

            # Rendered in the worker thread, sent on this loop (the SDK's client lives on it).
            loop = asyncio.get_running_loop()
            teams_post = TeamsDigestPoster(teams, sessions, loop)
            teams_follow_up = TeamsFollowUpPoster(teams, loop, policy=policy)
        try:
            # run_due talks to the database and Slack synchronously: off the event loop.
            await asyncio.to_thread(run_due_digests, sessions, client, teams=teams_post)
        except Exception:
            logger.exception("the scheduled digest run failed; the next one retries")
        follow_ups: list[tuple[str, Callable[[], object]]] = []
        if client is not None:
            follow_ups.append(
                ("Slack", functools.partial(run_due_follow_ups, sessions, client, policy=policy))
            )
        if teams_follow_up is not None:
            follow_ups.append(
                (
                    "Teams",
                    functools.partial(
                        post_due_follow_ups,
                        sessions,
                        teams_follow_up,
                        platform=Platform.TEAMS,
                        policy=policy,
                    ),
                )
            )
        for platform, run in follow_ups:
            try:
                await asyncio.to_thread(run)
            except Exception:
                logger.exception(
                    "the scheduled %s follow-up run failed; the next retries", platform
                )

    scheduler = AsyncIOScheduler(timezone=_UTC)
    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=_INTERVAL_SECONDS, timezone=_UTC),
        id=JOB_ID,
        name="post the digests that are due",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=_MISFIRE_GRACE_SECONDS,
        replace_existing=True,
    )
    return scheduler
