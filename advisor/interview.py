"""The interview engine: a validated question catalogue and a pure `advance` from answer to step."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from importlib.resources import files
from typing import Any, Final, Literal, TypeAlias, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from advisor.answers import (
    Invalid,
    means_nothing,
    means_unknown,
    parse_choice,
    parse_money,
    parse_number,
    parse_text,
    parse_yes_no,
)
from advisor.assessment import Flag
from advisor.detectors import detect_in_text
from advisor.policy import DEFAULT, Policy
from advisor.proposal import MAX_TEXT_LENGTH, Proposal

__all__ = [
    "CATALOGUE",
    "FOLLOW_UP_PREFIX",
    "Answer",
    "Ask",
    "Branch",
    "Cancelled",
    "Catalogue",
    "CatalogueError",
    "Choice",
    "Done",
    "FollowUps",
    "InterviewState",
    "Position",
    "Question",
    "Reprompt",
    "Step",
    "advance",
    "parse_catalogue",
    "start",
]

Kind = Literal["text", "number", "money", "choice", "yes_no"]
Answer: TypeAlias = str | int | float | bool | None

FOLLOW_UP_PREFIX: Final = "follow_up."
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Each branching question multiplies the paths checked at start-up; beyond this it is a mistake.
_MAX_PATHS: Final = 10_000
_YES_NO: Final = ("yes", "no")

_COMMANDS: Final = {
    "skip": "skip", "pass": "skip", "next": "skip", "skip it": "skip", "skip this": "skip",
    "back": "back", "go back": "back", "previous": "back", "undo": "back",
    "help": "help", "?": "help", "help me": "help", "what do you mean": "help",
    "cancel": "cancel", "stop": "cancel", "quit": "cancel", "exit": "cancel", "abort": "cancel",
    "restart": "restart", "start over": "restart", "start again": "restart", "reset": "restart",
}  # fmt: skip


class CatalogueError(ValueError):
    """The question catalogue is invalid; the message names the question and the problem."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(_Frozen):
    """An option of a choice question: the value stored, the label shown, the words meaning it."""

    value: str = Field(min_length=1)
    label: str = Field(min_length=1)
    synonyms: tuple[str, ...] = ()


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
    answers_follow_up: Flag | None = None

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
        return _follow_up_flag(self.id)


def _follow_up_flag(question_id: str | None) -> Flag | None:
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

    def follow_up_question(self, flag: Flag, policy: Policy = DEFAULT) -> Question:
        """The follow-up for a flag as an ordinary, skippable text question filling the notes."""
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
    elif question.choices:
        raise ValueError(f"{where}: only choice questions have choices")
    if question.per_week and question.kind != "number":
        raise ValueError(f"{where}: per_week only applies to number questions")
    if question.droppable and (question.branch_only or not question.skippable):
        raise ValueError(f"{where}: a droppable question must be skippable and on the main line")
    parsed = _parse(question, question.example)
    if isinstance(parsed, Invalid):
        raise ValueError(
            f"{where}: its example {question.example!r} is not a valid answer ({parsed.reason})"
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
    required = set(Proposal.model_fields)
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


class InterviewState(_Frozen):
    """Where an interview stands; adapters store it as JSON after every answer.

    `answers` holds the parsed answer of every question in `history` (None when skipped),
    follow-ups included; `current` is the question being asked, None once the interview is done.
    """

    answers: dict[str, Answer] = {}
    history: tuple[str, ...] = ()
    current: str | None = None
    follow_up_queue: tuple[Flag, ...] = ()
    followed_up: tuple[Flag, ...] = ()
    follow_up_answers: dict[Flag, str] = {}
    prompt_count: int = Field(default=0, ge=0)
    # Never goes down, unlike the history (back) or prompt_count (restart): a question asked
    # again is asked at a new move, so a button posted with its first asking cannot answer it.
    # Defaults to 0 so that states stored before it existed still load.
    moves: int = Field(default=0, ge=0)

    @property
    def pending_follow_up(self) -> Flag | None:
        """The flag whose follow-up question is being asked now, if any."""
        return _follow_up_flag(self.current)

    @property
    def position(self) -> Position | None:
        """Where the interview stands, for the buttons of the open question; None once done."""
        return None if self.current is None else Position(question=self.current, moves=self.moves)


class Position(_Frozen):
    """The question an interview is asking and the move at which it was asked.

    A button carries the position it was posted at, so that a press counts only while the
    interview is still there: a double click, a replayed press or an older message's button
    finds it has moved on. `encode` and `decode` give it as text, for button payloads.
    """

    question: str = Field(min_length=1)
    moves: int = Field(ge=0)

    def encode(self) -> str:
        """`<moves>:<question id>`; question ids hold no colon."""
        return f"{self.moves}:{self.question}"

    @classmethod
    def decode(cls, text: object) -> Position | None:
        """The position `encode` wrote; None for anything else (the payload is not ours to
        trust: it arrives from outside)."""
        if not isinstance(text, str):
            return None
        moves, _, question = text.partition(":")
        if not (moves.isascii() and moves.isdigit() and question):
            return None
        return cls(question=question, moves=int(moves))


class Ask(_Frozen):
    """Ask this question next."""

    kind: Literal["ask"] = "ask"
    question: Question
    state: InterviewState


class Reprompt(_Frozen):
    """Ask the same question again: the answer was not understood, or help was asked for."""

    kind: Literal["reprompt"] = "reprompt"
    question: Question
    reason: str
    example: str
    state: InterviewState


class Done(_Frozen):
    """The interview is complete: the proposal, and the follow-up answers by flag."""

    kind: Literal["done"] = "done"
    proposal: Proposal
    state: InterviewState
    follow_ups: dict[str, str] = {}


class Cancelled(_Frozen):
    """The proposer cancelled; the state is returned as it was, should an adapter keep it."""

    kind: Literal["cancelled"] = "cancelled"
    state: InterviewState


Step: TypeAlias = Ask | Reprompt | Done | Cancelled


def start(catalogue: Catalogue, *, after: InterviewState | None = None) -> Ask:
    """The first question of a fresh interview; `after` an earlier one kept under the same key,
    its moves carry on, so the earlier interview's buttons cannot answer this one."""
    first = catalogue.main_line[0]
    moves = 0 if after is None else after.moves + 1
    return Ask(question=first, state=InterviewState(current=first.id, prompt_count=1, moves=moves))


def advance(
    catalogue: Catalogue, state: InterviewState, answer: str, *, policy: Policy = DEFAULT
) -> Step:
    """The next step after an answer; never raises for any answer text.

    `skip`, `back`, `help`, `cancel` and `restart` work at every step. A state whose current
    question is no longer in the catalogue (an old interview after an upgrade) starts over.
    Every step that moves the interview (an answer, skip, back, restart) counts one more move;
    one that stays (a re-prompt, help) keeps the position, so its re-posted buttons and the
    first ones answer the same question, once.
    """
    step = _advance(catalogue, state, answer, policy)
    if isinstance(step, Ask | Done):
        moved = step.state.model_copy(update={"moves": state.moves + 1})
        return step.model_copy(update={"state": moved})
    return step


def _advance(catalogue: Catalogue, state: InterviewState, answer: str, policy: Policy) -> Step:
    words = " ".join(answer.lower().split())
    command = _COMMANDS.get(words.strip(" .!?/") or words)
    if command == "cancel":
        return Cancelled(state=state)
    if command == "restart":
        return start(catalogue)
    if command == "back":
        return _back(catalogue, state, policy)
    if state.current is None:
        # A finished interview stays finished; an empty state has nothing to finish.
        return _finish(catalogue, state) if state.history else start(catalogue)
    question = catalogue.question(state.current, policy)
    if question is None:
        return start(catalogue)
    if command == "help":
        return Reprompt(
            question=question, reason=question.help, example=question.example, state=state
        )
    if command == "skip":
        return _skip(catalogue, state, question, policy)
    parsed = _parse(question, answer)
    if isinstance(parsed, Invalid):
        if means_unknown(answer):
            return _skip(catalogue, state, question, policy)
        return Reprompt(
            question=question, reason=parsed.reason, example=question.example, state=state
        )
    if question.kind == "text" and (means_nothing(answer) or means_unknown(answer)):
        # "nobody" as an owner or "not yet" as a plan is no answer: the field stays empty.
        return _skip(catalogue, state, question, policy)
    return _record(catalogue, state, question, parsed, policy)


def _skip(catalogue: Catalogue, state: InterviewState, question: Question, policy: Policy) -> Step:
    if not question.skippable:
        return Reprompt(
            question=question,
            reason=f"This one cannot be skipped. {question.help}",
            example=question.example,
            state=state,
        )
    return _record(catalogue, state, question, None, policy)


def _parse(question: Question, answer: str) -> Answer | Invalid:
    match question.kind:
        case "text":
            return parse_text(answer)
        case "money":
            return parse_money(answer)
        case "yes_no":
            return parse_yes_no(answer)
        case "choice":
            return parse_choice(answer.strip(), question.choices)
        case _:
            whole = question.field in Proposal.model_fields and _field_kinds(question.field)[2]
            number = parse_number(answer, per_week=question.per_week, whole=whole)
            if isinstance(number, Invalid) or not whole:
                return number
            return int(number)


def _record(
    catalogue: Catalogue,
    state: InterviewState,
    question: Question,
    value: Answer,
    policy: Policy,
) -> Ask | Done:
    answers = {**state.answers, question.id: value}
    history = (*state.history, question.id)
    queue = list(state.follow_up_queue)
    followed_up = list(state.followed_up)
    follow_up_answers = dict(state.follow_up_answers)
    answered_flag = question.follow_up_flag
    if answered_flag is not None and isinstance(value, str):
        follow_up_answers[answered_flag] = value
    if question.answers_follow_up is not None and question.answers_follow_up not in followed_up:
        followed_up.append(question.answers_follow_up)
    if question.kind == "text" and isinstance(value, str):
        watched = [flag for flag in catalogue.follow_ups.flags if flag not in followed_up + queue]
        if watched:
            for signal in detect_in_text(value, question.field, policy, flags=watched):
                if signal.flag not in queue:
                    queue.append(signal.flag)
    after = InterviewState(
        answers=answers,
        history=history,
        follow_up_answers=follow_up_answers,
        prompt_count=len(history),
    )
    while queue:
        flag = queue.pop(0)
        # Only the droppable tail can exhaust the budget; a follow-up past it is dropped.
        if len(history) < catalogue.max_prompts:
            followed_up.append(flag)
            follow_up = catalogue.follow_up_question(flag, policy)
            return Ask(
                question=follow_up,
                state=after.model_copy(
                    update={
                        "current": follow_up.id,
                        "follow_up_queue": tuple(queue),
                        "followed_up": tuple(followed_up),
                        "prompt_count": len(history) + 1,
                    }
                ),
            )
    after = after.model_copy(update={"followed_up": tuple(followed_up)})
    following = _next_question(catalogue, answers, len(history))
    if following is None:
        return _finish(catalogue, after)
    return Ask(
        question=following,
        state=after.model_copy(update={"current": following.id, "prompt_count": len(history) + 1}),
    )


def _next_question(
    catalogue: Catalogue, answers: Mapping[str, Answer], asked: int
) -> Question | None:
    def visit(question: Question) -> Question | None:
        if question.id not in answers:
            if question.droppable and asked >= catalogue.max_prompts:
                return None
            return question
        for target in catalogue.branch_targets(question, answers[question.id]):
            branch_question = catalogue.question(target)
            found = visit(branch_question) if branch_question is not None else None
            if found is not None:
                return found
        return None

    for question in catalogue.main_line:
        found = visit(question)
        if found is not None:
            return found
    return None


def _back(catalogue: Catalogue, state: InterviewState, policy: Policy) -> Step:
    if not state.history:
        first = start(catalogue)
        question = catalogue.question(state.current or "", policy) or first.question
        return Reprompt(
            question=question,
            reason="This is the first question; there is nothing to go back to.",
            example=question.example,
            state=state if state.current else first.state,
        )
    # Replaying the answers before the last one rebuilds everything they implied: branches,
    # queued follow-ups and flags already followed up.
    step: Ask | Done = start(catalogue)
    for question_id in state.history[:-1]:
        if not isinstance(step, Ask) or step.question.id != question_id:
            break
        step = _record(catalogue, step.state, step.question, state.answers.get(question_id), policy)
    return step


def _finish(catalogue: Catalogue, state: InterviewState) -> Done:
    data: dict[str, Answer] = {}
    for question_id in state.history:
        if question_id.startswith(FOLLOW_UP_PREFIX):
            continue
        question = catalogue.question(question_id)
        value = state.answers.get(question_id)
        if question is not None and value is not None:
            data[question.field] = value
    lines = [
        f"Follow-up on {flag.value}: {answer}" for flag, answer in state.follow_up_answers.items()
    ]
    if lines:
        notes = data.get("notes")
        data["notes"] = _within_limit([notes, *lines] if isinstance(notes, str) else lines)
    return Done(
        proposal=Proposal.model_validate(data),
        state=state.model_copy(update={"current": None, "prompt_count": len(state.history)}),
        follow_ups={flag.value: answer for flag, answer in state.follow_up_answers.items()},
    )


def _within_limit(parts: list[str]) -> str:
    text = "\n".join(parts)
    if len(text) <= MAX_TEXT_LENGTH:
        return text
    # The full follow-up answers stay in Done.follow_ups; the notes carry as much as fits.
    return text[: MAX_TEXT_LENGTH - 1].rstrip() + "\u2026"


CATALOGUE: Final[Catalogue] = Catalogue.load()
