"""Text detectors: phrase families of each flag in free text, negated statements skipped."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import Final

from advisor.assessment import Flag, Signal
from advisor.policy import TEXT_FIELDS, CompiledFamily, Matcher, Policy
from advisor.proposal import Proposal

__all__ = ["detect_in_text", "detect_text_signals"]

_WORD: Final = re.compile(r"[\w'\u2019]+")
_SENTENCE_END: Final = re.compile(r"[.!?\n]")
_LOOK_BEHIND_CHARS: Final = 160
_LOOK_AHEAD_CHARS: Final = 80
_FIELD_SEPARATOR: Final = "\n\x00\n"


def detect_in_text(
    text: str,
    field: str,
    policy: Policy,
    *,
    flags: Iterable[Flag] | None = None,
    ml_engineers: int | None = None,
) -> list[Signal]:
    """Signals found in one piece of free text, each quoting the exact words that triggered it."""
    wanted = frozenset(flags) if flags is not None else None
    return _detect([(field, text)], policy.matcher, ml_engineers, wanted)


def detect_text_signals(proposal: Proposal, policy: Policy) -> list[Signal]:
    """Signals from every free-text field of a proposal, in field order, then from the words the
    person typed for other answers (`Proposal.said`), each under the field it answered."""
    texts = [(field, text) for field in TEXT_FIELDS if (text := getattr(proposal, field))]
    texts.extend(proposal.said.items())
    return _detect(texts, policy.matcher, proposal.ml_engineers, None) if texts else []


def _detect(
    texts: list[tuple[str, str]],
    matcher: Matcher,
    ml_engineers: int | None,
    flags: frozenset[Flag] | None,
) -> list[Signal]:
    # All fields are scanned as one text, each pattern once: the separator is a line break (which
    # ends clauses and sentences for the negation rules) around a character no pattern matches.
    joined = _FIELD_SEPARATOR.join(text for _, text in texts)
    lowered = joined.lower()
    # Lower-casing keeps offsets for almost all text; where it does not, match case-insensitively.
    haystack = lowered if len(lowered) == len(joined) else joined
    starts = list(
        accumulate((len(text) + len(_FIELD_SEPARATOR) for _, text in texts[:-1]), initial=0)
    )
    found: list[tuple[int, int, Signal]] = []
    seen: set[tuple[Flag, str]] = set()
    present, hits = matcher.scan(lowered)
    for number in matcher.candidates(present):
        family, pattern = matcher.patterns[number]
        if flags is not None and family.flag not in flags:
            continue
        if family.family.requires == "no_ml_engineers" and ml_engineers not in (None, 0):
            continue
        positions = matcher.starts_for(number, hits) if haystack is lowered else None
        if positions is not None:
            spans = _matches_at(pattern.lowered, haystack, positions)
        else:
            regex = pattern.lowered if haystack is lowered else pattern.case_insensitive
            spans = _word_matches(regex, haystack)
        for start, end in spans:
            position = bisect_right(starts, start) - 1
            field = texts[position][0]
            if family.family.fields is not None and field not in family.family.fields:
                continue
            evidence = joined[start:end].strip()
            if "\x00" in evidence or (family.flag, evidence.lower()) in seen:
                continue
            offset = starts[position]
            if _negated(texts[position][1], start - offset, end - offset, family, matcher):
                continue
            if family.unless is not None and family.unless.search(_sentence(joined, start, end)):
                continue
            seen.add((family.flag, evidence.lower()))
            signal = Signal(flag=family.flag, field=field, evidence=evidence, rule=family.rule)
            found.append((position, start, signal))
    found.sort(key=lambda item: (item[0], item[1]))
    return [signal for _, _, signal in found]


def _matches_at(
    regex: re.Pattern[str], text: str, positions: list[int]
) -> Iterator[tuple[int, int]]:
    """Spans of the regex's matches, tried only at these word starts (where a leading word is)."""
    reached = 0
    for position in positions:
        if position < reached:
            continue  # inside the previous match: a scan would not look here either
        match = regex.match(text, position)
        if match is not None:
            reached = max(match.end(), position + 1)
            yield match.span()


def _word_matches(regex: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """Spans of the regex's matches that start a word (the compiled patterns do not check)."""
    position = 0
    while (match := regex.search(text, position)) is not None:
        start, end = match.span()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            position = start + 1  # inside a word ("ai" in "maintain"): look again further on
            continue
        position = max(end, start + 1)
        yield start, end


def _negated(text: str, start: int, end: int, family: CompiledFamily, matcher: Matcher) -> bool:
    before = text[max(0, start - _LOOK_BEHIND_CHARS) : start]
    clause = before[matcher.clause_start(before) :]
    words = _WORD.findall(clause)
    first = max(0, len(words) - matcher.window_words)
    for index in range(len(words) - 1, first - 1, -1):
        if words[index].lower() in matcher.scope_continues:
            # "not a reaction to competitors or to hype": the item after "or" is in the reach
            # of the negation before the item ahead of it.
            first = max(0, index - 1 - matcher.window_words)
            break
    # The window patterns expect lower-cased words, each after one space.
    window = " " + " ".join(words[first:]).lower()
    if matcher.not_negating is not None:
        window = matcher.not_negating.sub(" ", window)
    for negators in (matcher.negator, family.negators_before):
        if negators is not None and negators.search(window):
            return True
    after = text[end : end + _LOOK_AHEAD_CHARS]
    after = after[: matcher.clause_end(after)]
    return any(
        negation is not None and negation.match(after)
        for negation in (matcher.after_negation, family.negators_after)
    )


def _sentence(text: str, start: int, end: int) -> str:
    head = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    tail = _SENTENCE_END.search(text, end)
    return text[head : tail.start() if tail else len(text)]
