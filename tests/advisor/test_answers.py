"""Answers as people type them: numbers, money, choices and yes/no."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.answers import (
    Invalid,
    Reading,
    ToConfirm,
    means_nothing,
    means_unknown,
    parse_choice,
    parse_money,
    parse_number,
    parse_text,
    parse_yes_no,
)
from advisor.catalogue import CATALOGUE, Question, parse_answer
from advisor.policy import DEFAULT, parse_policy
from advisor.proposal import MAX_TEXT_LENGTH


def _question(question_id: str) -> Question:
    question = CATALOGUE.question(question_id)
    assert question is not None
    return question


@pytest.mark.parametrize(
    ("text", "euros"),
    [
        ("€1.2M", 1_200_000),
        ("EUR 1.2m", 1_200_000),
        ("1.5 million euros", 1_500_000),
        ("2 mn", 2_000_000),
        ("1bn", 1_000_000_000),
        ("200k a year", 200_000),
        ("200K", 200_000),
        ("200 thousand", 200_000),
        ("about 300k", 300_000),
        ("~300k€", 300_000),
        ("around €80,000 per year", 80_000),
        ("1,200,000", 1_200_000),
        ("1.200.000,50", 1_200_000.5),
        ("1 200 000", 1_200_000),
        ("half a million", 500_000),
        ("a million", 1_000_000),
        ("50k per month", 600_000),
        ("10k/month", 120_000),
        ("10k per quarter", 40_000),
        ("25k a quarter", 100_000),
        ("1k per week", 52_000),
        ("200-300k", 250_000),
        ("between 1 and 2 million", 1_500_000),
        ("0", 0),
        ("none", 0),
        ("nothing", 0),
        ("no more than 90k", 90_000),
    ],
)
def test_money_is_read_as_euros_per_year(text: str, euros: float) -> None:
    assert parse_money(text) == pytest.approx(euros)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5000", "negative"),
        ("minus 20k", "negative"),
        ("$200k", "euros"),
        ("150k USD", "euros"),
        ("lots", "could not find a number"),
        ("", "could not find a number"),
        ("50 per hour", "yearly amount"),
        ("10% of revenue", "percentage"),
        ("100k or 200k or 300k", "several numbers"),
        ("9" * 40, "too large"),
    ],
)
def test_money_that_cannot_be_read_says_why(text: str, reason: str) -> None:
    result = parse_money(text)
    assert isinstance(result, Invalid)
    assert reason in result.reason


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("2", 2),
        ("two", 2),
        ("twelve", 12),
        ("twenty five", 25),
        ("twenty-five", 25),
        ("one hundred and twenty", 120),
        ("a dozen", 12),
        ("two dozen", 24),
        ("a handful", 5),
        ("a few", 3),
        ("a couple", 2),
        ("a couple of hundred", 200),
        ("a few thousand", 3000),
        ("none", 0),
        ("zero", 0),
        ("nobody", 0),
        ("no one", 0),
        ("about 300", 300),
        ("around 40", 40),
        ("~12", 12),
        ("roughly 1.5k", 1500),
        ("3 or 4", 3.5),
    ],
)
def test_numbers_are_read_from_digits_and_words(text: str, count: float) -> None:
    assert parse_number(text) == pytest.approx(count)


@pytest.mark.parametrize(
    ("text", "weekly"),
    [
        ("about 300 per week", 300),
        ("300", 300),
        ("300 weekly", 300),
        ("40 a day", 280),
        ("40 per day", 280),
        ("1,000 new rows a day", 7000),
        ("twice a day", 14),
        ("one churn a week", 1),
        ("1300 per month", 300),
        ("5,200 a year", 100),
        ("2k/month", 461.538),
    ],
)
def test_weekly_numbers_convert_other_rates(text: str, weekly: float) -> None:
    assert parse_number(text, per_week=True) == pytest.approx(weekly, rel=1e-3)


@pytest.mark.parametrize("text", ["-3", "minus two", "negative 4"])
def test_negative_numbers_are_invalid(text: str) -> None:
    result = parse_number(text)
    assert isinstance(result, Invalid)
    assert "negative" in result.reason


def test_a_range_is_not_a_negative_number() -> None:
    assert parse_number("2-4") == 3


@pytest.mark.parametrize("text", ["2.5", "3 or 4", "half"])
def test_whole_numbers_reject_fractions(text: str) -> None:
    result = parse_number(text, whole=True)
    assert isinstance(result, Invalid)
    assert "whole number" in result.reason


@pytest.mark.parametrize("text", ["some", "plan b", "2 3", "1,2,3", "thousands", "?"])
def test_unreadable_numbers_are_invalid(text: str) -> None:
    assert isinstance(parse_number(text), Invalid)


@pytest.mark.parametrize(
    ("question_id", "text", "value"),
    [
        ("origin", "vendor_pitch", "vendor_pitch"),
        ("origin", "A vendor or consultant pitched it", "vendor_pitch"),
        ("origin", "a vendor pitched it", "vendor_pitch"),
        ("origin", "the sales rep from Acme", "vendor_pitch"),
        ("origin", "our competitors", "competitor_move"),
        ("origin", "a competitor launched one last month", "competitor_move"),
        ("origin", "the board asked", "leadership_mandate"),
        ("origin", "our CEO wants it", "leadership_mandate"),
        ("origin", "the board wants AI", "leadership_mandate"),
        ("origin", "we want to try GenAI", "technology_exploration"),
        ("origin", "customers complain", "business_need"),
        ("origin", "our team struggles with it", "business_need"),
        ("origin", "not sure", "unknown"),
        ("origin", "2", "vendor_pitch"),
        ("retraining", "every day", "daily"),
        ("retraining", "nightly", "daily"),
        ("retraining", "Daily", "daily"),
        ("retraining", "once a week", "weekly"),
        ("retraining", "every 3 months", "quarterly"),
        ("retraining", "we'd never retrain it", "never"),
        ("serving", "real time", "online"),
        ("serving", "instantly", "online"),
        ("serving", "an API for the web shop", "online"),
        ("serving", "a nightly batch", "batch"),
        ("serving", "Kafka events", "streaming"),
        ("serving", "on the phone", "edge"),
        ("pilot_status", "went live but nobody uses it", "stalled"),
        ("pilot_status", "we are building a prototype", "building"),
        ("pilot_status", "in production", "production"),
        ("pilot_status", "no", "none"),
    ],
)
def test_choices_by_value_label_synonym_or_keywords(
    question_id: str, text: str, value: str
) -> None:
    assert parse_choice(text, _question(question_id).choices) == value


@pytest.mark.parametrize(
    ("question_id", "text", "reason"),
    [
        ("retraining", "weekly or monthly", "could mean"),
        ("origin", "a competitor or a vendor", "could mean"),
        ("origin", "hmm", "did not recognise"),
        ("pilot_status", "not in production", "did not recognise"),
        ("serving", "", "Please pick one of"),
        ("origin", "9", "did not recognise"),
    ],
)
def test_ambiguous_or_unknown_choices_list_the_options(
    question_id: str, text: str, reason: str
) -> None:
    result = parse_choice(text, _question(question_id).choices)
    assert isinstance(result, Invalid)
    assert reason in result.reason
    assert "(batch)" in result.reason or "(" in result.reason


@pytest.mark.parametrize(
    "text",
    ["yes", "Y", "yeah", "yep", "Sure!", "correct", "true", "we do", "there are two open findings",
     "Yes, read access to the CRM", "I'd say yes", "there's one pen-test finding"],
)  # fmt: skip
def test_yes_variants(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["no", "N", "nope", "none", "not really", "false", "we don't", "We do not",
     "there are no gaps", "there aren't any", "no, the audit was clean", "not yet", "nah"],
)  # fmt: skip
def test_no_variants(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["maybe", "yes and no", "", "partially"])
def test_unclear_yes_no_is_invalid(text: str) -> None:
    assert isinstance(parse_yes_no(text), Invalid)


def test_text_is_stripped_and_limited() -> None:
    assert parse_text("  Churn model \n") == "Churn model"
    assert isinstance(parse_text("   "), Invalid)
    assert parse_text("x" * MAX_TEXT_LENGTH) == "x" * MAX_TEXT_LENGTH
    too_long = parse_text("x" * (MAX_TEXT_LENGTH + 1))
    assert isinstance(too_long, Invalid)
    assert str(MAX_TEXT_LENGTH) in too_long.reason


@pytest.mark.parametrize("text", ["don't know", "I don\u2019t know", "Not sure.", "n/a", "idk"])
def test_unknown_answers(text: str) -> None:
    assert means_unknown(text)


@pytest.mark.parametrize("text", ["none", "Nobody", "no one", "not yet", "-"])
def test_nothing_answers(text: str) -> None:
    assert means_nothing(text)
    assert not means_unknown("The team of Nobody Ltd")


_NUMBERISH = st.text(
    alphabet=st.sampled_from(list("0123456789 .,'-+~%/€$kKmMbn")),
    max_size=30,
)
_WORDISH = st.lists(
    st.sampled_from(
        ["a", "an", "half", "few", "couple", "of", "hundred", "thousand", "million", "and",
         "k", "two", "twenty", "none", "no", "between", "to", "-", "per", "month", "day",
         "week", "year", "quarter", "about", "dozen", "1.5", "200", "euros", "minus", "%"]
    ),
    max_size=10,
).map(" ".join)  # fmt: skip


@settings(max_examples=300, database=None)
@given(st.one_of(st.text(max_size=80), _NUMBERISH, _WORDISH))
def test_number_and_money_parsing_never_raise(text: str) -> None:
    for result in (
        parse_money(text),
        parse_number(text),
        parse_number(text, per_week=True, whole=True),
    ):
        assert isinstance(result, Invalid) or (result >= 0 and result <= 1e15)


@settings(max_examples=200, database=None)
@given(st.one_of(st.text(max_size=80), _WORDISH))
def test_choice_and_yes_no_parsing_never_raise(text: str) -> None:
    choices = _question("origin").choices
    result = parse_choice(text, choices)
    assert isinstance(result, Invalid) or result in {choice.value for choice in choices}
    assert isinstance(parse_yes_no(text), bool | Invalid)


# Sentences, read through parse_answer -------------------------------------------------------------


def _read(question_id: str, text: str) -> object:
    return parse_answer(_question(question_id), text, DEFAULT)


def _readings(result: object) -> list[object]:
    assert isinstance(result, ToConfirm), result
    return [reading.value for reading in result.readings]


@pytest.mark.parametrize(
    ("question_id", "text", "value"),
    [
        ("annual_value", "200k", 200_000),
        ("annual_value", "about €250k a year", 250_000),
        ("annual_value", "~300k", 300_000),
        ("annual_value", "roughly 400k", 400_000),
        ("annual_cost", "150k for 2 engineers", 150_000),
        ("new_data", "about 300", 300),
        ("data_access", "yes", True),
        ("security_gaps", "nope", False),
        ("origin", "customers complain", "business_need"),
        ("ml_engineers", "just me", 1),
        ("ml_engineers", "only me", 1),
        ("ml_engineers", "just myself for now", 1),
        ("ml_engineers", "me and a contractor", 2),
        ("data_scientists", "me and Ana", 2),
        ("ml_engineers", "me and two contractors", 3),
        ("ml_engineers", "nope", 0),
        ("ml_engineers", "nobody", 0),
        ("data_scientists", "nah", 0),
    ],
)
def test_clear_answers_stay_direct(question_id: str, text: str, value: object) -> None:
    assert _read(question_id, text) == value


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        # The transcript: a CEO back from a conference, a competitor's launch, a pain, in one go.
        (
            "Honestly our CEO came back from Web Summit convinced we need genAI, and Allianz just"
            " launched something similar. Claims handlers spend ages reading medical reports I"
            " guess",
            ["leadership_mandate", "competitor_move", "business_need"],
        ),
        (
            "Our MD got back from a trade fair sure we need a chatbot, and AXA already has one."
            " Our agents spend hours on emails tbh",
            ["leadership_mandate", "competitor_move", "business_need"],
        ),
        (
            "the board pushed for it after Zurich rolled out something similar; underwriters"
            " waste days re-keying data",
            ["leadership_mandate", "competitor_move", "business_need"],
        ),
        ("a competitor or a vendor", ["competitor_move", "vendor_pitch"]),
        (
            "the MD saw a demo at a conference and asked us to look into it",
            ["vendor_pitch", "leadership_mandate"],
        ),
    ],
)
def test_an_origin_with_several_meanings_is_put_to_the_person(
    text: str, readings: list[str]
) -> None:
    result = _read("origin", text)
    assert _readings(result) == readings
    assert isinstance(result, ToConfirm)
    labels = {choice.value: choice.label for choice in _question("origin").choices}
    assert [reading.how for reading in result.readings] == [labels[value] for value in readings]


@pytest.mark.parametrize(
    ("question_id", "text", "value"),
    [
        # Origins, by the detectors' families and the catalogue's cues; negation matters.
        ("origin", "not a vendor thing, the team asked for it", "business_need"),
        ("origin", "it wasn't the vendor, customers complained about slow replies",
         "business_need"),
        ("origin", "no competitor has this yet, our agents are drowning in emails",
         "business_need"),
        ("origin", "not because of competitors, the call centre is overloaded", "business_need"),
        ("origin", "underwriters waste hours re-keying data from PDFs", "business_need"),
        ("origin", "Microsoft's account manager pitched Copilot to us", "vendor_pitch"),
        ("origin", "a consultancy showd us a demo", "vendor_pitch"),
        ("origin", "Zurich rolled out a similar chatbot last spring", "competitor_move"),
        ("origin", "our rivals launched an AI assistant and we can't fall behind",
         "competitor_move"),
        ("origin", "the CFO mandated it as part of the cost strategy", "leadership_mandate"),
        ("origin", "we just wanna play with LLMs and see what they can do",
         "technology_exploration"),
        # Serving: a schedule and a file are batch; someone at work waiting is online.
        ("serving", "inside the claims system, while the handler reads the file", "online"),
        ("serving", "in the ticketing tool while the agent reads the ticket", "online"),
        ("serving", "on the page as the customer types", "online"),
        ("serving", "in the web shop as the customer browses", "online"),
        ("serving", "via a REST API called by the checkout", "online"),
        ("serving", "in real time", "online"),
        ("serving", "a csv in the planning share every Monday", "batch"),
        ("serving", "results land in an excel on the ops drive every friday", "batch"),
        ("serving", "a list emailed each morning to the planners", "batch"),
        ("serving", "a report each night", "batch"),
        ("serving", "a nightly export", "batch"),
        ("serving", "not an API, a nightly file", "batch"),
        ("serving", "each transaction as it comes in via Kafka", "streaming"),
        ("serving", "as events arrive from the sensors", "streaming"),
        ("serving", "on the tablet in the truck", "edge"),
        ("serving", "on the handheld scanners in the warehouse", "edge"),
        ("serving", "runs on the machine on the production line", "edge"),
        # Retraining: periods in words, fixed rules, and a vendor's claim nobody can check.
        ("retraining", "no idea, the vendor said it learns by itself", "unknown"),
        ("retraining", "no idea, the vendor says it trains itself", "unknown"),
        ("retraining", "it's self-learning they say", "unknown"),
        ("retraining", "once a quarter", "quarterly"),
        ("retraining", "each quarter at quarter-end", "quarterly"),
        ("retraining", "we'd probably refresh it monthly", "monthly"),
        ("retraining", "once a year at year end", "yearly"),
        ("retraining", "never, it's fixed rules", "never"),
        ("retraining", "never, the rules don't change", "never"),
        # Pilot status.
        ("pilot_status", "it went live in March but nobody opens it anymore", "stalled"),
        ("pilot_status", "the pilot has been on hold since the summer", "stalled"),
        ("pilot_status", "we're halfway through a POC", "building"),
        ("pilot_status", "nothing built yet, only slides", "none"),
        ("pilot_status", "just an idea so far", "none"),
        ("pilot_status", "live with two branches since May", "live"),
        ("pilot_status", "running with 3 branches", "live"),
        ("pilot_status", "rolled out to all claims handlers", "production"),
        ("pilot_status", "it's used by every claims handler daily", "production"),
    ],
)  # fmt: skip
def test_a_sentence_with_one_meaning_is_read_directly(
    question_id: str, text: str, value: str
) -> None:
    assert _read(question_id, text) == value


@pytest.mark.parametrize(
    ("question_id", "text", "readings"),
    [
        ("retraining", "twice a year", ["yearly", "quarterly"]),
        ("retraining", "weekly or monthly", ["weekly", "monthly"]),
    ],
)
def test_choices_between_two_meanings_ask_which(
    question_id: str, text: str, readings: list[str]
) -> None:
    assert _readings(_read(question_id, text)) == readings


@pytest.mark.parametrize(
    ("question_id", "text"),
    [("origin", "hmm"), ("pilot_status", "not in production"), ("serving", "")],
)
def test_unreadable_choices_are_invalid(question_id: str, text: str) -> None:
    assert isinstance(_read(question_id, text), Invalid)


@pytest.mark.parametrize(
    ("question_id", "text", "value"),
    [
        ("security_gaps", "well the pentest last month found some issues in the DMS we haven't"
         " fixed yet", True),
        ("security_gaps", "the pentest flagged a few things that are still open", True),
        ("security_gaps", "last audit raised two remarks, remediation is pending", True),
        ("security_gaps", "there's an open audit point on access rights", True),
        ("security_gaps", "an open GDPR point from the DPO", True),
        ("security_gaps", "we haven't fixed the findings from the pen test yet", True),
        ("security_gaps", "all findings were closed", False),
        ("security_gaps", "all pen-test findings have been remediated", False),
        ("security_gaps", "the pentest found three issues, all fixed since", False),
        ("security_gaps", "pentest passed", False),
        ("security_gaps", "the audit came back clean", False),
        ("security_gaps", "we passed the ISO audit in June", False),
        ("security_gaps", "no, the last audit was clean", False),
        ("data_access", "mostly, the medical reports are scanned PDFs in our DMS", True),
        ("data_access", "mainly, it's all in Snowflake", True),
        ("data_access", "we have most of it", True),
        ("data_access", "we've got most of it in the data lake", True),
        ("data_access", "it's in our warehouse", True),
        ("data_access", "waiting for IT to grant access", False),
        ("data_access", "still waiting on legal to approve access", False),
        ("data_access", "the data sits with a partner we have no contract with", False),
        ("data_access", "the data is held by our reinsurer and there is no agreement yet", False),
        ("data_access", "it has to be bought from a data broker", False),
    ],
)  # fmt: skip
def test_yes_no_descriptions_are_read(question_id: str, text: str, value: bool) -> None:
    assert _read(question_id, text) is value


@pytest.mark.parametrize(
    ("question_id", "text", "readings"),
    [
        ("data_access", "we have the CRM data but the partner data still needs a contract",
         [True, False]),
        # A plain "no" that the description contradicts.
        ("security_gaps", "no, well, the pentest found issues we haven't fixed", [False, True]),
    ],
)  # fmt: skip
def test_yes_no_that_says_both_asks_which(
    question_id: str, text: str, readings: list[bool]
) -> None:
    result = _read(question_id, text)
    assert _readings(result) == readings
    assert isinstance(result, ToConfirm)
    assert [reading.how for reading in result.readings] == [
        "Yes" if value else "No" for value in readings
    ]


def test_a_hedged_yes_is_proposed_and_a_bare_maybe_is_not() -> None:
    assert _read("data_access", "probably") == ToConfirm((Reading(True, "Yes"),), hedged=True)
    assert _read("data_access", "I doubt it") == ToConfirm((Reading(False, "No"),), hedged=True)
    assert isinstance(_read("data_access", "maybe"), Invalid)


@pytest.mark.parametrize(
    ("text", "euros", "how"),
    [
        ("maybe 800k? 60 FTE x 40% ... hard to say", 800_000, "€800,000 a year"),
        ("perhaps 1.5M, hard to tell", 1_500_000, "€1,500,000 a year"),
        ("I think around 2 million?", 2_000_000, "€2,000,000 a year"),
        ("I'd guess 1.2M", 1_200_000, "€1,200,000 a year"),
    ],
)
def test_a_hedged_amount_is_proposed_as_a_guess(text: str, euros: float, how: str) -> None:
    assert _read("annual_value", text) == ToConfirm((Reading(float(euros), how),), hedged=True)


@pytest.mark.parametrize(
    ("text", "euros", "how"),
    [
        ("200-300k", 250_000, "the middle of €200,000–€300,000: €250,000 a year"),
        ("between 300k and 500k", 400_000, "the middle of €300,000–€500,000: €400,000 a year"),
        ("0.8-1.2 million", 1_000_000, "the middle of €800,000–€1,200,000: €1,000,000 a year"),
    ],
)
def test_a_range_is_proposed_by_its_middle(text: str, euros: float, how: str) -> None:
    assert _read("annual_value", text) == ToConfirm((Reading(float(euros), how),))


@pytest.mark.parametrize(
    ("text", "alone", "with_people", "how"),
    [
        ("the vendor quoted 200k licence plus we'd need 2 engineers", 200_000, 400_000,
         "€200,000 a year plus 2 engineers at €100,000 a year each: €400,000 a year"),
        ("a 120k subscription and 3 more engineers", 120_000, 420_000,
         "€120,000 a year plus 3 engineers at €100,000 a year each: €420,000 a year"),
        ("about 50k licence plus one data engineer", 50_000, 150_000,
         "€50,000 a year plus 1 engineer at €100,000 a year: €150,000 a year"),
    ],
)  # fmt: skip
def test_a_cost_with_people_offers_both_sums(
    text: str, alone: float, with_people: float, how: str
) -> None:
    result = _read("annual_cost", text)
    assert _readings(result) == [alone, with_people]
    assert isinstance(result, ToConfirm)
    assert result.readings[1].how == how


def test_the_yearly_cost_of_an_engineer_comes_from_the_policy() -> None:
    policy = parse_policy("costs:\n  engineer_per_year_eur: 80000\n", over_default=True)
    question = _question("annual_cost")
    result = parse_answer(question, "200k licence plus 2 engineers", policy)
    assert _readings(result) == [200_000, 360_000]
    assert DEFAULT.costs.engineer_per_year_eur == 100_000
    # The value question reckons no engineers: "60 FTE" there is how the value was estimated.
    assert _read("annual_value", "200k plus 2 engineers") == 200_000


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("100k or 200k or 300k", [100_000, 200_000, 300_000]),
        ("200k licence plus 50k hosting", [250_000, 200_000, 50_000]),
    ],
)
def test_several_amounts_are_readings_not_a_refusal(text: str, readings: list[float]) -> None:
    assert _readings(_read("annual_cost", text)) == readings


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("10% of revenue", "give an amount"),
        ("60 FTE x 40%", "give an amount"),
        ("lots", "could not find"),
        ("$200k", "euros"),
        ("-5k", "negative"),
        ("50k per hour", "yearly amount"),
    ],
)
def test_amounts_that_cannot_be_read_say_what_to_give(text: str, reason: str) -> None:
    result = _read("annual_value", text)
    assert isinstance(result, Invalid)
    assert reason in result.reason


@pytest.mark.parametrize(
    ("question_id", "text", "readings", "hedged"),
    [
        ("ml_engineers", "maybe 2?", [2], True),
        ("ml_engineers", "I guess 3", [3], True),
        ("data_scientists", "probably two", [2], True),
        ("data_scientists", "two or three", [2, 3], False),
        ("models", "3-5", [4], False),
        ("new_data", "hard to say, maybe 1000 a month", [230.769], True),
        ("new_data", "200-400 a week", [300], False),
    ],
)
def test_hedged_or_ranged_counts_are_proposed(
    question_id: str, text: str, readings: list[float], hedged: bool
) -> None:
    result = _read(question_id, text)
    assert _readings(result) == pytest.approx(readings)
    assert isinstance(result, ToConfirm)
    assert result.hedged is hedged


@pytest.mark.parametrize(
    ("question_id", "text", "reason"),
    [
        ("data_scientists", "me and my team", "How many people"),
        ("models", "2.5", "whole number"),
        ("models", "3 models and 4 pipelines", "several numbers"),
    ],
)
def test_counts_that_cannot_be_read_are_invalid(question_id: str, text: str, reason: str) -> None:
    result = _read(question_id, text)
    assert isinstance(result, Invalid)
    assert reason in result.reason


def test_every_reading_is_a_value_the_question_can_record() -> None:
    for question in CATALOGUE.questions:
        for text in _SENTENCES:
            result = parse_answer(question, text)
            if not isinstance(result, ToConfirm):
                continue
            assert 1 <= len(result.readings) <= 3
            for reading in result.readings:
                assert reading.how
                if question.kind == "choice":
                    assert reading.value in {choice.value for choice in question.choices}
                elif question.kind == "yes_no":
                    assert isinstance(reading.value, bool)
                else:
                    assert isinstance(reading.value, int | float)
                    assert not isinstance(reading.value, bool)


_SENTENCES = [
    "maybe 800k? 60 FTE x 40% ... hard to say",
    "the vendor quoted 200k licence plus we'd need 2 engineers",
    "Honestly our CEO came back from Web Summit convinced we need genAI, and Allianz just"
    " launched something similar",
    "twice a year",
    "two or three",
    "probably",
    "we have the CRM data but the partner data still needs a contract",
]


@settings(max_examples=80, database=None, deadline=None)
@given(st.one_of(st.text(max_size=80), _WORDISH, _NUMBERISH, st.sampled_from(_SENTENCES)))
def test_parse_answer_never_raises(text: str) -> None:
    for question in CATALOGUE.questions:
        result = parse_answer(question, text)
        assert isinstance(result, Invalid | ToConfirm | str | int | float | bool)


@pytest.mark.parametrize(("text", "euros"), [("GPT4 would cost 50k", 50_000), ("EUR200k", 200_000)])
def test_numbers_inside_names_are_not_amounts(text: str, euros: float) -> None:
    assert _read("annual_cost", text) == euros
    assert isinstance(_read("annual_value", "lots of money <@U0BADGUY> <!subteam^S1>"), Invalid)
