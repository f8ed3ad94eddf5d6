"""Proposal validation: good input parses; bad input names the field, value and what is allowed."""

import pytest

from advisor import Origin, PilotStatus, Proposal, ProposalError, Retraining, parse_proposal


def test_minimal_proposal_takes_contract_defaults() -> None:
    proposal = parse_proposal({"title": "Churn"})
    assert proposal.origin is Origin.UNKNOWN
    assert proposal.retraining is Retraining.UNKNOWN
    assert proposal.pilot_status is PilotStatus.NONE
    assert proposal.models == 1
    assert proposal.problem is None


def test_loose_enum_spelling_and_blank_cells_are_understood() -> None:
    proposal = parse_proposal(
        {"title": "x", "origin": "Vendor Pitch", "serving": "", "models": "", "kpi": "  "}
    )
    assert proposal.origin is Origin.VENDOR_PITCH
    assert proposal.serving.value == "unknown"
    assert proposal.models == 1
    assert proposal.kpi is None


def _problem(data: dict[str, object]) -> tuple[str | None, str]:
    with pytest.raises(ProposalError) as caught:
        parse_proposal(data)
    return caught.value.problems[0]


def test_unknown_field_is_named_with_the_allowed_fields() -> None:
    field, message = _problem({"title": "x", "budget": 5})
    assert field == "budget"
    assert "unknown field 'budget'" in message
    assert "annual_cost_eur" in message


def test_wrong_enum_value_names_field_value_and_choices() -> None:
    field, message = _problem({"title": "x", "origin": "salesman"})
    assert field == "origin"
    assert "'salesman'" in message
    assert "vendor_pitch" in message and "business_need" in message


def test_negative_number_is_refused() -> None:
    field, message = _problem({"title": "x", "annual_value_eur": -5})
    assert field == "annual_value_eur"
    assert "-5" in message and "0 or more" in message


def test_text_over_4000_characters_is_refused() -> None:
    field, message = _problem({"title": "x", "problem": "a" * 4001})
    assert field == "problem"
    assert "4001 characters" in message and "4000" in message


def test_missing_title_and_wrong_types_are_reported_together() -> None:
    with pytest.raises(ProposalError) as caught:
        parse_proposal({"models": "two", "security_gaps": "perhaps"})
    fields = caught.value.fields
    assert {"title", "models", "security_gaps"} <= set(fields)
    assert "field 'title' is required" in str(caught.value)


def test_non_mapping_is_refused_clearly() -> None:
    with pytest.raises(ProposalError, match="must be a mapping"):
        parse_proposal(["title", "x"])


def test_proposal_is_immutable_and_round_trips_through_json() -> None:
    proposal = parse_proposal({"title": "x", "annual_value_eur": 10, "retraining": "weekly"})
    assert Proposal.model_validate_json(proposal.model_dump_json()) == proposal
    with pytest.raises(Exception, match="frozen"):
        proposal.title = "y"  # type: ignore[misc]
