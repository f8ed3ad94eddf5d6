"""The pure advisor core: proposals in, explainable assessments out; no I/O, clock or DB."""

from advisor.assessment import Assessment, Flag, Reason, Scores, Signal, Tier
from advisor.detectors import detect_in_text, detect_text_signals
from advisor.policy import DEFAULT, Policy, PolicyError, parse_policy
from advisor.proposal import (
    Origin,
    PilotStatus,
    Proposal,
    ProposalError,
    Retraining,
    Serving,
    parse_proposal,
)
from advisor.rubric import assess

__all__ = [
    "DEFAULT",
    "Assessment",
    "Flag",
    "Origin",
    "PilotStatus",
    "Policy",
    "PolicyError",
    "Proposal",
    "ProposalError",
    "Reason",
    "Retraining",
    "Scores",
    "Serving",
    "Signal",
    "Tier",
    "assess",
    "detect_in_text",
    "detect_text_signals",
    "parse_policy",
    "parse_proposal",
]
