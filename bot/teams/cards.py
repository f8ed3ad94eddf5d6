"""Adaptive Cards for Teams: the interview's questions, the verdict, the channel's start card.

Plain JSON dicts (Adaptive Card 1.5, which Teams renders), so they are built and tested without
the optional Teams SDK. The content mirrors the Slack blocks (`bot.slack.blocks`); every string a
person typed goes through `for_teams`, which leaves no HTML tag, `<at>` mention or Markdown link
standing, and our own text may use the Markdown subset cards support (**bold**, lists).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from advisor import CATALOGUE, Assessment, PilotStatus, Position, Question, Signal, UseCase
from bot.neutralise import clip, for_teams, typed_line

__all__ = [
    "ACTION_ANSWER",
    "ACTION_FOLLOW_UP",
    "ACTION_KEY",
    "ACTION_START",
    "CARD_CONTENT_TYPE",
    "COMMAND",
    "WORDS_HINT",
    "answer_position",
    "follow_up_card",
    "help_text",
    "question_card",
    "question_text",
    "start_card",
    "typed",
    "use_case_list_text",
    "verdict_card",
]

CARD_CONTENT_TYPE: Final = "application/vnd.microsoft.card.adaptive"
_SCHEMA: Final = "http://adaptivecards.io/schemas/adaptive-card.json"
_VERSION: Final = "1.5"
# Action.Submit sends its `data` back as the message activity's `value`; this key marks ours.
ACTION_KEY: Final = "mlops"
ACTION_ANSWER: Final = "answer"
ACTION_START: Final = "start"
ACTION_FOLLOW_UP: Final = "follow_up"
# An answer button's `data` key for the interview's position when its card was posted.
_POSITION_KEY: Final = "position"
COMMAND: Final = "mlops-check"
WORDS_HINT: Final = "Type your answer any time, or: skip, back, help, cancel, restart."
# Teams shows a few buttons in a row and folds the rest under "…"; past this many choices the
# card lists the choices and the person types one (typed answers are always accepted).
_BUTTONS_MAX: Final = 6
_TEXT_MAX: Final = 2000
_TITLE_MAX: Final = 300
_EVIDENCE_MAX: Final = 600
_SIGNALS_MAX: Final = 25


def typed(text: str, limit: int, empty: str = "(untitled)") -> str:
    """A person's words on one line, neutralised for Teams and clipped."""
    return typed_line(text, limit, for_teams, empty)


def _source(signal: Signal) -> str:
    """Where a signal's words came from: a free-text field by name, other words by the
    question they answered (the policy's own text)."""
    asked = CATALOGUE.asked_by(signal.field)
    if asked is None:
        return typed(signal.field, 100)
    return f"the answer to *{clip(for_teams(asked), 150)}*"


def _card(
    body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": _SCHEMA,
        "version": _VERSION,
        "body": body,
        # Cards are narrow by default in Teams; a verdict with evidence reads better full width.
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": clip(text, _TEXT_MAX), "wrap": True, **style}


def _submit(title: str, **data: str) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": clip(title, 60, "…"), "data": {**data}}


def _reprompt_lines(reason: str | None, example: str | None) -> list[str]:
    # A re-prompt's reason and example may quote the person's own words.
    lines = []
    if reason is not None:
        lines.append(f"⚠️ {clip(for_teams(reason), _TEXT_MAX // 2)}")
    if example is not None:
        lines.append(f"_For example:_ {clip(for_teams(example), _TEXT_MAX // 2)}")
    return lines


def question_text(
    question: Question, *, reason: str | None = None, example: str | None = None
) -> str:
    """A free-text question as a chat message (Markdown): any re-prompt, the prompt, the hint."""
    lines = [
        *_reprompt_lines(reason, example),
        f"**{clip(question.prompt, _TEXT_MAX)}**",
        WORDS_HINT,
    ]
    return "\n\n".join(lines)


def question_card(
    question: Question,
    *,
    reason: str | None = None,
    example: str | None = None,
    at: Position | None = None,
) -> dict[str, Any] | None:
    """A question with choices as a card with a button per choice; None for a free-text one.

    The button sends the choice's value, as if typed; so does typing it. With `at` (the
    interview's position as the card is posted) it sends that too, read back by
    `answer_position`: a card stays clickable in the chat long after its question is answered.
    """
    options = question.options
    if not options:
        return None
    body = [_text(line, color="Warning") for line in _reprompt_lines(reason, example)]
    body.append(_text(question.prompt, weight="Bolder"))
    shown = options if len(options) <= _BUTTONS_MAX else []
    if not shown:
        listed = "\n".join(f"- {label}" for label, _ in options)
        body.append(_text(f"Type one of:\n{listed}"))
    body.append(_text(WORDS_HINT, isSubtle=True, size="Small"))
    bound = {} if at is None else {_POSITION_KEY: at.encode()}
    actions = [
        _submit(label, **{ACTION_KEY: ACTION_ANSWER, "value": value, **bound})
        for label, value in shown
    ]
    return _card(body, actions)


def answer_position(data: Mapping[str, Any]) -> Position | None:
    """The position an answer button's card was posted at (see `question_card`); None for a
    card posted before cards carried one."""
    return Position.decode(data.get(_POSITION_KEY))


def verdict_card(
    title: str, assessment: Assessment, *, use_case_id: int | None = None
) -> dict[str, Any]:
    """The verdict, as in Slack: tier, the three scores, each risk signal with the words that
    triggered it, the recommended setup, next steps and the questions for the proposer."""
    scores = assessment.scores
    number = "" if use_case_id is None else f" · #{use_case_id}"
    body: list[dict[str, Any]] = [
        _text(assessment.tier.label, size="Large", weight="Bolder"),
        _text(f"**{typed(title, _TITLE_MAX)}**{number}"),
        {
            "type": "FactSet",
            "facts": [{"title": name, "value": f"{score}/100"} for name, score in scores.named()],
        },
        _text(f"**Recommended setup**\n\n{assessment.recommended_setup}"),
    ]
    signals = assessment.signals
    if signals:
        shown = signals[:_SIGNALS_MAX]
        items = [
            _text(
                f"🚩 **{signal.flag.value}** · from {_source(signal)}: "
                f"\u201c{typed(signal.evidence, _EVIDENCE_MAX, empty='')}\u201d"
            )
            for signal in shown
        ]
        if len(shown) < len(signals):
            rest = signals[len(shown) :]
            names = ", ".join(dict.fromkeys(signal.flag.value for signal in rest))
            items.append(
                _text(f"…and {len(rest)} more pieces of evidence ({names}).", isSubtle=True)
            )
        body.append({"type": "Container", "separator": True, "items": items})
    if assessment.next_steps:
        steps = "\n".join(f"{n}. {step}" for n, step in enumerate(assessment.next_steps, start=1))
        body.append(_text(f"**Next steps**\n\n{steps}", separator=True))
    if assessment.follow_up_questions:
        asked = "\n".join(f"- {question}" for question in assessment.follow_up_questions)
        body.append(_text(f"**Questions for the proposer**\n\n{asked}"))
    if use_case_id is not None:
        body.append(_text(f"Use case #{use_case_id}", isSubtle=True, size="Small"))
    return _card(body)


def follow_up_card(title: str, due_key: str, questions: Sequence[str]) -> dict[str, Any]:
    """A follow-up after a verdict, in the proposer's chat: the policy's questions and a button
    per pilot status; a typed reply answers too."""
    asked = "\n".join(f"- {clip(question, 300)}" for question in questions)
    return _card(
        [
            _text(f"A {due_key} follow-up on **{typed(title, _TITLE_MAX)}**:"),
            _text(asked),
            _text(
                "Pick the pilot's status, or reply here in your own words.",
                isSubtle=True,
                size="Small",
            ),
        ],
        [
            _submit(
                status.value.capitalize(), **{ACTION_KEY: ACTION_FOLLOW_UP, "status": status.value}
            )
            for status in PilotStatus
        ],
    )


def start_card(starter_name: str | None) -> dict[str, Any]:
    """The channel's answer to `@MLOps Advisor mlops-check`: the interview happens in private."""
    who = typed(starter_name or "", 100, empty="")
    greeting = f"{who}, let's" if who else "Let's"
    return _card(
        [
            _text("MLOps check", size="Medium", weight="Bolder"),
            _text(
                f"{greeting} look at how much MLOps your machine-learning idea really needs. "
                "The interview runs in a private chat with me; the verdict comes back there."
            ),
        ],
        [_submit("Start in a private chat", **{ACTION_KEY: ACTION_START})],
    )


def help_text(*, in_channel: bool, group_chat: bool = False) -> str:
    """What the advisor understands, in a personal chat or (mentioned) in a channel or, with
    `group_chat`, a group chat."""
    if in_channel:
        here = "this chat" if group_chat else "this channel"
        lines = [
            f"**@MLOps Advisor {COMMAND}**: start an MLOps check (the interview runs in a "
            "private chat)",
            "**@MLOps Advisor digest subscribe [weekly|biweekly|monthly] [mon..sun] [HH:MM] "
            f"[Area/City]**: {here} gets the leadership digest (admins)",
            f"**@MLOps Advisor digest unsubscribe**: {here} gets no more digests (admins)",
            "**@MLOps Advisor digest list**, **digest preview**: the subscriptions, and the "
            "digest of the last 7 days",
        ]
    else:
        lines = [
            f"**{COMMAND} [title]**: start a check of a use case: a short interview, a verdict",
            "**list**: your checks and their verdicts",
            "**show ID**, **delete ID**: one of your checks' verdict; delete one",
            "**help**: this message",
            f"During a check: {WORDS_HINT.removeprefix('Type your answer any time, or: ')}",
        ]
    return "How much MLOps does a machine-learning idea really need? Ask me:\n\n" + "\n".join(
        f"- {line}" for line in lines
    )


def use_case_list_text(use_cases: Sequence[UseCase]) -> str:
    """The person's checks, newest first, one line each (titles neutralised)."""
    if not use_cases:
        return f"You have no checks yet. Type **{COMMAND}** to start one."
    lines = []
    for use_case in use_cases:
        verdict = (
            use_case.latest.assessment.tier.label
            if use_case.latest is not None
            else use_case.status.value.replace("_", " ")
        )
        lines.append(f"- **#{use_case.id}** {typed(use_case.title, 200)} · {verdict}")
    return "**Your checks**\n\n" + "\n".join(lines)
