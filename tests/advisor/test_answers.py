"""Answers as people type them: numbers, money, choices and yes/no."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from advisor.catalogue import CATALOGUE, Question
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
