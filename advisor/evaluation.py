"""Measuring the advisor against labelled proposals: tier accuracy, per-flag precision and recall.

Pure: it takes (expected tier, expected flags, assessment) cases and counts; reading a corpus and
running the advisor belong to the caller. The expected flags are the exact set a sound advisor
raises, so a flag the advisor misses and a flag it raises too many both count as errors.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from advisor.assessment import Assessment, Flag, Signal, Tier

__all__ = ["CaseError", "EvaluationCase", "EvaluationReport", "FlagScore", "evaluate"]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EvaluationCase(_Value):
    """One labelled proposal and what the advisor said about it."""

    id: str
    expected_tier: Tier
    expected_flags: frozenset[Flag]
    assessment: Assessment


class FlagScore(_Value):
    """How one flag fared: true positives, false positives (misfires), false negatives (misses)."""

    flag: Flag
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        """Share of the raised flags that were expected; None when it was never raised."""
        raised = self.tp + self.fp
        return self.tp / raised if raised else None

    @property
    def recall(self) -> float | None:
        """Share of the expected flags that were raised; None when it was never expected."""
        expected = self.tp + self.fn
        return self.tp / expected if expected else None

    @property
    def f1(self) -> float | None:
        """The harmonic mean of precision and recall; None when the flag was neither expected nor
        raised (nothing to score). A flag expected but never raised scores 0."""
        counted = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / counted if counted else None


class CaseError(_Value):
    """A case the advisor got wrong: the tier, missed flags, misfired flags with their evidence."""

    id: str
    expected_tier: Tier
    got_tier: Tier
    missed: tuple[Flag, ...]
    misfired: tuple[Flag, ...]
    evidence: tuple[Signal, ...]
    """The signals behind the misfired flags: which field and words raised them."""

    @property
    def tier_wrong(self) -> bool:
        return self.expected_tier is not self.got_tier


class EvaluationReport(_Value):
    cases: int
    tier_correct: int
    exact: int
    """Cases with the right tier and exactly the expected flags."""
    flags: tuple[FlagScore, ...]
    errors: tuple[CaseError, ...]

    @property
    def tier_accuracy(self) -> float | None:
        return self.tier_correct / self.cases if self.cases else None

    @property
    def lowest_flag_f1(self) -> float | None:
        """The weakest flag's F1 (flags with nothing to score are left out)."""
        scores = [score.f1 for score in self.flags if score.f1 is not None]
        return min(scores) if scores else None


def evaluate(cases: Iterable[EvaluationCase]) -> EvaluationReport:
    """Count tier hits, per-flag tp/fp/fn and list every case with a wrong tier or flag set."""
    counts = {flag: [0, 0, 0] for flag in Flag}
    total = tier_correct = exact = 0
    errors: list[CaseError] = []
    for case in cases:
        total += 1
        got_tier = case.assessment.tier
        got = frozenset(case.assessment.flags)
        tier_ok = got_tier is case.expected_tier
        tier_correct += tier_ok
        missed = tuple(flag for flag in Flag if flag in case.expected_flags - got)
        misfired = tuple(flag for flag in Flag if flag in got - case.expected_flags)
        for flag in case.expected_flags & got:
            counts[flag][0] += 1
        for flag in misfired:
            counts[flag][1] += 1
        for flag in missed:
            counts[flag][2] += 1
        if tier_ok and not missed and not misfired:
            exact += 1
            continue
        evidence = tuple(s for s in case.assessment.signals if s.flag in misfired)
        errors.append(
            CaseError(
                id=case.id,
                expected_tier=case.expected_tier,
                got_tier=got_tier,
                missed=missed,
                misfired=misfired,
                evidence=evidence,
            )
        )
    scores = tuple(FlagScore(flag=flag, tp=c[0], fp=c[1], fn=c[2]) for flag, c in counts.items())
    return EvaluationReport(
        cases=total, tier_correct=tier_correct, exact=exact, flags=scores, errors=tuple(errors)
    )
