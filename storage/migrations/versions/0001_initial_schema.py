"""Initial schema: use cases, assessments, interview sessions, processed events, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported from storage.models: a migration is frozen history.
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the five tables and their indexes."""
    op.create_table(
        "use_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("proposal", _JSON, nullable=False),
        sa.Column("proposer_id", sa.String(length=255), nullable=True),
        sa.Column("proposer_name", sa.String(length=255), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace_id", sa.String(length=255), nullable=True),
        sa.Column("channel_id", sa.String(length=255), nullable=True),
        sa.Column("thread_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.CheckConstraint(
            "platform IN ('slack', 'teams', 'cli')", name=op.f("ck_use_cases_platform")
        ),
        sa.CheckConstraint(
            "status IN ('interviewing', 'assessed', 'archived')", name=op.f("ck_use_cases_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_use_cases")),
    )
    op.create_index(op.f("ix_use_cases_proposer_id"), "use_cases", ["proposer_id"])
    op.create_index(op.f("ix_use_cases_workspace_id"), "use_cases", ["workspace_id"])

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("business_case_score", sa.Integer(), nullable=False),
        sa.Column("mlops_need_score", sa.Integer(), nullable=False),
        sa.Column("readiness_score", sa.Integer(), nullable=False),
        sa.Column("flags", _JSON, nullable=False),
        sa.Column("assessment", _JSON, nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["use_cases.id"],
            name=op.f("fk_assessments_use_case_id_use_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_index(op.f("ix_assessments_use_case_id"), "assessments", ["use_case_id"])

    op.create_table(
        "interview_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("state", _JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'finished', 'abandoned')",
            name=op.f("ck_interview_sessions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["use_cases.id"],
            name=op.f("fk_interview_sessions_use_case_id_use_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_sessions")),
        sa.UniqueConstraint("key", name=op.f("uq_interview_sessions_key")),
    )
    op.create_index(
        op.f("ix_interview_sessions_use_case_id"), "interview_sessions", ["use_case_id"]
    )

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("received_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )
    op.create_index(op.f("ix_processed_events_received_at"), "processed_events", ["received_at"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=True),
        sa.Column("details", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_use_case_id"), "audit_log", ["use_case_id"])


def downgrade() -> None:
    """Drop everything, dependents first (indexes go with their tables)."""
    for table in ("audit_log", "processed_events", "interview_sessions", "assessments"):
        op.drop_table(table)
    op.drop_table("use_cases")
