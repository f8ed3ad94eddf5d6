"""The portfolio's records: stored use cases, their assessment history and the audit trail."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from advisor.assessment import Assessment
from advisor.proposal import Proposal

__all__ = [
    "AuditAction",
    "AuditEntry",
    "Platform",
    "SessionStatus",
    "StoredAssessment",
    "UseCase",
    "UseCaseStatus",
]


class Platform(StrEnum):
    """Where a use case was proposed; CLI covers the terminal and file imports."""

    SLACK = "slack"
    TEAMS = "teams"
    CLI = "cli"


class UseCaseStatus(StrEnum):
    """Where a use case stands in its life: being described, judged, or set aside."""

    INTERVIEWING = "interviewing"
    ASSESSED = "assessed"
    ARCHIVED = "archived"


class SessionStatus(StrEnum):
    """Where an interview stands: still asking, finished, or given up."""

    ACTIVE = "active"
    FINISHED = "finished"
    ABANDONED = "abandoned"


class AuditAction(StrEnum):
    """What an audit entry records."""

    IMPORT = "import"
    UPDATE_PROPOSAL = "update_proposal"
    SET_STATUS = "set_status"
    DELETE = "delete"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoredAssessment(_Record):
    """One assessment of a use case as it was made: the policy version and the verdict."""

    id: int
    use_case_id: int
    policy_version: str
    assessment: Assessment
    created_at: AwareDatetime


class UseCase(_Record):
    """A proposal in the portfolio: who proposed it, where it lives, and its latest verdict."""

    id: int
    title: str
    proposal: Proposal
    proposer_id: str | None = None
    proposer_name: str | None = None
    platform: Platform
    workspace_id: str | None = None
    channel_id: str | None = None
    thread_id: str | None = None
    status: UseCaseStatus
    created_at: AwareDatetime
    updated_at: AwareDatetime
    latest: StoredAssessment | None = None


class AuditEntry(_Record):
    """A change or deletion: who did what, when, to which use case; never the proposal's text."""

    id: int
    at: AwareDatetime
    actor: str
    action: AuditAction
    use_case_id: int | None = None
    details: dict[str, Any] = {}
