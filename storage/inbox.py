"""The inbox: platform requests stored before they are acknowledged, then processed in order.

A request is written down (`receive`) in one short transaction whose unique delivery key is also
its claim against retries and replays; only then is it acknowledged. Processing takes the oldest
unprocessed request of a thread (`take_next`) by the platform's own time, so two answers typed a
moment apart are applied in the order they were sent, whichever replica took them. A request
whose process died is taken over once its claim is stale; `waiting_threads` finds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.database import as_utc, insert_on_conflict
from storage.models import InboxEventRow

__all__ = [
    "InboxEvent",
    "finish_inbox_event",
    "forget_inbox_events",
    "mark_inbox_event_applied",
    "receive_inbox_event",
    "take_next_inbox_event",
    "waiting_inbox_threads",
]

_inbox: Table = InboxEventRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """A stored request: its payload as the platform sent it, and whether its change is in."""

    id: int
    thread_key: str
    payload: dict[str, Any]
    applied: bool


def receive_inbox_event(
    session: Session,
    delivery_key: str,
    thread_key: str,
    sent_ts: str,
    payload: dict[str, Any],
    *,
    now: datetime,
) -> int | None:
    """Store a request; its id, or None when its delivery key was seen before (a retry)."""
    values = {
        "delivery_key": delivery_key,
        "thread_key": thread_key,
        "sent_ts": sent_ts,
        "payload": payload,
        "received_at": as_utc(now),
    }
    statement = insert_on_conflict(session, _inbox, values, [_inbox.c.delivery_key])
    return session.connection().execute(statement.returning(_inbox.c.id)).scalar()


def take_next_inbox_event(
    session: Session, thread_key: str, now: datetime, *, stale_before: datetime
) -> InboxEvent | None:
    """Claim the thread's first unprocessed request (by the platform's time, then arrival), or
    None: nothing waits, or that first one is another worker's (claimed after `stale_before`),
    who will go on with the rest."""
    head = session.execute(
        select(InboxEventRow.id)
        .where(InboxEventRow.thread_key == thread_key, InboxEventRow.processed_at.is_(None))
        .order_by(InboxEventRow.sent_ts, InboxEventRow.id)
        .limit(1)
    ).scalar()
    if head is None:
        return None
    # Compare-and-set: of two workers racing for the same head, the second one's WHERE no
    # longer matches once the first has committed its claim.
    claimed = session.connection().execute(
        update(_inbox)
        .where(
            _inbox.c.id == head,
            _inbox.c.processed_at.is_(None),
            or_(_inbox.c.claimed_at.is_(None), _inbox.c.claimed_at < as_utc(stale_before)),
        )
        .values(claimed_at=as_utc(now))
    )
    if claimed.rowcount != 1:
        return None
    row = session.get_one(InboxEventRow, head)
    return InboxEvent(
        id=row.id,
        thread_key=row.thread_key,
        payload=row.payload,
        applied=row.applied_at is not None,
    )


def mark_inbox_event_applied(session: Session, event_id: int, now: datetime) -> bool:
    """Record, in the transaction that applies the request's change, that it is applied; False
    if it already was (a takeover of a request whose reply was not sent)."""
    marked = session.connection().execute(
        update(_inbox)
        .where(_inbox.c.id == event_id, _inbox.c.applied_at.is_(None))
        .values(applied_at=as_utc(now))
    )
    return marked.rowcount == 1


def finish_inbox_event(session: Session, event_id: int, now: datetime) -> None:
    """The request is processed: its reply sent, or its failure reported."""
    session.connection().execute(
        update(_inbox).where(_inbox.c.id == event_id).values(processed_at=as_utc(now))
    )


def waiting_inbox_threads(
    session: Session, *, received_before: datetime, stale_before: datetime
) -> list[str]:
    """Threads with a request nobody is processing: unclaimed since before `received_before`
    (its process died between the acknowledgement and the work), or claimed before
    `stale_before` (died during the work)."""
    found = session.execute(
        select(InboxEventRow.thread_key)
        .where(
            InboxEventRow.processed_at.is_(None),
            or_(
                InboxEventRow.claimed_at.is_(None)
                & (InboxEventRow.received_at < as_utc(received_before)),
                InboxEventRow.claimed_at < as_utc(stale_before),
            ),
        )
        .group_by(InboxEventRow.thread_key)
        .order_by(func.min(InboxEventRow.id))  # the longest-waiting thread first
    )
    return list(found.scalars())


def forget_inbox_events(session: Session, *, before: datetime) -> int:
    """Drop processed requests received before `before`: what people typed is not kept in the
    inbox longer than a platform may retry it."""
    deleted = session.connection().execute(
        delete(_inbox).where(
            _inbox.c.processed_at.is_not(None), _inbox.c.received_at < as_utc(before)
        )
    )
    return deleted.rowcount
