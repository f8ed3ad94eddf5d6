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
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from advisor.schedule import DigestClaim, Period, Subscription, is_within_grace, latest_due
from bot.jobs.runner import DigestPoster, claim_post_mark
from bot.service import ScheduledWork, SubscriptionGoneError

__all__ = [
    "DEFAULT_STALE_AFTER",
    "Outcome",
    "RunResult",
    "claimant_name",
    "run_due",
]

logger = logging.getLogger(__name__)

DEFAULT_STALE_AFTER: Final = timedelta(minutes=10)


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


def run_due(
    work: ScheduledWork,
    *,
    now: datetime,
    post: DigestPoster,
    claimant: str,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
) -> list[RunResult]:
    """Post every digest due at `now` that nobody has posted; one result per subscription.

    `post(digest)` posts the digest and returns the message's ts. If it raises, the claim stays
    un-posted (a run after `stale_after` retries it) and the other subscriptions still get
    theirs.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    run = _Run(work, now, claimant, stale_after)
    results: list[RunResult] = []
    for subscription in work.digest_subscriptions():
        period = latest_due(subscription, now)
        if period is None:
            results.append(RunResult(subscription, Outcome.NOT_DUE))
            continue
        existing = work.digest_claim(subscription.id, period.key)
        if existing is not None and existing.done:
            results.append(RunResult(subscription, Outcome.DONE, period, existing.message_ts))
            continue
        abandoned_by = None if existing is None else existing.claimed_by
        try:
            if not is_within_grace(period, now, subscription.grace):
                results.append(run.skip(subscription, period))
            else:
                results.append(run.post(subscription, period, post, abandoned_by=abandoned_by))
        except SubscriptionGoneError:
            results.append(RunResult(subscription, Outcome.GONE, period))
    return results


@dataclass(frozen=True, slots=True)
class _Run:
    """One run's claims: by whom, when, and after how long an abandoned one is taken over."""

    work: ScheduledWork
    now: datetime
    claimant: str
    stale_after: timedelta

    def skip(self, subscription: Subscription, period: Period) -> RunResult:
        """Record a period too late to post, once; logged by the run that records it."""
        skipped = self.work.skip_digest(
            subscription.id,
            period.key,
            now=self.now,
            claimant=self.claimant,
            stale_after=self.stale_after,
        )
        if skipped is None:
            return RunResult(subscription, Outcome.HELD, period)
        logger.warning(
            "digest for %s skipped: due %s, more than %s ago",
            _where(subscription, period),
            period.due_at.isoformat(),
            subscription.grace,
        )
        return RunResult(subscription, Outcome.SKIPPED, period)

    def post(
        self,
        subscription: Subscription,
        period: Period,
        post: DigestPoster,
        *,
        abandoned_by: str | None,
    ) -> RunResult:
        """Claim the period, post its digest (read once claimed), mark it posted."""
        where = _where(subscription, period)

        def claim() -> DigestClaim | None:
            return self.work.claim_digest(
                subscription.id,
                period.key,
                now=self.now,
                claimant=self.claimant,
                stale_after=self.stale_after,
            )

        def send(_: DigestClaim) -> str:
            if abandoned_by is not None:
                logger.warning(
                    "digest for %s: taking over the abandoned claim of %s", where, abandoned_by
                )
            return post(self.work.scheduled_digest(subscription, period))

        def mark(claim: DigestClaim, message_ts: str | None) -> bool:
            return self.work.mark_digest_posted(claim, now=self.now, message_id=message_ts)

        attempt = claim_post_mark(claim, send, mark)
        if attempt.claim is None:
            return RunResult(subscription, Outcome.HELD, period)
        if attempt.error is not None:
            logger.error(
                "digest for %s not posted (retried after %s): %s",
                where,
                self.stale_after,
                attempt.error,
            )
            return RunResult(subscription, Outcome.FAILED, period, error=str(attempt.error))
        if not attempt.marked:
            logger.warning("digest for %s: posted, but another run finished the claim", where)
        logger.info("digest for %s posted (ts %s)", where, attempt.message_id)
        return RunResult(subscription, Outcome.POSTED, period, attempt.message_id)


def _where(subscription: Subscription, period: Period) -> str:
    return f"{subscription.channel_id} ({period.key})"
