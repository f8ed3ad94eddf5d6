"""Follow-ups on verdicts: which are due, the once-only claim, posting and answering.

The functions flush; the caller commits. Like the digest claims, `claim_follow_up` is the
exactly-once guarantee: the unique (use_case_id, due_key) key lets one claimer in, and a claim
never marked posted is taken over once it is older than `stale_after`. Commit before posting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Row, Table, func, select, true, update
from sqlalchemy.orm import Session

from advisor.follow_up import DueFollowUp, FollowUp, due_key
from advisor.portfolio import Platform, UseCaseStatus
from storage.claims import finish_claim, take_claim
from storage.database import as_utc
from storage.models import AssessmentRow, FollowUpRow, UseCaseRow

__all__ = [
    "DueFollowUp",
    "FollowUp",
    "claim_follow_up",
    "due_follow_ups",
    "due_key",
    "mark_follow_up_posted",
    "open_follow_up",
    "record_follow_up_answer",
]

_follow_ups: Final[Table] = FollowUpRow.__table__  # type: ignore[assignment]
# A claimed follow-up is in progress (or abandoned) until it is posted.
_UNFINISHED: Final = ("posted_at",)


def due_follow_ups(
    session: Session,
    now: datetime,
    *,
    days: Sequence[int],
    stale_after: timedelta,
    platform: Platform = Platform.SLACK,
) -> list[DueFollowUp]:
    """The follow-ups due at `now`: the platform's use cases with a place to post (a Slack
    thread; a Teams chat), not archived, whose first verdict is at least `days[i]` days old, and
    whose follow-up for that day nobody posted (nor holds a fresh claim on). Only the latest due
    day of each use case is returned: a use case that missed its 30-day follow-up while
    everything was down gets the 90-day one, not both.
    """
    now = as_utc(now)
    ordered = sorted(set(days), reverse=True)
    if not ordered:
        return []
    verdict_at = (
        select(AssessmentRow.use_case_id, func.min(AssessmentRow.created_at).label("at"))
        .group_by(AssessmentRow.use_case_id)
        .subquery("verdict")
    )
    rows = session.execute(
        select(UseCaseRow.id, verdict_at.c.at)
        .join(verdict_at, verdict_at.c.use_case_id == UseCaseRow.id)
        .where(
            UseCaseRow.platform == platform.value,
            UseCaseRow.channel_id.is_not(None),
            # A Slack check lives in a thread; a Teams check in its 1:1 chat, which has none.
            UseCaseRow.thread_id.is_not(None) if platform is Platform.SLACK else true(),
            UseCaseRow.status != UseCaseStatus.ARCHIVED.value,
            verdict_at.c.at <= now - timedelta(days=min(ordered)),
        )
        .order_by(UseCaseRow.id)
    ).all()
    candidates: list[DueFollowUp] = []
    # `at` comes back aware, as every UTCDateTime does (min() keeps its column's type).
    for use_case_id, at in rows:
        for day in ordered:
            if at + timedelta(days=day) <= now:
                candidates.append(DueFollowUp(use_case_id, due_key(day), at + timedelta(days=day)))
                break
    if not candidates:
        return []
    taken = {
        (row.use_case_id, row.due_key)
        for row in session.execute(
            select(FollowUpRow.use_case_id, FollowUpRow.due_key).where(
                FollowUpRow.use_case_id.in_([due.use_case_id for due in candidates]),
                (FollowUpRow.posted_at.is_not(None))
                | (FollowUpRow.claimed_at >= now - stale_after),
            )
        )
    }
    return [due for due in candidates if (due.use_case_id, due.due_key) not in taken]


def claim_follow_up(
    session: Session, due: DueFollowUp, now: datetime, *, stale_after: timedelta
) -> FollowUp | None:
    """Take on posting a follow-up; None when someone else holds a fresh claim or posted it."""
    now = as_utc(now)
    row = take_claim(
        session,
        _follow_ups,
        {"use_case_id": due.use_case_id, "due_key": due.due_key},
        {"claimed_at": now},
        first={"due_at": as_utc(due.due_at)},
        stale_before=now - stale_after,
        unfinished=_UNFINISHED,
    )
    return None if row is None else _follow_up(row)


def mark_follow_up_posted(
    session: Session, follow_up_id: int, now: datetime, message_ts: str | None
) -> bool:
    """Record that the follow-up went out; False if it was already marked posted."""
    values = {"posted_at": as_utc(now), "message_ts": message_ts}
    return (
        finish_claim(session, _follow_ups, follow_up_id, values, unfinished=_UNFINISHED) is not None
    )


def open_follow_up(
    session: Session,
    *,
    channel_id: str,
    thread_id: str | None,
    platform: Platform = Platform.SLACK,
    proposer_id: str | None = None,
) -> FollowUp | None:
    """The newest posted, unanswered follow-up in a Slack thread (or a Teams chat, whose
    `thread_id` is None), of one proposer's use cases if `proposer_id` is given."""
    row = (
        session.connection()
        .execute(
            select(_follow_ups)
            .join(UseCaseRow.__table__, UseCaseRow.id == _follow_ups.c.use_case_id)
            .where(
                UseCaseRow.platform == platform.value,
                UseCaseRow.channel_id == channel_id,
                UseCaseRow.thread_id.is_(None)
                if thread_id is None
                else UseCaseRow.thread_id == thread_id,
                UseCaseRow.proposer_id == proposer_id if proposer_id is not None else true(),
                _follow_ups.c.posted_at.is_not(None),
                _follow_ups.c.answered_at.is_(None),
            )
            .order_by(_follow_ups.c.id.desc())
            .limit(1)
        )
        .one_or_none()
    )
    return None if row is None else _follow_up(row)


def record_follow_up_answer(
    session: Session, follow_up_id: int, answer: str, now: datetime
) -> bool:
    """Record the answer to a posted follow-up; False if it was already answered (the first
    answer wins: a double click or a retried event changes nothing)."""
    done = session.connection().execute(
        update(_follow_ups)
        .where(
            _follow_ups.c.id == follow_up_id,
            _follow_ups.c.posted_at.is_not(None),
            _follow_ups.c.answered_at.is_(None),
        )
        .values(answered_at=as_utc(now), answer=answer)
    )
    return done.rowcount > 0


def _follow_up(row: Row[Any]) -> FollowUp:
    return FollowUp(
        id=row.id,
        use_case_id=row.use_case_id,
        due_key=row.due_key,
        due_at=row.due_at,
        claimed_at=row.claimed_at,
        posted_at=row.posted_at,
        message_ts=row.message_ts,
        answered_at=row.answered_at,
        answer=row.answer,
    )
