"""Properties of the scorer that must hold for every valid proposal."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import Origin, PilotStatus, Retraining, Serving, Tier, assess, parse_proposal

_money = st.one_of(st.none(), st.floats(min_value=0, max_value=1e9, allow_nan=False))
_count = st.one_of(st.none(), st.integers(min_value=0, max_value=500))
_text = st.one_of(st.none(), st.text(max_size=300))
_words = st.sampled_from(
    [
        "Our competitors launched this and we cannot fall behind",
        "The vendor promised 10x faster results out of the box",
        "We want to do something with GenAI somewhere",
        "This is not a vendor idea and not a reaction to competitors",
        "Nobody maintains the pilot since the contractor left",
        "Clerks re-key 2,000 invoices a week by hand",
    ]
)

proposals = st.fixed_dictionaries(
    {"title": st.text(min_size=1, max_size=80).filter(str.strip)},
    optional={
        "problem": st.one_of(_text, _words),
        "origin": st.sampled_from(list(Origin)),
        "business_owner": _text,
        "kpi": _text,
        "annual_value_eur": _money,
        "annual_cost_eur": _money,
        "new_data_per_week": _money,
        "retraining": st.sampled_from(list(Retraining)),
        "models": st.integers(min_value=0, max_value=1000),
        "serving": st.sampled_from(list(Serving)),
        "ml_engineers": _count,
        "data_scientists": _count,
        "security_gaps": st.one_of(st.none(), st.booleans()),
        "data_access": st.one_of(st.none(), st.booleans()),
        "pilot_status": st.sampled_from(list(PilotStatus)),
        "operating_plan": st.one_of(_text, _words),
        "notes": st.one_of(_text, _words),
    },
)


@settings(max_examples=300)
@given(proposals)
def test_assess_never_raises_and_scores_stay_in_range(data: dict[str, Any]) -> None:
    assessment = assess(parse_proposal(data))
    for score in assessment.scores.model_dump().values():
        assert 0 <= score <= 100
    assert all(signal.evidence for signal in assessment.signals)
    assert all(reason.rule for reason in assessment.reasons)


@settings(max_examples=300)
@given(proposals, st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_more_value_never_lowers_the_business_case(data: dict[str, Any], extra: float) -> None:
    proposal = parse_proposal(data)
    base = proposal.annual_value_eur
    richer = proposal.model_copy(update={"annual_value_eur": (base or 0) + extra})
    assert assess(richer).scores.business_case >= assess(proposal).scores.business_case


@settings(max_examples=300)
@given(proposals)
def test_open_security_gaps_never_get_a_build_verdict(data: dict[str, Any]) -> None:
    assessment = assess(parse_proposal({**data, "security_gaps": True}))
    assert assessment.tier in {Tier.NO_BUSINESS_CASE, Tier.FIX_FOUNDATIONS_FIRST}
