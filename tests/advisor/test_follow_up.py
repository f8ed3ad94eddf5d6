"""A typed follow-up answer: the realised value it names, and the line it adds to the notes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from advisor.follow_up import due_key, follow_up_note, realised_value

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("it saves €40k a year", 40_000.0),
        ("about 200k a year", 200_000.0),
        ("half a million euros a year", 500_000.0),
        ("3 people run it", None),  # a bare number is not money
        ("live since March", None),
    ],
)
def test_realised_value_needs_a_currency_or_a_scale(text: str, value: float | None) -> None:
    assert realised_value(text) == value


def test_the_note_is_one_line_with_the_value_named() -> None:
    line = follow_up_note("Live since May,\n  Ana runs it", NOW, 40_000.0)
    assert (
        line
        == "Follow-up 2026-05-04: Live since May, Ana runs it (realised value: €40,000 per year)"
    )
    assert follow_up_note("stalled", NOW, None) == "Follow-up 2026-05-04: stalled"


def test_due_keys_name_the_days() -> None:
    assert due_key(30) == "30d"
