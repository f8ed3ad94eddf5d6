"""The leadership digest's data: what happened in a period and what in the portfolio needs a look.

Pure values: storage fills them with SQL aggregation (`storage.digest_queries`), the bot renders
them (`bot.slack.digest`, `bot.teams.digest`, `bot.jobs.digest_text`).
`DigestData.model_dump(mode="json")` is the document that
`mlops-advisor digest preview --format json` prints for other tools.

What each list holds (archived use cases are never in a digest):

- **new items**: use cases created in the period, with their latest verdict (None while the
  interview runs), oldest first.
- **top opportunities**: the whole portfolio's use cases with the highest stated yearly value,
  highest first; those without a stated value are left out.
- **risk watch**: use cases whose latest assessment was made in the period and raised a FOMO,
  vendor-push or technology-first flag; one `RiskItem` per use case and flag, quoting the
  first piece of evidence in the person's own words (a chosen answer when there is none).
- **purgatory** ("pilots in purgatory"): use cases anywhere in the portfolio whose pilot is live
  or stalled while nobody owns it (no business owner) or nobody will run it (no operating
  plan), oldest first; and use cases with a follow-up (see `bot.jobs.follow_ups`) posted in their
  thread at least 7 days before the period's end and still unanswered.
- **decisions waiting**: use cases whose latest assessment, made in the period, recommends an
  investment (minimum viable process or full MLOps) while no pilot has started (pilot status
  "none"): they await a go/no-go. Older ones are not repeated every week; there is no record of
  a decision yet to tell when one was taken.

Every list is capped (the counts say how many there were in all), so a digest has the same size
for ten use cases or a hundred thousand.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from advisor.assessment import Flag, Tier
from advisor.proposal import PilotStatus

__all__ = [
    "DECISION_TIERS",
    "PURGATORY_PILOTS",
    "RISK_FLAGS",
    "ChartPoint",
    "DigestData",
    "DigestItem",
    "RiskItem",
]

# The flags the risk watch shows, in the order it shows them.
RISK_FLAGS: tuple[Flag, ...] = (Flag.FOMO, Flag.VENDOR_PUSH, Flag.TECHNO_PUSH)
# Verdicts that recommend an investment, so a go/no-go is due.
DECISION_TIERS: tuple[Tier, ...] = (Tier.MINIMUM_VIABLE_PROCESS, Tier.FULL_MLOPS)
# Pilot states that can be stuck in purgatory.
PURGATORY_PILOTS: tuple[PilotStatus, ...] = (PilotStatus.LIVE, PilotStatus.STALLED)


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DigestItem(_Value):
    """One use case as a digest lists it; `channel_id`/`thread_id` locate its Slack thread."""

    use_case_id: int
    title: str
    tier: Tier | None = None
    annual_value_eur: float | None = None
    annual_cost_eur: float | None = None
    mlops_need: int | None = Field(default=None, ge=0, le=100)
    pilot_status: PilotStatus = PilotStatus.NONE
    channel_id: str | None = None
    thread_id: str | None = None
    created_at: AwareDatetime


class RiskItem(_Value):
    """A risk flag raised on a use case, with the proposer's words that raised it."""

    item: DigestItem
    flag: Flag
    field: str
    evidence: str


class ChartPoint(_Value):
    """A use case on the portfolio chart: MLOps need across, stated value up, cost as size."""

    use_case_id: int
    title: str
    tier: Tier
    annual_value_eur: float = Field(default=0.0, ge=0)
    annual_cost_eur: float = Field(default=0.0, ge=0)
    mlops_need: int = Field(ge=0, le=100)


class DigestData(_Value):
    """A digest: the period [period_start, period_end), the portfolio in numbers and the lists.

    Counts and totals cover the whole portfolio (of one workspace, or all) as it stands at the
    end of the period, archived use cases excepted: `counts_by_tier` counts latest verdicts
    (use cases still in their interview count in `portfolio_size` only), and the totals add up
    the stated yearly value and cost. The `*_count` fields say how many use cases each list had
    before it was capped (`risk_count`: use cases with at least one risk flag).
    """

    period_start: AwareDatetime
    period_end: AwareDatetime
    workspace_id: str | None = None
    portfolio_size: int = Field(ge=0)
    counts_by_tier: dict[Tier, int]
    total_value_eur: float
    total_cost_eur: float
    new_count: int = Field(default=0, ge=0)
    new_items: tuple[DigestItem, ...] = ()
    top_opportunities: tuple[DigestItem, ...] = ()
    risk_count: int = Field(default=0, ge=0)
    risk_watch: tuple[RiskItem, ...] = ()
    purgatory_count: int = Field(default=0, ge=0)
    purgatory: tuple[DigestItem, ...] = ()
    decisions_waiting_count: int = Field(default=0, ge=0)
    decisions_waiting: tuple[DigestItem, ...] = ()

    @property
    def days(self) -> float:
        """The period's length in days."""
        return (self.period_end - self.period_start).total_seconds() / 86_400

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the period: no new use case, no new risk, no decision due."""
        return not (self.new_count or self.risk_count or self.decisions_waiting_count)

    def listed_items(self) -> list[DigestItem]:
        """Every use case the digest lists, each once, in the order they first appear."""
        seen: dict[int, DigestItem] = {}
        for item in (
            *self.new_items,
            *self.top_opportunities,
            *(risk.item for risk in self.risk_watch),
            *self.purgatory,
            *self.decisions_waiting,
        ):
            seen.setdefault(item.use_case_id, item)
        return list(seen.values())
