"""Text detectors: phrase families of each flag in free text, negated statements skipped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Final

from advisor.assessment import Flag, Signal
from advisor.policy import TEXT_FIELDS, Policy
from advisor.proposal import Proposal

__all__ = ["detect_in_text", "detect_text_signals"]

_WORD: Final = re.compile(r"[\w'\u2019]+")
_SENTENCE_END: Final = re.compile(r"[.!?\n]")
_LOOK_BEHIND_CHARS: Final = 160
_LOOK_AHEAD_CHARS: Final = 80


def detect_in_text(
    text: str,
    field: str,
    policy: Policy,
    *,
    flags: Iterable[Flag] | None = None,
    ml_engineers: int | None = None,
) -> list[Signal]:
    """Signals found in one piece of free text, each quoting the exact words that triggered it."""
    signals: list[Signal] = []
    seen: set[tuple[Flag, str]] = set()
    for flag in flags if flags is not None else policy.detectors:
        for rule, evidence in _matches(text, field, flag, policy, ml_engineers):
            key = (flag, evidence.lower())
            if key not in seen:
                seen.add(key)
                signals.append(Signal(flag=flag, field=field, evidence=evidence, rule=rule))
    return signals


def detect_text_signals(proposal: Proposal, policy: Policy) -> list[Signal]:
    """Signals from every free-text field of a proposal, in field order."""
    signals: list[Signal] = []
    for field in TEXT_FIELDS:
        text = getattr(proposal, field)
        if text:
            signals.extend(detect_in_text(text, field, policy, ml_engineers=proposal.ml_engineers))
    return signals


def _matches(
    text: str, field: str, flag: Flag, policy: Policy, ml_engineers: int | None
) -> Iterator[tuple[str, str]]:
    detector = policy.detector(flag)
    if detector is None:
        return
    for match in detector.finditer(text):
        group = match.lastgroup
        if group is None:
            continue
        family = policy.family(group)
        if family.fields is not None and field not in family.fields:
            continue
        if family.requires == "no_ml_engineers" and ml_engineers not in (None, 0):
            continue
        start, end = match.span()
        if _negated(text, start, end, group, policy):
            continue
        unless = policy.unless(group)
        if unless is not None and unless.search(_sentence(text, start, end)):
            continue
        yield f"{flag.value}.{family.id}", text[start:end].strip()


def _negated(text: str, start: int, end: int, group: str, policy: Policy) -> bool:
    before = text[max(0, start - _LOOK_BEHIND_CHARS) : start]
    clause = policy.clause_break.split(before)[-1]
    window = " ".join(_WORD.findall(clause)[-policy.negation.window_words :])
    if policy.not_negating is not None:
        window = policy.not_negating.sub(" ", window)
    if policy.negator.search(window):
        return True
    extra = policy.extra_negator(group)
    if extra is not None and extra.search(window):
        return True
    after = policy.clause_break.split(text[end : end + _LOOK_AHEAD_CHARS], maxsplit=1)[0]
    for negation_after in (policy.after_negation, policy.extra_negator_after(group)):
        if negation_after is not None and negation_after.match(after):
            return True
    return False


def _sentence(text: str, start: int, end: int) -> str:
    head = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    tail = _SENTENCE_END.search(text, end)
    return text[head : tail.start() if tail else len(text)]
