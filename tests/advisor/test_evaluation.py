"""The evaluation metrics, on hand-made assessments: tier accuracy, tp/fp/fn, precision, recall."""

import pytest

from advisor import (
    Assessment,
    EvaluationCase,
    Flag,
    FlagScore,
    Scores,
    Signal,
    Tier,
    evaluate,
)


def assessment(tier: Tier, *flags: Flag) -> Assessment:
    signals = tuple(
        Signal(flag=flag, field="notes", evidence=f"words for {flag.value}", rule=f"{flag.value}.x")
        for flag in flags
    )
    return Assessment(
        tier=tier,
        scores=Scores(business_case=50, mlops_need=50, readiness=50),
        recommended_setup="-",
        signals=signals,
    )


def case(name: str, tier: Tier, flags: set[Flag], got: Assessment) -> EvaluationCase:
    return EvaluationCase(
        id=name, expected_tier=tier, expected_flags=frozenset(flags), assessment=got
    )


def score(report_flags: tuple[FlagScore, ...], flag: Flag) -> FlagScore:
    return next(item for item in report_flags if item.flag is flag)


def test_counts_tier_hits_and_flag_outcomes() -> None:
    report = evaluate(
        [
            # right tier, right flag
            case("a", Tier.LIGHTWEIGHT, {Flag.FOMO}, assessment(Tier.LIGHTWEIGHT, Flag.FOMO)),
            # wrong tier, fomo missed, vendor_push misfired
            case(
                "b",
                Tier.NO_BUSINESS_CASE,
                {Flag.FOMO},
                assessment(Tier.LIGHTWEIGHT, Flag.VENDOR_PUSH),
            ),
            # right tier, fomo right, security_first missed
            case(
                "c",
                Tier.FIX_FOUNDATIONS_FIRST,
                {Flag.FOMO, Flag.SECURITY_FIRST},
                assessment(Tier.FIX_FOUNDATIONS_FIRST, Flag.FOMO),
            ),
            # all right, no flags
            case("d", Tier.FULL_MLOPS, set(), assessment(Tier.FULL_MLOPS)),
        ]
    )
    assert report.cases == 4
    assert report.tier_correct == 3
    assert report.tier_accuracy == pytest.approx(0.75)
    assert report.exact == 2
    fomo = score(report.flags, Flag.FOMO)
    assert (fomo.tp, fomo.fp, fomo.fn) == (2, 0, 1)
    assert fomo.precision == pytest.approx(1.0)
    assert fomo.recall == pytest.approx(2 / 3)
    assert fomo.f1 == pytest.approx(0.8)
    vendor = score(report.flags, Flag.VENDOR_PUSH)
    assert (vendor.tp, vendor.fp, vendor.fn) == (0, 1, 0)
    assert vendor.precision == 0.0 and vendor.recall is None and vendor.f1 == 0.0
    security = score(report.flags, Flag.SECURITY_FIRST)
    assert (security.tp, security.fp, security.fn) == (0, 0, 1)
    assert security.precision is None and security.recall == 0.0
    untouched = score(report.flags, Flag.PILOT_PURGATORY)
    assert (untouched.precision, untouched.recall, untouched.f1) == (None, None, None)
    assert report.lowest_flag_f1 == 0.0
    assert [flag.flag for flag in report.flags] == list(Flag)


def test_errors_list_misses_and_misfires_with_the_misfires_evidence() -> None:
    got = assessment(Tier.LIGHTWEIGHT, Flag.VENDOR_PUSH, Flag.FOMO)
    report = evaluate([case("b", Tier.NO_BUSINESS_CASE, {Flag.FOMO, Flag.TECHNO_PUSH}, got)])
    (error,) = report.errors
    assert error.id == "b"
    assert (error.expected_tier, error.got_tier, error.tier_wrong) == (
        Tier.NO_BUSINESS_CASE,
        Tier.LIGHTWEIGHT,
        True,
    )
    assert error.missed == (Flag.TECHNO_PUSH,)
    assert error.misfired == (Flag.VENDOR_PUSH,)
    assert [signal.evidence for signal in error.evidence] == ["words for vendor_push"]


def test_a_flag_right_but_tier_wrong_is_an_error_without_flag_lists() -> None:
    report = evaluate([case("x", Tier.FULL_MLOPS, set(), assessment(Tier.LIGHTWEIGHT))])
    (error,) = report.errors
    assert error.tier_wrong and error.missed == () and error.misfired == ()


def test_repeated_signals_of_one_flag_count_once() -> None:
    got = assessment(Tier.LIGHTWEIGHT, Flag.FOMO, Flag.FOMO)
    report = evaluate([case("r", Tier.LIGHTWEIGHT, set(), got)])
    assert score(report.flags, Flag.FOMO).fp == 1
    assert len(report.errors[0].evidence) == 2  # both quotes are shown


def test_nothing_to_evaluate() -> None:
    report = evaluate([])
    assert report.cases == 0 and report.tier_accuracy is None and report.lowest_flag_f1 is None
    assert report.errors == ()
