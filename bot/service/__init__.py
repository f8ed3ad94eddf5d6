"""The service layer: load state, call the pure core, persist. Every channel goes through it."""

from bot.service.advisor import Advisor, FollowUpAnswered, FormSession, Place, Proposer, Turn
from bot.service.clock import utc_now
from bot.service.jobs import (
    FollowUpToPost,
    ScheduledDigest,
    ScheduledWork,
    SubscriptionGoneError,
)
from storage import NEW_SESSION

__all__ = [
    "NEW_SESSION",
    "Advisor",
    "FollowUpAnswered",
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
