"""The portfolio's records: stored use cases, their assessment history and the audit trail."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from pydantic import AwareDatetime, BaseModel, ConfigDict

from advisor.assessment import Assessment, Flag, Tier
from advisor.proposal import Proposal

__all__ = [
    "MAX_USE_CASE_ID",
    "AuditAction",
    "AuditEntry",
    "Platform",
    "PortfolioSummary",
    "SessionStatus",
    "StoredAssessment",
    "UseCase",
    "UseCaseNumber",
    "UseCaseStatus",
    "parse_use_case_number",
    "summarize_portfolio",
]

MAX_USE_CASE_ID: Final = 2**31 - 1
"""The largest id a use case can have: storage keeps ids in an `Integer` column, 32 bits in
PostgreSQL, so a bigger number reaching the database would be an error, not a miss."""

# ASCII digits only (`str.isdigit` and `int` also take "²" or "١٢"), and few enough that the
# echo stays short and `int` stays cheap; a leading `#` as the bot writes numbers (`#12`).
_USE_CASE_NUMBER: Final = re.compile("#?([0-9]{1,30})")


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


@dataclass(frozen=True, slots=True)
class UseCaseNumber:
    """A use case's number as a person typed it. `id` is None when no use case can have it
    (0, or beyond MAX_USE_CASE_ID): answer as for an unknown one, without asking the database."""

    typed: str
    """The digits as typed (ASCII, at most 30 of them), safe to echo as they are."""
    id: int | None


def parse_use_case_number(text: str) -> UseCaseNumber | None:
    """The use case number in `text` (`12`, `#12`, surrounding spaces ignored); None if `text`
    is no number at all."""
    match = _USE_CASE_NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    digits = match.group(1)
    value = int(digits)
    return UseCaseNumber(typed=digits, id=value if 1 <= value <= MAX_USE_CASE_ID else None)


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
