"""Posting the digests that are due, exactly once per subscription and period.

`run_due` is safe to run from any number of processes at once (replicas, a scheduler and a manual
`mlops-advisor digest run-due`): each period is claimed in the database, in its own committed
transaction, before anything is posted. The order is claim → commit → post → mark posted:

* two runners: the unique claim lets one in; the other sees the claim and moves on;
* a crash (or a failed post) after claiming leaves the claim un-posted; once it is older than
  `stale_after`, the next run takes it over and posts. `stale_after` must therefore be longer
  than the slowest post, rate-limit waits included (the Slack client's retry handler waits out
  Retry-After, a bounded number of times, well within the default ten minutes);
* a digest missed while everything was down is posted when a run comes within the
  subscription's grace window after it was due; a later run records it as skipped (once) and
  logs a warning.

The one window this cannot close: a crash after Slack accepted the message but before the
claim was marked posted makes the retry post it again (Slack has no idempotency key).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from advisor.schedule import Period, Subscription, is_teams_channel, is_within_grace, latest_due

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "DEFAULT_STALE_AFTER",
    "Outcome",
    "Poster",
    "RunResult",
    "by_platform",
    "claimant_name",
    "make_slack_client",
    "run_due",
]

logger = logging.getLogger(__name__)

DEFAULT_STALE_AFTER: Final = timedelta(minutes=10)
# Slack answers 429 with Retry-After (seconds, usually under a minute); a few waits stay well
# inside DEFAULT_STALE_AFTER, so a rate-limited post is delayed, never taken over and repeated.
_RATE_LIMIT_RETRIES: Final = 5
_SERVER_ERROR_RETRIES: Final = 2
_HTTP_TIMEOUT_SECONDS: Final = 30

Poster = Callable[[Subscription, Period], str]


class Outcome(StrEnum):
    """What a run did with one subscription."""

    POSTED = "posted"
    NOT_DUE = "not due"  # no scheduled instant since the subscription was created
    DONE = "already done"  # posted (or skipped) by an earlier run
    HELD = "held elsewhere"  # another runner holds a fresh claim
    SKIPPED = "skipped"  # too late: outside the grace window
    FAILED = "failed"  # the post failed; a run after stale_after retries it
    GONE = "unsubscribed"  # unsubscribed while the run was going


@dataclass(frozen=True)
class RunResult:
    """One subscription's outcome in a run."""

    subscription: Subscription
    outcome: Outcome
    period: Period | None = None
    message_ts: str | None = None
    error: str | None = None


def claimant_name() -> str:
    """Who claims: host and process id, so a stuck claim can be traced to its process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def by_platform(*, slack: Poster | None, teams: Poster | None) -> Poster:
    """One Poster for every subscription: Teams channels (`teams:…`) go to `teams`, the others
    to `slack`. A platform that is not set up fails its digests (retried after `stale_after`),
    with the settings to fix in the error."""

    def post(subscription: Subscription, period: Period) -> str:
        if is_teams_channel(subscription.channel_id):
            if teams is None:
                raise RuntimeError(
                    "Teams is not set up here: set TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and "
                    "TEAMS_TENANT_ID (and pip install 'mlops-advisor[teams]')"
                )
            return teams(subscription, period)
        if slack is None:
            raise RuntimeError("Slack is not set up here: set SLACK_BOT_TOKEN")
        return slack(subscription, period)

    return post


def run_due(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    post: Poster,
    claimant: str,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
) -> list[RunResult]:
    """Post every digest due at `now` that nobody has posted; one result per subscription.

    `post(subscription, period)` posts the digest and returns the message's ts. If it raises,
    the claim stays un-posted (a run after `stale_after` retries it) and the other
    subscriptions still get theirs.
    """
    from sqlalchemy.exc import IntegrityError  # noqa: PLC0415

    from storage import (  # noqa: PLC0415
        claim_period,
        get_claim,
        list_subscriptions,
        mark_posted,
        skip_period,
    )

    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    with sessions() as session:
        subscriptions = list_subscriptions(session)
    results: list[RunResult] = []
    for subscription in subscriptions:
        period = latest_due(subscription, now)
        if period is None:
            results.append(RunResult(subscription, Outcome.NOT_DUE))
            continue
        with sessions() as session:
            existing = get_claim(session, subscription.id, period.key)
        if existing is not None and existing.done:
            results.append(RunResult(subscription, Outcome.DONE, period, existing.message_ts))
            continue
        where = f"{subscription.channel_id} ({period.key})"
        try:
            if not is_within_grace(period, now, subscription.grace):
                with sessions.begin() as session:
                    skipped = skip_period(
                        session,
                        subscription.id,
                        period.key,
                        now,
                        claimant,
                        stale_after=stale_after,
                    )
                if skipped is None:
                    results.append(RunResult(subscription, Outcome.HELD, period))
                    continue
                logger.warning(
                    "digest for %s skipped: due %s, more than %s ago",
                    where,
                    period.due_at.isoformat(),
                    subscription.grace,
                )
                results.append(RunResult(subscription, Outcome.SKIPPED, period))
                continue
            # Claim in a transaction of its own, committed before posting: others see it at once.
            with sessions.begin() as session:
                claim = claim_period(
                    session, subscription.id, period.key, now, claimant, stale_after=stale_after
                )
        except IntegrityError:
            # The subscription was deleted between listing and claiming.
            results.append(RunResult(subscription, Outcome.GONE, period))
            continue
        if claim is None:
            results.append(RunResult(subscription, Outcome.HELD, period))
            continue
        if existing is not None:
            logger.warning(
                "digest for %s: taking over the abandoned claim of %s", where, existing.claimed_by
            )
        try:
            message_ts = post(subscription, period)
        except Exception as error:
            logger.error(
                "digest for %s not posted (retried after %s): %s", where, stale_after, error
            )
            results.append(RunResult(subscription, Outcome.FAILED, period, error=str(error)))
            continue
        with sessions.begin() as session:
            marked = mark_posted(session, claim, now, message_ts)
        if marked is None:
            logger.warning("digest for %s: posted, but another run finished the claim", where)
        logger.info("digest for %s posted (ts %s)", where, message_ts)
        results.append(RunResult(subscription, Outcome.POSTED, period, message_ts))
    return results


# --- Slack ------------------------------------------------------------------------------------


def make_slack_client(token: str, base_url: str) -> WebClient:
    """A Slack Web API client that waits out rate limits (429 + Retry-After) and retries server
    errors and dropped connections a bounded number of times."""
    from slack_sdk import WebClient  # noqa: PLC0415
    from slack_sdk.http_retry.builtin_handlers import (  # noqa: PLC0415
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
    )

    return WebClient(
        token=token,
        base_url=base_url,
        timeout=_HTTP_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=_RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(max_retry_count=_SERVER_ERROR_RETRIES),
        ],
    )
