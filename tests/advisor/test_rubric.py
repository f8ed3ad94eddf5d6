"""The rubric, rule by rule: scores, structured signals, tiers, caps, and the texts they bring."""

from typing import Any

import pytest

from advisor import DEFAULT, Assessment, Flag, Tier, assess, parse_proposal

# A sound, mid-sized case written for these tests (not one of the shared examples).
BASE: dict[str, Any] = {
    "title": "Predict spare-part demand per warehouse",
    "problem": "Warehouses run out of fast-moving spare parts twice a month and technicians wait.",
    "origin": "business_need",
    "business_owner": "Head of service logistics",
    "kpi": "Technician hours lost waiting for parts",
    "annual_value_eur": 300_000,
    "annual_cost_eur": 50_000,
    "new_data_per_week": 60,
    "retraining": "monthly",
    "models": 1,
    "serving": "batch",
    "ml_engineers": 0,
    "data_scientists": 1,
    "security_gaps": False,
    "data_access": True,
    "pilot_status": "none",
    "operating_plan": "The logistics analyst runs the weekly forecast; IT pages her if it fails.",
    "notes": None,
}
HEAVY: dict[str, Any] = {
    **BASE,
    "new_data_per_week": 400_000,
    "retraining": "daily",
    "models": 8,
    "serving": "online",
    "ml_engineers": 4,
    "data_scientists": 3,
    "annual_value_eur": 3_000_000,
    "annual_cost_eur": 600_000,
}


def run(**changes: Any) -> Assessment:
    return assess(parse_proposal({**BASE, **changes}))


def run_heavy(**changes: Any) -> Assessment:
    return assess(parse_proposal({**HEAVY, **changes}))


def rules(assessment: Assessment) -> set[str]:
    return {signal.rule for signal in assessment.signals}


def test_sound_small_case_is_lightweight_without_flags() -> None:
    assessment = run()
    assert assessment.tier is Tier.LIGHTWEIGHT
    assert assessment.signals == ()
    assert "scheduled script" in assessment.recommended_setup


def test_sound_heavy_case_is_full_mlops() -> None:
    assessment = run_heavy()
    assert assessment.tier is Tier.FULL_MLOPS
    assert assessment.scores.mlops_need >= 85
    assert assessment.signals == ()


@pytest.mark.parametrize(
    ("field", "rule"),
    [
        ("business_owner", "no_business_case.owner_missing"),
        ("kpi", "no_business_case.kpi_missing"),
        ("annual_value_eur", "no_business_case.value_missing"),
        ("problem", "no_business_case.problem_missing"),
    ],
)
def test_each_missing_business_case_piece_means_do_not_start(field: str, rule: str) -> None:
    assessment = run_heavy(**{field: None})
    assert assessment.tier is Tier.NO_BUSINESS_CASE
    assert rule in rules(assessment)
    assert any(reason.rule == "tier.business_case_incomplete" for reason in assessment.reasons)


def test_placeholder_answers_count_as_missing() -> None:
    assessment = run(business_owner="TBD", kpi="n/a")
    assert {"no_business_case.owner_missing", "no_business_case.kpi_missing"} <= rules(assessment)
    assert assessment.tier is Tier.NO_BUSINESS_CASE


def test_a_three_word_problem_is_vague() -> None:
    assessment = run(problem="Use our data")
    assert "no_business_case.problem_vague" in rules(assessment)


def test_value_below_cost_is_no_business_case_with_both_figures_as_evidence() -> None:
    assessment = run_heavy(annual_value_eur=100_000, annual_cost_eur=600_000)
    assert assessment.tier is Tier.NO_BUSINESS_CASE
    [signal] = [s for s in assessment.signals if s.rule == "no_business_case.value_below_cost"]
    assert "100,000" in signal.evidence and "600,000" in signal.evidence


def test_missing_cost_flags_unpriced_overhead_and_blocks_full_mlops() -> None:
    assessment = run_heavy(annual_cost_eur=None)
    assert "overhead_underestimated.cost_missing" in rules(assessment)
    assert assessment.tier is Tier.MINIMUM_VIABLE_PROCESS


def test_overhead_flag_caps_an_otherwise_full_verdict() -> None:
    assessment = run_heavy(notes="Once deployed, it runs itself with hardly any upkeep.")
    assert Flag.OVERHEAD_UNDERESTIMATED in assessment.flags
    assert assessment.tier is Tier.MINIMUM_VIABLE_PROCESS
    assert any(reason.rule == "cap.overhead_underestimated" for reason in assessment.reasons)


def test_security_gaps_put_foundations_first() -> None:
    assessment = run_heavy(security_gaps=True)
    assert assessment.tier is Tier.FIX_FOUNDATIONS_FIRST
    assert "security_first.open_gaps" in rules(assessment)


def test_no_data_access_puts_foundations_first_without_a_security_flag() -> None:
    assessment = run(data_access=False)
    assert assessment.tier is Tier.FIX_FOUNDATIONS_FIRST
    assert Flag.SECURITY_FIRST not in assessment.flags
    assert any(reason.rule == "tier.no_data_access" for reason in assessment.reasons)


@pytest.mark.parametrize(
    ("origin", "flag"),
    [
        ("vendor_pitch", Flag.VENDOR_PUSH),
        ("competitor_move", Flag.FOMO),
        ("technology_exploration", Flag.TECHNO_PUSH),
    ],
)
def test_push_origins_are_flagged_and_cap_a_full_verdict(origin: str, flag: Flag) -> None:
    assessment = run_heavy(origin=origin)
    assert flag in assessment.flags
    assert f"{flag.value}.origin" in rules(assessment)
    assert assessment.tier is Tier.MINIMUM_VIABLE_PROCESS


def test_push_origin_does_not_raise_a_lightweight_verdict() -> None:
    assert run(origin="vendor_pitch").tier is Tier.LIGHTWEIGHT


def test_vendor_mention_alone_does_not_cap_a_strong_case() -> None:
    assessment = run_heavy(notes="Our CRM supplier also pitched their recommendation add-on.")
    assert Flag.VENDOR_PUSH in assessment.flags
    assert assessment.tier is Tier.FULL_MLOPS


def test_leadership_mandate_without_kpi_is_fomo() -> None:
    assessment = run(origin="leadership_mandate", kpi=None)
    assert "fomo.mandate_without_problem" in rules(assessment)


def test_no_model_planned_is_technology_first() -> None:
    assert "techno_push.no_model_planned" in rules(run(models=0))


def test_missing_operating_plan_is_pilot_purgatory_and_caps_full_mlops() -> None:
    assessment = run_heavy(operating_plan=None)
    assert "pilot_purgatory.no_operating_plan" in rules(assessment)
    assert assessment.tier is Tier.MINIMUM_VIABLE_PROCESS


def test_stalled_pilot_without_plan_is_flagged_and_readiness_drops() -> None:
    assessment = run(pilot_status="stalled", operating_plan=None)
    assert {"pilot_purgatory.stalled_pilot", "pilot_purgatory.no_operating_plan"} <= rules(
        assessment
    )
    assert assessment.scores.readiness < run().scores.readiness
    assert assessment.tier is Tier.FIX_FOUNDATIONS_FIRST


def test_high_need_without_ml_engineers_is_underestimated_overhead() -> None:
    assessment = run_heavy(ml_engineers=0)
    assert "overhead_underestimated.no_ml_engineers_for_need" in rules(assessment)
    assert assessment.tier is Tier.MINIMUM_VIABLE_PROCESS


def test_tiny_budget_for_high_need_is_underestimated_overhead() -> None:
    assessment = run_heavy(annual_cost_eur=20_000)
    assert "overhead_underestimated.cost_below_need" in rules(assessment)


def test_the_most_demanding_factor_sets_the_need() -> None:
    low = run()
    assert run(serving="streaming").scores.mlops_need > low.scores.mlops_need
    assert run(retraining="continuous").scores.mlops_need == 100
    assert run(models=60).scores.mlops_need == 100
    assessment = run(new_data_per_week=2_000_000)
    assert assessment.scores.mlops_need == 100
    assert any(reason.rule == "mlops_need.data_rate" for reason in assessment.reasons)


def test_unknown_need_is_not_mistaken_for_a_low_need() -> None:
    assessment = run(new_data_per_week=None, retraining="unknown", serving="unknown")
    assert assessment.scores.mlops_need == DEFAULT.mlops_need.all_unknown
    assert assessment.tier is Tier.MINIMUM_VIABLE_PROCESS


def test_the_weakest_link_sets_readiness() -> None:
    assessment = run(data_access=None)
    assert assessment.scores.readiness == DEFAULT.readiness.data_access["unknown"]
    assert any(reason.rule == "readiness.data_access" for reason in assessment.reasons)


def test_medium_need_with_a_thin_team_is_a_minimum_viable_process() -> None:
    assessment = run(serving="online", retraining="weekly", new_data_per_week=5000)
    assert assessment.tier is Tier.MINIMUM_VIABLE_PROCESS
    assert "Minimum Viable Process" in assessment.recommended_setup


def test_every_flag_brings_its_follow_up_question_and_next_step() -> None:
    assessment = run(origin="vendor_pitch", operating_plan=None, business_owner=None)
    for flag in assessment.flags:
        assert DEFAULT.texts.follow_up[flag] in assessment.follow_up_questions
    assert DEFAULT.texts.flag_next_steps[Flag.VENDOR_PUSH] in assessment.next_steps


def test_json_form_has_exactly_the_contract_keys() -> None:
    document = run(origin="vendor_pitch").model_dump(mode="json")
    assert list(document) == [
        "tier",
        "scores",
        "recommended_setup",
        "signals",
        "reasons",
        "next_steps",
        "follow_up_questions",
    ]
    assert set(document["scores"]) == {"business_case", "mlops_need", "readiness"}
    assert set(document["signals"][0]) == {"flag", "field", "evidence", "rule"}
    assert set(document["reasons"][0]) == {"rule", "text"}


def test_assess_is_deterministic() -> None:
    assert run_heavy(origin="vendor_pitch") == run_heavy(origin="vendor_pitch")


def test_an_earlier_story_neither_flags_nor_caps_the_new_proposal() -> None:
    assessment = run_heavy(
        notes=(
            "Years ago an integrator talked us into a data lake nobody used. Our last chatbot "
            "died after launch because no team owned it, so this time the platform team owns it."
        )
    )
    assert assessment.tier is Tier.FULL_MLOPS
    flags = {signal.flag for signal in assessment.signals}
    assert Flag.VENDOR_PUSH not in flags
    assert Flag.PILOT_PURGATORY not in flags
    # Told as the present, the same story caps the verdict.
    current = run_heavy(notes="An integrator talked us into it and the chatbot died after launch.")
    assert current.tier is Tier.MINIMUM_VIABLE_PROCESS


def test_an_open_finding_in_the_notes_is_security_first_without_the_structured_field() -> None:
    assessment = run(
        security_gaps=False,
        notes="The auditors' finding about shared admin accounts is still open.",
    )
    assert Flag.SECURITY_FIRST in {signal.flag for signal in assessment.signals}
    closed = run(
        security_gaps=False,
        notes="The auditors' finding about shared admin accounts was closed in May.",
    )
    assert Flag.SECURITY_FIRST not in {signal.flag for signal in closed.signals}


def test_the_pain_as_a_share_of_time_is_no_overhead() -> None:
    assessment = run(problem="60 claims handlers spend 40% of their time reading reports.")
    assert Flag.OVERHEAD_UNDERESTIMATED not in {signal.flag for signal in assessment.signals}


def test_the_advisors_follow_up_label_is_never_quoted() -> None:
    assessment = run(notes="Follow-up on fomo: we need it because handlers are swamped")
    assert Flag.FOMO not in {signal.flag for signal in assessment.signals}
    assert all("fomo" not in signal.evidence.lower() for signal in assessment.signals)


@pytest.mark.parametrize(
    "notes",
    [
        "Last month's security audit flagged the booking portal as leaking customer emails; it is"
        " still on our to-do list.",
        "The red team showed that the warehouse scanners run an unpatched firmware.",
        "Our privacy review is still pending and the export share is publicly readable.",
    ],
)
def test_an_open_gap_told_in_words_caps_like_the_structured_field(notes: str) -> None:
    assessment = run_heavy(security_gaps=False, notes=notes)
    assert assessment.tier is Tier.FIX_FOUNDATIONS_FIRST
    assert "cap.security_first_in_text" in {reason.rule for reason in assessment.reasons}


@pytest.mark.parametrize(
    "notes",
    [
        "The weaknesses the external pen testers listed in spring have all been remediated.",
        "Pen test issues on the invoicing server: all fixed in January.",
        "Findings of the ISO 27001 audit last year, since closed, covered backups only.",
    ],
)
def test_a_finding_described_as_fixed_neither_flags_nor_caps(notes: str) -> None:
    assessment = run_heavy(security_gaps=False, notes=notes)
    assert assessment.tier is Tier.FULL_MLOPS
    assert Flag.SECURITY_FIRST not in {signal.flag for signal in assessment.signals}


def test_a_problem_in_two_words_gives_no_business_case_whatever_the_figures() -> None:
    assessment = run_heavy(problem="Smarter pricing.")
    assert assessment.tier is Tier.NO_BUSINESS_CASE
    assert any(reason.rule == "tier.problem_vague" for reason in assessment.reasons)


def test_a_value_without_a_cost_is_not_yet_a_business_case() -> None:
    assessment = run_heavy(annual_cost_eur=None)
    assert "no_business_case.value_not_compared_with_cost" in rules(assessment)
    assert "overhead_underestimated.cost_missing" in rules(assessment)
    # Neither figure given: the missing value says it, the cost is not compared with anything.
    neither = run(annual_value_eur=None, annual_cost_eur=None)
    assert "no_business_case.value_not_compared_with_cost" not in rules(neither)
