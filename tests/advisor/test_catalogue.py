"""The question catalogue: the bundled one validates, and a broken one names what is wrong."""

import copy
from importlib.resources import files
from typing import Any

import pytest
import yaml

from advisor import CATALOGUE, Catalogue, CatalogueError, Flag, parse_catalogue


def test_the_bundled_catalogue_validates_and_covers_every_field() -> None:
    catalogue = Catalogue.load()
    assert catalogue == CATALOGUE
    assert [question.id for question in catalogue.main_line] == [
        "title", "origin", "business_owner", "kpi", "annual_value", "annual_cost", "new_data",
        "retraining", "models", "serving", "data_scientists", "ml_engineers", "data_access",
        "security_gaps", "pilot_status", "notes",
    ]  # fmt: skip
    from advisor.proposal import INTERVIEW_RECORD_FIELDS, Proposal

    asked = set(Proposal.model_fields) - set(INTERVIEW_RECORD_FIELDS)
    assert {question.field for question in catalogue.questions} == asked
    assert catalogue.follow_ups.flags == (Flag.FOMO, Flag.VENDOR_PUSH, Flag.TECHNO_PUSH)


def _bundled() -> dict[str, Any]:
    text = files("advisor").joinpath("questions.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return copy.deepcopy(data)


def _q(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(entry for entry in data["questions"] if entry["id"] == question_id)


def _orphan(**extra: Any) -> dict[str, Any]:
    return {
        "id": "orphan", "field": "notes", "kind": "text", "prompt": "Why?", "help": "Because.",
        "example": "Because.", "branch_only": True, **extra,
    }  # fmt: skip


def _set(question_id: str, **values: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        _q(data, question_id).update(values)

    return change


def _unknown_target(data: dict[str, Any]) -> None:
    _q(data, "origin")["branches"][1]["ask"] = ["nowhere"]


def _unreachable(data: dict[str, Any]) -> None:
    data["questions"].append(_orphan())


def _unknown_choice_in_branch(data: dict[str, Any]) -> None:
    _q(data, "origin")["branches"][0]["when"].append("gut_feeling")


def _branch_misses_a_choice(data: dict[str, Any]) -> None:
    _q(data, "origin")["branches"][0]["when"] = ["business_need"]


def _choice_in_two_branches(data: dict[str, Any]) -> None:
    _q(data, "origin")["branches"][1]["when"].append("business_need")


def _duplicate_id(data: dict[str, Any]) -> None:
    data["questions"].append(dict(_q(data, "kpi")))


def _title_not_first(data: dict[str, Any]) -> None:
    questions = data["questions"]
    questions[0], questions[1] = questions[1], questions[0]


def _loop(data: dict[str, Any]) -> None:
    _q(data, "data_access")["branches"] = [{"when": ["yes", "no"], "ask": ["loop"]}]
    loop = _orphan(id="loop", field="security_gaps", kind="yes_no", example="yes")
    loop["branches"] = [{"when": ["yes", "no"], "ask": ["loop"]}]
    data["questions"].append(loop)


def _no_kpi(data: dict[str, Any]) -> None:
    data["questions"].remove(_q(data, "kpi"))


def _skip_has_no_branch(data: dict[str, Any]) -> None:
    origin = _q(data, "origin")
    origin["choices"] = [choice for choice in origin["choices"] if choice["value"] != "unknown"]
    origin["branches"][0]["when"] = ["business_need"]


def _no_example_for_a_flag(data: dict[str, Any]) -> None:
    del data["follow_ups"]["examples"]["techno_push"]


def _branch_to_main_line(data: dict[str, Any]) -> None:
    _q(data, "origin")["branches"][0]["ask"] = ["kpi"]


def _choice(question_id: str, value: str, **values: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        next(c for c in _q(data, question_id)["choices"] if c["value"] == value).update(values)

    return change


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (_unknown_target, "question 'origin': branch target 'nowhere' is not a question"),
        (_unreachable, "question 'orphan': unreachable"),
        (_unknown_choice_in_branch, "question 'origin': branch on 'gut_feeling', which is not"),
        (_branch_misses_a_choice, "question 'origin': its branches miss the choices unknown"),
        (_choice_in_two_branches, "question 'origin': choice 'business_need' is in two branches"),
        (_branch_to_main_line, "question 'origin': branch target 'kpi' is on the main line"),
        (_skip_has_no_branch, "question 'origin': skipping it means 'origin' keeps its default"),
        (_duplicate_id, "question 'kpi': the id is used twice"),
        (_title_not_first, "question 'origin': the first question must ask the title"),
        (_set("title", skippable=True), "question 'title': the first question must ask"),
        (_set("kpi", field="kpis"), "question 'kpi': unknown proposal field 'kpis'"),
        (_set("models", kind="money"), "question 'models': field 'models' needs a number"),
        (_set("annual_value", example="lots"), "question 'annual_value': its example 'lots'"),
        (_set("kpi", per_week=True), "question 'kpi': per_week only applies to number"),
        (_set("kpi", choices=[{"value": "a", "label": "A"}]), "question 'kpi': only choice"),
        (_set("kpi", branches=[{"when": ["x"]}]), "question 'kpi': only choice and yes/no"),
        (_set("business_owner", droppable=True), "question 'kpi': it follows a droppable"),
        (_set("notes", skippable=False), "question 'notes': a droppable question must be"),
        (_set("business_owner", field="problem"), "field 'problem' is already asked by"),
        (_loop, "question 'loop': its branches loop back to it"),
        (_no_kpi, "no question asks kpi on the path"),
        (_set("retraining", choices=[{"value": "hourly", "label": "Hourly"}]), "'hourly' is not"),
        (_set("title", colour="red"), "question 'title': colour: unknown key"),
        (_set("title", kind="date"), "question 'title': kind:"),
        (_no_example_for_a_flag, "follow_ups: flag 'techno_push' has no example answer"),
        (
            _choice("origin", "vendor_pitch", read_as=["vendor_push.nope"]),
            "choice 'vendor_pitch': read_as: 'vendor_push.nope' is no detector flag or rule",
        ),
        (_choice("origin", "vendor_pitch", read_as=["salesy"]), "'salesy' is no detector flag"),
        (
            _choice("serving", "batch", read_when=["(nightly"]),
            "choice 'batch': read_when.0: '(nightly' is not a valid pattern",
        ),
        (_choice("serving", "batch", read_when=["{nightlies}"]), "unknown term {nightlies}"),
        (_set("security_gaps", yes_when=["open (findings"]), "yes_when.0: 'open (findings'"),
        (_set("origin", yes_when=["yes"]), "question 'origin': yes_as, yes_when and no_when only"),
        (
            _set("security_gaps", yes_as=["security"]),
            "question 'security_gaps': yes_as: 'security'",
        ),
        (_set("annual_value", counts_people=True), "counts_people only applies to whole-number"),
        (_set("new_data", counts_people=True), "counts_people only applies to whole-number"),
        (_set("models", people_cost=True), "question 'models': people_cost only applies to money"),
        # An example is what a clear answer looks like: a guess to confirm is no example.
        (_set("annual_value", example="maybe 800k?"), "is not a clear answer (it would need"),
    ],
)
def test_a_broken_catalogue_names_the_question_and_the_problem(break_it: Any, message: str) -> None:
    data = _bundled()
    break_it(data)
    with pytest.raises(CatalogueError, match="invalid catalogue") as raised:
        Catalogue.from_data(data)
    assert message in str(raised.value)


def test_the_bundled_cues_refer_to_the_policy_and_compile() -> None:
    origin = CATALOGUE.question("origin")
    assert origin is not None
    vendor = next(choice for choice in origin.choices if choice.value == "vendor_pitch")
    assert vendor.read_as == ("vendor_push",)
    assert vendor.cue is not None and vendor.cue.search("a consultant pitched it")
    security = CATALOGUE.question("security_gaps")
    assert security is not None and security.yes_as == ("security_first",)
    assert security.yes_cue is not None and security.no_cue is not None
    assert CATALOGUE.question("annual_cost").people_cost  # type: ignore[union-attr]


def test_the_prompt_budget_is_checked() -> None:
    data = _bundled()
    data["max_prompts"] = 19
    with pytest.raises(CatalogueError, match="the longest path asks 17 questions"):
        Catalogue.from_data(data)


@pytest.mark.parametrize(
    ("text", "message"),
    [("questions: [", "not valid YAML"), ("- a list", "must be a mapping")],
)
def test_catalogue_text_that_is_not_a_catalogue(text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(text)
