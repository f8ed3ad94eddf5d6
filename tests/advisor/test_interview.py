"""The interview engine: whole transcripts and properties of `advance`."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import (
    CATALOGUE,
    DEFAULT,
    Ask,
    Cancelled,
    Done,
    Flag,
    InterviewState,
    Origin,
    PilotStatus,
    Position,
    Reprompt,
    Retraining,
    Serving,
    Step,
    Tier,
    advance,
    assess,
    start,
)
from advisor.proposal import MAX_TEXT_LENGTH, Proposal

Transcript = list[tuple[str, str]]


def _name(step: Step) -> str:
    """What a transcript expects: the id asked next, the id asked again + "?", done, cancelled."""
    if isinstance(step, Ask):
        return step.question.id
    if isinstance(step, Reprompt):
        return f"{step.question.id}?"
    if isinstance(step, Done):
        return "done"
    return "cancelled"


def _restored(state: InterviewState) -> InterviewState:
    return InterviewState.model_validate(state.model_dump(mode="json"))


def verify_dialog(transcript: Transcript, first: Step | None = None) -> list[Step]:
    """Play (answer, expected next step) pairs, as zulip's verify_dialog does with messages.

    Every state goes through JSON and back before the next answer, as the adapters store it.
    """
    step = first or start(CATALOGUE)
    steps = [step]
    for number, (answer, expected) in enumerate(transcript, start=1):
        step = advance(CATALOGUE, _restored(step.state), answer)
        assert _restored(step.state) == step.state
        assert _name(step) == expected, f"answer {number} ({answer[:60]!r}): got {_name(step)}"
        steps.append(step)
    return steps


def _done(steps: list[Step]) -> Done:
    assert isinstance(steps[-1], Done)
    return steps[-1]


HYPE_INTERVIEW: Transcript = [
    ("Support ticket triage", "origin"),
    ("our support team struggles", "problem"),
    ("Everyone is doing it and we cannot fall behind", "follow_up.fomo"),
    ("Agents sort 1,200 tickets a week by hand; customers wait two days", "business_owner"),
    ("Head of Customer Support", "kpi"),
    ("Median first-response time, from 2 days to 4 hours", "annual_value"),
    ("€1.2M", "annual_cost"),
    ("200k a year", "new_data"),
    ("about 300 per day", "retraining"),
    ("every month", "models"),
    ("two", "serving"),
    ("real time", "data_scientists"),
    ("a handful", "ml_engineers"),
    ("a couple", "data_access"),
    ("yep", "security_gaps"),
    ("nope", "pilot_status"),
    ("we are building a prototype", "operating_plan"),
    ("The support tooling team runs it, Ana retrains it monthly, on-call is paged", "notes"),
    ("Budget is approved for one year", "done"),
]


def test_a_hype_answer_brings_its_follow_up_and_the_answer_is_kept() -> None:
    done = _done(verify_dialog(HYPE_INTERVIEW))
    proposal = done.proposal
    assert proposal.title == "Support ticket triage"
    assert proposal.origin is Origin.BUSINESS_NEED
    assert proposal.problem == "Everyone is doing it and we cannot fall behind"
    assert proposal.business_owner == "Head of Customer Support"
    assert proposal.annual_value_eur == 1_200_000
    assert proposal.annual_cost_eur == 200_000
    assert proposal.new_data_per_week == 2100
    assert proposal.retraining is Retraining.MONTHLY
    assert proposal.models == 2
    assert proposal.serving is Serving.ONLINE
    assert proposal.data_scientists == 5
    assert proposal.ml_engineers == 2
    assert proposal.data_access is True
    assert proposal.security_gaps is False
    assert proposal.pilot_status is PilotStatus.BUILDING
    assert proposal.operating_plan is not None
    follow_up = "Agents sort 1,200 tickets a week by hand; customers wait two days"
    assert done.follow_ups == {"fomo": follow_up}
    # The follow-up answer is kept under its flag in the person's words, never in the notes
    # under a label of ours (which the detectors would read as theirs).
    assert proposal.notes == "Budget is approved for one year"
    assert proposal.said["follow_up.fomo"] == follow_up
    assert "fomo" in proposal.followed_up
    assert done.state.prompt_count == 19
    assert done.state.followed_up == (Flag.FOMO,)
    assessment = assess(proposal)
    assert Flag.FOMO in assessment.flags


def test_the_follow_up_is_an_ordinary_question_from_the_policy() -> None:
    steps = verify_dialog(HYPE_INTERVIEW[:3])
    asked = steps[-1]
    assert isinstance(asked, Ask)
    assert asked.question.prompt == DEFAULT.texts.follow_up[Flag.FOMO]
    assert asked.question.kind == "text"
    assert asked.question.skippable
    assert asked.question.follow_up_flag is Flag.FOMO
    assert asked.state.pending_follow_up is Flag.FOMO


VENDOR_INTERVIEW: Transcript = [
    ("Invoice matching", "origin"),
    ("a sales rep showed us a demo", "problem_before_vendor"),
    (
        "Clerks re-key 2,000 invoices a week by hand. The vendor promised 10x faster results"
        " out of the box, but SQL rules might do",
        "business_owner",
    ),
    ("nobody yet", "kpi"),
    ("Honestly we just want to do something with GenAI", "follow_up.techno_push"),
    ("Clerks lose two days a month to matching", "annual_value"),
    ("skip", "annual_cost"),
    ("about 50k per month", "new_data"),
    ("2,000 a week", "retraining"),
    ("never", "models"),
    ("1", "serving"),
    ("batch", "data_scientists"),
    ("none", "ml_engineers"),
    ("zero", "data_access"),
    ("no", "security_gaps"),
    ("there are two open pen-test findings", "pilot_status"),
    ("went live in March but nobody uses it now", "operating_plan_today"),
    ("nobody", "notes"),
    ("skip", "done"),
]


def test_a_vendor_pitch_asks_for_the_problem_before_the_vendor_and_is_not_asked_twice() -> None:
    done = _done(verify_dialog(VENDOR_INTERVIEW))
    proposal = done.proposal
    assert proposal.origin is Origin.VENDOR_PITCH
    assert proposal.problem is not None
    assert proposal.problem.startswith("Clerks re-key")
    assert proposal.business_owner is None
    assert proposal.kpi == "Honestly we just want to do something with GenAI"
    assert proposal.annual_value_eur is None
    assert proposal.annual_cost_eur == 600_000
    assert proposal.new_data_per_week == 2000
    assert proposal.retraining is Retraining.NEVER
    assert proposal.models == 1
    assert proposal.serving is Serving.BATCH
    assert (proposal.data_scientists, proposal.ml_engineers) == (0, 0)
    assert proposal.data_access is False
    assert proposal.security_gaps is True
    assert proposal.pilot_status is PilotStatus.STALLED
    assert proposal.operating_plan is None
    # The vendor wording of the problem question was the vendor follow-up already.
    assert done.follow_ups == {"techno_push": "Clerks lose two days a month to matching"}
    assert done.state.followed_up == (Flag.VENDOR_PUSH, Flag.TECHNO_PUSH)
    assert proposal.notes is None
    assert proposal.said["follow_up.techno_push"] == "Clerks lose two days a month to matching"
    assert set(proposal.followed_up) == {"vendor_push", "techno_push"}
    assessment = assess(proposal)
    assert Flag.VENDOR_PUSH in assessment.flags
    assert assessment.tier is not Tier.FULL_MLOPS


def test_a_competitor_or_mandate_origin_asks_the_problem_without_the_hype() -> None:
    for origin in ("our competitors launched one", "the board asked for it"):
        steps = verify_dialog(
            [
                ("Quote assistant", "origin"),
                (origin, "problem_beyond_hype"),
                ("Everyone is doing it and we cannot fall behind", "business_owner"),
            ]
        )
        # The question already asked what the FOMO follow-up would ask.
        assert steps[-1].state.followed_up == (Flag.FOMO,)
    verify_dialog([("Clause search", "origin"), ("we want to try GenAI", "problem_for_technology")])


def test_invalid_answers_are_reprompted_with_a_reason_and_an_example() -> None:
    steps = verify_dialog(
        [
            ("", "title?"),
            ("skip", "title?"),
            ("none", "title?"),
            ("help", "title?"),
            ("back", "title?"),
            ("Churn model", "origin"),
            ("hmm", "origin?"),
            ("9", "origin?"),
            ("customers complain", "problem"),
            ("x" * (MAX_TEXT_LENGTH + 1), "problem?"),
            ("Small-business customers cancel without warning", "business_owner"),
            ("Head of Sales", "kpi"),
            ("Monthly churn", "annual_value"),
            ("lots", "annual_value?"),
            ("$200k", "annual_value?"),
            ("-5k", "annual_value?"),
            ("half a million", "annual_cost"),
            ("50k per hour", "annual_cost?"),
            ("50k per month", "new_data"),
            ("-3", "new_data?"),
            ("one churn a week", "retraining"),
            ("sometimes", "retraining?"),
            ("quarterly", "models"),
            ("2.5", "models?"),
            ("one", "serving"),
            ("?", "serving?"),
            ("nightly", "data_scientists"),
            ("2.5", "data_scientists?"),
            ("three", "ml_engineers"),
            ("not sure", "data_access"),
            ("maybe", "data_access?"),
            ("I don't know", "security_gaps"),
            ("yes and no", "security_gaps?"),
            ("nope", "pilot_status"),
            ("not in production", "pilot_status?"),
            ("no pilot yet", "operating_plan"),
            ("   ", "operating_plan?"),
            ("skip", "notes"),
            ("skip", "done"),
        ]
    )
    reasons = {
        f"{step.question.id}:{index}": step.reason
        for index, step in enumerate(steps)
        if isinstance(step, Reprompt)
    }
    assert "empty" in reasons["title:1"]
    assert "cannot be skipped" in reasons["title:2"]
    assert reasons["title:4"] == CATALOGUE.main_line[0].help
    assert "nothing to go back to" in reasons["title:5"]
    assert "did not recognise" in reasons["origin:7"]
    assert "Please pick one of" in reasons["origin:8"]
    assert "euros" in reasons["annual_value:15"]
    assert "negative" in reasons["annual_value:16"]
    assert "whole number" in reasons["models:24"]
    for step in steps:
        if isinstance(step, Reprompt):
            assert step.example == step.question.example
    proposal = _done(steps).proposal
    assert proposal.annual_value_eur == 500_000
    assert proposal.annual_cost_eur == 600_000
    assert proposal.new_data_per_week == 1
    assert proposal.data_access is None
    assert proposal.security_gaps is False
    assert proposal.notes is None


def test_back_undoes_answers_across_branches_and_follow_ups() -> None:
    steps = verify_dialog(
        [
            ("Quote assistant", "origin"),
            ("a vendor pitched it", "problem_before_vendor"),
            ("back", "origin"),
            ("customers complain", "problem"),
            ("We must not be left behind by our rivals", "follow_up.fomo"),
            ("back", "problem"),
            ("Customers wait three days for a quote", "business_owner"),
            ("back", "problem"),
            ("back", "origin"),
            ("back", "title"),
            ("back", "title?"),
            ("Quote bot", "origin"),
            ("customers complain", "problem"),
            ("Customers wait three days for a quote", "business_owner"),
        ]
    )
    state = steps[-1].state
    assert state.history == ("title", "origin", "problem")
    assert state.answers == {
        "title": "Quote bot",
        "origin": "business_need",
        "problem": "Customers wait three days for a quote",
    }
    assert state.followed_up == ()
    assert state.follow_up_answers == {}
    assert state.prompt_count == 4


def test_back_from_a_finished_interview_reopens_the_last_question() -> None:
    steps = verify_dialog([*HYPE_INTERVIEW, ("back", "notes"), ("Nothing more", "done")])
    proposal = _done(steps).proposal
    assert proposal.notes == "Nothing more"
    assert "follow_up.fomo" in proposal.said


def test_cancel_and_restart_work_at_any_step() -> None:
    steps = verify_dialog(
        [
            ("Fraud scoring", "origin"),
            ("restart", "title"),
            ("Fraud scoring", "origin"),
            ("the board asked", "problem_beyond_hype"),
            ("Start over", "title"),
            ("Fraud scoring", "origin"),
            ("CANCEL", "cancelled"),
        ]
    )
    # A fresh start, except that the moves go on counting (so older buttons stay stale).
    assert steps[2].state == start(CATALOGUE, after=steps[1].state).state
    assert steps[-1].state.history == ("title",)


def test_three_follow_ups_fit_in_twenty_prompts_and_the_notes_question_gives_way() -> None:
    steps = verify_dialog(
        [
            ("Customer assistant", "origin"),
            ("customers complain", "problem"),
            (
                "Competitors already have it, the salesperson promised no data scientists"
                " needed, and we should do something with AI",
                "follow_up.fomo",
            ),
            ("Customers wait two days for answers", "follow_up.vendor_push"),
            ("We would first try a better FAQ search", "follow_up.techno_push"),
            ("Support agents answer the same 30 questions all day", "business_owner"),
            ("Head of Support", "kpi"),
            ("Hours spent on repeated questions", "annual_value"),
            ("100k", "annual_cost"),
            ("150k", "new_data"),
            ("a few", "retraining"),
            ("yearly", "models"),
            ("one", "serving"),
            ("instantly", "data_scientists"),
            ("one", "ml_engineers"),
            ("none", "data_access"),
            ("yes", "security_gaps"),
            ("no", "pilot_status"),
            ("live", "operating_plan_today"),
            ("The support team", "done"),
        ]
    )
    done = _done(steps)
    assert done.state.prompt_count == CATALOGUE.max_prompts == 20
    assert max(step.state.prompt_count for step in steps) == 20
    assert "notes" not in done.state.history
    assert list(done.follow_ups) == ["fomo", "vendor_push", "techno_push"]
    assert done.proposal.notes is None
    assert {key for key in done.proposal.said if key.startswith("follow_up.")} == {
        "follow_up.fomo",
        "follow_up.vendor_push",
        "follow_up.techno_push",
    }
    assess(done.proposal)


def test_a_follow_up_answer_can_raise_another_flag() -> None:
    verify_dialog(
        [
            ("Route planner", "origin"),
            ("unknown", "problem"),
            ("Everyone is doing it", "follow_up.fomo"),
            ("A sales rep showed us a turnkey platform", "follow_up.vendor_push"),
            ("Drivers plan routes on paper", "business_owner"),
        ]
    )


def test_negated_hype_brings_no_follow_up() -> None:
    verify_dialog(
        [
            ("Invoice matching", "origin"),
            ("customers complain", "problem"),
            ("This is not a vendor idea and not a reaction to competitors", "business_owner"),
        ]
    )


def test_a_follow_up_answer_does_not_lengthen_full_notes() -> None:
    plain = [
        (answer, expected) for answer, expected in HYPE_INTERVIEW if expected != "follow_up.fomo"
    ]
    plain[2] = ("Agents sort tickets by hand", "business_owner")
    long_notes = "Everyone is doing it. " + "x" * (MAX_TEXT_LENGTH - 30)
    steps = verify_dialog(
        [*plain[:-1], (long_notes, "follow_up.fomo"), ("Ticket backlog doubles in winter", "done")]
    )
    done = _done(steps)
    assert done.follow_ups == {"fomo": "Ticket backlog doubles in winter"}
    assert done.proposal.notes == long_notes
    assert done.proposal.said["follow_up.fomo"] == "Ticket backlog doubles in winter"
    assert done.state.prompt_count == 19


def test_skipping_everything_leaves_fields_empty_and_is_assessed() -> None:
    expected = [
        "origin", "problem", "business_owner", "kpi", "annual_value", "annual_cost", "new_data",
        "retraining", "models", "serving", "data_scientists", "ml_engineers", "data_access",
        "security_gaps", "pilot_status", "operating_plan", "notes", "done",
    ]  # fmt: skip
    transcript = [("Something with data", "origin")] + [("skip", name) for name in expected[1:]]
    done = _done(verify_dialog(transcript))
    proposal = done.proposal
    assert proposal.model_dump(exclude={"title"}) == {
        "problem": None, "origin": Origin.UNKNOWN, "business_owner": None, "kpi": None,
        "annual_value_eur": None, "annual_cost_eur": None, "new_data_per_week": None,
        "retraining": Retraining.UNKNOWN, "models": 1, "serving": Serving.UNKNOWN,
        "ml_engineers": None, "data_scientists": None, "security_gaps": None,
        "data_access": None, "pilot_status": PilotStatus.NONE, "operating_plan": None,
        "notes": None, "said": {}, "uncertain": (), "followed_up": (),
    }  # fmt: skip
    assert done.state.prompt_count == 18
    assert assess(proposal).tier is Tier.NO_BUSINESS_CASE


def test_buttons_send_exact_choice_values() -> None:
    transcript = [("Demand forecast", "origin"), ("business_need", "problem")]
    state = verify_dialog(transcript)[-1].state
    assert state.answers["origin"] == "business_need"


def test_a_finished_interview_stays_finished() -> None:
    done = _done(verify_dialog(HYPE_INTERVIEW))
    again = advance(CATALOGUE, done.state, "anything")
    assert isinstance(again, Done)
    assert again.proposal == done.proposal
    assert again.follow_ups == done.follow_ups


def test_a_state_from_an_older_catalogue_starts_over() -> None:
    for state in (InterviewState(current="no_such_question"), InterviewState()):
        step = advance(CATALOGUE, state, "hello")
        assert isinstance(step, Ask)
        assert step.question.id == "title"
    stale = InterviewState(current="follow_up.security_first", history=("title",))
    assert _name(advance(CATALOGUE, stale, "hello")) == "title"


def test_a_state_stored_before_moves_were_counted_loads_at_move_zero() -> None:
    stored = {"answers": {"title": "Fraud scoring"}, "history": ["title"], "current": "origin"}
    state = InterviewState.model_validate(stored)
    assert state.moves == 0
    assert state.position == Position(question="origin", moves=0)
    assert advance(CATALOGUE, state, "business_need").state.moves == 1


def test_a_question_asked_again_after_back_or_restart_is_at_a_new_position() -> None:
    steps = verify_dialog(
        [
            ("Fraud scoring", "origin"),
            ("what?", "origin?"),
            ("help", "origin?"),
            ("back", "title"),
            ("Fraud scoring", "origin"),
            ("restart", "title"),
            ("Fraud scoring", "origin"),
        ]
    )
    positions = [step.state.position for step in steps]
    # A re-prompt or help keeps the position: the question's buttons, posted again, are the same.
    assert positions[1] == positions[2] == positions[3]
    origins = {position for position in positions if position and position.question == "origin"}
    assert len(origins) == 3


@given(st.builds(Position, question=st.from_regex(r"[a-z][a-z0-9_.]{0,40}", fullmatch=True),
                 moves=st.integers(min_value=0, max_value=10**9)))  # fmt: skip
def test_a_position_survives_its_text_form(position: Position) -> None:
    assert Position.decode(position.encode()) == position


@pytest.mark.parametrize("text", [None, 3, "", "origin", ":origin", "x:origin", "-1:origin", "2:"])
def test_text_that_is_no_position_decodes_to_none(text: object) -> None:
    assert Position.decode(text) is None


# Properties --------------------------------------------------------------------------------------

_VOCABULARY = [
    "skip", "back", "help", "restart", "yes", "no", "none", "two", "€1.2M", "200k a year",
    "daily", "vendor_pitch", "live", "stalled", "building", "Everyone is doing it",
    "The vendor promised 10x faster results out of the box", "We want to do something with GenAI",
    "", "   ", "?", "a handful", "x" * (MAX_TEXT_LENGTH + 1), "not sure", "-3", "nobody",
]  # fmt: skip


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.sampled_from(_VOCABULARY)), max_size=45))
def test_advance_never_raises_and_every_state_survives_json(answers: list[str]) -> None:
    step: Step = start(CATALOGUE)
    for answer in answers:
        step = advance(CATALOGUE, step.state, answer)
        assert InterviewState.model_validate(step.state.model_dump(mode="json")) == step.state
        assert InterviewState.model_validate_json(step.state.model_dump_json()) == step.state
        assert step.state.prompt_count <= CATALOGUE.max_prompts
        if isinstance(step, Cancelled):
            break


_HYPE = [
    "Everyone is doing it and we cannot fall behind",
    "A sales rep showed us a turnkey platform",
    "We want to do something with GenAI somewhere",
    "Our rivals launched a bot; we must not be left behind",
]


@settings(max_examples=80, deadline=None, database=None)
@given(st.data())
def test_any_complete_interview_takes_at_most_twenty_prompts(data: st.DataObject) -> None:
    step: Step = start(CATALOGUE)
    for _ in range(60):
        if not isinstance(step, Ask | Reprompt):
            break
        question = step.question
        candidates = [question.example]
        if question.skippable:
            candidates.append("skip")
        if question.kind == "text":
            candidates.extend(_HYPE)
        candidates.extend(choice.value for choice in question.choices)
        step = advance(CATALOGUE, step.state, data.draw(st.sampled_from(candidates)))
        assert _restored(step.state) == step.state
    assert isinstance(step, Done)
    assert step.state.prompt_count <= 20
    assert len(step.state.history) <= 20
    assert len(step.follow_ups) <= 3
    assert assess(step.proposal).tier in set(Tier)


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.sampled_from(_VOCABULARY)), max_size=45))
def test_once_the_interview_moves_on_no_earlier_position_comes_back(answers: list[str]) -> None:
    step: Step = start(CATALOGUE)
    seen = {step.state.position}
    for answer in answers:
        before = step.state.position
        step = advance(CATALOGUE, step.state, answer)
        if isinstance(step, Cancelled):
            break
        if isinstance(step, Reprompt):
            assert step.state.position == before
            continue
        assert step.state.position not in seen
        seen.add(step.state.position)
    after = start(CATALOGUE, after=step.state).state.position
    assert after not in seen


# The main line up to the value question, answered plainly.
TO_VALUE: Transcript = [
    ("Claims report summaries", "origin"),
    ("customers complain", "problem"),
    ("Handlers read long medical reports", "business_owner"),
    ("Head of claims", "kpi"),
    ("Handling time per claim", "annual_value"),
]


def test_a_guessed_amount_is_offered_to_confirm_and_the_verdict_calls_it_unproven() -> None:
    steps = verify_dialog(
        [*TO_VALUE, ("maybe 800k? 60 FTE x 40% ... hard to say", "annual_value?")]
    )
    offered = steps[-1]
    assert isinstance(offered, Reprompt)
    assert "I read €800,000 a year" in offered.reason and "guess" in offered.reason
    # Offered as the question's buttons (the value each sends), at the same position.
    assert offered.question.options == [("Yes: €800,000 a year", "800000")]
    assert offered.state.position == steps[-2].state.position
    confirmed = verify_dialog([("yes", "annual_cost")], first=offered)[-1]
    assert confirmed.state.answers["annual_value"] == 800_000
    assert confirmed.state.uncertain == ("annual_value_eur",)
    assert confirmed.state.said["annual_value"] == "maybe 800k? 60 FTE x 40% ... hard to say"
    done = advance(CATALOGUE, confirmed.state, "restart")
    assert isinstance(done, Ask) and done.state.said == {}


def test_two_readings_are_resolved_by_pressing_one_and_the_sentence_is_kept() -> None:
    origin = (
        "our CEO came back from a conference sure we need genAI, and a rival already launched"
        " one; the handlers are drowning in paperwork"
    )
    steps = verify_dialog([("Claims summaries", "origin"), (origin, "origin?")])
    offered = steps[-1]
    assert isinstance(offered, Reprompt) and "Which did you mean?" in offered.reason
    values = [value for _, value in offered.question.options]
    assert len(values) >= 2 and "leadership_mandate" in values
    # The button sends its value as if typed; the sentence stays with the answer.
    pressed = verify_dialog([("leadership_mandate", "problem_beyond_hype")], first=offered)[-1]
    assert pressed.state.answers["origin"] == "leadership_mandate"
    assert pressed.state.said["origin"] == origin


def test_a_reading_can_be_refused_or_answered_afresh() -> None:
    offered = verify_dialog([*TO_VALUE, ("maybe 800k? hard to say", "annual_value?")])[-1]
    refused = verify_dialog([("no", "annual_value?")], first=offered)[-1]
    assert isinstance(refused, Reprompt) and refused.state.pending is None
    assert "type the answer" in refused.reason
    # Another amount typed instead of pressing is the answer, read as it is.
    again = verify_dialog([("600k", "annual_cost")], first=offered)[-1]
    assert again.state.answers["annual_value"] == 600_000
    assert again.state.uncertain == ()


def test_going_back_keeps_the_words_and_guesses_of_the_answers_before() -> None:
    offered = verify_dialog([*TO_VALUE, ("maybe 800k? hard to say", "annual_value?")])[-1]
    steps = verify_dialog(
        [("1", "annual_cost"), ("60k", "new_data"), ("back", "annual_cost")], first=offered
    )
    back = steps[-1]
    assert back.state.uncertain == ("annual_value_eur",)
    assert back.state.said["annual_value"] == "maybe 800k? hard to say"


def test_words_typed_into_a_choice_reach_the_verdict_with_the_question_they_answered() -> None:
    steps = verify_dialog(
        [
            ("Parcel volume forecast", "origin"),
            ("depot managers asked for it, nobody is selling us anything", "problem"),
        ]
    )
    assert steps[-1].state.said["origin"].startswith("depot managers asked")
    words = "no idea, the vendor said it learns by itself"
    proposal = Proposal(title="x", said={"retraining": words})
    [signal] = [s for s in assess(proposal).signals if s.flag is Flag.VENDOR_PUSH]
    assert signal.field == "retraining" and signal.evidence in words
    assert CATALOGUE.asked_by("retraining") == "How often would the model need retraining?"
