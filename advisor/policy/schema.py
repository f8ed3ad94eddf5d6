"""The policy's schema: pydantic models of its weights, thresholds, phrase families, texts."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from advisor.assessment import Flag, Tier
from advisor.policy.matching import Matcher, compile_matcher
from advisor.proposal import Origin, Retraining, Serving

__all__ = [
    "TEXT_FIELDS",
    "BusinessCaseWeights",
    "Costs",
    "Family",
    "FollowUpPolicy",
    "NeedWeights",
    "Negation",
    "Policy",
    "ReadinessWeights",
    "TextField",
    "Texts",
    "TierThresholds",
]

TEXT_FIELDS: Final = ("title", "problem", "kpi", "operating_plan", "notes")
TextField = Literal["title", "problem", "kpi", "operating_plan", "notes"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Family(_Strict):
    """A phrase family: patterns (regular expressions) that mean the same thing for one flag.

    Words in a pattern are matched case-insensitively as whole words; a space matches any run of
    spaces or hyphens and an apostrophe matches its typographic twin. `{term}` inserts a term list.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    patterns: list[str] = Field(min_length=1)
    fields: list[TextField] | None = None
    unless_sentence: str | None = None
    extra_negators: list[str] = []
    requires: Literal["no_ml_engineers"] | None = None


class Negation(_Strict):
    before: list[str] = Field(min_length=1)
    not_negating: list[str] = []
    after: list[str] = []
    clause_breaks: list[str] = []
    # Words that carry a negation on to the next item: "not a reaction to competitors or to hype".
    scope_continues: list[str] = []
    window_words: int = Field(ge=1, le=20)
    # A dismissal in the same or the next clause disowns what was just said: "our rival rolled out
    # something similar, but that is not what drives this".
    dismissals: list[str] = []
    # The flags a dismissal negates: a motive can be disowned, an open security gap cannot.
    dismissible: list[Flag] = []
    # Openers whose negation reaches every item of the list after them, across commas, "or",
    # "nor" and "and": "this isn't about a supplier's demo, the AI buzz or what other hospitals do".
    list_openers: list[str] = []
    # A longer stretch between separators is a new clause, not an item of the list.
    list_item_words: int = Field(default=6, ge=1, le=20)
    # A sentence anchored in the past ("years ago", "our last chatbot") tells an earlier story: it
    # is context for the proposal, not its signal ...
    past_anchors: list[str] = []
    # ... unless the clause says that it still holds ("is still stuck", "nobody has touched it").
    still_current: list[str] = []


class BusinessCaseWeights(_Strict):
    min_problem_words: int = Field(ge=1)
    problem_substantive: int = Field(ge=0)
    problem_short: int = Field(ge=0)
    owner: int = Field(ge=0)
    kpi: int = Field(ge=0)
    value_estimate: int = Field(ge=0)
    value_without_cost: int = Field(ge=0)
    value_cost_ratio: list[tuple[float, int]]
    origin: dict[Origin, int]

    @model_validator(mode="after")
    def _sums_to_100(self) -> BusinessCaseWeights:
        best_ratio = max((score for _, score in self.value_cost_ratio), default=0)
        total = (
            self.problem_substantive
            + self.owner
            + self.kpi
            + self.value_estimate
            + max(best_ratio, self.value_without_cost)
            + max(self.origin.values(), default=0)
        )
        if total != 100:
            raise ValueError(
                f"the best possible business case must score 100, these sum to {total}"
            )
        return self


class NeedWeights(_Strict):
    data_per_week: list[tuple[float, int]]
    models: list[tuple[float, int]]
    retraining: dict[Retraining, int]
    serving: dict[Serving, int]
    all_unknown: int = Field(ge=0, le=100)


class ReadinessWeights(_Strict):
    unknown_skills: int = Field(ge=0, le=100)
    no_people: int = Field(ge=0, le=100)
    high_need_no_ml_engineers: int = Field(ge=0, le=100)
    high_need_one_ml_engineer: int = Field(ge=0, le=100)
    high_need_team: int = Field(ge=0, le=100)
    medium_need_no_ml_engineers: int = Field(ge=0, le=100)
    medium_need_team: int = Field(ge=0, le=100)
    low_need_team: int = Field(ge=0, le=100)
    data_access: dict[Literal["yes", "no", "unknown"], int]
    security_gaps: dict[Literal["yes", "no", "unknown"], int]
    plan_substantive: int = Field(ge=0, le=100)
    plan_vague: int = Field(ge=0, le=100)
    plan_missing: int = Field(ge=0, le=100)
    plan_missing_while_live: int = Field(ge=0, le=100)
    min_plan_words: int = Field(ge=1)


class TierThresholds(_Strict):
    no_business_case_below: int = Field(ge=0, le=100)
    foundations_below_readiness: int = Field(ge=0, le=100)
    lightweight_below_need: int = Field(ge=0, le=100)
    full_min_need: int = Field(ge=0, le=100)
    full_min_readiness: int = Field(ge=0, le=100)
    full_min_business_case: int = Field(ge=0, le=100)
    full_min_value_cost_ratio: float = Field(ge=0)
    full_min_annual_cost_eur: float = Field(ge=0)
    caps: dict[Flag, Tier] = {}


class Costs(_Strict):
    """Yearly costs the advisor reckons with when an answer names people instead of an amount."""

    # "200k licence plus 2 engineers" is also read as 200k + 2 x this, a loaded yearly cost.
    engineer_per_year_eur: float = Field(default=100_000, gt=0, allow_inf_nan=False)


class FollowUpPolicy(_Strict):
    """When the bot follows up on a verdict in the use case's thread, and what it asks."""

    days: list[int] = Field(default=[30, 90], min_length=1)
    questions: list[str] = Field(
        default=[
            "Did it start?",
            "Who runs it day to day?",
            "Is the value showing (how much, per year)?",
        ],
        min_length=1,
    )

    @model_validator(mode="after")
    def _positive_and_distinct(self) -> FollowUpPolicy:
        if any(day < 1 for day in self.days) or len(set(self.days)) != len(self.days):
            raise ValueError("days must be distinct whole numbers of days, 1 or more")
        return self


class Texts(_Strict):
    recommended_setup: dict[Tier, str]
    next_steps: dict[Tier, list[str]]
    flag_next_steps: dict[Flag, str]
    follow_up: dict[Flag, str]

    @model_validator(mode="after")
    def _complete(self) -> Texts:
        for key, mapping, members in (
            ("recommended_setup", self.recommended_setup, Tier),
            ("next_steps", self.next_steps, Tier),
            ("flag_next_steps", self.flag_next_steps, Flag),
            ("follow_up", self.follow_up, Flag),
        ):
            missing = [member.value for member in members if member not in mapping]
            if missing:
                raise ValueError(f"{key} has no entry for: {', '.join(missing)}")
        return self


class Policy(_Strict):
    """A validated rubric; its regular expressions are compiled once, when it is built."""

    version: str = Field(min_length=1)
    placeholders: list[str]
    terms: dict[str, list[str]] = {}
    negation: Negation
    detectors: dict[Flag, list[Family]]
    business_case: BusinessCaseWeights
    mlops_need: NeedWeights
    readiness: ReadinessWeights
    tiers: TierThresholds
    texts: Texts
    follow_ups: FollowUpPolicy = FollowUpPolicy()
    costs: Costs = Costs()

    _matcher: Matcher = PrivateAttr()
    _placeholder_answers: frozenset[str] = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> Policy:
        self._matcher = compile_matcher(self.terms, self.detectors, self.negation)
        self._placeholder_answers = frozenset(answer.lower() for answer in self.placeholders)
        return self

    @property
    def placeholder_answers(self) -> frozenset[str]:
        """The placeholders, lower-cased, for answers compared in lower case."""
        return self._placeholder_answers

    @property
    def matcher(self) -> Matcher:
        """The compiled detectors (a plain object: cheap to read on the hot path)."""
        return self._matcher
