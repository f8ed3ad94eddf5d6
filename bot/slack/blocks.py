"""Block Kit messages for the Slack app: pure builders that fit Slack's limits for any input."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.metadata import Metadata
from slack_sdk.models.views import View

from advisor import (
    CATALOGUE,
    Assessment,
    PortfolioSummary,
    Position,
    Question,
    Signal,
    Tier,
    UseCase,
)
from bot.neutralise import TRUNCATED, clip, for_slack, typed_line

__all__ = [
    "ANSWER_ACTION_PREFIX",
    "BUTTON_NOTE",
    "BUTTON_TEXT_MAX",
    "BUTTON_VALUE_MAX",
    "COMMAND",
    "FIELD_TEXT_MAX",
    "FORM_ANSWER_ACTION",
    "FORM_CALLBACK_ID",
    "FORM_ERROR_MAX",
    "FORM_INPUT_MAX",
    "HEADER_TEXT_MAX",
    "ID_MAX",
    "MESSAGE_BLOCKS_MAX",
    "METADATA_EVENT_TYPE",
    "MODAL_TEXT_MAX",
    "PERMALINK",
    "SECTION_TEXT_MAX",
    "TEXT_FALLBACK_MAX",
    "VIEW_BLOCKS_MAX",
    "WORDS_HINT",
    "answer_position",
    "form_error_text",
    "form_root_blocks",
    "form_view",
    "help_blocks",
    "mention",
    "portfolio_totals_blocks",
    "question_blocks",
    "root_blocks",
    "use_case_list_blocks",
    "verdict_blocks",
    "verdict_metadata",
    "verdict_text",
]

# Slack's limits (see /work/shared/slack-platform.md). slack_sdk checks some of them when a block
# is serialised; the block count per message and the length of section fields it does not.
MESSAGE_BLOCKS_MAX: Final = 50
VIEW_BLOCKS_MAX: Final = 100
HEADER_TEXT_MAX: Final = 150
SECTION_TEXT_MAX: Final = 3000
FIELD_TEXT_MAX: Final = 2000
BUTTON_TEXT_MAX: Final = 75
BUTTON_VALUE_MAX: Final = 2000
ID_MAX: Final = 255
ACTIONS_ELEMENTS_MAX: Final = 25
# The notification fallback `text` may be 40,000 characters; nobody reads more than this.
TEXT_FALLBACK_MAX: Final = 3000

# A button is too narrow for the long note; a lone ellipsis still shows the label was cut.
BUTTON_NOTE: Final = "…"
ANSWER_ACTION_PREFIX: Final = "mlops_answer"
COMMAND: Final = "/mlops-check"
METADATA_EVENT_TYPE: Final = "mlops_assessment_completed"
WORDS_HINT: Final = "Reply in this thread. Any time: skip, back, help, cancel, restart."

# The form (`/mlops-check form`): a modal's title, submit and close are 24 characters at most;
# an input takes 3000 characters (our answers 4000; Slack's input is the tighter); an inline
# error 150; a select option's text 75 and its value 150, a select 100 options.
FORM_CALLBACK_ID: Final = "mlops_form"
FORM_ANSWER_ACTION: Final = "answer"
MODAL_TEXT_MAX: Final = 24
FORM_INPUT_MAX: Final = 3000
FORM_ERROR_MAX: Final = 150
INPUT_LABEL_MAX: Final = 2000
PLACEHOLDER_MAX: Final = 150
OPTION_TEXT_MAX: Final = 75
OPTION_VALUE_MAX: Final = 150
SELECT_OPTIONS_MAX: Final = 100
# Fields answered in paragraphs rather than a line.
_MULTILINE_FIELDS: Final = frozenset({"problem", "operating_plan", "notes"})

# Slack user ids (U…, or W… on Enterprise Grid). Anything else is shown, escaped, as text.
_USER_ID: Final = re.compile(r"[UW][A-Z0-9]{2,}")
# A proposer id longer than this is not an id; shown as text, it need not fill the line.
_SHOWN_ID_MAX: Final = 60


def question_blocks(
    question: Question,
    *,
    reason: str | None = None,
    example: str | None = None,
    number: int | None = None,
    at: Position | None = None,
) -> list[Block]:
    """One interview question: prompt, answer buttons, the commands hint and any re-prompt reason.

    `reason` and `example` (from a Reprompt) may quote the person's own words: they are
    neutralised. Buttons carry `action_id` `mlops_answer:<index>` (unique within a message, as
    Slack requires per block), followed by `:<position>` when `at` is given (the interview's
    position when the question is posted, read back by `answer_position`), and the choice's
    value; the index is authoritative.
    """
    blocks: list[Block] = []
    if reason is not None or example is not None:
        lines = []
        if reason is not None:
            lines.append(f":warning: {clip(for_slack(reason), SECTION_TEXT_MAX // 2)}")
        if example is not None:
            lines.append(f"_For example:_ {clip(for_slack(example), SECTION_TEXT_MAX // 2 - 30)}")
        blocks.append(_section("\n".join(lines)))
    prefix = f"{number}. " if number is not None else ""
    # Clip inside the asterisks so the bold survives the cut.
    prompt = clip(prefix + question.prompt, SECTION_TEXT_MAX - 2)
    blocks.append(_section(f"*{prompt}*"))

    options = question.options
    room = MESSAGE_BLOCKS_MAX - len(blocks) - 2  # the hint, and a line for buttons left out
    shown = options[: room * ACTIONS_ELEMENTS_MAX]
    for start in range(0, len(shown), ACTIONS_ELEMENTS_MAX):
        buttons = [
            _answer_button(index, label, value, at)
            for index, (label, value) in enumerate(
                shown[start : start + ACTIONS_ELEMENTS_MAX], start=start
            )
        ]
        blocks.append(ActionsBlock(elements=buttons))
    if len(options) > len(shown):
        blocks.append(_context(f"…and {len(options) - len(shown)} more choices: type yours."))
    blocks.append(_context(WORDS_HINT))
    return blocks


def verdict_blocks(
    title: str, assessment: Assessment, *, use_case_id: int | None = None
) -> list[Block]:
    """The verdict: tier, three scores, each flag with its quoted evidence, setup and next steps.

    The title and the evidence are the proposer's words and are neutralised; the tier label,
    setup, steps and questions come from our policy and go in as they are, clipped.
    """
    scores = assessment.scores
    head: list[Block] = [
        HeaderBlock(text=_plain(assessment.tier.label, HEADER_TEXT_MAX)),
        _section(f"*{_typed(title, SECTION_TEXT_MAX - 40)}*{_id(use_case_id)}"),
        SectionBlock(
            fields=[
                _mrkdwn(f"*{name}*\n{score}/100", FIELD_TEXT_MAX) for name, score in scores.named()
            ]
        ),
        _section(f"*Recommended setup*\n{assessment.recommended_setup}"),
    ]
    tail: list[Block] = [DividerBlock()]
    if assessment.next_steps:
        steps = (f"{n}. {step}" for n, step in enumerate(assessment.next_steps, start=1))
        tail.append(_section("*Next steps*\n" + "\n".join(steps)))
    if assessment.follow_up_questions:
        questions = (f"• {question}" for question in assessment.follow_up_questions)
        tail.append(_section("*Questions for the proposer*\n" + "\n".join(questions)))
    if use_case_id is not None:
        tail.append(_context(f"Use case #{use_case_id} · `{COMMAND} show {use_case_id}`"))

    flags: list[Block] = []
    if assessment.signals:
        flags.append(DividerBlock())
        room = MESSAGE_BLOCKS_MAX - len(head) - len(tail) - len(flags)
        signals = assessment.signals
        shown = signals if len(signals) <= room else signals[: room - 1]
        for signal in shown:
            label = f"*:triangular_flag_on_post: {signal.flag.value}* · from {_source(signal)}\n"
            evidence = clip(
                _one_line(for_slack(signal.evidence)), SECTION_TEXT_MAX - len(label) - 2
            )
            flags.append(_section(f"{label}\u201c{evidence}\u201d"))
        if len(shown) < len(signals):
            rest = signals[len(shown) :]
            names = ", ".join(dict.fromkeys(signal.flag.value for signal in rest))
            flags.append(_context(f"…and {len(rest)} more pieces of evidence ({names})."))
    return [*head, *flags, *tail]


def verdict_text(title: str, assessment: Assessment, *, use_case_id: int | None = None) -> str:
    """The plain `text` of a verdict message: what notifications and screen readers show."""
    scores = assessment.scores
    flags = ", ".join(flag.value for flag in assessment.flags) or "none"
    text = (
        f"{assessment.tier.label}{_id(use_case_id)}: {_typed(title, TEXT_FALLBACK_MAX)}. "
        f"Business case {scores.business_case}/100, MLOps need {scores.mlops_need}/100, "
        f"readiness {scores.readiness}/100. Flags: {flags}."
    )
    return clip(text, TEXT_FALLBACK_MAX)


def verdict_metadata(use_case_id: int, assessment: Assessment) -> dict[str, Any]:
    """Message metadata so other automations can read the verdict without parsing the text."""
    payload = {
        "use_case_id": use_case_id,
        "tier": assessment.tier.value,
        "flags": [flag.value for flag in assessment.flags],
        "scores": assessment.scores.model_dump(mode="json"),
    }
    return Metadata(event_type=METADATA_EVENT_TYPE, event_payload=payload).to_dict()


def mention(user_id: str | None) -> str | None:
    """`<@U…>` for a well-formed Slack user id, else None: the only mention the app builds."""
    return f"<@{user_id}>" if user_id and _USER_ID.fullmatch(user_id) else None


def root_blocks(
    proposer_id: str,
    title: str | None,
    *,
    tier: Tier | None = None,
    use_case_id: int | None = None,
) -> list[Block]:
    """The root message of a use case's thread; posted at the start, updated with the tier.

    The proposer mention is the only mention the app builds, and only from a well-formed user id.
    """
    who = mention(proposer_id) or _typed(proposer_id, _SHOWN_ID_MAX, empty="Someone")
    if title is None:
        line = f"{who} started an MLOps check{_id(use_case_id)}."
    else:
        shown = _typed(title, SECTION_TEXT_MAX - len(who) - 60)
        line = f"{who} started an MLOps check{_id(use_case_id)}: *{shown}*"
    blocks: list[Block] = [_section(line)]
    if tier is None:
        blocks.append(_context("Answer the questions in this thread; the verdict lands here."))
    else:
        blocks.append(_section(f"Verdict: *{tier.label}*"))
        if use_case_id is not None:
            blocks.append(_context(f"Details: `{COMMAND} show {use_case_id}`"))
    return blocks


def form_view(
    questions: Sequence[Question],
    *,
    page: int,
    private_metadata: str,
    total: int | None = None,
    title: str = "MLOps check",
    submit: str = "Next",
    initial: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A page of the form as a modal: one input block per question, block_id = question id.

    Only questions that cannot be skipped (the title) are required. Numbers and money are text
    inputs, read by the engine like chat replies ("200k a year"); choices are a select whose
    option values are the choice values (or, past Slack's limit, the 1-based index the engine
    also reads); yes/no are radio buttons. `initial` prefills answers by question id, as raw
    text (inputs show it literally). Validated by slack_sdk when serialised.
    """
    where = f"Page {page}" if total is None else f"Page {page} of {total}"
    blocks: list[Block] = [
        _context(f"{where} · Only the title is required; answer the rest as you would in chat.")
    ]
    if any(question.follow_up_flag is not None for question in questions):
        blocks.append(_section("One of your answers raised a question before we go on."))
    room = VIEW_BLOCKS_MAX - len(blocks)
    prefill = initial or {}
    blocks.extend(_form_input(question, prefill.get(question.id)) for question in questions[:room])
    view = View(
        type="modal",
        callback_id=FORM_CALLBACK_ID,
        title=_plain(title, MODAL_TEXT_MAX, BUTTON_NOTE),
        submit=_plain(submit, MODAL_TEXT_MAX, BUTTON_NOTE),
        close=_plain("Cancel", MODAL_TEXT_MAX, BUTTON_NOTE),
        blocks=blocks,
        private_metadata=private_metadata,
        notify_on_close=True,
    )
    return view.to_dict()


def form_error_text(reason: str) -> str:
    """An inline error under a form input: it may quote the person's words, so neutralised."""
    return clip(_one_line(for_slack(reason)), FORM_ERROR_MAX) or "Please check this answer."


def form_root_blocks(proposer_id: str, title: str | None) -> list[Block]:
    """The root message of a check described in the form; updated with the verdict like any."""
    line = root_blocks(proposer_id, title)[0]
    return [line, _context("Described in a form; the verdict follows in this thread.")]


def _form_input(question: Question, initial: str | None) -> InputBlock:
    element: PlainTextInputElement | StaticSelectElement | RadioButtonsElement
    if question.kind == "choice":
        options = [
            Option(
                text=_plain(choice.label, OPTION_TEXT_MAX, BUTTON_NOTE),
                value=choice.value if len(choice.value) <= OPTION_VALUE_MAX else str(number),
            )
            for number, choice in enumerate(question.choices[:SELECT_OPTIONS_MAX], start=1)
        ]
        element = StaticSelectElement(
            action_id=FORM_ANSWER_ACTION,
            placeholder=_plain("Choose one", PLACEHOLDER_MAX),
            options=options,
        )
    elif question.kind == "yes_no":
        element = RadioButtonsElement(
            action_id=FORM_ANSWER_ACTION,
            options=[
                Option(text=_plain("Yes", OPTION_TEXT_MAX), value="yes"),
                Option(text=_plain("No", OPTION_TEXT_MAX), value="no"),
            ],
        )
    else:
        element = PlainTextInputElement(
            action_id=FORM_ANSWER_ACTION,
            multiline=question.field in _MULTILINE_FIELDS,
            max_length=FORM_INPUT_MAX,
            placeholder=_plain(f"e.g. {question.example}", PLACEHOLDER_MAX),
            initial_value=initial[:FORM_INPUT_MAX] if initial else None,
        )
    return InputBlock(
        block_id=question.id,
        label=_plain(question.prompt, INPUT_LABEL_MAX),
        hint=_plain(question.help, INPUT_LABEL_MAX),
        element=element,
        optional=question.skippable,
    )


def help_blocks() -> list[Block]:
    """What `/mlops-check` can do, one line per subcommand."""
    # `<title>` would be read as a Slack token: the angle brackets are written escaped.
    lines = [
        ("new &lt;title&gt;", "start a check of a use case, in a thread here"),
        ("form", "describe a use case in a form instead"),
        ("list", "the use cases in this workspace and their verdicts"),
        ("show ID", "a use case's latest verdict"),
        ("delete ID", "delete a use case you proposed"),
        (
            "digest subscribe #channel [weekly|biweekly|monthly] [mon..sun] [HH:MM] [Area/City]",
            "post the leadership digest to a channel on a schedule (admins)",
        ),
        ("digest unsubscribe #channel", "stop a channel's digests (admins)"),
        ("digest list", "the channels that get the digest"),
        ("digest preview", "the digest of the last 7 days, just for you"),
        ("help", "this message"),
    ]
    text = "\n".join(f"`{COMMAND} {usage}`: {what}" for usage, what in lines)
    return [
        HeaderBlock(text=_plain("MLOps check", HEADER_TEXT_MAX)),
        _section("How much MLOps does a machine-learning idea really need? Ask me:"),
        _section(text),
        _context("In a check's thread, any time: skip, back, help, cancel, restart."),
    ]


def use_case_list_blocks(
    use_cases: Sequence[UseCase],
    *,
    heading: str,
    max_blocks: int = MESSAGE_BLOCKS_MAX,
    links: Mapping[int, str] | None = None,
) -> list[Block]:
    """A list of use cases (for `list` and App Home): title, verdict, proposer and date.

    `max_blocks` is 50 for a message and up to 100 for a Home view; when the list is longer the
    last block says how many were left out. The heading is neutralised too, as callers may put
    a person's name in it. `links` maps a use case id to its thread's permalink (from Slack).
    """
    max_blocks = min(max(max_blocks, 3), VIEW_BLOCKS_MAX)
    title = _typed(heading, HEADER_TEXT_MAX, empty="Use cases")
    blocks: list[Block] = [HeaderBlock(text=_plain(title, HEADER_TEXT_MAX))]
    if not use_cases:
        blocks.append(_section(f"No use cases yet. Start one with `{COMMAND} new &lt;title&gt;`."))
        return blocks
    room = max_blocks - len(blocks)
    shown = use_cases if len(use_cases) <= room else use_cases[: room - 1]
    blocks.extend(
        _section(_use_case_line(use_case, (links or {}).get(use_case.id))) for use_case in shown
    )
    if len(shown) < len(use_cases):
        more = len(use_cases) - len(shown)
        blocks.append(_context(f"…and {more} more. See one with `{COMMAND} show ID`."))
    return blocks


# Slack's permalinks: https://<workspace>.slack.com/archives/<channel>/p<ts>, optionally with
# a thread query. Anything else is not put into a link.
PERMALINK: Final = re.compile(
    r"https://[a-z0-9-]+\.slack\.com/archives/[A-Z0-9]+/p\d+(\?[\w=&.-]*)?"
)


def portfolio_totals_blocks(summary: PortfolioSummary) -> list[Block]:
    """The whole portfolio in numbers, for administrators: size, verdicts, flags, value, cost."""
    verdicts = " · ".join(
        f"{tier.label}: {count}" for tier, count in summary.by_tier.items() if count
    )
    flags = " · ".join(f"{flag.value}: {count}" for flag, count in summary.flagged.items() if count)
    lines = [
        f"*{summary.use_cases}* use cases, *{summary.assessed}* with a verdict",
        f"Yearly value stated: *EUR {summary.annual_value_eur:,.0f}*"
        f" · yearly cost stated: *EUR {summary.annual_cost_eur:,.0f}*",
        f"Verdicts: {verdicts or 'none yet'}",
        f"Flags: {flags or 'none'}",
    ]
    return [
        HeaderBlock(text=_plain("Portfolio totals", HEADER_TEXT_MAX)),
        _section(clip("\n".join(lines), SECTION_TEXT_MAX)),
    ]


def _use_case_line(use_case: UseCase, link: str | None = None) -> str:
    if use_case.latest is not None:
        verdict = use_case.latest.assessment.tier.label
        when = f"assessed {use_case.latest.created_at.date().isoformat()}"
    else:
        verdict = use_case.status.value.replace("_", " ")
        when = f"started {use_case.created_at.date().isoformat()}"
    details = [verdict, when]
    name = _typed(use_case.proposer_name or "", 100, empty="")
    if name:
        # A name, never a mention: a list must not ping everyone in it.
        details.insert(1, name)
    if link and PERMALINK.fullmatch(link):
        # A link we asked Slack for, to the check's thread; nothing a person typed.
        details.append(f"<{link}|open the thread>")
    second = clip(" · ".join(details), 500)
    title = _typed(use_case.title, SECTION_TEXT_MAX - len(second) - 30)
    return f"*#{use_case.id} {title}*\n{second}"


def answer_position(action_id: str) -> Position | None:
    """The position an answer button was posted at (see `question_blocks`); None for a button
    posted before buttons carried one, or an action id that is not an answer button's."""
    prefix, _, rest = action_id.partition(":")
    _index, _, position = rest.partition(":")
    return Position.decode(position) if prefix == ANSWER_ACTION_PREFIX else None


def _answer_button(index: int, label: str, value: str, at: Position | None) -> ButtonElement:
    # The position goes in the action id rather than the value, which stays the answer as if
    # typed; question ids are short (the form uses them as block ids, within the same limit).
    bound = "" if at is None else f":{at.encode()}"
    # A value cut short would be a different value: past the limit the index stands alone.
    return ButtonElement(
        text=_plain(label, BUTTON_TEXT_MAX, BUTTON_NOTE),
        action_id=f"{ANSWER_ACTION_PREFIX}:{index}{bound}",
        value=value if len(value) <= BUTTON_VALUE_MAX else str(index),
    )


def _source(signal: Signal) -> str:
    """Where a signal's words came from: a free-text field by name, other words by the
    question they answered (the policy's own text, so not neutralised)."""
    asked = CATALOGUE.asked_by(signal.field)
    if asked is None:
        return f"`{clip(for_slack(signal.field), 100)}`"
    return f"the answer to _{clip(asked, 150)}_"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=_mrkdwn(text, SECTION_TEXT_MAX))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[_mrkdwn(text, SECTION_TEXT_MAX)])


def _mrkdwn(text: str, limit: int) -> MarkdownTextObject:
    # verbatim: without it Slack pre-parses the text, links bare URLs and channel names and
    # turns some bare mentions into real ones; our own `<@U…>` token still works with it.
    return MarkdownTextObject(text=clip(text, limit), verbatim=True)


def _plain(text: str, limit: int, note: str = TRUNCATED) -> PlainTextObject:
    return PlainTextObject(text=clip(_one_line(text), limit, note) or "-")


def _typed(text: str, limit: int, empty: str = "(untitled)") -> str:
    # Slack rejects an empty text object, and a title of nothing but control characters or bidi
    # overrides is empty once neutralised.
    return typed_line(text, limit, for_slack, empty)


def _one_line(text: str) -> str:
    # A newline in a title or a quote would break the line it sits in (and could fake a new one).
    return " ".join(text.split())


def _id(use_case_id: int | None) -> str:
    return "" if use_case_id is None else f" (#{use_case_id})"
