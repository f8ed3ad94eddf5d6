"""`/mlops-check form`: the interview as a paged modal, driven by the same engine as the thread.

Pure: no Slack calls and no database; bot/slack/app.py loads and saves a `FormState` and renders
pages with bot.slack.blocks.form_view.

How a page is made: it starts at the question the engine is waiting on and lists the questions
the engine would ask next (found by answering `skip`, or the example for the required title), up
to `PAGE_SIZE`. A page ends after a question that branches (origin, pilot_status), since what
follows depends on the answer, and the closing droppable question (notes) gets a page of its
own, since the engine leaves it out when follow-ups spent the budget.

How a page is answered: every answer is first checked on its own (the engine on a one-question
state), so all of a page's mistakes come back at once as inline errors. Then the answers are fed
to `advance` in order, exactly as chat replies would be. A free-text answer may raise a follow-up
question that was not on the page: the rest of the page's answers wait (`pending`), the next page
asks the follow-up(s), and the waiting answers are fed right after them.

Where the state lives: a page's answers can be 3,000 characters per field, far more than
`private_metadata` holds (3,000 in all). So the form's state is kept in the database, as an
interview session under `FormMeta.key` (read and saved in the view_submission listener before it
acknowledges: two single-row statements); `private_metadata` carries only the workspace, the
channel the command was typed in, a random token naming the session and the page number.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from advisor import (
    DEFAULT,
    Ask,
    Catalogue,
    Done,
    InterviewState,
    Policy,
    Proposal,
    Question,
    Reprompt,
    Step,
    advance,
    start,
)

__all__ = [
    "FORM_KEY_PREFIX",
    "PAGE_SIZE",
    "Finished",
    "FormMeta",
    "FormState",
    "NextPage",
    "PageErrors",
    "answers_from_values",
    "new_form",
    "page_questions",
    "plan_page",
    "submit_page",
]

PAGE_SIZE: Final = 6
FORM_KEY_PREFIX: Final = "slack-form"
# What an empty, optional field means to the engine.
_SKIP: Final = "skip"
# `cancel`, `back` and `restart` steer a chat; in a form they would throw answers away.
_COMMAND_REASON: Final = (
    "Words like cancel, back and restart steer the chat. Write a fuller answer, or leave it empty."
)
_STALE_REASON: Final = "An earlier answer no longer fits. Check this page and send it again."


class FormState(BaseModel):
    """A form under way: the engine's state, the page shown, and answers not yet fed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    state: InterviewState
    page: tuple[str, ...]
    number: int = 1
    last: bool = False
    # (question id, answer) typed on an earlier page, waiting while a follow-up is asked first.
    pending: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PageErrors:
    """The page goes back with these reasons, by question id (the input block's id)."""

    errors: dict[str, str]


@dataclass(frozen=True, slots=True)
class NextPage:
    form: FormState


@dataclass(frozen=True, slots=True)
class Finished:
    form: FormState
    proposal: Proposal


@dataclass(frozen=True, slots=True)
class FormMeta:
    """What a modal's `private_metadata` carries: a few ids, never an answer."""

    team: str
    channel: str
    token: str
    page: int = 1

    def encode(self) -> str:
        data = {"t": self.team, "c": self.channel, "k": self.token, "n": self.page}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> FormMeta | None:
        try:
            data = json.loads(text or "")
            meta = cls(
                team=str(data["t"]), channel=str(data["c"]), token=str(data["k"]), page=data["n"]
            )
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(meta.page, int) or not meta.token or not meta.channel:
            return None
        return meta

    def key(self, user: str) -> str:
        """The interview session of this form; the user's id in it keeps it theirs."""
        return f"{FORM_KEY_PREFIX}:{self.team}:{user}:{self.token}"

    def at_page(self, page: int) -> FormMeta:
        return FormMeta(team=self.team, channel=self.channel, token=self.token, page=page)


def new_form(catalogue: Catalogue, policy: Policy = DEFAULT) -> FormState:
    """The first page of a fresh form, from the catalogue alone (no database: trigger ids expire
    in 3 seconds)."""
    state = start(catalogue).state
    questions, last = plan_page(catalogue, state, policy)
    return FormState(state=state, page=tuple(q.id for q in questions), last=last)


def page_questions(
    catalogue: Catalogue, form: FormState, policy: Policy = DEFAULT
) -> list[Question]:
    """The questions of the page shown now."""
    found = (catalogue.question(question_id, policy) for question_id in form.page)
    return [question for question in found if question is not None]


def plan_page(
    catalogue: Catalogue,
    state: InterviewState,
    policy: Policy = DEFAULT,
    *,
    stop_at: Collection[str] = (),
) -> tuple[list[Question], bool]:
    """The questions of the page starting at `state.current`, and whether none should follow.

    `stop_at`: question ids already answered (pending), where the page must end.
    """
    questions: list[Question] = []
    while len(questions) < PAGE_SIZE and state.current is not None:
        question = catalogue.question(state.current, policy)
        if question is None or question.id in stop_at:
            break
        if questions and question.droppable:
            break
        if questions and question.follow_up_flag and not questions[-1].follow_up_flag:
            # Raised by a placeholder answer, not by the person: it cannot be foreseen.
            break
        questions.append(question)
        if question.branches:
            break
        placeholder = _SKIP if question.skippable else question.example
        step = advance(catalogue, state, placeholder, policy=policy)
        if isinstance(step, Done):
            return questions, True
        if not isinstance(step, Ask):
            break
        state = step.state
    return questions, False


def answers_from_values(values: Mapping[str, Any]) -> dict[str, str]:
    """A view_submission's `state.values` as answer texts by block id (= question id).

    Modal inputs arrive raw (not Slack-escaped): they are used as typed. A select or radio
    button gives its option's value; an empty field gives "".
    """
    answers: dict[str, str] = {}
    for block_id, actions in values.items():
        if not isinstance(actions, Mapping):
            continue
        for element in actions.values():
            if not isinstance(element, Mapping):
                continue
            if "selected_option" in element:
                option = element.get("selected_option")
                value = option.get("value") if isinstance(option, Mapping) else None
            else:
                value = element.get("value")
            answers[str(block_id)] = value if isinstance(value, str) else ""
            break
    return answers


def submit_page(
    catalogue: Catalogue,
    form: FormState,
    answers: Mapping[str, str],
    policy: Policy = DEFAULT,
) -> PageErrors | NextPage | Finished:
    """Feed a page's answers through the engine: errors to show, the next page, or the proposal."""
    questions = page_questions(catalogue, form, policy)
    texts = {q.id: (answers.get(q.id) or "").strip() or _SKIP for q in questions}
    errors = {
        q.id: reason
        for q in questions
        if (reason := _problem(catalogue, q, texts[q.id], policy)) is not None
    }
    if errors:
        return PageErrors(errors)

    queue = [(q.id, texts[q.id]) for q in questions] + list(form.pending)
    state = form.state
    while queue and state.current == queue[0][0]:
        question_id, text = queue.pop(0)
        step = advance(catalogue, state, text, policy=policy)
        if not _progressed(step, state, question_id) and question_id not in texts:
            # A waiting answer that no longer fits (it passed on its own): it is skipped.
            step = advance(catalogue, state, _SKIP, policy=policy)
        if not _progressed(step, state, question_id):
            where = question_id if question_id in texts else questions[0].id
            reason = _reason(step) if where == question_id else None
            return PageErrors({where: reason or _STALE_REASON})
        state = step.state
        if isinstance(step, Done):
            done = form.model_copy(update={"state": state, "page": (), "pending": (), "last": True})
            return Finished(done, step.proposal)

    waiting = {question_id for question_id, _ in queue}
    page, last = plan_page(catalogue, state, policy, stop_at=waiting)
    if not page:
        # Nothing fits the waiting answers any more (cannot happen with a valid catalogue):
        # they are dropped rather than leaving the person stuck on an empty page.
        queue = []
        page, last = plan_page(catalogue, state, policy)
    return NextPage(
        FormState(
            state=state,
            page=tuple(q.id for q in page),
            number=form.number + 1,
            last=last,
            pending=tuple(queue),
        )
    )


def _problem(catalogue: Catalogue, question: Question, text: str, policy: Policy) -> str | None:
    """Why the engine would not take `text` for `question`, asked on its own; None if it would."""
    # As if one question came before, so that `back` reads as the command it is everywhere.
    first = catalogue.main_line[0].id
    trial = InterviewState(
        answers={first: None}, history=(first,), current=question.id, prompt_count=2
    )
    step = advance(catalogue, trial, text, policy=policy)
    if _progressed(step, trial, question.id):
        return None
    return _reason(step) or _COMMAND_REASON


def _reason(step: Step) -> str | None:
    """What the form shows under an answer the engine did not take.

    A form has no buttons to confirm a reading with ("maybe 800k?" read as €800,000 a year):
    it says what to type to keep a reading, which the engine then takes as it is.
    """
    if not isinstance(step, Reprompt):
        return None
    if step.state.pending is None:
        return step.reason
    typed = [value for _, value in step.question.options]
    readings = [reading.how for reading in step.state.pending.readings]
    if len(readings) == 1:
        return f"I read {readings[0]}: type {typed[0]} to keep it, or type the right answer."
    ways = " or ".join(f"{how} (type {value})" for how, value in zip(readings, typed, strict=True))
    return f"That could mean {ways}: type the one you mean."


def _progressed(step: Step, before: InterviewState, question_id: str) -> bool:
    # An answer recorded for this very question; a command (back, restart, cancel) is not one.
    return isinstance(step, Ask | Done) and step.state.history == (*before.history, question_id)
