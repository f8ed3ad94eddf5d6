"""The detectors' prefilter never skips a pattern that would have matched."""

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import DEFAULT
from advisor.detectors import _matches_at, _word_matches  # the scans the detectors run

MATCHER = DEFAULT.matcher
EXAMPLES = yaml.safe_load(
    (Path(__file__).parent.parent / "example_proposals.yaml").read_text(encoding="utf-8")
)
EXAMPLE_WORDS = sorted(
    {
        word
        for example in EXAMPLES
        for value in example["proposal"].values()
        if isinstance(value, str)
        for word in value.split()
    }
)
POLICY_WORDS = sorted(
    {
        word.strip()
        for _, pattern in MATCHER.patterns
        for words in pattern.required or ()
        for word in words
    }
)
words = st.sampled_from(EXAMPLE_WORDS + POLICY_WORDS)
separators = st.sampled_from([" ", " ", " ", ", ", ". ", "-", "\n", "'s ", "n't "])


def assert_no_match_is_skipped(text: str) -> None:
    lowered = text.lower()
    present, hits = MATCHER.scan(lowered)
    allowed = set(MATCHER.candidates(present))
    for number, (family, pattern) in enumerate(MATCHER.patterns):
        everywhere = list(_word_matches(pattern.lowered, lowered))
        if number not in allowed:
            assert not everywhere, f"{family.rule} was skipped but matches {text!r}"
            continue
        positions = MATCHER.starts_for(number, hits)
        if positions is not None:
            # Trying only where a leading word starts finds what a full scan finds, at most
            # without an optional opening ("the vendor pitched" as "vendor pitched").
            at_starts = list(_matches_at(pattern.lowered, lowered, positions))
            assert bool(at_starts) == bool(everywhere), f"{family.rule} on {text!r}"
            for start, end in everywhere:
                assert any(
                    start <= found_start < end and found_end == end
                    for found_start, found_end in at_starts
                ), f"{family.rule} on {text!r}: {lowered[start:end]!r} not found"


def test_no_example_text_loses_a_match() -> None:
    for example in EXAMPLES:
        for value in example["proposal"].values():
            if isinstance(value, str):
                assert_no_match_is_skipped(value)


@settings(max_examples=400)
@given(st.lists(st.tuples(words, separators), min_size=1, max_size=25))
def test_no_generated_text_loses_a_match(parts: list[tuple[str, str]]) -> None:
    assert_no_match_is_skipped("".join(word + separator for word, separator in parts))


def test_prefilter_skips_most_patterns_for_plain_text() -> None:
    text = "Warehouse staff count pallets by hand every evening and the counts are often wrong."
    present, _ = MATCHER.scan(text.lower())
    assert len(MATCHER.candidates(present)) < len(MATCHER.patterns) / 10


def test_most_patterns_know_their_leading_words() -> None:
    with_leading = [pattern for _, pattern in MATCHER.patterns if pattern.leading is not None]
    assert len(with_leading) > len(MATCHER.patterns) / 2
