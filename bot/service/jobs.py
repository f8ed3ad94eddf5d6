"""The scheduled work's service: digest subscriptions and follow-ups, their claims and content."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from advisor import (
    DEFAULT,
    ChartPoint,
    DigestClaim,
    DigestData,
    Period,
    Platform,
    Policy,
    Subscription,
    UseCase,
)
from advisor.follow_up import DueFollowUp
from bot.service.clock import utc_now
from storage import (
    claim_period,
    get_claim,
    get_use_case,
    list_subscriptions,
    mark_posted,
    skip_period,
)
from storage.digest_queries import chart_points, digest_data
from storage.follow_up_repository import claim_follow_up, due_follow_ups, mark_follow_up_posted

__all__ = ["FollowUpToPost", "ScheduledDigest", "ScheduledWork", "SubscriptionGoneError"]


class SubscriptionGoneError(LookupError):
    """The subscription was deleted (unsubscribed) after it was listed."""


@dataclass(frozen=True, slots=True)
class ScheduledDigest:
    """A subscription's digest for one period: its data, and the chart's points (none when the
    period is empty)."""

    subscription: Subscription
    period: Period
    data: DigestData
    points: tuple[ChartPoint, ...]


@dataclass(frozen=True, slots=True)
class FollowUpToPost:
    """A claimed follow-up: its id, the use case it asks about (which has a place to post),
    which one it is ("30d") and the policy's questions."""

    id: int
    use_case: UseCase
    due_key: str
    questions: tuple[str, ...]


class ScheduledWork:
    """What scheduled work needs of the database: each call is a transaction of its own, so a
    claim is committed before anything is posted."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        policy: Policy = DEFAULT,
        clock: Callable[[], datetime] = utc_now,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self.policy = policy
        self._clock = clock
        self._on_close = on_close

    def close(self) -> None:
        """Release the database connections (when this service opened them)."""
        if self._on_close is not None:
            self._on_close()

    def __enter__(self) -> ScheduledWork:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def now(self) -> datetime:
        """The current time, by the service's clock."""
        return self._clock()

    # Digests ------------------------------------------------------------------------------

    def digest_subscriptions(self) -> list[Subscription]:
        """Every digest subscription, oldest first."""
        with self._sessions() as session:
            return list_subscriptions(session)

    def digest_claim(self, subscription_id: int, period_key: str) -> DigestClaim | None:
        """The claim on a subscription's period, if anyone made one."""
        with self._sessions() as session:
            return get_claim(session, subscription_id, period_key)

    def claim_digest(
        self,
        subscription_id: int,
        period_key: str,
        *,
        now: datetime,
        claimant: str,
        stale_after: timedelta,
    ) -> DigestClaim | None:
        """Take on posting a period's digest, committed; None when someone else holds or
        finished it. Raises SubscriptionGoneError if the subscription was deleted."""
        return self._take_period(
            claim_period, subscription_id, period_key, now, claimant, stale_after
        )

    def skip_digest(
        self,
        subscription_id: int,
        period_key: str,
        *,
        now: datetime,
        claimant: str,
        stale_after: timedelta,
    ) -> DigestClaim | None:
        """Record, committed, that a period's digest is too late to post; None if it was already
        handled. Raises SubscriptionGoneError if the subscription was deleted."""
        return self._take_period(
            skip_period, subscription_id, period_key, now, claimant, stale_after
        )

    def _take_period(  # noqa: PLR0917 - the storage routine's own arguments, passed through
        self,
        take: Callable[..., DigestClaim | None],
        subscription_id: int,
        period_key: str,
        now: datetime,
        claimant: str,
        stale_after: timedelta,
    ) -> DigestClaim | None:
        """Claim or skip a period with `take`, committed; a deleted subscription (its row gone
        under the claim's foreign key) raises SubscriptionGoneError."""
        try:
            with self._sessions.begin() as session:
                return take(
                    session, subscription_id, period_key, now, claimant, stale_after=stale_after
                )
        except IntegrityError:
            raise SubscriptionGoneError(subscription_id) from None

    def mark_digest_posted(
        self, claim: DigestClaim, *, now: datetime, message_id: str | None
    ) -> bool:
        """Record that the claimed digest went out; False if another run finished the claim."""
        with self._sessions.begin() as session:
            return mark_posted(session, claim, now, message_id) is not None

    def scheduled_digest(self, subscription: Subscription, period: Period) -> ScheduledDigest:
        """A subscription's digest for one period, with the chart's points."""
        with self._sessions() as session:
            data = digest_data(
                session,
                period_start=period.start,
                period_end=period.end,
                workspace_id=subscription.workspace_id,
            )
            points = (
                []
                if data.is_empty
                else chart_points(session, workspace_id=subscription.workspace_id)
            )
        return ScheduledDigest(subscription, period, data, tuple(points))

    def recent_digest(
        self, *, days: int = 7, workspace_id: str | None = None, top: int = 5, limit: int = 20
    ) -> DigestData:
        """The digest's data for the last `days` days (of one workspace, or all); `top` caps the
        top opportunities, `limit` every other list."""
        end = self._clock()
        with self._sessions() as session:
            return digest_data(
                session,
                period_start=end - timedelta(days=days),
                period_end=end,
                workspace_id=workspace_id,
                top=top,
                limit=limit,
            )

    # Follow-ups after a verdict -------------------------------------------------------------

    def due_follow_ups(
        self, *, now: datetime, platform: Platform, stale_after: timedelta
    ) -> list[DueFollowUp]:
        """The platform's follow-ups due at `now` that nobody posted or holds (see
        `storage.follow_up_repository.due_follow_ups`), on the policy's days."""
        days = tuple(self.policy.follow_ups.days)
        with self._sessions() as session:
            return due_follow_ups(
                session, now, days=days, stale_after=stale_after, platform=platform
            )

    def claim_follow_up(
        self, due: DueFollowUp, *, now: datetime, stale_after: timedelta
    ) -> FollowUpToPost | None:
        """Take on posting a follow-up, committed, with its use case; None when someone else
        holds or posted it, or its use case has no place to post it any more."""
        with self._sessions.begin() as session:
            claim = claim_follow_up(session, due, now, stale_after=stale_after)
            use_case = get_use_case(session, due.use_case_id) if claim else None
        if claim is None or use_case is None or not use_case.channel_id:
            return None
        questions = tuple(self.policy.follow_ups.questions)
        return FollowUpToPost(claim.id, use_case, claim.due_key, questions)

    def mark_follow_up_posted(
        self, follow_up: FollowUpToPost, *, now: datetime, message_id: str | None
    ) -> bool:
        """Record that the follow-up went out; False if it was already marked posted."""
        with self._sessions.begin() as session:
            return mark_follow_up_posted(session, follow_up.id, now, message_id)
