"""The shared example proposals get their expected tier and flags, and none of the absent ones."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor import assess, parse_proposal

EXAMPLES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent.parent / "example_proposals.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("example", EXAMPLES, ids=[example["id"] for example in EXAMPLES])
def test_example_gets_expected_verdict(example: dict[str, Any]) -> None:
    assessment = assess(parse_proposal(example["proposal"]))
    expect = example["expect"]
    flags = {flag.value for flag in assessment.flags}
    if "tier" in expect:
        assert assessment.tier.value == expect["tier"]
    assert set(expect.get("flags", [])) <= flags
    assert not set(expect.get("absent", [])) & flags


@pytest.mark.parametrize("example", EXAMPLES, ids=[example["id"] for example in EXAMPLES])
def test_every_flag_quotes_evidence_that_exists(example: dict[str, Any]) -> None:
    proposal = parse_proposal(example["proposal"])
    assessment = assess(proposal)
    for signal in assessment.signals:
        assert signal.evidence
        assert signal.rule.startswith(f"{signal.flag.value}.")
        value = getattr(proposal, signal.field)
        if isinstance(value, str) and signal.field not in {"origin"}:
            # Text evidence is the exact words the proposer typed.
            assert signal.evidence in value or value in signal.evidence
    assert all(reason.rule and reason.text for reason in assessment.reasons)
    assert len(assessment.follow_up_questions) == len(assessment.flags)


def test_examples_cover_every_tier_and_the_main_flags() -> None:
    tiers = {example["expect"].get("tier") for example in EXAMPLES}
    assert {"no_business_case", "fix_foundations_first", "lightweight"} <= tiers
    assert {"minimum_viable_process", "full_mlops"} <= tiers
