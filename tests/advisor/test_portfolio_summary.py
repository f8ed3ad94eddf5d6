"""summarize_portfolio: sizes, verdicts, flags, value and cost of the portfolio."""

from datetime import UTC, datetime

from advisor import (
    Flag,
    Platform,
    StoredAssessment,
    Tier,
    UseCase,
    UseCaseStatus,
    assess,
    parse_proposal,
    summarize_portfolio,
)

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def use_case(number: int, data: dict[str, object], *, assessed: bool = True) -> UseCase:
    proposal = parse_proposal(data)
    latest = (
        StoredAssessment(
            id=number,
            use_case_id=number,
            policy_version="test",
            assessment=assess(proposal),
            created_at=NOW,
        )
        if assessed
        else None
    )
    return UseCase(
        id=number,
        title=proposal.title,
        proposal=proposal,
        platform=Platform.CLI,
        status=UseCaseStatus.ASSESSED if assessed else UseCaseStatus.INTERVIEWING,
        created_at=NOW,
        updated_at=NOW,
        latest=latest,
    )


def test_an_empty_portfolio() -> None:
    summary = summarize_portfolio([])
    assert (summary.use_cases, summary.assessed, summary.annual_value_eur) == (0, 0, 0.0)
    assert set(summary.by_tier) == set(Tier) and sum(summary.by_tier.values()) == 0


def test_counts_verdicts_flags_and_adds_up_value_and_cost() -> None:
    cases = [
        use_case(1, {"title": "Vendor idea", "origin": "vendor_pitch", "annual_cost_eur": 100}),
        use_case(2, {"title": "No value", "annual_value_eur": 50, "annual_cost_eur": 200}),
        use_case(3, {"title": "Draft", "annual_value_eur": 1000}, assessed=False),
    ]
    summary = summarize_portfolio(cases)
    assert (summary.use_cases, summary.assessed) == (3, 2)
    assert summary.by_tier[Tier.NO_BUSINESS_CASE] == 2
    assert summary.flagged[Flag.VENDOR_PUSH] == 1
    assert summary.flagged[Flag.NO_BUSINESS_CASE] == 2
    assert summary.annual_value_eur == 1050
    assert summary.annual_cost_eur == 300
