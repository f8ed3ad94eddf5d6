"""The service layer: load state, call the pure core, persist. Every channel goes through it."""

from bot.service.advisor import Advisor, FormSession, Place, Proposer, Turn
from bot.service.clock import utc_now
from bot.service.jobs import (
    FollowUpToPost,
    ScheduledDigest,
    ScheduledWork,
    SubscriptionGoneError,
)

__all__ = [
    "Advisor",
    "FollowUpToPost",
    "FormSession",
    "Place",
    "Proposer",
    "ScheduledDigest",
    "ScheduledWork",
    "SubscriptionGoneError",
    "Turn",
    "utc_now",
]
