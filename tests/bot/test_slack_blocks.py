"""Slack Block Kit builders: hostile text stays inert and every message fits Slack's limits."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.models.blocks import Block

from advisor import (
    CATALOGUE,
    Assessment,
    Choice,
    Flag,
    Platform,
    Position,
    Question,
    Signal,
    StoredAssessment,
    Tier,
    UseCase,
    UseCaseStatus,
    assess,
    parse_proposal,
)
from bot.neutralise import TRUNCATED, for_slack, from_slack_event
from bot.slack.blocks import (
    BUTTON_NOTE,
    METADATA_EVENT_TYPE,
    WORDS_HINT,
    answer_position,
    help_blocks,
    question_blocks,
    root_blocks,
    use_case_list_blocks,
    verdict_blocks,
    verdict_metadata,
    verdict_text,
)

EXAMPLES = yaml.safe_load(
    (Path(__file__).parent.parent / "example_proposals.yaml").read_text(encoding="utf-8")
)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
EMOJI_TITLE = ("Rocket \U0001f680 launch \U0001f469\u200d\U0001f4bb team \u2764\ufe0f " * 20)[:500]
HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0BADGUY>",
    "<!subteam^S1>",
    "<https://evil.example|https://bank.example>",
    from_slack_event("&lt;!channel&gt;"),
    "\x1b[2J",
    "\u202e",
    " \n\t ",
    "x" * 10_000,
    EMOJI_TITLE,
    "ok <!channel> \x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \u202eevil <@U0BADGUY> "
    "<https://evil.example|https://bank.example> " * 200,
]
HOSTILE_IDS = [f"case{n}" for n in range(len(HOSTILE))]


def _assessment(example_id: str) -> Assessment:
    example = next(e for e in EXAMPLES if e["id"] == example_id)
    return assess(parse_proposal(example["proposal"]))


def _all_assessments() -> list[Assessment]:
    return [assess(parse_proposal(example["proposal"])) for example in EXAMPLES]


def _hostile_assessment(text: str) -> Assessment:
    """A real assessment whose evidence quotes hostile words, as a text detector would."""
    base = _assessment("e03-fomo-chatbot")
    extra = tuple(
        Signal(flag=flag, field="problem", evidence=text, rule=f"{flag.value}.test")
        for flag in Flag
    )
    return base.model_copy(update={"signals": base.signals + extra})


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def assert_inert(blocks: list[Block]) -> None:
    payload = _dicts(blocks)
    text = json.dumps(payload, ensure_ascii=False)
    assert "<!" not in text
    assert "<@U0BADGUY" not in text
    assert "<http" not in text
    assert "<mailto" not in text
    for string in _strings(payload):
        assert not UNSAFE.search(string), string[:80]


def assert_fits(blocks: list[Block], *, max_blocks: int = 50) -> None:
    assert 0 < len(blocks) <= max_blocks
    for block in blocks:
        block.validate_json()  # raises SlackObjectFormationError on any checked limit
        data = block.to_dict()
        assert Block.parse(data) is not None
        assert len(data.get("block_id", "")) <= 255
        kind = data["type"]
        if kind == "header":
            assert len(data["text"]["text"]) <= 150
        elif kind == "section":
            assert "text" in data or "fields" in data
            assert len(data.get("text", {}).get("text", "")) <= 3000
            assert len(data.get("fields", [])) <= 10
            for field in data.get("fields", []):
                assert len(field["text"]) <= 2000
        elif kind == "context":
            assert len(data["elements"]) <= 10
            for element in data["elements"]:
                assert len(element["text"]) <= 3000
        elif kind == "actions":
            assert len(data["elements"]) <= 25
            action_ids = [element["action_id"] for element in data["elements"]]
            assert len(set(action_ids)) == len(action_ids)
            for element in data["elements"]:
                assert len(element["text"]["text"]) <= 75
                assert len(element["action_id"]) <= 255
                assert len(element["value"]) <= 2000
        else:
            assert kind == "divider"
    # The same answer button twice in one message would be ambiguous.
    buttons = [
        element["action_id"]
        for block in _dicts(blocks)
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert len(set(buttons)) == len(buttons)


def _texts(blocks: list[Block]) -> str:
    return "\n".join(_strings(_dicts(blocks)))


def _use_case(number: int, title: str, assessment: Assessment | None, name: str | None) -> UseCase:
    at = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
    latest = (
        StoredAssessment(
            id=number, use_case_id=number, policy_version="1", assessment=assessment, created_at=at
        )
        if assessment is not None
        else None
    )
    proposal = parse_proposal(
        next(e for e in EXAMPLES if e["id"] == "e02-weekly-churn")["proposal"]
    )
    return UseCase(
        id=number,
        title=title,
        proposal=proposal,
        proposer_id="U012ABCDEF",
        proposer_name=name,
        platform=Platform.SLACK,
        status=UseCaseStatus.ASSESSED if assessment else UseCaseStatus.INTERVIEWING,
        created_at=at,
        updated_at=at,
        latest=latest,
    )


# --- verdicts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("assessment", _all_assessments(), ids=[e["id"] for e in EXAMPLES])
def test_verdict_shows_tier_scores_flags_setup_and_steps(assessment: Assessment) -> None:
    blocks = verdict_blocks("Churn model", assessment, use_case_id=7)
    assert_fits(blocks)
    data = _dicts(blocks)
    assert data[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": assessment.tier.label},
    }
    text = _texts(blocks)
    scores = assessment.scores
    for name, value in [
        ("Business case", scores.business_case),
        ("MLOps need", scores.mlops_need),
        ("Readiness", scores.readiness),
    ]:
        assert f"*{name}*\n{value}/100" in text
    assert assessment.recommended_setup in text
    for number, step in enumerate(assessment.next_steps, start=1):
        assert f"{number}. {step}" in text
    for question in assessment.follow_up_questions:
        assert question in text
    for signal in assessment.signals:
        assert f"\u201c{for_slack(signal.evidence)}\u201d" in text
        asked = CATALOGUE.asked_by(signal.field)
        # Free-text fields are named; other words by the question they answered.
        assert (f"from the answer to _{asked}_" if asked else f"from `{signal.field}`") in text
        assert signal.flag.value in text
    assert "/mlops-check show 7" in text


def test_verdict_escapes_comparison_evidence() -> None:
    # "annual_value_eur 10,000 < annual_cost_eur ..." must not open a Slack token.
    proposal = dict(next(e for e in EXAMPLES if e["id"] == "e02-weekly-churn")["proposal"])
    proposal.update(annual_value_eur=10_000, annual_cost_eur=90_000)
    assessment = assess(parse_proposal(proposal))
    assert any("<" in signal.evidence for signal in assessment.signals)
    blocks = verdict_blocks("Churn", assessment)
    assert_fits(blocks)
    assert "&lt; annual_cost_eur" in _texts(blocks)


@pytest.mark.parametrize("text", HOSTILE, ids=HOSTILE_IDS)
def test_verdict_blocks_neutralise_title_and_evidence(text: str) -> None:
    assessment = _hostile_assessment(text)
    blocks = verdict_blocks(text, assessment, use_case_id=1)
    assert_inert(blocks)
    assert_fits(blocks)
    if len(text) > 3000:
        evidence = [t for t in _strings(_dicts(blocks)) if "\u201c" in t and len(t) > 2000]
        assert evidence
        assert all(t.endswith(TRUNCATED + "\u201d") for t in evidence)


def test_verdict_with_hundreds_of_signals_stays_under_50_blocks() -> None:
    base = _assessment("e03-fomo-chatbot")
    signals = tuple(
        Signal(flag=Flag.FOMO, field="problem", evidence=f"<!here> {n} " * 300, rule="fomo.test")
        for n in range(300)
    )
    steps = tuple("<!channel> do this " * 100 for _ in range(60))
    assessment = base.model_copy(
        update={"signals": signals, "next_steps": steps, "follow_up_questions": steps}
    )
    blocks = verdict_blocks("x" * 10_000, assessment, use_case_id=10**30)
    assert_fits(blocks)
    text = _texts(blocks)
    assert "more pieces of evidence (fomo)" in text
    assert "*Next steps*" in text
    assert TRUNCATED in text


@pytest.mark.parametrize("text", HOSTILE, ids=HOSTILE_IDS)
def test_verdict_text_is_neutral_and_short(text: str) -> None:
    assessment = _hostile_assessment(text)
    fallback = verdict_text(text, assessment, use_case_id=3)
    assert len(fallback) <= 3000
    assert "<" not in fallback
    assert not UNSAFE.search(fallback)
    assert fallback.startswith(assessment.tier.label)
    if len(text) > 3000:
        assert fallback.endswith(TRUNCATED)


def test_verdict_text_names_scores_and_flags() -> None:
    assessment = _assessment("e03-fomo-chatbot")
    fallback = verdict_text("Chatbot & co", assessment)
    assert "Chatbot &amp; co" in fallback
    assert f"Business case {assessment.scores.business_case}/100" in fallback
    assert "fomo" in fallback


def test_verdict_metadata_has_exactly_the_contract_keys() -> None:
    assessment = _assessment("e03-fomo-chatbot")
    metadata = verdict_metadata(42, assessment)
    assert set(metadata) == {"event_type", "event_payload"}
    assert metadata["event_type"] == METADATA_EVENT_TYPE == "mlops_assessment_completed"
    payload = metadata["event_payload"]
    assert set(payload) == {"use_case_id", "tier", "flags", "scores"}
    assert payload["use_case_id"] == 42
    assert payload["tier"] == assessment.tier.value
    assert payload["flags"] == [flag.value for flag in assessment.flags]
    assert payload["scores"] == {
        "business_case": assessment.scores.business_case,
        "mlops_need": assessment.scores.mlops_need,
        "readiness": assessment.scores.readiness,
    }
    assert json.loads(json.dumps(metadata)) == metadata


# --- questions --------------------------------------------------------------------------------


@pytest.mark.parametrize("question", CATALOGUE.questions, ids=lambda q: q.id)
def test_every_catalogue_question_renders(question: Question) -> None:
    blocks = question_blocks(question, number=1)
    assert_fits(blocks)
    data = _dicts(blocks)
    assert data[0]["text"]["text"] == f"*1. {question.prompt}*"
    assert data[-1]["elements"][0]["text"] == WORDS_HINT
    buttons = [e for b in data if b["type"] == "actions" for e in b["elements"]]
    if question.kind == "choice":
        assert [b["value"] for b in buttons] == [c.value for c in question.choices]
        assert [b["action_id"] for b in buttons] == [
            f"mlops_answer:{i}" for i in range(len(question.choices))
        ]
    elif question.kind == "yes_no":
        assert [(b["text"]["text"], b["value"]) for b in buttons] == [("Yes", "yes"), ("No", "no")]
    else:
        assert buttons == []


@pytest.mark.parametrize("question", CATALOGUE.questions, ids=lambda q: q.id)
def test_answer_buttons_carry_the_position_they_were_posted_at(question: Question) -> None:
    at = Position(question=question.id, moves=10**9)  # far more moves than any interview has
    blocks = question_blocks(question, at=at)
    assert_fits(blocks)
    buttons = [e for b in _dicts(blocks) if b["type"] == "actions" for e in b["elements"]]
    assert [answer_position(b["action_id"]) for b in buttons] == [at] * len(question.options)
    # Still unique within the message, as Slack requires, and still the value as typed.
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    assert [b["value"] for b in buttons] == [value for _, value in question.options]


@pytest.mark.parametrize("action_id", ["mlops_answer:0", "mlops_answer:3", "follow_up:1:2:x"])
def test_a_button_without_a_position_reads_as_none(action_id: str) -> None:
    assert answer_position(action_id) is None


@pytest.mark.parametrize("text", HOSTILE, ids=HOSTILE_IDS)
def test_reprompt_neutralises_reason_and_example(text: str) -> None:
    question = next(q for q in CATALOGUE.questions if q.kind == "choice")
    blocks = question_blocks(question, reason=f"I did not get {text!s}", example=text, number=2)
    assert_inert(blocks)
    assert_fits(blocks)
    warning = _dicts(blocks)[0]["text"]["text"]
    assert warning.startswith(":warning: I did not get")
    assert "_For example:_ " in warning


def test_huge_choice_questions_are_clipped_not_rejected() -> None:
    choices = tuple(
        Choice(value=f"v{n}" + "v" * (3000 if n == 0 else 0), label=f"{n} " + "label " * 40)
        for n in range(2000)
    )
    question = Question(
        id="huge",
        field="title",
        kind="choice",
        prompt="Pick one " * 1000,
        help="help",
        example="v1",
        choices=choices,
    )
    blocks = question_blocks(question, reason="r" * 10_000, example="e" * 10_000, number=99)
    assert_fits(blocks)
    data = _dicts(blocks)
    buttons = [e for b in data if b["type"] == "actions" for e in b["elements"]]
    assert all(b["text"]["text"].endswith(BUTTON_NOTE) for b in buttons)
    assert buttons[0]["value"] == "0"  # too long to carry: the index in action_id decides
    assert buttons[1]["value"] == "v1"
    assert data[1]["text"]["text"].endswith(TRUNCATED + "*")
    assert "more choices" in _texts(blocks)
    assert data[-1]["elements"][0]["text"] == WORDS_HINT


def test_thirty_choices_split_into_rows_of_25() -> None:
    choices = tuple(Choice(value=f"v{n}", label=f"Choice {n}") for n in range(30))
    question = Question(
        id="many", field="title", kind="choice", prompt="Which?", help="h", example="v1",
        choices=choices,
    )  # fmt: skip
    blocks = question_blocks(question)
    assert_fits(blocks)
    rows = [b for b in _dicts(blocks) if b["type"] == "actions"]
    assert [len(row["elements"]) for row in rows] == [25, 5]


# --- root, help, lists ------------------------------------------------------------------------


def test_root_mentions_a_valid_proposer_and_shows_the_tier_later() -> None:
    started = root_blocks("U012ABCDEF", "Churn *model*", use_case_id=5)
    assert_fits(started)
    first = _dicts(started)[0]["text"]["text"]
    assert first == "<@U012ABCDEF> started an MLOps check (#5): *Churn *model**"
    done = root_blocks("W012ABCDEF", None, tier=Tier.LIGHTWEIGHT, use_case_id=5)
    assert_fits(done)
    text = _texts(done)
    assert "<@W012ABCDEF> started an MLOps check (#5)." in text
    assert Tier.LIGHTWEIGHT.label in text


@pytest.mark.parametrize(
    "proposer_id",
    [
        "<!channel>",
        "U0BADGUY>",
        "<@U0BADGUY>",
        "U012ABC\n",
        "u012abc",
        "U1",
        "!here",
        "\u202e",
        "",
        "x" * 10_000,
    ],
)
def test_root_never_builds_a_mention_from_a_bad_id(proposer_id: str) -> None:
    blocks = root_blocks(proposer_id, "Title")
    assert_inert(blocks)
    assert_fits(blocks)
    assert "<@" not in _texts(blocks)


@pytest.mark.parametrize("text", HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize("tier", [None, Tier.FULL_MLOPS])
def test_root_neutralises_the_title(text: str, tier: Tier | None) -> None:
    blocks = root_blocks("U012ABCDEF", text, tier=tier, use_case_id=1)
    assert_inert(blocks)
    assert_fits(blocks)
    assert _texts(blocks).count("<@") == 1


def test_help_lists_every_subcommand_without_raw_brackets() -> None:
    blocks = help_blocks()
    assert_fits(blocks)
    text = _texts(blocks)
    for usage in ["new &lt;title&gt;", "form", "list", "show ID", "delete ID", "help"]:
        assert f"`/mlops-check {usage}`" in text
    assert "<" not in json.dumps(_dicts(blocks))


@pytest.mark.parametrize("text", HOSTILE, ids=HOSTILE_IDS)
def test_use_case_list_neutralises_titles_names_and_heading(text: str) -> None:
    cases = [_use_case(n, text, _hostile_assessment(text), text) for n in range(3)]
    cases.append(_use_case(3, text, None, None))
    blocks = use_case_list_blocks(cases, heading=text)
    assert_inert(blocks)
    assert_fits(blocks)


def test_use_case_list_shows_title_tier_name_and_date() -> None:
    assessment = _assessment("e02-weekly-churn")
    blocks = use_case_list_blocks(
        [_use_case(1, "Churn", assessment, "Ada"), _use_case(2, "Draft", None, None)],
        heading="Use cases",
    )
    assert_fits(blocks)
    text = _texts(blocks)
    assert f"*#1 Churn*\n{assessment.tier.label} · Ada · assessed 2025-03-04" in text
    assert "*#2 Draft*\ninterviewing · started 2025-03-04" in text


def test_empty_use_case_list_says_how_to_start() -> None:
    blocks = use_case_list_blocks([], heading="Use cases")
    assert_fits(blocks)
    assert "/mlops-check new &lt;title&gt;" in _texts(blocks)


@pytest.mark.parametrize(("max_blocks", "expected"), [(50, 50), (100, 100), (1000, 100), (0, 3)])
def test_long_use_case_lists_are_capped_with_a_count(max_blocks: int, expected: int) -> None:
    assessment = _assessment("e02-weekly-churn")
    cases = [_use_case(n, f"Case {n}", assessment, "Ada") for n in range(150)]
    blocks = use_case_list_blocks(cases, heading="All", max_blocks=max_blocks)
    assert_fits(blocks, max_blocks=max(expected, 50))
    assert len(blocks) == expected
    shown = expected - 2
    assert f"…and {150 - shown} more" in _texts(blocks[-1:])
