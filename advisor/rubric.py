"""The rubric: three separate judgements, the risk signals, and the tier that follows from them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

from advisor.assessment import Assessment, Flag, Reason, Scores, Signal, Tier
from advisor.detectors import detect_text_signals
from advisor.policy import DEFAULT, Policy
from advisor.proposal import Origin, PilotStatus, Proposal, Retraining, Serving

__all__ = ["assess"]

_PUSH_ORIGINS: Final = {
    Origin.VENDOR_PITCH: Flag.VENDOR_PUSH,
    Origin.COMPETITOR_MOVE: Flag.FOMO,
    Origin.TECHNOLOGY_EXPLORATION: Flag.TECHNO_PUSH,
}
_FLAG_ORDER: Final = {flag: index for index, flag in enumerate(Flag)}
# The tier's own next steps already cover the flag that decided it.
_COVERED_BY_TIER: Final = {
    Tier.NO_BUSINESS_CASE: Flag.NO_BUSINESS_CASE,
    Tier.FIX_FOUNDATIONS_FIRST: Flag.SECURITY_FIRST,
}
_LIVE_STATUSES: Final = (PilotStatus.LIVE, PilotStatus.STALLED, PilotStatus.PRODUCTION)


@dataclass(frozen=True, slots=True)
class _Facts:
    """The proposal with its free-text answers reduced to what they really say."""

    proposal: Proposal
    policy: Policy
    problem: str | None
    owner: str | None
    kpi: str | None
    plan: str | None
    ratio: float | None

    @classmethod
    def of(cls, proposal: Proposal, policy: Policy) -> _Facts:
        placeholders = policy.placeholder_answers

        def meaningful(text: str | None) -> str | None:
            # "TBD", "n/a" and "nobody" are answers that say nothing.
            if text is None or text.strip().lower().rstrip(".!?") in placeholders:
                return None
            return text

        return cls(
            proposal=proposal,
            policy=policy,
            problem=meaningful(proposal.problem),
            owner=meaningful(proposal.business_owner),
            kpi=meaningful(proposal.kpi),
            plan=meaningful(proposal.operating_plan),
            ratio=_value_cost_ratio(proposal),
        )


@dataclass(frozen=True, slots=True)
class _Judgement:
    score: int
    rule: str
    text: str


@dataclass(frozen=True, slots=True)
class _Decision:
    tier: Tier
    rule: str
    text: str


def assess(proposal: Proposal, policy: Policy = DEFAULT) -> Assessment:
    """Judge a proposal: worth doing, how much MLOps it needs, can the team run it; then the tier.

    Pure and deterministic: the same proposal and policy always give the same assessment.
    """
    facts = _Facts.of(proposal, policy)
    business = _business_case(facts)
    need = _mlops_need(facts)
    signals = _structured_signals(facts, need.score)
    signals.extend(detect_text_signals(proposal, policy))
    signals.sort(key=lambda signal: _FLAG_ORDER[signal.flag])
    readiness = _readiness(facts, need.score, signals)

    decision = _tier(facts, business.score, need.score, readiness.score)
    decisions = [decision, *_caps(facts, signals, decision.tier)]
    tier = decisions[-1].tier
    reasons = [Reason(rule=j.rule, text=j.text) for j in (business, need, readiness)]
    reasons.extend(Reason(rule=d.rule, text=d.text) for d in decisions)
    guesses = _guesses(proposal)
    reasons.extend(guesses)

    flags = list(dict.fromkeys(signal.flag for signal in signals))
    texts = policy.texts
    # A guessed figure is said where every channel shows it, not only in the reasons.
    next_steps = [guess.text for guess in guesses]
    next_steps.extend(texts.next_steps[tier])
    next_steps.extend(
        texts.flag_next_steps[flag] for flag in flags if _COVERED_BY_TIER.get(tier) != flag
    )
    return Assessment(
        tier=tier,
        scores=Scores(
            business_case=business.score, mlops_need=need.score, readiness=readiness.score
        ),
        recommended_setup=texts.recommended_setup[tier],
        signals=tuple(signals),
        reasons=tuple(reasons),
        next_steps=tuple(dict.fromkeys(next_steps)),
        # A question the interview already asked and the person answered is not asked again.
        follow_up_questions=tuple(
            texts.follow_up[flag] for flag in flags if flag.value not in proposal.followed_up
        ),
    )


_GUESSED: Final = {
    "annual_value_eur": "The yearly value is a guess so far: it is unproven until it is measured;"
    " measure it before committing money.",
    "annual_cost_eur": "The yearly cost is a guess so far: get a quote or an estimate before"
    " committing money.",
}


def _guesses(proposal: Proposal) -> list[Reason]:
    """What the verdict must say about figures the person called guesses when giving them."""
    return [
        Reason(rule=f"estimate.{field}", text=text)
        for field, text in _GUESSED.items()
        if field in proposal.uncertain
    ]


def _value_cost_ratio(proposal: Proposal) -> float | None:
    value, cost = proposal.annual_value_eur, proposal.annual_cost_eur
    if value is None or cost is None:
        return None
    if cost == 0:
        return math.inf if value > 0 else 0.0
    return value / cost


def _step(value: float, steps: list[tuple[float, int]]) -> int:
    for at_least, score in sorted(steps, reverse=True):
        if value >= at_least:
            return score
    return 0


def _business_case(facts: _Facts) -> _Judgement:
    proposal, weights = facts.proposal, facts.policy.business_case
    score = 0
    have: list[str] = []
    lack: list[str] = []
    if facts.problem is None:
        lack.append("a business problem")
    elif len(facts.problem.split()) >= weights.min_problem_words:
        score += weights.problem_substantive
        have.append("a stated problem")
    else:
        score += weights.problem_short
        lack.append("a problem described in more than a few words")
    for present, points, label in (
        (facts.owner, weights.owner, "an owner"),
        (facts.kpi, weights.kpi, "a KPI"),
    ):
        if present is None:
            lack.append(label)
        else:
            score += points
            have.append(label)
    if proposal.annual_value_eur is None:
        lack.append("a value estimate")
    else:
        score += weights.value_estimate
        if facts.ratio is None:
            score += weights.value_without_cost
            lack.append("a cost estimate to compare the value with")
        else:
            score += _step(facts.ratio, weights.value_cost_ratio)
            ratio = "far more than" if math.isinf(facts.ratio) else f"{facts.ratio:.1f}x"
            have.append(f"a value of {ratio} the cost")
    score += weights.origin.get(proposal.origin, 0)
    parts = [f"has {', '.join(have)}"] if have else []
    if lack:
        parts.append(f"lacks {', '.join(lack)}")
    text = f"Business case {score}/100: it {'; it '.join(parts)} (origin: {proposal.origin.value})."
    return _Judgement(min(score, 100), "business_case.components", text)


def _mlops_need(facts: _Facts) -> _Judgement:
    proposal, weights = facts.proposal, facts.policy.mlops_need
    factors: list[tuple[int, str, str]] = [
        (_step(proposal.models, weights.models), "models", f"{proposal.models} model(s)")
    ]
    if proposal.new_data_per_week is not None:
        rate = proposal.new_data_per_week
        factors.append(
            (_step(rate, weights.data_per_week), "data_rate", f"{rate:,.0f} new examples a week")
        )
    if proposal.retraining is not Retraining.UNKNOWN:
        score = weights.retraining.get(proposal.retraining, 0)
        factors.append((score, "retraining", f"{proposal.retraining.value} retraining"))
    if proposal.serving is not Serving.UNKNOWN:
        score = weights.serving.get(proposal.serving, 0)
        factors.append((score, "serving", f"{proposal.serving.value} serving"))
    if len(factors) == 1:
        # Nothing known about data, retraining or serving: the need is unproven, not low.
        factors.append((weights.all_unknown, "unknown", "unknown data rate, retraining, serving"))
    score, factor, description = max(factors, key=lambda item: item[0])
    text = f"MLOps need {score}/100, set by the most demanding factor: {description}."
    return _Judgement(score, f"mlops_need.{factor}", text)


def _readiness(facts: _Facts, need: int, signals: list[Signal]) -> _Judgement:
    proposal = facts.proposal
    weights = facts.policy.readiness
    factors = [
        _skills(facts, need),
        (
            weights.data_access[_yes_no(proposal.data_access)],
            "data_access",
            f"data access: {_yes_no(proposal.data_access)}",
        ),
        (
            weights.security_gaps[_yes_no(proposal.security_gaps)],
            "security",
            f"open security gaps: {_yes_no(proposal.security_gaps)}",
        ),
        _plan(facts, signals),
    ]
    score, factor, description = min(factors, key=lambda item: item[0])
    text = f"Readiness {score}/100, set by the weakest link: {description}."
    return _Judgement(score, f"readiness.{factor}", text)


def _skills(facts: _Facts, need: int) -> tuple[int, str, str]:
    weights, tiers = facts.policy.readiness, facts.policy.tiers
    ml, ds = facts.proposal.ml_engineers, facts.proposal.data_scientists
    if (ml is None and not ds) or (ds is None and not ml):
        return weights.unknown_skills, "skills", "team skills not stated"
    ml, ds = ml or 0, ds or 0
    if ml + ds == 0:
        return weights.no_people, "skills", "nobody to build or run models"
    if need >= tiers.full_min_need:
        score = (
            weights.high_need_no_ml_engineers
            if ml == 0
            else weights.high_need_one_ml_engineer
            if ml == 1
            else weights.high_need_team
        )
        return score, "skills", f"{ml} ML engineer(s) for a high MLOps need"
    if need >= tiers.lightweight_below_need:
        score = weights.medium_need_no_ml_engineers if ml == 0 else weights.medium_need_team
        return score, "skills", f"{ml} ML engineer(s) for a medium MLOps need"
    return weights.low_need_team, "skills", "enough skills for a light setup"


def _plan(facts: _Facts, signals: list[Signal]) -> tuple[int, str, str]:
    weights, status = facts.policy.readiness, facts.proposal.pilot_status
    if facts.plan is None:
        if status in (PilotStatus.LIVE, PilotStatus.STALLED):
            return (
                weights.plan_missing_while_live,
                "operating_plan",
                f"no operating plan for a {status.value} pilot",
            )
        return weights.plan_missing, "operating_plan", "no operating plan"
    vague = len(facts.plan.split()) < weights.min_plan_words or any(
        signal.field == "operating_plan"
        and signal.flag in (Flag.PILOT_PURGATORY, Flag.OVERHEAD_UNDERESTIMATED)
        for signal in signals
    )
    if vague:
        return weights.plan_vague, "operating_plan", "a vague operating plan"
    return weights.plan_substantive, "operating_plan", "an operating plan"


def _yes_no(value: bool | None) -> Literal["yes", "no", "unknown"]:
    return "unknown" if value is None else "yes" if value else "no"


def _structured_signals(facts: _Facts, need: int) -> list[Signal]:
    """Signals from the structured fields: origin, missing business case, overhead, status."""
    proposal, policy = facts.proposal, facts.policy
    signals: list[Signal] = []

    def add(flag: Flag, field: str, evidence: str, rule: str) -> None:
        signals.append(
            Signal(flag=flag, field=field, evidence=evidence, rule=f"{flag.value}.{rule}")
        )

    origin = proposal.origin
    if origin in _PUSH_ORIGINS:
        add(_PUSH_ORIGINS[origin], "origin", f"origin: {origin.value}", "origin")
    if origin is Origin.LEADERSHIP_MANDATE and (facts.problem is None or facts.kpi is None):
        evidence = "origin: leadership_mandate, without a stated problem and KPI"
        add(Flag.FOMO, "origin", evidence, "mandate_without_problem")
    if proposal.models == 0:
        add(Flag.TECHNO_PUSH, "models", "models: 0", "no_model_planned")

    if facts.problem is None:
        add(Flag.NO_BUSINESS_CASE, "problem", "problem: not given", "problem_missing")
    elif len(facts.problem.split()) < policy.business_case.min_problem_words:
        add(Flag.NO_BUSINESS_CASE, "problem", facts.problem, "problem_vague")
    if facts.owner is None:
        add(Flag.NO_BUSINESS_CASE, "business_owner", "business_owner: not given", "owner_missing")
    if facts.kpi is None:
        add(Flag.NO_BUSINESS_CASE, "kpi", "kpi: not given", "kpi_missing")
    value, cost = proposal.annual_value_eur, proposal.annual_cost_eur
    if value is None:
        add(
            Flag.NO_BUSINESS_CASE,
            "annual_value_eur",
            "annual_value_eur: not given",
            "value_missing",
        )
    elif cost is not None and value < cost:
        evidence = f"annual_value_eur {value:,.0f} < annual_cost_eur {cost:,.0f}"
        add(Flag.NO_BUSINESS_CASE, "annual_value_eur", evidence, "value_below_cost")
    if cost is None and value is not None:
        # A value with nothing to compare it with is not yet a business case.
        evidence = f"annual_value_eur {value:,.0f} without annual_cost_eur"
        add(Flag.NO_BUSINESS_CASE, "annual_cost_eur", evidence, "value_not_compared_with_cost")
    if cost is None:
        add(Flag.OVERHEAD_UNDERESTIMATED, "annual_cost_eur", "annual_cost_eur: not given",
            "cost_missing")  # fmt: skip

    tiers = policy.tiers
    if need >= tiers.full_min_need:
        if proposal.ml_engineers == 0:
            evidence = f"ml_engineers: 0 for an MLOps need of {need}/100"
            add(Flag.OVERHEAD_UNDERESTIMATED, "ml_engineers", evidence, "no_ml_engineers_for_need")
        if cost is not None and cost < tiers.full_min_annual_cost_eur:
            evidence = f"annual_cost_eur {cost:,.0f} for an MLOps need of {need}/100"
            add(Flag.OVERHEAD_UNDERESTIMATED, "annual_cost_eur", evidence, "cost_below_need")
    if proposal.ml_engineers == 0 and proposal.data_scientists == 0:
        evidence = "ml_engineers: 0, data_scientists: 0"
        add(Flag.OVERHEAD_UNDERESTIMATED, "data_scientists", evidence, "no_team")

    if proposal.security_gaps:
        add(Flag.SECURITY_FIRST, "security_gaps", "security_gaps: true", "open_gaps")

    status = proposal.pilot_status
    if status is PilotStatus.STALLED:
        add(Flag.PILOT_PURGATORY, "pilot_status", "pilot_status: stalled", "stalled_pilot")
    if facts.plan is None:
        evidence = "operating_plan: not given"
        if status in _LIVE_STATUSES:
            evidence += f" while pilot_status: {status.value}"
        add(Flag.PILOT_PURGATORY, "operating_plan", evidence, "no_operating_plan")
    return signals


def _tier(facts: _Facts, business: int, need: int, readiness: int) -> _Decision:
    """The tier, in the domain brief's order of precedence."""
    proposal, tiers = facts.proposal, facts.policy.tiers
    missing = [
        label
        for label, value in (
            ("problem", facts.problem),
            ("owner", facts.owner),
            ("KPI", facts.kpi),
            ("value estimate", proposal.annual_value_eur),
        )
        if value is None
    ]
    if missing:
        text = f"No business case yet: missing {', '.join(missing)}."
        return _Decision(Tier.NO_BUSINESS_CASE, "tier.business_case_incomplete", text)
    problem_words = len((facts.problem or "").split())
    if problem_words < facts.policy.business_case.min_problem_words:
        # A problem named in a few words ("better underwriting") gives nothing to measure against.
        text = f"No business case yet: the problem {facts.problem!r} is too vague to measure."
        return _Decision(Tier.NO_BUSINESS_CASE, "tier.problem_vague", text)
    if facts.ratio is not None and facts.ratio < 1:
        text = "No business case: the expected yearly value is below the yearly cost."
        return _Decision(Tier.NO_BUSINESS_CASE, "tier.value_below_cost", text)
    if business < tiers.no_business_case_below:
        text = f"No business case: it scores {business}, below {tiers.no_business_case_below}."
        return _Decision(Tier.NO_BUSINESS_CASE, "tier.business_case_weak", text)
    if proposal.security_gaps:
        text = "Foundations first: open security gaps come before new ML work."
        return _Decision(Tier.FIX_FOUNDATIONS_FIRST, "tier.security_gaps", text)
    if proposal.data_access is False:
        text = "Foundations first: the team cannot use the data yet."
        return _Decision(Tier.FIX_FOUNDATIONS_FIRST, "tier.no_data_access", text)
    if readiness < tiers.foundations_below_readiness:
        text = (
            f"Foundations first: readiness {readiness} is below "
            f"{tiers.foundations_below_readiness}."
        )
        return _Decision(Tier.FIX_FOUNDATIONS_FIRST, "tier.readiness_too_low", text)
    if need < tiers.lightweight_below_need:
        text = f"Lightweight: an MLOps need of {need} does not justify a platform."
        return _Decision(Tier.LIGHTWEIGHT, "tier.low_need", text)
    shortfalls = []
    if need < tiers.full_min_need:
        shortfalls.append(f"need {need} < {tiers.full_min_need}")
    if readiness < tiers.full_min_readiness:
        shortfalls.append(f"readiness {readiness} < {tiers.full_min_readiness}")
    if business < tiers.full_min_business_case:
        shortfalls.append(f"business case {business} < {tiers.full_min_business_case}")
    if facts.ratio is None or facts.ratio < tiers.full_min_value_cost_ratio:
        shortfalls.append(f"value/cost below {tiers.full_min_value_cost_ratio:g}x")
    if shortfalls:
        text = f"Minimum Viable Process: promising, but {'; '.join(shortfalls)}."
        return _Decision(Tier.MINIMUM_VIABLE_PROCESS, "tier.promising_unproven", text)
    text = "Full MLOps: clear business case, high need and a team ready to run it."
    return _Decision(Tier.FULL_MLOPS, "tier.clear_case_and_need", text)


def _caps(facts: _Facts, signals: list[Signal], tier: Tier) -> list[_Decision]:
    """Flags that cap the verdict; they lower an ambitious tier, never average into a score."""
    caps = dict(facts.policy.tiers.caps)
    if facts.proposal.origin in _PUSH_ORIGINS:
        # An idea that came from a vendor, a competitor or a technology earns no platform outright.
        caps.setdefault(_PUSH_ORIGINS[facts.proposal.origin], Tier.MINIMUM_VIABLE_PROCESS)
    raised = {signal.flag for signal in signals}
    capped: list[_Decision] = []
    for flag, ceiling in caps.items():
        if flag in raised and tier.rank > ceiling.rank:
            tier = ceiling
            text = f"Capped at {ceiling.value}: the {flag.value} flag must be resolved first."
            capped.append(_Decision(tier, f"cap.{flag.value}", text))
    # An open security finding told in words weighs like `security_gaps: true` (foundations
    # first); the text detectors already leave out findings described as fixed or closed.
    described = next(
        (
            signal
            for signal in signals
            if signal.flag is Flag.SECURITY_FIRST and signal.field != "security_gaps"
        ),
        None,
    )
    if described is not None and tier.rank > Tier.FIX_FOUNDATIONS_FIRST.rank:
        tier = Tier.FIX_FOUNDATIONS_FIRST
        text = (
            f"Capped at {tier.value}: an open security gap is described in {described.field}"
            f" ({described.evidence!r}); it comes before new ML work."
        )
        capped.append(_Decision(tier, "cap.security_first_in_text", text))
    return capped
