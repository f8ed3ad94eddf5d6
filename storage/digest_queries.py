"""The digest's queries: the portfolio aggregated in SQL, the lists limited in SQL.

Nothing here loads every use case: counts and sums are `GROUP BY`/`SUM` in the database, and
each list is an `ORDER BY ... LIMIT`. Value, cost, owner, operating plan and pilot status live
in the proposal document; SQLAlchemy's JSON operators read them (`json_extract` on SQLite,
`->>` on PostgreSQL's JSONB), so no migration is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, TypeAlias
from typing import cast as typed

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from advisor import (
    DECISION_TIERS,
    PURGATORY_PILOTS,
    RISK_FLAGS,
    Assessment,
    ChartPoint,
    DigestData,
    DigestItem,
    PilotStatus,
    RiskItem,
    Tier,
    UseCaseStatus,
)
from storage.database import as_utc
from storage.latest import latest_assessment_id, latest_assessment_ids
from storage.models import AssessmentRow, FollowUpRow, UseCaseRow

__all__ = ["chart_points", "digest_data"]

_Rows: TypeAlias = Select[*tuple[Any, ...]]

_CHART_LIMIT: Final = 10_000
# How long a posted follow-up may go unanswered before its use case counts as in purgatory.
UNANSWERED_FOLLOW_UP: Final = timedelta(days=7)
# Proposal fields a person writes in their own words (the others are choices or numbers).
_FREE_TEXT: Final = frozenset(
    {"title", "problem", "business_owner", "kpi", "operating_plan", "notes"}
)


def _field(name: str) -> ColumnElement[Any]:
    return UseCaseRow.proposal[name]


def _value() -> ColumnElement[float | None]:
    return typed(ColumnElement[float | None], _field("annual_value_eur").as_float())


def _cost() -> ColumnElement[float | None]:
    return typed(ColumnElement[float | None], _field("annual_cost_eur").as_float())


def _text_field(name: str) -> ColumnElement[str | None]:
    return typed(ColumnElement[str | None], _field(name).as_string())


def _scope(workspace_id: str | None, before: datetime | None) -> list[ColumnElement[bool]]:
    conditions = [UseCaseRow.status != UseCaseStatus.ARCHIVED.value]
    if workspace_id is not None:
        conditions.append(UseCaseRow.workspace_id == workspace_id)
    if before is not None:
        conditions.append(UseCaseRow.created_at < before)
    return conditions


def digest_data(
    session: Session,
    *,
    period_start: datetime,
    period_end: datetime,
    workspace_id: str | None = None,
    top: int = 5,
    limit: int = 20,
) -> DigestData:
    """The digest of [period_start, period_end): see `advisor.digest` for what each list holds.

    `top` caps the top opportunities, `limit` every other list. The portfolio is the use cases
    created before `period_end` (archived ones excepted), in one workspace or all.
    """
    start, end = as_utc(period_start), as_utc(period_end)
    if end <= start:
        raise ValueError("the period must end after it starts")
    query = _DigestQuery.of(start, end, workspace_id)
    # Two scans give every number: one over the use cases, one over their latest verdicts.
    size, total_value, total_cost, new_count, purgatory_count = query.totals(session)
    counts, risk_count, decisions_count = query.tier_counts(session)
    verdict = query.verdict
    order = (UseCaseRow.created_at, UseCaseRow.id)
    by_value = (_value().desc(), UseCaseRow.id)
    return DigestData(
        period_start=start,
        period_end=end,
        workspace_id=workspace_id,
        portfolio_size=size,
        counts_by_tier=counts,
        total_value_eur=total_value,
        total_cost_eur=total_cost,
        new_count=new_count,
        new_items=_items(session, query.first(query.created_in_period, order, limit), limit),
        top_opportunities=_items(session, query.first(_value().is_not(None), by_value, top), top),
        risk_count=risk_count,
        risk_watch=_risks(session, query.items(query.at_risk, assessed=True), verdict, limit),
        purgatory_count=purgatory_count,
        purgatory=_items(session, query.first(query.in_purgatory, order, limit), limit),
        decisions_waiting_count=decisions_count,
        decisions_waiting=_items(
            session,
            query.items(query.awaiting_decision, assessed=True).order_by(
                verdict.created_at, UseCaseRow.id
            ),
            limit,
        ),
    )


@dataclass(frozen=True)
class _DigestQuery:
    """A period's digest in SQL: the portfolio in scope, each use case's latest verdict (as
    `verdict`) and what puts a use case on each list."""

    scope: list[ColumnElement[bool]]
    verdict: type[AssessmentRow]
    created_in_period: ColumnElement[bool]
    in_purgatory: ColumnElement[bool]
    at_risk: ColumnElement[bool]
    awaiting_decision: ColumnElement[bool]

    @classmethod
    def of(cls, start: datetime, end: datetime, workspace_id: str | None) -> _DigestQuery:
        verdict = aliased(AssessmentRow, name="verdict")
        pilot = _text_field("pilot_status")
        assessed_in_period = and_(verdict.created_at >= start, verdict.created_at < end)
        # A follow-up posted a week or more before the period's end and still unanswered.
        unanswered = (
            select(FollowUpRow.id)
            .where(
                FollowUpRow.use_case_id == UseCaseRow.id,
                FollowUpRow.posted_at.is_not(None),
                FollowUpRow.posted_at <= end - UNANSWERED_FOLLOW_UP,
                FollowUpRow.answered_at.is_(None),
            )
            .correlate(UseCaseRow)
            .exists()
        )
        no_owner_or_plan = or_(
            _text_field("business_owner").is_(None), _text_field("operating_plan").is_(None)
        )
        flags_text = cast(verdict.flags, Text)
        return cls(
            scope=_scope(workspace_id, end),
            verdict=verdict,
            created_in_period=and_(UseCaseRow.created_at >= start, UseCaseRow.created_at < end),
            in_purgatory=or_(
                and_(pilot.in_([status.value for status in PURGATORY_PILOTS]), no_owner_or_plan),
                unanswered,
            ),
            at_risk=and_(
                assessed_in_period,
                or_(*(flags_text.like(f'%"{flag.value}"%') for flag in RISK_FLAGS)),
            ),
            awaiting_decision=and_(
                assessed_in_period,
                verdict.tier.in_([tier.value for tier in DECISION_TIERS]),
                pilot == PilotStatus.NONE.value,
            ),
        )

    def totals(self, session: Session) -> tuple[int, float, float, int, int]:
        """Size, total value and cost, new and purgatory counts: one scan of the use cases."""
        size, value, cost, new, purgatory = session.execute(
            select(
                func.count(UseCaseRow.id),
                func.coalesce(func.sum(_value()), 0.0),
                func.coalesce(func.sum(_cost()), 0.0),
                _count_if(self.created_in_period),
                _count_if(self.in_purgatory),
            ).where(*self.scope)
        ).one()
        return size, float(value or 0.0), float(cost or 0.0), new or 0, purgatory or 0

    def tier_counts(self, session: Session) -> tuple[dict[Tier, int], int, int]:
        """Counts by tier, at risk and awaiting a decision: one scan of the latest verdicts."""
        counts = dict.fromkeys(Tier, 0)
        risk_count = decisions_count = 0
        latest = latest_assessment_ids()
        verdict = self.verdict
        tier_rows = session.execute(
            select(
                verdict.tier,
                func.count(),
                _count_if(self.at_risk),
                _count_if(self.awaiting_decision),
            )
            .select_from(UseCaseRow)
            .join(latest, latest.c.use_case_id == UseCaseRow.id)
            .join(verdict, verdict.id == latest.c.id)
            .where(*self.scope)
            .group_by(verdict.tier)
        )
        for tier, number, risky, waiting in tier_rows:
            counts[Tier(tier)] += number
            risk_count += risky or 0
            decisions_count += waiting or 0
        return counts, risk_count, decisions_count

    def items(self, *conditions: ColumnElement[bool], assessed: bool = False) -> _Rows:
        """A list's rows, each with its latest verdict found by its index (`assessed`: only
        use cases that have one)."""
        verdict = self.verdict
        query = select(
            UseCaseRow.id,
            UseCaseRow.title,
            verdict.tier,
            _value(),
            _cost(),
            verdict.mlops_need_score,
            _text_field("pilot_status"),
            UseCaseRow.channel_id,
            UseCaseRow.thread_id,
            UseCaseRow.created_at,
        ).select_from(UseCaseRow)
        on = verdict.id == latest_assessment_id()
        query = query.join(verdict, on) if assessed else query.outerjoin(verdict, on)
        return query.where(*self.scope, *conditions)

    def first(self, condition: ColumnElement[bool], ordering: tuple[Any, ...], count: int) -> _Rows:
        """The first `count` use cases meeting `condition` in `ordering`, with their verdicts."""
        # Rank on the use cases alone, then look up the verdicts of the few that made the cut.
        chosen = (
            select(UseCaseRow.id)
            .where(*self.scope, condition)
            .order_by(*ordering)
            .limit(max(count, 0))
        )
        return self.items(UseCaseRow.id.in_(chosen)).order_by(*ordering)


def chart_points(
    session: Session, *, workspace_id: str | None = None, limit: int = _CHART_LIMIT
) -> list[ChartPoint]:
    """The assessed use cases for the portfolio chart, the `limit` most valuable ones."""
    latest = latest_assessment_ids()
    verdict = aliased(AssessmentRow, name="verdict")
    query = (
        select(
            UseCaseRow.id,
            UseCaseRow.title,
            verdict.tier,
            _value(),
            _cost(),
            verdict.mlops_need_score,
        )
        .join(latest, latest.c.use_case_id == UseCaseRow.id)
        .join(verdict, verdict.id == latest.c.id)
        .where(*_scope(workspace_id, None))
        .order_by(func.coalesce(_value(), 0.0).desc(), UseCaseRow.id)
        .limit(max(limit, 0))
    )
    return [
        ChartPoint(
            use_case_id=use_case_id,
            title=title,
            tier=Tier(tier),
            annual_value_eur=value or 0.0,
            annual_cost_eur=cost or 0.0,
            mlops_need=need,
        )
        for use_case_id, title, tier, value, cost, need in session.execute(query)
    ]


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _items(session: Session, query: _Rows, limit: int) -> tuple[DigestItem, ...]:
    return tuple(_item(row) for row in session.execute(query.limit(max(limit, 0))))


def _item(row: Sequence[Any]) -> DigestItem:
    use_case_id, title, tier, value, cost, need, pilot, channel_id, thread_id, created = row[:10]
    return DigestItem(
        use_case_id=use_case_id,
        title=title,
        tier=None if tier is None else Tier(tier),
        annual_value_eur=value,
        annual_cost_eur=cost,
        mlops_need=need,
        pilot_status=_pilot(pilot),
        channel_id=channel_id,
        thread_id=thread_id,
        created_at=created,
    )


def _risks(
    session: Session, query: _Rows, verdict: type[AssessmentRow], limit: int
) -> tuple[RiskItem, ...]:
    # Only the capped rows' assessment documents are read, for the quoted evidence.
    rows = session.execute(
        query.add_columns(verdict.assessment)
        .order_by(verdict.created_at, UseCaseRow.id)
        .limit(max(limit, 0))
    )
    risks: list[RiskItem] = []
    for row in rows:
        item = _item(row)
        signals = Assessment.model_validate(row[-1]).signals
        for flag in RISK_FLAGS:
            raised = [signal for signal in signals if signal.flag is flag]
            if not raised or len(risks) >= limit:
                continue
            # One quote per flag: the person's own words rather than a chosen answer.
            quoted = [signal for signal in raised if signal.field in _FREE_TEXT] or raised
            risks.append(
                RiskItem(item=item, flag=flag, field=quoted[0].field, evidence=quoted[0].evidence)
            )
    return tuple(risks)


def _pilot(value: str | None) -> PilotStatus:
    try:
        return PilotStatus(value or PilotStatus.NONE.value)
    except ValueError:
        return PilotStatus.NONE
