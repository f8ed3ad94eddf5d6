"""The tables: typed SQLAlchemy models (`*Row`), which never leave the storage package."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from advisor.portfolio import Platform, SessionStatus, UseCaseStatus
from advisor.schedule import Cadence
from storage.database import as_utc

__all__ = [
    "NAMING_CONVENTION",
    "AssessmentRow",
    "AuditEntryRow",
    "Base",
    "DigestClaimRow",
    "DigestSubscriptionRow",
    "FollowUpRow",
    "InboxEventRow",
    "InterviewSessionRow",
    "ProcessedEventRow",
    "UTCDateTime",
    "UseCaseRow",
]

# Explicit constraint names: the migrations refer to them, so they must not depend on the database.
NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL: binary, indexable, and compared by value; plain JSON text elsewhere.
JSONDocument: Final = JSON().with_variant(JSONB(), "postgresql")
_ID_LENGTH: Final = 255


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime: naive values are refused on the way in and impossible on the way out.

    SQLite keeps no time zone, so values are stored as naive UTC there and made aware when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _one_of(
    column: str, values: type[Platform | UseCaseStatus | SessionStatus | Cadence]
) -> CheckConstraint:
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Base(DeclarativeBase):
    """The declarative base; its metadata is what the migrations must match."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UseCaseRow(Base):
    """A proposal in the portfolio, with where it came from and where its thread lives."""

    __tablename__ = "use_cases"
    __table_args__ = (_one_of("platform", Platform), _one_of("status", UseCaseStatus))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    proposal: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    proposer_id: Mapped[str | None] = mapped_column(String(_ID_LENGTH), index=True)
    proposer_name: Mapped[str | None] = mapped_column(String(_ID_LENGTH))
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str | None] = mapped_column(String(_ID_LENGTH), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(_ID_LENGTH))
    thread_id: Mapped[str | None] = mapped_column(String(_ID_LENGTH))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssessmentRow(Base):
    """One assessment of a use case; a re-assessment adds a row, so the history stays."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("use_cases.id", ondelete="CASCADE"), index=True
    )
    policy_version: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(32))
    business_case_score: Mapped[int] = mapped_column(Integer)
    mlops_need_score: Mapped[int] = mapped_column(Integer)
    readiness_score: Mapped[int] = mapped_column(Integer)
    flags: Mapped[list[str]] = mapped_column(JSONDocument)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InterviewSessionRow(Base):
    """An interview in progress, keyed by where it happens; `version` guards concurrent writers."""

    __tablename__ = "interview_sessions"
    __table_args__ = (_one_of("status", SessionStatus),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(_ID_LENGTH), unique=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    version: Mapped[int] = mapped_column(Integer)
    use_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("use_cases.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedEventRow(Base):
    """A platform event already handled; the primary key makes a retry's second claim fail."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(_ID_LENGTH), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class InboxEventRow(Base):
    """A platform request written down before it is acknowledged, so that no acknowledged
    answer is lost; processed in `id` order per thread, then kept a while as a retry's claim."""

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The platform's own id of the delivery (an event id, a trigger id): its uniqueness is the
    # claim that turns a retry or a replay into a no-op.
    delivery_key: Mapped[str] = mapped_column(String(_ID_LENGTH), unique=True)
    thread_key: Mapped[str] = mapped_column(String(_ID_LENGTH))
    # The platform's own time of the request (Slack's message ts), which orders a thread's
    # requests even when the network delivers them the other way round.
    sent_ts: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set in the transaction that applied the request's change (an answer), so a takeover after
    # a crash replies without applying it twice.
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (Index("ix_inbox_events_thread_key_sent_ts", "thread_key", "sent_ts", "id"),)


class AuditEntryRow(Base):
    """A change or deletion. No foreign key: the entry must outlive the use case it names."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(_ID_LENGTH))
    action: Mapped[str] = mapped_column(String(32))
    use_case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class DigestSubscriptionRow(Base):
    """A channel's leadership-digest schedule: one per channel (and workspace).

    `workspace_id` is "" for a single-workspace bot rather than NULL, so the unique constraint
    holds on every database (NULLs never collide in a unique constraint). `local_time` is the
    local wall-clock time as "HH:MM" in the IANA zone `tz`.
    """

    __tablename__ = "digest_subscriptions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id"),
        _one_of("cadence", Cadence),
        CheckConstraint("day BETWEEN 0 AND 6", name="day"),
        CheckConstraint("grace_seconds >= 0", name="grace_seconds"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(_ID_LENGTH))
    channel_id: Mapped[str] = mapped_column(String(_ID_LENGTH))
    cadence: Mapped[str] = mapped_column(String(16))
    day: Mapped[int] = mapped_column(Integer)
    local_time: Mapped[str] = mapped_column(String(5))
    tz: Mapped[str] = mapped_column(String(64))
    grace_seconds: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestClaimRow(Base):
    """Who posts a subscription's digest for one period; the unique key makes it exactly one.

    A row with neither `posted_at` nor `skipped_at` is a claim in progress, or one whose claimer
    crashed: after a while another run takes it over.
    """

    __tablename__ = "digest_claims"
    __table_args__ = (UniqueConstraint("subscription_id", "period_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE")
    )
    period_key: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(String(_ID_LENGTH))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ts: Mapped[str | None] = mapped_column(String(64))
    skipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FollowUpRow(Base):
    """A follow-up on a use case's verdict (e.g. "30d" after it): claimed, posted, answered.

    The unique (use_case_id, due_key) key makes each follow-up posted once, whatever runs it.
    """

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("use_case_id", "due_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    use_case_id: Mapped[int] = mapped_column(ForeignKey("use_cases.id", ondelete="CASCADE"))
    due_key: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ts: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
