"""The error an invalid policy raises, when it is loaded or a pattern is first compiled."""

from __future__ import annotations

__all__ = ["PolicyError"]


class PolicyError(ValueError):
    """The policy is invalid; the message names the offending key."""
