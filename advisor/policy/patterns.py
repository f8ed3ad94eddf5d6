"""The policy's pattern syntax (whole words, loose spaces, `{term}` lists) as regexes."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["WORD_START", "alternation", "compile_at", "lower_case_pattern", "window_pattern"]

# Every pattern starts a word. The compiled detectors leave this look-behind out and check it
# after a match instead: without it the regex engine can skip ahead to likely first letters.
WORD_START: Final = r"(?<!\w)"
_TERM_REFERENCE: Final = re.compile(r"\{(\w+)\}")


def compile_at(key: str, pattern: str, terms: dict[str, list[str]], *, check: bool = True) -> str:
    """A policy pattern as regex source; with `check`, ValueError names `key` if invalid."""
    source = WORD_START + "(?:" + _expand(key, pattern, terms) + r")(?!\w)"
    if not check:
        return source
    try:
        re.compile(source)
    except re.error as error:
        raise ValueError(f"{key}: {pattern!r} is not a valid pattern ({error})") from None
    return source


def window_pattern(key: str, patterns: list[str], terms: dict[str, list[str]]) -> re.Pattern[str]:
    """A pattern for a negation window: lower-cased words, each after one space.

    The detectors build the window as " " + lower-cased words joined by spaces, so a literal space
    can stand for the start of a word, which the regex engine finds far faster than a look-behind.
    """
    sources = [
        lower_case_pattern(compile_at(f"{key}.{index}", word, terms).removeprefix(WORD_START))
        for index, word in enumerate(patterns)
    ]
    return re.compile(" (?:" + "|".join(sources) + ")")


def alternation(key: str, patterns: list[str], terms: dict[str, list[str]]) -> str:
    """One regex source matching any of the patterns."""
    return "|".join(
        compile_at(f"{key}.{index}", word, terms) for index, word in enumerate(patterns)
    )


def lower_case_pattern(source: str) -> str:
    """The same pattern for lower-cased text: every letter lower-cased except escapes ("\\W")."""
    out: list[str] = []
    escaped = False
    for char in source:
        out.append(char if escaped else char.lower())
        escaped = not escaped and char == "\\"
    return "".join(out)


def _expand(key: str, pattern: str, terms: dict[str, list[str]]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in terms:
            raise ValueError(f"{key}: unknown term {{{name}}}; defined terms: {', '.join(terms)}")
        return "(?:" + "|".join(_words(alternative) for alternative in terms[name]) + ")"

    return _TERM_REFERENCE.sub(substitute, _words(pattern))


def _words(pattern: str) -> str:
    # A space stands for any run of spaces or hyphens ("turn key", "turn-key"); an apostrophe
    # also matches the typographic one that phones and word processors insert.
    out: list[str] = []
    in_class = escaped = skip_next = False
    for char, next_char in zip(pattern, pattern[1:] + " ", strict=True):
        if skip_next:
            skip_next = False
        elif escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif in_class:
            out.append("'\u2019" if char == "'" else char)
            in_class = char != "]"
        elif char == "[":
            out.append(char)
            in_class = True
        elif char == " " and next_char == "?":
            out.append(r"[\s\-]*")
            skip_next = True
        elif char == " ":
            out.append(r"[\s\-]+")
        elif char == "'":
            out.append("['\u2019]")
        else:
            out.append(char)
    return "".join(out)
