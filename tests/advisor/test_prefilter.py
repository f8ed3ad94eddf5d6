"""The detectors' prefilter never skips a pattern that would have matched."""

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import DEFAULT
from advisor.detectors import _word_matches  # the scan the detectors run

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
    allowed = {id(pattern) for _, pattern in MATCHER.candidates(lowered)}
    for family, pattern in MATCHER.patterns:
        if id(pattern) not in allowed:
            assert next(_word_matches(pattern.lowered, lowered), None) is None, (
                f"{family.rule} was skipped but matches {text!r}"
            )


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
    assert len(MATCHER.candidates(text.lower())) < len(MATCHER.patterns) / 10
