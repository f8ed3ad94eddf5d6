"""The question catalogue: the interview as data, how each answer is read, checked when loaded."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any, Final, Literal, TypeAlias, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from advisor.answers import (
    Invalid,
    ToConfirm,
    parse_text,
    read_choice,
    read_count,
    read_money,
    read_yes_no,
)
from advisor.assessment import Flag
from advisor.detectors import detect_in_text
from advisor.policy import DEFAULT, TEXT_FIELDS, Policy
from advisor.policy.patterns import compile_at
from advisor.proposal import INTERVIEW_RECORD_FIELDS, MAX_TEXT_LENGTH, Proposal

__all__ = [
    "CATALOGUE",
    "FOLLOW_UP_PREFIX",
    "Answer",
    "Branch",
    "Catalogue",
    "CatalogueError",
    "Choice",
    "FollowUps",
    "Question",
    "follow_up_flag_of",
    "parse_answer",
    "parse_catalogue",
]

Kind = Literal["text", "number", "money", "choice", "yes_no"]
Answer: TypeAlias = str | int | float | bool | None

FOLLOW_UP_PREFIX: Final = "follow_up."
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Each branching question multiplies the paths checked at start-up; beyond this it is a mistake.
_MAX_PATHS: Final = 10_000
_YES_NO: Final = ("yes", "no")


class CatalogueError(ValueError):
    """The question catalogue is invalid; the message names the question and the problem."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _compile_cues(key: str, patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """Cue phrases in the policy's pattern syntax, as one regex over lower-cased answers."""
    if not patterns:
        return None
    sources = [
        compile_at(f"{key}.{index}", pattern, DEFAULT.terms)
        for index, pattern in enumerate(patterns)
    ]
    return re.compile("|".join(sources), re.IGNORECASE)


class Choice(_Frozen):
    """An option of a choice question: the value stored, the label shown, the words meaning it,
    and how a sentence shows it is meant (`read_as` detector flags or rules, `read_when` cues)."""

    value: str = Field(min_length=1)
    label: str = Field(min_length=1)
    synonyms: tuple[str, ...] = ()
    read_as: tuple[str, ...] = ()
    read_when: tuple[str, ...] = ()

    _cue: re.Pattern[str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _compile(self) -> Choice:
        self._cue = _compile_cues(f"choice {self.value!r}: read_when", self.read_when)
        return self

    @property
    def cue(self) -> re.Pattern[str] | None:
        """The `read_when` phrases compiled, or None without any."""
        return self._cue


class Branch(_Frozen):
    """When the answer is one of `when`, the branch-only questions in `ask` come next, in order."""

    when: tuple[str, ...] = Field(min_length=1)
    ask: tuple[str, ...] = ()


class Question(_Frozen):
    """One question, bound to the proposal field its answer fills."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")
    field: str
    kind: Kind
    prompt: str = Field(min_length=1)
    help: str = Field(min_length=1)
    example: str = Field(min_length=1)
    skippable: bool = True
    choices: tuple[Choice, ...] = ()
    branches: tuple[Branch, ...] = ()
    branch_only: bool = False
    droppable: bool = False
    per_week: bool = False
    counts_people: bool = False
    people_cost: bool = False
    yes_as: tuple[str, ...] = ()
    yes_when: tuple[str, ...] = ()
    no_when: tuple[str, ...] = ()
    answers_follow_up: Flag | None = None

    _yes_cue: re.Pattern[str] | None = PrivateAttr(default=None)
    _no_cue: re.Pattern[str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _compile(self) -> Question:
        self._yes_cue = _compile_cues("yes_when", self.yes_when)
        self._no_cue = _compile_cues("no_when", self.no_when)
        return self

    @property
    def yes_cue(self) -> re.Pattern[str] | None:
        """The `yes_when` phrases compiled, or None without any."""
        return self._yes_cue

    @property
    def no_cue(self) -> re.Pattern[str] | None:
        """The `no_when` phrases compiled, or None without any."""
        return self._no_cue

    @property
    def options(self) -> list[tuple[str, str]]:
        """What a button can answer, as (label, value): each choice, or Yes and No."""
        if self.kind == "choice":
            return [(choice.label, choice.value) for choice in self.choices]
        if self.kind == "yes_no":
            return [("Yes", "yes"), ("No", "no")]
        return []

    @property
    def follow_up_flag(self) -> Flag | None:
        """The flag this question follows up, if it is a follow-up question."""
        return follow_up_flag_of(self.id)


def follow_up_flag_of(question_id: str | None) -> Flag | None:
    """The flag a follow-up question's id names; None for any other id."""
    if question_id is None or not question_id.startswith(FOLLOW_UP_PREFIX):
        return None
    flag = question_id.removeprefix(FOLLOW_UP_PREFIX)
    return Flag(flag) if flag in set(Flag) else None


class FollowUps(_Frozen):
    """Which flags bring a follow-up question, with help and an example answer for each."""

    flags: tuple[Flag, ...] = ()
    help: str = Field(min_length=1)
    examples: dict[Flag, str] = {}


class Catalogue(_Frozen):
    """The interview as data, checked when built: see the header of advisor/questions.yaml."""

    version: int = Field(ge=1)
    max_prompts: int = Field(ge=1)
    follow_ups: FollowUps
    questions: tuple[Question, ...] = Field(min_length=1)

    _by_id: dict[str, Question] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        for question in self.questions:
            if question.id in self._by_id:
                raise ValueError(f"question {question.id!r}: the id is used twice")
            if "." in question.id:
                raise ValueError(f"question {question.id!r}: ids with a dot are for follow-ups")
            self._by_id[question.id] = question
        for question in self.questions:
            _check_question(question)
            _check_branches(question, self._by_id)
        for flag in self.follow_ups.flags:
            if flag not in self.follow_ups.examples:
                raise ValueError(f"follow_ups: flag {flag.value!r} has no example answer")
        main = self.main_line
        if not main or main[0].field != "title" or main[0].skippable:
            first = main[0].id if main else "(none)"
            raise ValueError(
                f"question {first!r}: the first question must ask the title and not be skippable"
            )
        _check_reachable(self.questions, main, self._by_id)
        _check_droppable(main)
        _check_paths(self, main)
        return self

    @classmethod
    def load(cls) -> Catalogue:
        """The catalogue bundled with the package (advisor/questions.yaml), validated."""
        return parse_catalogue(files("advisor").joinpath("questions.yaml").read_text("utf-8"))

    @classmethod
    def from_data(cls, data: object) -> Catalogue:
        """Build a catalogue from parsed YAML or JSON; CatalogueError names what is wrong."""
        if not isinstance(data, Mapping):
            raise CatalogueError("invalid catalogue: the top level must be a mapping of keys")
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise CatalogueError(_describe(error, data)) from None

    @property
    def main_line(self) -> list[Question]:
        """The questions asked whatever the answers, in order."""
        return [question for question in self.questions if not question.branch_only]

    def question(self, question_id: str, policy: Policy = DEFAULT) -> Question | None:
        """The question with this id, follow-up questions included; None if there is none."""
        if question_id.startswith(FOLLOW_UP_PREFIX):
            flag = question_id.removeprefix(FOLLOW_UP_PREFIX)
            if flag in self.follow_ups.flags:
                return self.follow_up_question(Flag(flag), policy)
            return None
        return self._by_id.get(question_id)

    def asked_by(self, field: str, policy: Policy = DEFAULT) -> str | None:
        """The question whose answer a signal's words came from, for the verdict to say so
        ("from the answer to *Where did the idea come from?*"); None for a free-text field,
        which the verdict names as it is, and for a field no question asks."""
        if field in TEXT_FIELDS:
            return None
        if field.startswith(FOLLOW_UP_PREFIX):
            question = self.question(field, policy)
        else:
            question = next((q for q in self.questions if q.field == field), None)
        return None if question is None else question.prompt

    def follow_up_question(self, flag: Flag, policy: Policy = DEFAULT) -> Question:
        """The follow-up for a flag as an ordinary, skippable text question; its answer is kept
        under the flag (`Proposal.said["follow_up.<flag>"]`), not in the field it names."""
        return Question(
            id=f"{FOLLOW_UP_PREFIX}{flag.value}",
            field="notes",
            kind="text",
            prompt=policy.texts.follow_up[flag],
            help=self.follow_ups.help,
            example=self.follow_ups.examples.get(flag, "Our team spends two days a week on this."),
            skippable=True,
        )

    def branch_targets(self, question: Question, value: Answer) -> tuple[str, ...]:
        """The branch-only question ids an answer leads to (a skipped answer: the field default)."""
        key = _branch_key(question, value)
        for branch in question.branches:
            if key in branch.when:
                return branch.ask
        return ()


def _branch_key(question: Question, value: Answer) -> str | None:
    if isinstance(value, bool):
        return _YES_NO[0] if value else _YES_NO[1]
    if value is None and question.kind == "choice":
        default = Proposal.model_fields[question.field].default
        return default.value if isinstance(default, StrEnum) else None
    return value if isinstance(value, str) else None


def _field_kinds(field: str) -> tuple[tuple[str, ...], type[StrEnum] | None, bool]:
    """The answer kinds that can fill a proposal field, its enum if any, and if it is whole."""
    annotation = Proposal.model_fields[field].annotation
    base = next((arg for arg in get_args(annotation) if arg is not type(None)), annotation)
    if isinstance(base, type) and issubclass(base, StrEnum):
        return ("choice",), base, False
    if base is bool:
        return ("yes_no",), None, False
    if base is int:
        return ("number",), None, True
    if base is float:
        return ("number", "money"), None, False
    return ("text",), None, False


def _check_question(question: Question) -> None:
    where = f"question {question.id!r}"
    if question.field not in Proposal.model_fields:
        raise ValueError(f"{where}: unknown proposal field {question.field!r}")
    kinds, enum, _ = _field_kinds(question.field)
    if question.kind not in kinds:
        raise ValueError(
            f"{where}: field {question.field!r} needs a {' or '.join(kinds)} question,"
            f" not {question.kind}"
        )
    if question.kind == "choice":
        if not question.choices:
            raise ValueError(f"{where}: a choice question needs choices")
        values = [choice.value for choice in question.choices]
        if len(set(values)) != len(values):
            raise ValueError(f"{where}: a choice value is listed twice")
        allowed = {member.value for member in enum} if enum else set()
        for value in values:
            if value not in allowed:
                raise ValueError(
                    f"{where}: choice {value!r} is not a value of {question.field!r};"
                    f" allowed: {', '.join(sorted(allowed))}"
                )
        for choice in question.choices:
            _check_detector_refs(f"{where}: choice {choice.value!r}: read_as", choice.read_as)
    elif question.choices:
        raise ValueError(f"{where}: only choice questions have choices")
    if question.kind != "yes_no" and (question.yes_as or question.yes_when or question.no_when):
        raise ValueError(f"{where}: yes_as, yes_when and no_when only apply to yes/no questions")
    _check_detector_refs(f"{where}: yes_as", question.yes_as)
    if question.counts_people and (
        question.kind != "number" or not _field_kinds(question.field)[2]
    ):
        raise ValueError(f"{where}: counts_people only applies to whole-number questions")
    if question.people_cost and question.kind != "money":
        raise ValueError(f"{where}: people_cost only applies to money questions")
    if question.per_week and question.kind != "number":
        raise ValueError(f"{where}: per_week only applies to number questions")
    if question.droppable and (question.branch_only or not question.skippable):
        raise ValueError(f"{where}: a droppable question must be skippable and on the main line")
    parsed = parse_answer(question, question.example)
    if isinstance(parsed, Invalid | ToConfirm):
        # An example is shown as what a clear answer looks like: it must not need checking.
        why = parsed.reason if isinstance(parsed, Invalid) else "it would need confirming"
        raise ValueError(f"{where}: its example {question.example!r} is not a clear answer ({why})")


@cache
def _bundled_detector_refs() -> frozenset[str]:
    # Checked against the bundled policy: under a deployment's policy, a dropped rule reads nothing.
    rules = {
        f"{flag.value}.{family.id}"
        for flag, families in DEFAULT.detectors.items()
        for family in families
    }
    return frozenset(rules | {flag.value for flag in DEFAULT.detectors})


def _check_detector_refs(where: str, refs: tuple[str, ...]) -> None:
    # The known refs are built once for the whole catalogue, not once per question and choice.
    for ref in refs:
        if ref not in _bundled_detector_refs():
            raise ValueError(
                f"{where}: {ref!r} is no detector flag or rule (flag, or flag.family id)"
            )


def _check_branches(question: Question, by_id: Mapping[str, Question]) -> None:
    where = f"question {question.id!r}"
    if not question.branches:
        return
    if question.kind not in ("choice", "yes_no"):
        raise ValueError(f"{where}: only choice and yes/no questions can branch")
    options = (
        [choice.value for choice in question.choices] if question.kind == "choice" else _YES_NO
    )
    seen: set[str] = set()
    for branch in question.branches:
        for value in branch.when:
            if value not in options:
                raise ValueError(
                    f"{where}: branch on {value!r}, which is not one of its choices"
                    f" ({', '.join(options)})"
                )
            if value in seen:
                raise ValueError(f"{where}: choice {value!r} is in two branches")
            seen.add(value)
        for target in branch.ask:
            if target not in by_id:
                raise ValueError(f"{where}: branch target {target!r} is not a question")
            if not by_id[target].branch_only:
                raise ValueError(
                    f"{where}: branch target {target!r} is on the main line; mark it branch_only"
                )
    missing = [value for value in options if value not in seen]
    if missing:
        raise ValueError(f"{where}: its branches miss the choices {', '.join(missing)}")
    key = _branch_key(question, None)
    if question.skippable and question.kind == "choice" and key not in seen:
        raise ValueError(
            f"{where}: skipping it means {question.field!r} keeps its default,"
            " which is not one of its choices, so no branch can follow a skip"
        )


def _check_reachable(
    questions: tuple[Question, ...], main: list[Question], by_id: Mapping[str, Question]
) -> None:
    reached: set[str] = set()

    def visit(question: Question, trail: tuple[str, ...]) -> None:
        if question.id in trail:
            raise ValueError(f"question {question.id!r}: its branches loop back to it")
        reached.add(question.id)
        for branch in question.branches:
            for target in branch.ask:
                visit(by_id[target], (*trail, question.id))

    for question in main:
        visit(question, ())
    for question in questions:
        if question.id not in reached:
            raise ValueError(
                f"question {question.id!r}: unreachable; no branch of an asked question asks it"
            )


def _check_droppable(main: list[Question]) -> None:
    # Only the tail may be dropped: a budget check there cannot starve a later required question.
    dropping = False
    for question in main:
        if question.droppable:
            if question.branches:
                raise ValueError(f"question {question.id!r}: a droppable question cannot branch")
            dropping = True
        elif dropping:
            raise ValueError(
                f"question {question.id!r}: it follows a droppable question,"
                " but droppable questions must come last"
            )


def _check_paths(catalogue: Catalogue, main: list[Question]) -> None:
    paths: list[tuple[Question, ...]] = [()]
    for question in main:
        paths = [path + tail for path in paths for tail in _expansions(catalogue, question)]
        if len(paths) > _MAX_PATHS:
            raise ValueError(f"question {question.id!r}: more than {_MAX_PATHS} paths")
    required = set(Proposal.model_fields) - set(INTERVIEW_RECORD_FIELDS)
    longest = 0
    for path in paths:
        asked: dict[str, str] = {}
        for question in path:
            if question.field in asked:
                raise ValueError(
                    f"question {question.id!r}: field {question.field!r} is already asked by"
                    f" {asked[question.field]!r} on the same path"
                )
            asked[question.field] = question.id
        missing = sorted(required - set(asked))
        if missing:
            trail = " > ".join(question.id for question in path)
            raise ValueError(
                f"question {path[-1].id!r}: no question asks {', '.join(missing)} on the path"
                f" {trail}"
            )
        longest = max(longest, sum(not question.droppable for question in path))
    allowed = catalogue.max_prompts - len(catalogue.follow_ups.flags)
    if longest > allowed:
        raise ValueError(
            f"max_prompts: the longest path asks {longest} questions and up to"
            f" {len(catalogue.follow_ups.flags)} follow-ups can be added,"
            f" more than max_prompts {catalogue.max_prompts}"
        )


def _expansions(catalogue: Catalogue, question: Question) -> list[tuple[Question, ...]]:
    if not question.branches:
        return [(question,)]
    tails: list[tuple[Question, ...]] = []
    for branch in question.branches:
        combos: list[tuple[Question, ...]] = [()]
        for target in branch.ask:
            target_question = catalogue.question(target)
            assert target_question is not None  # checked by _check_branches
            combos = [
                combo + tail for combo in combos for tail in _expansions(catalogue, target_question)
            ]
        tails.extend((question, *combo) for combo in combos)
    if question.kind == "yes_no" and question.skippable:
        # A skipped yes/no question has no answer to branch on.
        tails.append((question,))
    return tails


def _describe(error: ValidationError, data: Mapping[Any, Any]) -> str:
    first = error.errors(include_url=False)[0]
    loc = list(first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        questions = data.get("questions")
        entry = questions[loc[1]] if isinstance(questions, list) else None
        name = entry.get("id") if isinstance(entry, Mapping) else None
        key = ".".join(str(part) for part in loc[2:]) or "(question)"
        return f"invalid catalogue: question {name or loc[1]!r}: {key}: {message}"
    if loc:
        return f"invalid catalogue: {'.'.join(str(part) for part in loc)}: {message}"
    return f"invalid catalogue: {message}"


def parse_catalogue(text: str) -> Catalogue:
    """Build a catalogue from YAML text; CatalogueError names the question and the problem."""
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise CatalogueError(f"invalid catalogue: not valid YAML ({error})") from None
    return Catalogue.from_data(data)


def parse_answer(
    question: Question, answer: str, policy: Policy = DEFAULT
) -> Answer | Invalid | ToConfirm:
    """The answer text as this question reads it; ToConfirm when it should be checked with the
    person first; Invalid with the reason when nothing could be read."""
    match question.kind:
        case "text":
            return parse_text(answer)
        case "money":
            cost = policy.costs.engineer_per_year_eur if question.people_cost else None
            return read_money(answer, person_year_eur=cost)
        case "yes_no":
            yes = _signals(answer, question.yes_as, policy)
            return read_yes_no(
                answer,
                yes_cue=question.yes_cue,
                no_cue=question.no_cue,
                detected_yes=[evidence for _, evidence in yes],
            )
        case "choice":
            refs = tuple(ref for choice in question.choices for ref in choice.read_as)
            return read_choice(answer.strip(), question.choices, _signals(answer, refs, policy))
        case _:
            whole = question.field in Proposal.model_fields and _field_kinds(question.field)[2]
            number = read_count(
                answer,
                per_week=question.per_week,
                whole=whole,
                counts_people=question.counts_people,
            )
            if isinstance(number, Invalid | ToConfirm) or not whole:
                return number
            return int(number)


def _signals(answer: str, refs: tuple[str, ...], policy: Policy) -> list[tuple[str, str]]:
    """The detectors' findings in an answer as (rule, quoted words), for the flags referred to."""
    if not refs or not answer.strip():
        return []
    flags = {Flag(ref.split(".", 1)[0]) for ref in refs}
    # Read as a problem statement: the field whose families apply to any free text.
    signals = detect_in_text(answer[:MAX_TEXT_LENGTH], "problem", policy, flags=flags)
    return [(signal.rule, signal.evidence) for signal in signals]


CATALOGUE: Final[Catalogue] = Catalogue.load()
