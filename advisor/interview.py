"""The interview engine: a pure `advance` from an answer to the next step, and its state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from advisor.answers import Invalid, ToConfirm, means_nothing, means_unknown, parse_yes_no
from advisor.assessment import Flag
from advisor.catalogue import (
    FOLLOW_UP_PREFIX,
    Answer,
    Catalogue,
    Choice,
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
    "Pending",
    "Position",
    "Proposed",
    "Reprompt",
    "Step",
    "advance",
    "start",
]

# An answer of at most this many words says no more than its value ("about 300", "yes we do").
_CLEAR_ANSWER_WORDS: Final = 3

_COMMANDS: Final = {
    "skip": "skip", "pass": "skip", "next": "skip", "skip it": "skip", "skip this": "skip",
    "back": "back", "go back": "back", "previous": "back", "undo": "back",
    "help": "help", "?": "help", "help me": "help", "what do you mean": "help",
    "cancel": "cancel", "stop": "cancel", "quit": "cancel", "exit": "cancel", "abort": "cancel",
    "restart": "restart", "start over": "restart", "start again": "restart", "reset": "restart",
}  # fmt: skip


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Proposed(_Frozen):
    """A value read from an answer, waiting for the person to confirm it, and how it was read."""

    # Strict, so that a stored `true` stays a bool and 1.0 stays a float when the state loads.
    value: StrictBool | StrictInt | StrictFloat | StrictStr
    how: str


class Pending(_Frozen):
    """What the open question's last answer was read as, to be confirmed or corrected."""

    readings: tuple[Proposed, ...] = Field(min_length=1)
    hedged: bool = False


class InterviewState(_Frozen):
    """Where an interview stands; adapters store it as JSON after every answer.

    `answers` holds the parsed answer of every question in `history` (None when skipped),
    follow-ups included; `current` is the question being asked, None once the interview is done.
    `said` keeps, by question id, the words typed for answers whose value is not those words
    (a choice, a number, yes/no), re-asked ones included; `typed` gathers them for the open
    question until it is answered. `uncertain` names the fields the person called a guess.
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
    said: dict[str, str] = {}
    typed: str = ""
    pending: Pending | None = None
    uncertain: tuple[str, ...] = ()

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
        if state.pending is not None:
            return _confirm(question, state.pending, state)
        return Reprompt(
            question=question, reason=question.help, example=question.example, state=state
        )
    if command == "skip":
        return _skip(catalogue, state, question, policy)
    if state.pending is not None:
        pending = state.pending
        state = state.model_copy(update={"pending": None})
        chosen = _chosen(pending, answer)
        if chosen is False:
            return Reprompt(
                question=question,
                reason="Then please type the answer as you mean it.",
                example=question.example,
                state=state,
            )
        if chosen is not None:
            return _record(catalogue, state, question, chosen.value, policy, hedged=pending.hedged)
        # Anything else is a new answer to the same question, read afresh.
    return _read(catalogue, state, question, answer, policy)


def _read(
    catalogue: Catalogue, state: InterviewState, question: Question, answer: str, policy: Policy
) -> Step:
    parsed = parse_answer(question, answer, policy)
    if question.kind != "text" and not _is_clear(answer, parsed):
        # Kept whatever becomes of the answer: re-asked or not, these words are the person's.
        state = state.model_copy(update={"typed": _joined(state.typed, answer)})
    if isinstance(parsed, ToConfirm):
        readings = tuple(Proposed(value=r.value, how=r.how) for r in parsed.readings)
        pending = Pending(readings=readings, hedged=parsed.hedged)
        return _confirm(question, pending, state.model_copy(update={"pending": pending}))
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


def _is_clear(answer: str, parsed: Answer | Invalid | ToConfirm) -> bool:
    """Whether the answer is no more than its value: a button's value, "200k", "yes", "2", or
    a plain "don't know". Such answers add nothing to keep beside the value; anything else,
    a sentence or an answer not understood, is kept as said."""
    if means_unknown(answer):
        return True
    if isinstance(parsed, Invalid | ToConfirm):
        return False
    return len(answer.split()) <= _CLEAR_ANSWER_WORDS


def _chosen(pending: Pending, answer: str) -> Proposed | Literal[False] | None:
    """The reading an answer picks (a button's value, its number, or yes to a single reading);
    False for a plain no to a single reading; None when it is a new answer instead."""
    text = " ".join(answer.lower().split()).strip(" .!")
    for number, reading in enumerate(pending.readings, start=1):
        if text in {_token(reading.value), str(number), reading.how.lower()}:
            return reading
    if len(pending.readings) == 1 and len(text.split()) <= _CLEAR_ANSWER_WORDS:
        yes = parse_yes_no(text)
        if isinstance(yes, bool):
            return pending.readings[0] if yes else False
    return None


def _confirm(question: Question, pending: Pending, state: InterviewState) -> Reprompt:
    """Ask the person to confirm what their answer was read as: the readings as buttons (or
    numbered in a terminal), each pressing the value as if typed; typing anything else answers
    the question afresh."""
    readings = pending.readings
    if len(readings) == 1:
        reason = (
            f"I read {readings[0].how}. Is that right? Choose it below, or type the right answer."
        )
        labels = [f"Yes: {readings[0].how}"]
    else:
        listed = "; ".join(reading.how for reading in readings)
        reason = (
            f"That could mean: {listed}. Which did you mean? Choose one below, or type your answer."
        )
        labels = [reading.how for reading in readings]
    if pending.hedged:
        reason += " You called it a guess, so the verdict will treat it as unproven."
    choices = tuple(
        Choice(value=_token(reading.value), label=label)
        for reading, label in zip(readings, labels, strict=True)
    )
    # The same question (and so the same position) offering the readings instead of its own
    # options: every channel already renders a question with choices as buttons.
    offered = question.model_copy(update={"kind": "choice", "choices": choices, "branches": ()})
    return Reprompt(question=offered, reason=reason, example=question.example, state=state)


def _token(value: bool | int | float | str) -> str:
    """A reading's value as the text a button sends and a person may type."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _joined(before: str, words: str) -> str:
    text = "\n".join(part for part in (before, words.strip()) if part)
    return text[-MAX_TEXT_LENGTH:]


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
    *,
    hedged: bool = False,
) -> Ask | Done:
    answers = {**state.answers, question.id: value}
    said = {key: words for key, words in state.said.items() if key != question.id}
    if state.typed:
        said[question.id] = state.typed
    uncertain = tuple(field for field in state.uncertain if field != question.field)
    if hedged and value is not None:
        uncertain += (question.field,)
    history = (*state.history, question.id)
    queue = list(state.follow_up_queue)
    followed_up = list(state.followed_up)
    follow_up_answers = dict(state.follow_up_answers)
    answered_flag = question.follow_up_flag
    if answered_flag is not None and isinstance(value, str):
        follow_up_answers[answered_flag] = value
    if question.answers_follow_up is not None and question.answers_follow_up not in followed_up:
        followed_up.append(question.answers_follow_up)
    words = value if question.kind == "text" and isinstance(value, str) else state.typed
    if words:
        # A branch that asks the follow-up's question in its own words (the vendor wording of
        # the problem question) is about to come: the follow-up would ask it twice.
        routed = [catalogue.question(t) for t in catalogue.branch_targets(question, value)]
        answered_next = [q.answers_follow_up for q in routed if q is not None]
        skipped = followed_up + queue + answered_next
        watched = [flag for flag in catalogue.follow_ups.flags if flag not in skipped]
        if watched:
            for signal in detect_in_text(words, question.field, policy, flags=watched):
                if signal.flag not in queue:
                    queue.append(signal.flag)
    after = InterviewState(
        answers=answers,
        history=history,
        follow_up_answers=follow_up_answers,
        prompt_count=len(history),
        said=said,
        uncertain=uncertain,
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
        # The words and the guesses go along with the answers they came with.
        replayed = step.state.model_copy(update={"typed": state.said.get(question_id, "")})
        question = step.question
        hedged = question.field in state.uncertain
        step = _record(
            catalogue, replayed, question, state.answers.get(question_id), policy, hedged=hedged
        )
    return step


def _finish(catalogue: Catalogue, state: InterviewState) -> Done:
    data: dict[str, object] = {}
    said: dict[str, str] = {}
    followed_up = [flag.value for flag in state.follow_up_answers]
    for question_id in state.history:
        question = catalogue.question(question_id)
        if question is None or question_id.startswith(FOLLOW_UP_PREFIX):
            continue
        value = state.answers.get(question_id)
        if value is not None:
            data[question.field] = value
            if question.answers_follow_up is not None:
                followed_up.append(question.answers_follow_up.value)
        if question_id in state.said:
            said[question.field] = state.said[question_id]
    # Follow-up answers are kept under their flag, in the person's words only: a label of ours
    # in the notes would be read (and quoted) as theirs.
    for flag, answer in state.follow_up_answers.items():
        said[f"{FOLLOW_UP_PREFIX}{flag.value}"] = answer[:MAX_TEXT_LENGTH]
    data.update(said=said, uncertain=state.uncertain, followed_up=tuple(dict.fromkeys(followed_up)))
    return Done(
        proposal=Proposal.model_validate(data),
        state=state.model_copy(update={"current": None, "prompt_count": len(state.history)}),
        follow_ups={flag.value: answer for flag, answer in state.follow_up_answers.items()},
    )
