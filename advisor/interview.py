"""The interview engine: a pure `advance` from an answer to the next step, and its state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from advisor.answers import Invalid, ToConfirm, means_nothing, means_unknown
from advisor.assessment import Flag
from advisor.catalogue import (
    FOLLOW_UP_PREFIX,
    Answer,
    Catalogue,
    Question,
    follow_up_flag_of,
    parse_answer,
)
from advisor.detectors import detect_in_text
from advisor.policy import DEFAULT, Policy
from advisor.proposal import MAX_TEXT_LENGTH, Proposal

__all__ = [
    "Ask",
    "Cancelled",
    "Done",
    "InterviewState",
    "Position",
    "Reprompt",
    "Step",
    "advance",
    "start",
]

_COMMANDS: Final = {
    "skip": "skip", "pass": "skip", "next": "skip", "skip it": "skip", "skip this": "skip",
    "back": "back", "go back": "back", "previous": "back", "undo": "back",
    "help": "help", "?": "help", "help me": "help", "what do you mean": "help",
    "cancel": "cancel", "stop": "cancel", "quit": "cancel", "exit": "cancel", "abort": "cancel",
    "restart": "restart", "start over": "restart", "start again": "restart", "reset": "restart",
}  # fmt: skip


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
        return follow_up_flag_of(self.current)

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
    parsed = parse_answer(question, answer, policy)
    if isinstance(parsed, ToConfirm):
        raise NotImplementedError  # the engine's confirmation step comes next
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
