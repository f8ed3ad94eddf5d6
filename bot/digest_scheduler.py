"""The digest scheduler inside `mlops-advisor serve`: every minute, post the digests that are due.

The same job then posts the verdict follow-ups that are due (`bot.follow_ups.run_due_follow_ups`),
exactly once each, by the same claim-then-post pattern.

The job only asks "what is due now?" (`bot.digests.run_due`). When a digest is due, and the
daylight-saving rules that go with it, is computed in the subscription's own time zone by
`advisor.schedule`; the scheduler's own clock is a plain UTC interval. That is what keeps local
times right across clock changes, and what makes running it in every replica safe: the claims in
the database let exactly one of them post each digest (`serve --no-scheduler` turns it off).

Scheduled digests post with the workspace's bot token (SLACK_BOT_TOKEN): with multi-workspace
OAuth there is no single token, so the scheduler stays off and says so once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from advisor import DEFAULT, Policy
from bot.digests import RunResult, claimant_name, make_slack_client, run_due
from bot.follow_ups import run_due_follow_ups

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session, sessionmaker

    from bot.settings import Settings

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
    client: WebClient,
    *,
    now: datetime | None = None,
    claimant: str | None = None,
) -> list[RunResult]:
    """The job: post every digest due at `now` (default: the current time) exactly once."""
    from bot.digest_render import post_scheduled_digest  # noqa: PLC0415 (jinja2, matplotlib)

    return run_due(
        sessions,
        now=now or datetime.now(UTC),
        post=functools.partial(post_scheduled_digest, client, sessions),
        claimant=claimant or claimant_name(),
    )


def create_digest_scheduler(
    settings: Settings, sessions: sessionmaker[Session], *, policy: Policy = DEFAULT
) -> AsyncIOScheduler | None:
    """A scheduler (not started: start it on the serving event loop) with the digest job every
    minute; None with OAuth, where there is no single bot token to post with."""
    if settings.oauth or settings.slack_bot_token is None:
        logger.warning(
            "scheduled digests are off: they post with SLACK_BOT_TOKEN (one workspace), "
            "not with multi-workspace OAuth installations"
        )
        return None
    client = make_slack_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)

    async def tick() -> None:
        try:
            # run_due talks to the database and Slack synchronously: off the event loop.
            await asyncio.to_thread(run_due_digests, sessions, client)
        except Exception:
            logger.exception("the scheduled digest run failed; the next one retries")
        try:
            await asyncio.to_thread(run_due_follow_ups, sessions, client, policy=policy)
        except Exception:
            logger.exception("the scheduled follow-up run failed; the next one retries")

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
