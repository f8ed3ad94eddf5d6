"""The portfolio's records: stored use cases, their assessment history and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from advisor.assessment import Assessment, Flag, Tier
from advisor.proposal import Proposal

__all__ = [
    "AuditAction",
    "AuditEntry",
    "Platform",
    "PortfolioSummary",
    "SessionStatus",
    "StoredAssessment",
    "UseCase",
    "UseCaseStatus",
    "summarize_portfolio",
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


class PortfolioSummary(_Record):
    """The portfolio in numbers: how many use cases, their verdicts, what they are worth."""

    use_cases: int
    assessed: int
    by_tier: dict[Tier, int]
    flagged: dict[Flag, int]
    annual_value_eur: float
    annual_cost_eur: float


def summarize_portfolio(use_cases: Iterable[UseCase]) -> PortfolioSummary:
    """Count verdicts and flags and add up the stated yearly value and cost.

    Value and cost are summed over use cases that state them; a use case without a verdict yet
    counts in the size only.
    """
    by_tier = dict.fromkeys(Tier, 0)
    flagged = dict.fromkeys(Flag, 0)
    total = assessed = 0
    value = cost = 0.0
    for use_case in use_cases:
        total += 1
        value += use_case.proposal.annual_value_eur or 0.0
        cost += use_case.proposal.annual_cost_eur or 0.0
        if use_case.latest is None:
            continue
        assessed += 1
        assessment = use_case.latest.assessment
        by_tier[assessment.tier] += 1
        for flag in assessment.flags:
            flagged[flag] += 1
    return PortfolioSummary(
        use_cases=total,
        assessed=assessed,
        by_tier=by_tier,
        flagged=flagged,
        annual_value_eur=value,
        annual_cost_eur=cost,
    )
