"""The digest's values: frozen, validated, and their JSON form is what `digest preview` prints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from advisor import (
    DECISION_TIERS,
    PURGATORY_PILOTS,
    RISK_FLAGS,
    DigestData,
    DigestItem,
    Flag,
    PilotStatus,
    RiskItem,
    Tier,
)

START = datetime(2026, 3, 2, tzinfo=UTC)


def _item(use_case_id: int, **fields: object) -> DigestItem:
    return DigestItem.model_validate(
        {
            "use_case_id": use_case_id,
            "title": f"Use case {use_case_id}",
            "created_at": START,
            **fields,
        }
    )


def _data(**fields: object) -> DigestData:
    values: dict[str, object] = {
        "period_start": START,
        "period_end": START + timedelta(days=7),
        "portfolio_size": 3,
        "counts_by_tier": dict.fromkeys(Tier, 0),
        "total_value_eur": 0.0,
        "total_cost_eur": 0.0,
    }
    values.update(fields)
    return DigestData.model_validate(values)


def test_the_rules_constants() -> None:
    assert RISK_FLAGS == (Flag.FOMO, Flag.VENDOR_PUSH, Flag.TECHNO_PUSH)
    assert DECISION_TIERS == (Tier.MINIMUM_VIABLE_PROCESS, Tier.FULL_MLOPS)
    assert PURGATORY_PILOTS == (PilotStatus.LIVE, PilotStatus.STALLED)


def test_json_form_round_trips() -> None:
    item = _item(1, tier="full_mlops", annual_value_eur=10.0, mlops_need=80, pilot_status="live")
    data = _data(
        new_count=1,
        new_items=(item,),
        risk_watch=(RiskItem(item=item, flag=Flag.FOMO, field="problem", evidence="fall behind"),),
        risk_count=1,
    )
    document = data.model_dump(mode="json")
    assert document["period_start"] == "2026-03-02T00:00:00Z"
    assert document["counts_by_tier"] == dict.fromkeys([tier.value for tier in Tier], 0)
    assert document["new_items"][0]["tier"] == "full_mlops"
    assert document["risk_watch"][0]["flag"] == "fomo"
    assert DigestData.model_validate(json.loads(json.dumps(document))) == data


def test_frozen_and_strict() -> None:
    item = _item(1)
    with pytest.raises(ValidationError):
        item.title = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        _item(1, surprise=True)
    with pytest.raises(ValidationError):
        _item(1, mlops_need=101)
    with pytest.raises(ValidationError):
        DigestItem(use_case_id=1, title="naive", created_at=datetime(2026, 3, 2))


def test_empty_days_and_listed_items() -> None:
    assert _data().is_empty
    assert _data().days == 7
    assert not _data(risk_count=1).is_empty
    assert not _data(decisions_waiting_count=1).is_empty
    one, two = _item(1), _item(2)
    data = _data(
        new_items=(one,),
        top_opportunities=(two, one),
        purgatory=(two,),
        risk_watch=(RiskItem(item=one, flag=Flag.FOMO, field="problem", evidence="x"),),
    )
    assert data.listed_items() == [one, two]
