"""Leadership digests: subscriptions per channel and the once-only claim per period.

`digest_claims` has one row per subscription and period (unique): whoever inserts it posts the
digest; `posted_at` records that it went out, `skipped_at` that it was too late to post.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-11
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported from storage.models: a migration is frozen history.
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `digest_subscriptions` and `digest_claims`."""
    op.create_table(
        "digest_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=255), nullable=False),
        sa.Column("channel_id", sa.String(length=255), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("grace_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.CheckConstraint(
            "cadence IN ('weekly', 'biweekly', 'monthly')",
            name=op.f("ck_digest_subscriptions_cadence"),
        ),
        sa.CheckConstraint("day BETWEEN 0 AND 6", name=op.f("ck_digest_subscriptions_day")),
        sa.CheckConstraint(
            "grace_seconds >= 0", name=op.f("ck_digest_subscriptions_grace_seconds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_subscriptions")),
        sa.UniqueConstraint(
            "workspace_id",
            "channel_id",
            name=op.f("uq_digest_subscriptions_workspace_id_channel_id"),
        ),
    )
    op.create_table(
        "digest_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", _UTC, nullable=False),
        sa.Column("claimed_by", sa.String(length=255), nullable=False),
        sa.Column("posted_at", _UTC, nullable=True),
        sa.Column("message_ts", sa.String(length=64), nullable=True),
        sa.Column("skipped_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["digest_subscriptions.id"],
            name=op.f("fk_digest_claims_subscription_id_digest_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_claims")),
        sa.UniqueConstraint(
            "subscription_id",
            "period_key",
            name=op.f("uq_digest_claims_subscription_id_period_key"),
        ),
    )


def downgrade() -> None:
    """Drop both tables: every subscription and the record of posted digests go with them."""
    op.drop_table("digest_claims")
    op.drop_table("digest_subscriptions")
