"""The digest scheduler inside `mlops-advisor serve`: every minute, post the digests that are due.

The same job then posts the verdict follow-ups that are due (`bot.jobs.follow_ups`), exactly once
each, by the same claim-then-post pattern.

The job only asks "what is due now?" (`bot.jobs.digests.run_due`). When a digest is due, and the
daylight-saving rules that go with it, is computed in the subscription's own time zone by
`advisor.schedule`; the scheduler's own clock is a plain UTC interval. That is what keeps local
times right across clock changes, and what makes running it in every replica safe: the claims in
the database let exactly one of them post each digest (`serve --no-scheduler` turns it off).

Which platforms post is decided where the scheduler is built (`bot.bootstrap`): the posters
come from a factory called on the serving event loop at every tick, as Teams' posters send on
that loop (proactively, `bot.teams.posting`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from advisor import Platform
from bot.jobs.digests import RunResult, claimant_name, run_due
from bot.jobs.follow_ups import post_due_follow_ups
from bot.jobs.runner import Posters
from bot.service import ScheduledWork

__all__ = ["JOB_ID", "digest_scheduler", "run_due_digests"]

logger = logging.getLogger(__name__)

JOB_ID: Final = "digests"
_INTERVAL_SECONDS: Final = 60
# A tick the loop could not run on time (a busy or suspended process) still runs if it is at most
# this late; coalescing folds any backlog of ticks into one.
_MISFIRE_GRACE_SECONDS: Final = 50
_UTC: Final = ZoneInfo("UTC")
_PLATFORM_NAMES: Final = {Platform.SLACK: "Slack", Platform.TEAMS: "Teams"}


def run_due_digests(
    work: ScheduledWork,
    posters: Posters,
    *,
    now: datetime | None = None,
    claimant: str | None = None,
) -> list[RunResult]:
    """The job: post every digest due at `now` (default: the current time) exactly once, each
    with its channel's platform's poster."""
    return run_due(
        work,
        now=now or work.now(),
        post=posters.digest(),
        claimant=claimant or claimant_name(),
    )


def digest_scheduler(work: ScheduledWork, posters: Callable[[], Posters]) -> AsyncIOScheduler:
    """A scheduler (not started: start it on the serving event loop) with the digest job every
    minute; `posters` is called on that loop at each tick."""

    async def tick() -> None:
        made = posters()
        try:
            # run_due talks to the database and the platforms synchronously: off the event loop.
            await asyncio.to_thread(run_due_digests, work, made)
        except Exception:
            logger.exception("the scheduled digest run failed; the next one retries")
        for platform, post in made.follow_ups():
            run = functools.partial(post_due_follow_ups, work, post, platform=platform)
            try:
                await asyncio.to_thread(run)
            except Exception:
                logger.exception(
                    "the scheduled %s follow-up run failed; the next retries",
                    _PLATFORM_NAMES[platform],
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
