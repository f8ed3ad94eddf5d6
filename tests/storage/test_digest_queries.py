"""The digest's aggregates and lists against a small hand-built portfolio, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from advisor import (
    Assessment,
    ChartPoint,
    Flag,
    PilotStatus,
    Proposal,
    Scores,
    Signal,
    Tier,
    UseCaseStatus,
)
from storage import add_assessment, create_use_case, set_status
from storage.digest_queries import chart_points, digest_data

START = datetime(2026, 3, 1, tzinfo=UTC)
END = START + timedelta(days=7)


def _day(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=UTC)


def _verdict(tier: Tier, need: int = 50, signals: tuple[Signal, ...] = ()) -> Assessment:
    return Assessment(
        tier=tier,
        scores=Scores(business_case=50, mlops_need=need, readiness=50),
        recommended_setup="setup",
        signals=signals,
    )


def _signal(flag: Flag, evidence: str, field: str = "problem") -> Signal:
    return Signal(flag=flag, field=field, evidence=evidence, rule="rule")


def _add(
    session: Session,
    title: str,
    created: datetime,
    verdicts: list[tuple[datetime, Assessment]] = (),  # type: ignore[assignment]
    *,
    workspace: str = "T1",
    channel: str | None = None,
    thread: str | None = None,
    **fields: object,
) -> int:
    proposal = Proposal.model_validate({"title": title, **fields})
    use_case = create_use_case(
        session,
        proposal,
        now=created,
        workspace_id=workspace,
        channel_id=channel,
        thread_id=thread,
    )
    for when, verdict in verdicts:
        add_assessment(session, use_case.id, verdict, "test", when)
    return use_case.id


@pytest.fixture
def portfolio(session: Session) -> dict[str, int]:
    ids = {
        "old_full": _add(
            session,
            "Old full",
            _day(2, 1),
            [(_day(2, 1), _verdict(Tier.FULL_MLOPS, 90))],
            annual_value_eur=1_000_000,
            annual_cost_eur=100_000,
            business_owner="CFO",
            operating_plan="Ops team",
        ),
        "new_mvp": _add(
            session,
            "New MVP",
            _day(3, 2),
            [(_day(3, 2), _verdict(Tier.MINIMUM_VIABLE_PROCESS, 60))],
            channel="C1",
            thread="1700000000.000100",
            annual_value_eur=500_000,
            annual_cost_eur=50_000,
        ),
        "fomo": _add(
            session,
            "FOMO <!channel>",
            _day(3, 3),
            [
                (
                    _day(3, 3),
                    _verdict(
                        Tier.NO_BUSINESS_CASE,
                        10,
                        (
                            _signal(Flag.FOMO, "competitor_move", "origin"),
                            _signal(Flag.FOMO, "competitors launched AI"),
                            _signal(Flag.FOMO, "fall behind"),
                            _signal(Flag.PILOT_PURGATORY, "live", "pilot_status"),
                            _signal(Flag.VENDOR_PUSH, "a vendor demo", "origin"),
                        ),
                    ),
                )
            ],
            annual_cost_eur=20_000,
            pilot_status="live",
            operating_plan="Someone",
        ),
        "reassessed": _add(
            session,
            "Reassessed",
            _day(2, 10),
            [
                (
                    _day(2, 10),
                    _verdict(Tier.FIX_FOUNDATIONS_FIRST, 30, (_signal(Flag.FOMO, "old"),)),
                ),
                (_day(3, 4), _verdict(Tier.LIGHTWEIGHT, 20)),
            ],
            annual_value_eur=10_000,
            pilot_status="stalled",
            business_owner="Ops",
        ),
        "interviewing": _add(session, "Interviewing", _day(3, 5)),
        "archived": _add(
            session,
            "Archived",
            _day(3, 2),
            [(_day(3, 2), _verdict(Tier.FULL_MLOPS))],
            annual_value_eur=9_999_999,
            pilot_status="live",
        ),
        "other": _add(
            session,
            "Other workspace",
            _day(3, 2),
            [(_day(3, 2), _verdict(Tier.FULL_MLOPS, 95))],
            workspace="T2",
            annual_value_eur=2_000_000,
            annual_cost_eur=200_000,
        ),
        "later": _add(
            session,
            "After the period",
            _day(3, 9),
            [(_day(3, 9), _verdict(Tier.FULL_MLOPS))],
            annual_value_eur=7_000_000,
        ),
    }
    set_status(session, ids["archived"], UseCaseStatus.ARCHIVED, actor="test", now=_day(3, 3))
    session.commit()
    return ids


def test_counts_and_totals_cover_the_portfolio_at_the_period_end(
    session: Session, portfolio: dict[str, int]
) -> None:
    data = digest_data(session, period_start=START, period_end=END)
    assert data.portfolio_size == 6
    assert data.counts_by_tier == {
        Tier.NO_BUSINESS_CASE: 1,
        Tier.FIX_FOUNDATIONS_FIRST: 0,
        Tier.LIGHTWEIGHT: 1,
        Tier.MINIMUM_VIABLE_PROCESS: 1,
        Tier.FULL_MLOPS: 2,
    }
    assert data.total_value_eur == pytest.approx(3_510_000)
    assert data.total_cost_eur == pytest.approx(370_000)
    assert data.period_start == START
    assert data.period_end == END


def test_lists(session: Session, portfolio: dict[str, int]) -> None:
    data = digest_data(session, period_start=START, period_end=END)
    assert [item.title for item in data.new_items] == [
        "New MVP",
        "Other workspace",
        "FOMO <!channel>",
        "Interviewing",
    ]
    assert data.new_count == 4
    assert data.new_items[3].tier is None
    mvp = data.new_items[0]
    assert mvp.tier is Tier.MINIMUM_VIABLE_PROCESS
    assert mvp.mlops_need == 60
    assert mvp.annual_value_eur == 500_000
    assert mvp.channel_id == "C1"
    assert mvp.thread_id == "1700000000.000100"
    assert mvp.created_at == _day(3, 2)
    assert [item.title for item in data.top_opportunities] == [
        "Other workspace",
        "Old full",
        "New MVP",
        "Reassessed",
    ]
    assert [
        (risk.item.use_case_id, risk.flag, risk.field, risk.evidence) for risk in data.risk_watch
    ] == [
        (portfolio["fomo"], Flag.FOMO, "problem", "competitors launched AI"),
        (portfolio["fomo"], Flag.VENDOR_PUSH, "origin", "a vendor demo"),
    ]
    assert data.risk_count == 1
    assert [item.use_case_id for item in data.purgatory] == [
        portfolio["reassessed"],
        portfolio["fomo"],
    ]
    assert data.purgatory[1].pilot_status is PilotStatus.LIVE
    assert data.purgatory_count == 2
    assert [item.use_case_id for item in data.decisions_waiting] == [
        portfolio["new_mvp"],
        portfolio["other"],
    ]
    assert data.decisions_waiting_count == 2
    assert not data.is_empty


def test_workspace_limits_and_caps(session: Session, portfolio: dict[str, int]) -> None:
    data = digest_data(
        session, period_start=START, period_end=END, workspace_id="T1", top=2, limit=1
    )
    assert data.portfolio_size == 5
    assert data.counts_by_tier[Tier.FULL_MLOPS] == 1
    assert data.total_value_eur == pytest.approx(1_510_000)
    assert [item.title for item in data.top_opportunities] == ["Old full", "New MVP"]
    assert [item.title for item in data.new_items] == ["New MVP"]
    assert data.new_count == 3
    assert len(data.risk_watch) == 1
    assert data.decisions_waiting_count == 1
    assert data.workspace_id == "T1"


def test_an_empty_period(session: Session, portfolio: dict[str, int]) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    data = digest_data(session, period_start=start, period_end=start + timedelta(days=7))
    assert data.is_empty
    assert data.portfolio_size == 0
    assert data.total_value_eur == 0.0
    assert data.new_items == data.risk_watch == data.decisions_waiting == ()


def test_an_empty_database(session: Session) -> None:
    data = digest_data(session, period_start=START, period_end=END)
    assert data.portfolio_size == 0
    assert set(data.counts_by_tier.values()) == {0}
    assert data.is_empty


def test_the_period_must_be_aware_and_forward(session: Session) -> None:
    with pytest.raises(ValueError, match="naive"):
        digest_data(session, period_start=datetime(2026, 3, 1), period_end=END)
    with pytest.raises(ValueError, match="end after"):
        digest_data(session, period_start=END, period_end=START)


def test_chart_points(session: Session, portfolio: dict[str, int]) -> None:
    points = chart_points(session)
    assert [point.title for point in points][:3] == [
        "After the period",
        "Other workspace",
        "Old full",
    ]
    assert len(points) == 6  # every assessed use case but the archived one
    fomo = next(point for point in points if point.use_case_id == portfolio["fomo"])
    assert fomo == ChartPoint(
        use_case_id=portfolio["fomo"],
        title="FOMO <!channel>",
        tier=Tier.NO_BUSINESS_CASE,
        annual_value_eur=0.0,
        annual_cost_eur=20_000,
        mlops_need=10,
    )
    assert len(chart_points(session, workspace_id="T2")) == 1
    assert len(chart_points(session, limit=2)) == 2
