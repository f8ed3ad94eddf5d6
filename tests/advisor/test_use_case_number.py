"""A use case's number as a person types it: ASCII digits that fit the id column, or nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor import MAX_USE_CASE_ID, UseCaseNumber, parse_use_case_number


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("12", UseCaseNumber(typed="12", id=12)),
        ("#12", UseCaseNumber(typed="12", id=12)),
        (" 007 ", UseCaseNumber(typed="007", id=7)),
        (str(MAX_USE_CASE_ID), UseCaseNumber(typed=str(MAX_USE_CASE_ID), id=MAX_USE_CASE_ID)),
    ],
)
def test_a_number_that_a_use_case_can_have(typed: str, number: UseCaseNumber) -> None:
    assert parse_use_case_number(typed) == number


@pytest.mark.parametrize(
    "typed", ["0", "#0", str(MAX_USE_CASE_ID + 1), "9223372036854775808", "9" * 30]
)
def test_a_number_no_use_case_can_have_is_still_a_number(typed: str) -> None:
    number = parse_use_case_number(typed)
    assert number == UseCaseNumber(typed=typed.removeprefix("#"), id=None)


@pytest.mark.parametrize(
    "typed", ["", "#", "##12", "²", "١٢", "１２", "1_000", "+5", "-5", "1 2", "12\n3", "9" * 31]
)
def test_anything_else_is_no_number(typed: str) -> None:
    assert parse_use_case_number(typed) is None


@given(st.one_of(st.text(), st.from_regex(r"\s*#?[0-9]{1,40}\s*", fullmatch=True)))
def test_whatever_is_typed_the_id_fits_the_column_and_the_echo_is_plain(text: str) -> None:
    number = parse_use_case_number(text)
    if number is None:
        return
    assert number.id is None or 1 <= number.id <= MAX_USE_CASE_ID
    assert number.typed.isascii() and number.typed.isdigit() and len(number.typed) <= 30
