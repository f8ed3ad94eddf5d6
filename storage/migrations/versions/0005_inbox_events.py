"""The inbox: every platform request worth keeping is written down before it is acknowledged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported from storage.models: a migration is frozen history.
_UTC = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create `inbox_events`."""
    op.create_table(
        "inbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_key", sa.String(length=255), nullable=False),
        sa.Column("thread_key", sa.String(length=255), nullable=False),
        sa.Column("sent_ts", sa.String(length=32), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("received_at", _UTC, nullable=False),
        sa.Column("claimed_at", _UTC, nullable=True),
        sa.Column("applied_at", _UTC, nullable=True),
        sa.Column("processed_at", _UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
        sa.UniqueConstraint("delivery_key", name=op.f("uq_inbox_events_delivery_key")),
    )
    op.create_index(
        "ix_inbox_events_thread_key_sent_ts",
        "inbox_events",
        ["thread_key", "sent_ts", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inbox_events_processed_at"), "inbox_events", ["processed_at"], unique=False
    )


def downgrade() -> None:
    """Drop `inbox_events`: requests not yet processed are lost with it."""
    op.drop_index(op.f("ix_inbox_events_processed_at"), table_name="inbox_events")
    op.drop_index("ix_inbox_events_thread_key_sent_ts", table_name="inbox_events")
    op.drop_table("inbox_events")
