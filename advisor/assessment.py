"""The verdict: tier, three scores, flagged signals with evidence, and the reasons behind them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Assessment", "Flag", "Reason", "Scores", "Signal", "Tier"]


class Tier(StrEnum):
    """The five verdicts, from least to most MLOps investment."""

    NO_BUSINESS_CASE = "no_business_case"
    FIX_FOUNDATIONS_FIRST = "fix_foundations_first"
    LIGHTWEIGHT = "lightweight"
    MINIMUM_VIABLE_PROCESS = "minimum_viable_process"
    FULL_MLOPS = "full_mlops"

    @property
    def rank(self) -> int:
        """Position from least to most MLOps investment."""
        return _TIER_RANKS[self]

    @property
    def label(self) -> str:
        """The verdict in the words a proposer reads."""
        return _TIER_LABELS[self]


_TIER_RANKS: dict[Tier, int] = {tier: rank for rank, tier in enumerate(Tier)}
_TIER_LABELS: dict[Tier, str] = {
    Tier.NO_BUSINESS_CASE: "Not yet: no business case",
    Tier.FIX_FOUNDATIONS_FIRST: "Fix the foundations first",
    Tier.LIGHTWEIGHT: "Lightweight: a scheduled script with good tests is enough",
    Tier.MINIMUM_VIABLE_PROCESS: "Start small: a Minimum Viable Process",
    Tier.FULL_MLOPS: "Full MLOps is a no-brainer",
}


class Flag(StrEnum):
    """Risk signals; each one carries evidence and brings a follow-up question."""

    FOMO = "fomo"
    VENDOR_PUSH = "vendor_push"
    TECHNO_PUSH = "techno_push"
    NO_BUSINESS_CASE = "no_business_case"
    PILOT_PURGATORY = "pilot_purgatory"
    OVERHEAD_UNDERESTIMATED = "overhead_underestimated"
    SECURITY_FIRST = "security_first"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Signal(_Value):
    """One piece of evidence for a flag: the field it came from and the exact words or values."""

    flag: Flag
    field: str
    evidence: str
    rule: str


class Reason(_Value):
    rule: str
    text: str


class Scores(_Value):
    business_case: int = Field(ge=0, le=100)
    mlops_need: int = Field(ge=0, le=100)
    readiness: int = Field(ge=0, le=100)

    def named(self) -> list[tuple[str, int]]:
        """The three scores with their names, in the order a verdict shows them."""
        return [
            ("Business case", self.business_case),
            ("MLOps need", self.mlops_need),
            ("Readiness", self.readiness),
        ]


class Assessment(_Value):
    tier: Tier
    scores: Scores
    recommended_setup: str
    signals: tuple[Signal, ...] = ()
    reasons: tuple[Reason, ...] = ()
    next_steps: tuple[str, ...] = ()
    follow_up_questions: tuple[str, ...] = ()

    @property
    def flags(self) -> list[Flag]:
        """The distinct flags raised, in the order they were first found."""
        return list(dict.fromkeys(signal.flag for signal in self.signals))
