"""The policy file: the bundled one validates; a broken override is refused by its key."""

from importlib.resources import files
from typing import Any

import pytest
import yaml

from advisor import DEFAULT, PolicyError, Tier, assess, parse_policy, parse_proposal


def default_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        files("advisor").joinpath("policy.yaml").read_text(encoding="utf-8")
    )
    return data


def parse(data: dict[str, Any]) -> Any:
    return parse_policy(yaml.safe_dump(data, sort_keys=False))


def test_bundled_policy_is_valid_and_versioned() -> None:
    assert DEFAULT.version
    assert parse(default_data()) == DEFAULT


def test_unknown_top_level_key_is_named() -> None:
    data = default_data() | {"weights": {}}
    with pytest.raises(PolicyError, match=r"key 'weights': unknown key"):
        parse(data)


def test_unknown_nested_key_is_named_with_its_path() -> None:
    data = default_data()
    data["tiers"]["full_min_needs"] = 3
    with pytest.raises(PolicyError, match=r"key 'tiers\.full_min_needs'"):
        parse(data)


def test_invalid_regular_expression_is_named_with_its_position() -> None:
    data = default_data()
    data["detectors"]["fomo"][0]["patterns"].append("(unclosed")
    position = len(data["detectors"]["fomo"][0]["patterns"]) - 1
    with pytest.raises(PolicyError, match=rf"detectors\.fomo\.0\.patterns\.{position}"):
        parse(data)


def test_unknown_term_reference_is_named() -> None:
    data = default_data()
    data["detectors"]["vendor_push"][0]["patterns"] = ["{vendors_list} pitched"]
    with pytest.raises(PolicyError, match=r"unknown term \{vendors_list\}"):
        parse(data)


def test_missing_follow_up_question_is_refused() -> None:
    data = default_data()
    del data["texts"]["follow_up"]["fomo"]
    with pytest.raises(PolicyError, match="follow_up has no entry for: fomo"):
        parse(data)


def test_wrong_type_is_refused_with_its_key() -> None:
    data = default_data()
    data["tiers"]["full_min_need"] = "high"
    with pytest.raises(PolicyError, match=r"key 'tiers\.full_min_need'"):
        parse(data)


def test_business_case_weights_must_add_up() -> None:
    data = default_data()
    data["business_case"]["owner"] = 40
    with pytest.raises(PolicyError, match="must score 100"):
        parse(data)


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "key: [unclosed"])
def test_not_a_policy_document_is_refused(text: str) -> None:
    with pytest.raises(PolicyError, match="invalid policy"):
        parse_policy(text)


def test_a_partial_override_merges_into_the_bundled_policy() -> None:
    policy = parse_policy("tiers:\n  full_min_need: 90\n", over_default=True)
    assert policy.tiers.full_min_need == 90
    assert policy.tiers.lightweight_below_need == DEFAULT.tiers.lightweight_below_need
    assert policy.detectors == DEFAULT.detectors
    with pytest.raises(PolicyError, match=r"key 'tiers\.full_min_need'"):
        parse_policy("tiers:\n  full_min_need: lots\n", over_default=True)


def test_an_override_changes_the_verdict() -> None:
    proposal = parse_proposal(
        {
            "title": "Weekly stock forecast",
            "problem": "Stores run out of bread on Saturdays and throw it away on Mondays.",
            "origin": "business_need",
            "business_owner": "Head of fresh food",
            "kpi": "Waste in euros per store per week",
            "annual_value_eur": 200_000,
            "annual_cost_eur": 40_000,
            "new_data_per_week": 500,
            "retraining": "weekly",
            "serving": "batch",
            "ml_engineers": 0,
            "data_scientists": 1,
            "security_gaps": False,
            "data_access": True,
            "operating_plan": "The category analyst runs and checks the forecast every Friday.",
        }
    )
    data = default_data()
    data["tiers"]["lightweight_below_need"] = 60
    assert assess(proposal).tier is Tier.MINIMUM_VIABLE_PROCESS
    assert assess(proposal, parse(data)).tier is Tier.LIGHTWEIGHT


def test_every_bundled_pattern_compiles() -> None:
    # The bundled policy compiles its patterns on first use; this proves they all compile.
    DEFAULT.matcher.compile_all()


def test_a_pattern_that_parses_but_cannot_compile_is_refused_at_start() -> None:
    data = default_data()
    data["detectors"]["fomo"][0]["patterns"] = ["(?<=a+)b"]
    with pytest.raises(PolicyError, match=r"detectors\.fomo\.0\.patterns\.0"):
        parse(data)


def test_follow_up_days_come_from_the_policy_and_are_checked() -> None:
    assert DEFAULT.follow_ups.days == [30, 90]
    policy = parse_policy("follow_ups:\n  days: [14]\n", over_default=True)
    assert policy.follow_ups.days == [14]
    assert policy.follow_ups.questions == DEFAULT.follow_ups.questions
    with pytest.raises(PolicyError, match="follow_ups"):
        parse_policy("follow_ups:\n  days: [30, 30]\n", over_default=True)
