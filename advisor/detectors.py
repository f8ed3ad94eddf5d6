"""Text detectors: phrase families of each flag in free text, negated statements skipped."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Final, NamedTuple

from advisor.assessment import Flag, Signal
from advisor.policy import TEXT_FIELDS, CompiledFamily, Cue, Matcher, Policy
from advisor.proposal import Proposal

__all__ = ["detect_in_text", "detect_text_signals"]

_WORD: Final = re.compile(r"[\w'\u2019]+")
_SENTENCE_END: Final = re.compile(r"[.!?\n]")
_LOOK_BEHIND_CHARS: Final = 160
_LOOK_AHEAD_CHARS: Final = 80
_FIELD_SEPARATOR: Final = "\n\x00\n"
# What a blanked-out label becomes: a character no pattern matches and no evidence may contain.
_BLANK: Final = "\x00"
_DISMISSAL_CHARS: Final = 160
_LIST_CHARS: Final = 240
# Separators of the items of a list: "a demo, the buzz or what others do".
_LIST_SEPARATOR: Final = re.compile(r",|\b(?:or|nor|and)\b", re.IGNORECASE)
_MAX_LIST_ITEMS: Final = 6
_PRESENT_WORDS_BEFORE: Final = 4
_PRESENT_WORDS_AFTER: Final = 3


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
    if matcher.labels is not None and matcher.labels.possible(present):
        # The advisor's own labels ("Follow-up on fomo: ...") are blanked out, keeping offsets,
        # so that no pattern can match them and no evidence can quote them (rare: scan again).
        unlabelled = [(field, _unlabelled(text, matcher)) for field, text in texts]
        if unlabelled != texts:
            texts = unlabelled
            joined = _FIELD_SEPARATOR.join(text for _, text in texts)
            lowered = joined.lower()
            haystack = lowered if len(lowered) == len(joined) else joined
            present, hits = matcher.scan(lowered)
    cues = _Cues(
        _possible(matcher.dismissal, present),
        _possible(matcher.list_opener, present),
        _possible(matcher.past_anchor, present),
    )
    past: dict[int, _Stories] = {}  # by field position, built when a match first needs it
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
            text = texts[position][1]
            if _negated(text, start - offset, end - offset, family, matcher, cues=cues):
                continue
            if family.unless is not None and family.unless.search(_sentence(joined, start, end)):
                continue
            if cues.past_anchor is not None:
                stories = past.get(position)
                if stories is None:
                    stories = past[position] = _Stories.of(text, cues.past_anchor)
                if stories.told_in_past(text, start - offset, end - offset, matcher):
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


def _word_match_at_start(regex: re.Pattern[str], text: str) -> bool:
    """Whether a lower-case pattern matches at the very start of `text` (any case)."""
    lowered = text.lower()
    return len(lowered) == len(text) and regex.match(lowered) is not None


def _word_match_in(regex: re.Pattern[str], text: str) -> tuple[int, int] | None:
    """The first match, starting a word, of a lower-case pattern in `text` (any case)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return None  # the rare text that changes length when lower-cased: no context cue
    return next(_word_matches(regex, lowered), None)


def _word_matches(
    regex: re.Pattern[str], text: str, position: int = 0
) -> Iterator[tuple[int, int]]:
    """Spans of the regex's matches that start a word (the compiled patterns do not check)."""
    while (match := regex.search(text, position)) is not None:
        start, end = match.span()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            position = start + 1  # inside a word ("ai" in "maintain"): look again further on
            continue
        position = max(end, start + 1)
        yield start, end


class _Cues(NamedTuple):
    """The context patterns that this text may contain (None where the prefilter rules out)."""

    dismissal: re.Pattern[str] | None
    list_opener: re.Pattern[str] | None
    past_anchor: re.Pattern[str] | None


def _negated(
    text: str, start: int, end: int, family: CompiledFamily, matcher: Matcher, *, cues: _Cues
) -> bool:
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
    ahead = text[end : end + _LOOK_AHEAD_CHARS]
    after = ahead[: matcher.clause_end(ahead)]
    if matcher.after_negation is not None and matcher.after_negation.match(after):
        return True
    # A family's own negators after the words ("findings were all fixed", "audit findings on the
    # old server: all closed") may run on to the end of the sentence: the pattern itself stops
    # at any punctuation but a colon, dash or comma that announces the outcome.
    if family.negators_after is not None:
        sentence_end = _SENTENCE_END.search(ahead)
        rest = ahead if sentence_end is None else ahead[: sentence_end.start()]
        if family.negators_after.match(rest):
            return True
    if (
        cues.dismissal is not None
        and family.flag in matcher.dismissible
        and _dismissed(text, end, matcher, cues.dismissal)
    ):
        return True
    return cues.list_opener is not None and _in_negated_list(text, start, matcher, cues.list_opener)


def _dismissed(text: str, end: int, matcher: Matcher, dismissal: re.Pattern[str]) -> bool:
    """Whether the rest of the clause or the next one disowns the words: "our rival launched one,
    but that is not what drives this"."""
    ahead = text[end : end + _DISMISSAL_CHARS]
    sentence_end = _SENTENCE_END.search(ahead)
    if sentence_end is not None:
        # A sentence that opens with the dismissal disowns the one before: "Other banks have
        # chatbots. That is not why we want one."
        following = ahead[sentence_end.end() :].lstrip(" \t")
        if _word_match_at_start(dismissal, following):
            return True
        ahead = ahead[: sentence_end.start()]
    # The clause of the words, then the next one that has words (", but that is ..." has an
    # empty clause between the comma and "but").
    reach, position, first = len(ahead), 0, True
    for match in matcher.clause_breaks(ahead):
        if first:
            first = False
        elif _WORD.search(ahead, position, match.start()) is not None:
            reach = match.start()
            break
        position = match.end()
    return _word_match_in(dismissal, ahead[:reach]) is not None


def _in_negated_list(text: str, start: int, matcher: Matcher, opener: re.Pattern[str]) -> bool:
    """Whether the words are an item of a list that a list opener negates: "this isn't about a
    supplier's demo, the AI buzz or what other hospitals do"."""
    if matcher.list_break is None:
        return False
    before = text[max(0, start - _LIST_CHARS) : start]
    # A list stays inside its sentence: the opener is looked for there only.
    before = before[max((m.end() for m in _SENTENCE_END.finditer(before)), default=0) :]
    lowered = before.lower()
    if len(lowered) != len(before):
        return False  # the rare text that changes length: the item-by-item window still applies
    # The last opener before the words governs them, unless a clause break ends its list.
    opened = max((end for _, end in _word_matches(opener, lowered)), default=None)
    if opened is None or matcher.list_break.search(lowered, opened) is not None:
        return False
    items = _LIST_SEPARATOR.split(before[opened:])
    return len(items) <= _MAX_LIST_ITEMS and all(
        len(_WORD.findall(item)) <= matcher.list_item_words for item in items
    )


@dataclass(frozen=True, slots=True)
class _Stories:
    """Where one text's sentences end and where its past anchors stand, found once per text:
    a proposal's matches all ask whether their sentence is anchored in the past, and looking
    each sentence up afresh cost a tenth of the assessment's time."""

    anchor: re.Pattern[str]
    boundaries: list[int]  # indices of the characters that end sentences
    anchors: list[tuple[int, int]]  # spans of the anchors, in text order

    @classmethod
    def of(cls, text: str, anchor: re.Pattern[str]) -> _Stories:
        lowered = text.lower()
        # The rare text that changes length when lower-cased has no context cue (as before).
        spans = list(_word_matches(anchor, lowered)) if len(lowered) == len(text) else []
        return cls(anchor, [m.start() for m in _SENTENCE_END.finditer(text)], spans)

    def told_in_past(self, text: str, start: int, end: int, matcher: Matcher) -> bool:
        if not self.anchors:
            return False
        before = bisect_left(self.boundaries, start)
        head = self.boundaries[before - 1] + 1 if before else 0
        after = bisect_left(self.boundaries, end)
        tail = self.boundaries[after] if after < len(self.boundaries) else len(text)
        inside = [(s, e) for s, e in self.anchors if s < tail and e > head]
        if not inside:
            return False
        # An anchor across the sentence's edge: read the sentence alone, as it reads.
        across = any(s < head or e > tail for s, e in inside)
        if across and _word_match_in(self.anchor, text[head:tail]) is None:
            return False
        return _still_told_as_past(text, start, end, matcher)


def _still_told_as_past(text: str, start: int, end: int, matcher: Matcher) -> bool:
    """Whether a match in a sentence anchored in the past ("years ago an integrator talked us
    into a data lake") is told as the past: its clause does not say it still holds."""
    # Only the words next to the trigger tell whether it still holds: in "years ago an integrator
    # talked us into a data lake that is still unused" the present belongs to the data lake.
    before = text[max(0, start - _LOOK_BEHIND_CHARS) : start]
    after = text[end : end + _LOOK_AHEAD_CHARS]
    near = " ".join(
        [
            *_WORD.findall(before[matcher.clause_start(before) :])[-_PRESENT_WORDS_BEFORE:],
            text[start:end],
            *_WORD.findall(after[: matcher.clause_end(after)])[:_PRESENT_WORDS_AFTER],
        ]
    )
    return matcher.still_current is None or matcher.still_current.search(near) is None


def _possible(cue: Cue | None, present: set[str]) -> re.Pattern[str] | None:
    return cue.regex if cue is not None and cue.possible(present) else None


def _unlabelled(text: str, matcher: Matcher) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):
        if matcher.labels_any_case is None:
            return text
        return matcher.labels_any_case.sub(lambda match: _BLANK * len(match.group()), text)
    if matcher.labels is None:
        return text
    spans = list(_word_matches(matcher.labels.regex, lowered))
    for start, end in reversed(spans):
        text = text[:start] + _BLANK * (end - start) + text[end:]
    return text


def _sentence(text: str, start: int, end: int) -> str:
    head = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    tail = _SENTENCE_END.search(text, end)
    return text[head : tail.start() if tail else len(text)]
