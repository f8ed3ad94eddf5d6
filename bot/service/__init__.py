"""The service layer: load state, call the pure core, persist. Every channel goes through it."""

from bot.service.advisor import Advisor, FormSession, Place, Proposer, Turn, utc_now

__all__ = ["Advisor", "FormSession", "Place", "Proposer", "Turn", "utc_now"]
