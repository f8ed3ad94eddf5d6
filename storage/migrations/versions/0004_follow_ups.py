"""Follow-ups after a verdict: one row per use case and due key ("30d", "90d"), posted once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported from storage.models: a migration is frozen history.
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `follow_ups`."""
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("due_key", sa.String(length=16), nullable=False),
        sa.Column("due_at", _UTC, nullable=False),
        sa.Column("claimed_at", _UTC, nullable=False),
        sa.Column("posted_at", _UTC, nullable=True),
        sa.Column("message_ts", sa.String(length=64), nullable=True),
        sa.Column("answered_at", _UTC, nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["use_cases.id"],
            name=op.f("fk_follow_ups_use_case_id_use_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint(
            "use_case_id", "due_key", name=op.f("uq_follow_ups_use_case_id_due_key")
        ),
    )


def downgrade() -> None:
    """Drop `follow_ups`: the record of posted and answered follow-ups goes with it."""
    op.drop_table("follow_ups")
