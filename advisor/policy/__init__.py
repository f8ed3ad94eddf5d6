"""The rubric as data: weights, thresholds, phrase families and texts, checked and compiled."""

from advisor.policy.errors import PolicyError
from advisor.policy.matching import CompiledFamily, CompiledPattern, Cue, Matcher
from advisor.policy.parsing import DEFAULT, parse_policy
from advisor.policy.schema import TEXT_FIELDS, Family, FollowUpPolicy, Policy

__all__ = [
    "DEFAULT",
    "TEXT_FIELDS",
    "CompiledFamily",
    "CompiledPattern",
    "Cue",
    "Family",
    "FollowUpPolicy",
    "Matcher",
    "Policy",
    "PolicyError",
    "parse_policy",
]
