"""Digest subscriptions and the once-only claims on their periods: session first, core models out.

The functions flush; the caller commits. `claim_period` is the exactly-once guarantee: the unique
(subscription_id, period_key) key lets one claimer in, whatever runs it and however many at once.
Commit the claim before posting, so other runners see it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import Row, Table, delete, select
from sqlalchemy.orm import Session

from advisor.schedule import (
    DEFAULT_GRACE,
    Cadence,
    DigestClaim,
    ScheduleError,
    Subscription,
    parse_channel_id,
    parse_time_zone,
)
from storage.claims import finish_claim, take_claim
from storage.database import as_utc, insert_on_conflict
from storage.models import DigestClaimRow, DigestSubscriptionRow

__all__ = [
    "claim_period",
    "get_claim",
    "list_subscriptions",
    "mark_posted",
    "skip_period",
    "subscribe",
    "unsubscribe",
]

_subscriptions: Final[Table] = DigestSubscriptionRow.__table__  # type: ignore[assignment]
_claims: Final[Table] = DigestClaimRow.__table__  # type: ignore[assignment]
# The single-workspace bot's subscriptions: "" rather than NULL, so (workspace, channel) is unique.
_NO_WORKSPACE: Final = ""
# A claim is in progress (or abandoned) until its digest is posted or skipped.
_UNFINISHED: Final = ("posted_at", "skipped_at")


def subscribe(
    session: Session,
    *,
    channel_id: str,
    cadence: Cadence,
    day: int,
    at: time,
    tz: str,
    now: datetime,
    workspace_id: str | None = None,
    grace: timedelta = DEFAULT_GRACE,
) -> Subscription:
    """Subscribe a channel to digests, or change its schedule: one subscription per channel.

    A changed schedule keeps the subscription's id, creation time and its claims. Raises
    `advisor.ScheduleError` (a ValueError) for an invalid channel id, day, time zone or grace.
    """
    now = as_utc(now)
    # Validate before writing, with the core's rules and its one-line errors.
    channel_id = parse_channel_id(channel_id)
    tz = parse_time_zone(tz)
    if not 0 <= day <= 6:
        raise ScheduleError(f"day must be 0 (Monday) to 6 (Sunday), not {day}")
    if grace < timedelta(0):
        raise ScheduleError("the grace window cannot be negative")
    schedule = {
        "cadence": Cadence(cadence).value,
        "day": day,
        "local_time": at.strftime("%H:%M"),
        "tz": tz,
        "grace_seconds": int(grace.total_seconds()),
        "updated_at": now,
    }
    values = {
        "workspace_id": workspace_id or _NO_WORKSPACE,
        "channel_id": channel_id,
        "created_at": now,
        **schedule,
    }
    keys = [_subscriptions.c.workspace_id, _subscriptions.c.channel_id]
    statement = insert_on_conflict(session, _subscriptions, values, keys, update=schedule)
    row = session.connection().execute(statement.returning(*_subscriptions.c)).one()
    return _subscription(row)


def unsubscribe(session: Session, channel_id: str, *, workspace_id: str | None = None) -> bool:
    """Remove the channel's subscription (and its claims); False if there was none."""
    deleted = session.connection().execute(
        delete(_subscriptions).where(
            _subscriptions.c.workspace_id == (workspace_id or _NO_WORKSPACE),
            _subscriptions.c.channel_id == channel_id,
        )
    )
    return deleted.rowcount > 0


def list_subscriptions(session: Session) -> list[Subscription]:
    """Every subscription, oldest first."""
    rows = session.connection().execute(select(_subscriptions).order_by(_subscriptions.c.id))
    return [_subscription(row) for row in rows]


def get_claim(session: Session, subscription_id: int, period_key: str) -> DigestClaim | None:
    """The claim on a subscription's period, if anyone made one."""
    row = (
        session.connection()
        .execute(
            select(_claims).where(
                _claims.c.subscription_id == subscription_id, _claims.c.period_key == period_key
            )
        )
        .one_or_none()
    )
    return None if row is None else _claim(row)


def claim_period(
    session: Session,
    subscription_id: int,
    period_key: str,
    now: datetime,
    claimant: str,
    *,
    stale_after: timedelta,
) -> DigestClaim | None:
    """Take on posting a period's digest; None when someone else holds or finished it.

    The first claim inserts the row; a claim neither posted nor skipped and older than
    `stale_after` belongs to a claimer that crashed, and is taken over (see
    `storage.claims.take_claim`). Commit before posting.
    """
    return _take_claim(session, subscription_id, period_key, as_utc(now), claimant, stale_after, {})


def skip_period(
    session: Session,
    subscription_id: int,
    period_key: str,
    now: datetime,
    claimant: str,
    *,
    stale_after: timedelta,
) -> DigestClaim | None:
    """Record that a period's digest is too late to post; None if it was already handled.

    Like `claim_period`, exactly one caller records the skip (and so logs it): the period is
    new, or its claim was abandoned more than `stale_after` ago and never posted.
    """
    now = as_utc(now)
    return _take_claim(
        session, subscription_id, period_key, now, claimant, stale_after, {"skipped_at": now}
    )


def _take_claim(  # noqa: PLR0917 (the two public callers pass everything through)
    session: Session,
    subscription_id: int,
    period_key: str,
    now: datetime,
    claimant: str,
    stale_after: timedelta,
    extra: dict[str, Any],
) -> DigestClaim | None:
    """Insert the period's claim, or take over one abandoned more than `stale_after` ago."""
    row = take_claim(
        session,
        _claims,
        {"subscription_id": subscription_id, "period_key": period_key},
        {"claimed_at": now, "claimed_by": claimant, **extra},
        stale_before=now - stale_after,
        unfinished=_UNFINISHED,
    )
    return None if row is None else _claim(row)


def mark_posted(
    session: Session, claim: DigestClaim, now: datetime, message_ts: str | None
) -> DigestClaim | None:
    """Record that the claimed digest went out; None if the claim was already finished (by a
    run that took it over while this one was slow)."""
    values = {"posted_at": as_utc(now), "message_ts": message_ts}
    row = finish_claim(session, _claims, claim.id, values, unfinished=_UNFINISHED)
    return None if row is None else _claim(row)


# --- helpers -----------------------------------------------------------------------------------


def _subscription(row: Row[Any]) -> Subscription:
    hours, minutes = (int(part) for part in row.local_time.split(":"))
    return Subscription(
        id=row.id,
        workspace_id=row.workspace_id or None,
        channel_id=row.channel_id,
        cadence=Cadence(row.cadence),
        day=row.day,
        time=time(hours, minutes),
        tz=row.tz,
        grace=timedelta(seconds=row.grace_seconds),
        created_at=row.created_at,
    )


def _claim(row: Row[Any]) -> DigestClaim:
    return DigestClaim(
        id=row.id,
        subscription_id=row.subscription_id,
        period_key=row.period_key,
        claimed_at=row.claimed_at,
        claimed_by=row.claimed_by,
        posted_at=row.posted_at,
        message_ts=row.message_ts,
        skipped_at=row.skipped_at,
    )
