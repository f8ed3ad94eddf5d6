"""Follow-ups on verdicts: which one is due, its claim, and what a typed answer records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from advisor.answers import parse_money

__all__ = ["DueFollowUp", "FollowUp", "due_key", "follow_up_note", "realised_value"]

# An amount counts as realised value only with a currency or a scale ("€40k", "200k a year"),
# not a bare number ("3 people").
_MONEY_MARK: Final = re.compile(r"€|\beur\b|\beuros?\b|\d\s*[km]\b|million|thousand", re.I)


@dataclass(frozen=True, slots=True)
class DueFollowUp:
    """A follow-up to post: the use case, which one ("30d") and when it fell due."""

    use_case_id: int
    due_key: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A claimed follow-up: posted once `posted_at` is set, answered once `answered_at` is."""

    id: int
    use_case_id: int
    due_key: str
    due_at: datetime
    claimed_at: datetime
    posted_at: datetime | None = None
    message_ts: str | None = None
    answered_at: datetime | None = None
    answer: str | None = None


def due_key(days: int) -> str:
    """The key of the follow-up `days` after the verdict: "30d"."""
    return f"{days}d"


def follow_up_note(text: str, now: datetime, realised: float | None) -> str:
    """The line a typed answer adds to the notes."""
    line = f"Follow-up {now.date().isoformat()}: {' '.join(text.split())}"
    if realised is not None:
        line += f" (realised value: €{realised:,.0f} per year)"
    return line


def realised_value(text: str) -> float | None:
    """The yearly amount of money a typed answer names, if it clearly names one."""
    if not _MONEY_MARK.search(text):
        return None
    found = parse_money(text)
    return found if isinstance(found, float) else None
