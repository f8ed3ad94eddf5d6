"""The service layer: load state, call the pure core, persist. Every channel goes through it."""

from bot.service.advisor import (
    Advisor,
    FollowUpAnswered,
    FormSession,
    Place,
    Proposer,
    Turn,
    utc_now,
)
from storage import NEW_SESSION

__all__ = [
    "NEW_SESSION",
    "Advisor",
    "FollowUpAnswered",
    "FormSession",
    "Place",
    "Proposer",
    "Turn",
    "utc_now",
]
