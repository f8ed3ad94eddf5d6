"""The prefilter: the words every match of a pattern needs, so most patterns skip most texts."""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any, Final

__all__ = ["leading_literals", "parse_regex", "required_literals", "selectivity", "trie_pattern"]

# The regex parser (private, untyped) lets the prefilter read which words a pattern requires.
_RE_PARSER: Final[Any] = import_module("re._parser")
_RE_CONSTANTS: Final[Any] = import_module("re._constants")
_WORD_CHARS: Final = re.compile(r"\w+")
_MAX_PREFILTER_PIECES: Final = 4


def parse_regex(source: str) -> list[tuple[Any, Any]]:
    """`source` as the regex parser reads it, ignoring case; re.error if it is no pattern."""
    return list(_RE_PARSER.parse(source, re.IGNORECASE))


def required_literals(parsed: list[tuple[Any, Any]]) -> tuple[frozenset[str], ...] | None:
    """Sets of lower-case strings; every match of the parsed pattern contains one of each set.

    A small prefilter in the spirit of RE2's: walk the parsed pattern and collect its necessary
    pieces (a literal run, or the union over a branch's alternatives), then keep the few most
    selective ones. A literal that must start a word comes with a leading space (" ai"), so that
    "ai" in "maintain" does not wake the patterns about AI. None when nothing is necessary.
    """
    # A piece with a one-letter word is found in nearly every text ("c" in every word that
    # starts with c): it costs more than it saves. Leaving out a necessary piece is always safe.
    pieces = sorted(
        (
            found
            for found in _necessary(parsed, at_word_start=False)
            if all(len(word.strip()) > 1 for word in found)
        ),
        key=selectivity,
    )
    # Each extra piece is one more cheap test that can rule the pattern out.
    chosen = pieces[:_MAX_PREFILTER_PIECES]
    return tuple(frozenset(found) for found in chosen) or None


def selectivity(found: set[str]) -> tuple[int, int, int]:
    """Sort key, most selective first: no everyday word, long strings, few strings."""
    everyday = any(word.strip() in _EVERYDAY_WORDS for word in found)
    return (int(everyday), -min(len(word) for word in found), len(found))


def leading_literals(parsed: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Lower-case words (" word") where every match of the parsed pattern, less an optional
    opening, begins."""
    leading = _leading(parsed)
    if leading is None or not all(_WORD_CHARS.fullmatch(word) for word in leading):
        return None
    return frozenset(" " + word for word in leading)


def _leading(items: list[tuple[Any, Any]], *, skip_optional: bool = True) -> set[str] | None:
    """Words one of which every match of `items` starts with (after an optional opening, when
    `skip_optional`), or None."""
    constants = _RE_CONSTANTS
    if not items:
        return None
    op, argument = items[0]
    if op is constants.LITERAL:
        run = []
        for item_op, item_argument in items:
            if item_op is not constants.LITERAL:
                break
            run.append(chr(item_argument).lower())
        # Only the word part serves as a leading word ("must" of "must-have").
        word = _WORD_CHARS.match("".join(run))
        if word is None:
            return None
        if word.end() < len(run) or len(run) == len(items):
            return {word.group()}
        # The regex parser factors common prefixes out ("c(?:eo|io)" for "ceo|cio"): join them
        # up, but only with what must follow at once.
        rest = _leading(items[len(run) :], skip_optional=False)
        if rest is None or not all(_WORD_CHARS.fullmatch(tail) for tail in rest):
            return {word.group()}
        return {word.group() + tail for tail in rest}
    if op in (constants.ASSERT_NOT, constants.ASSERT, constants.AT):
        return _leading(items[1:], skip_optional=skip_optional)  # zero-width
    if op is constants.SUBPATTERN:
        # A group that can match nothing has no leading set (its empty branch or optional part
        # yields None), so the start can never slip past it unnoticed.
        return _leading(list(argument[-1]), skip_optional=skip_optional)
    if op is constants.BRANCH:
        alternatives = [
            _leading(list(branch), skip_optional=skip_optional) for branch in argument[1]
        ]
        if any(alternative is None for alternative in alternatives):
            return None
        return set().union(*(a for a in alternatives if a is not None))
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
        minimum, _, item = argument
        if minimum >= 1:
            return _leading(list(item), skip_optional=skip_optional)
        if not skip_optional:
            return None
        # An optional opening ("the ", "an? "): trying where the rest starts still finds the
        # match, only without its optional first words; and those are often everyday words
        # that would have the regex tried at every "the" in the text.
        return _leading(items[1:])
    return None


def _necessary(items: list[tuple[Any, Any]], *, at_word_start: bool) -> list[set[str]]:
    """Every piece this sequence cannot match without, each a set of alternative strings."""
    constants = _RE_CONSTANTS
    pieces: list[set[str]] = []
    run: list[str] = []
    run_at_word_start = False

    def flush() -> None:
        literal = "".join(run)
        word_initial = run_at_word_start and _WORD_CHARS.fullmatch(literal) is not None
        pieces.append({" " + literal if word_initial else literal})
        run.clear()

    for op, argument in items:
        if op is constants.LITERAL:
            if not run:
                run_at_word_start = at_word_start
            run.append(chr(argument).lower())
            at_word_start = False
            continue
        if run:
            flush()
        if op is constants.SUBPATTERN:
            pieces.extend(_necessary(list(argument[-1]), at_word_start=at_word_start))
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and argument[0] >= 1:
            pieces.extend(_necessary(list(argument[2]), at_word_start=at_word_start))
        elif op is constants.BRANCH:
            best = [
                min(found, key=selectivity, default=None)
                for found in (
                    _necessary(list(branch), at_word_start=at_word_start) for branch in argument[1]
                )
            ]
            if all(found is not None for found in best):
                pieces.append(set().union(*(found for found in best if found is not None)))
        at_word_start = _word_start_after(op, argument, at_word_start)
    if run:
        flush()
    return pieces


def _word_start_after(op: Any, argument: Any, at_word_start: bool) -> bool:
    """Whether the text right after this regex item is surely at the start of a word.

    True after the (?<!\\w) that opens every pattern, and after anything that must end with a
    space (" " in a policy pattern is a run of spaces or hyphens); False when unsure.
    """
    constants = _RE_CONSTANTS
    if op is constants.ASSERT_NOT:
        return bool(argument[0] == -1)
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
        minimum, _, item = argument
        if list(item) and _is_space_class(list(item)):
            return minimum >= 1 or at_word_start
        ends = _ends_with_space(list(item), at_word_start)
        return ends if minimum >= 1 else ends and at_word_start
    if op is constants.SUBPATTERN:
        return _ends_with_space(list(argument[-1]), at_word_start)
    if op is constants.BRANCH:
        return all(_ends_with_space(list(branch), at_word_start) for branch in argument[1])
    return False


def _ends_with_space(items: list[tuple[Any, Any]], at_word_start: bool) -> bool:
    state = at_word_start
    for op, argument in items:
        state = _word_start_after(op, argument, state)
    return state


def _is_space_class(items: list[tuple[Any, Any]]) -> bool:
    return (
        len(items) == 1
        and items[0][0] is _RE_CONSTANTS.IN
        and (_RE_CONSTANTS.CATEGORY, _RE_CONSTANTS.CATEGORY_SPACE) in items[0][1]
    )


def trie_pattern(words: list[str]) -> str:
    """One regex for many words, factored by common prefixes so the engine branches once per
    letter instead of trying every word at every position; the longest word wins."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return render(trie)


# Words so frequent in proposals that a prefilter on them would let almost every text through.
_EVERYDAY_WORDS: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "at",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "we",
        "our",
        "us",
        "you",
        "your",
        "they",
        "their",
        "them",
        "he",
        "she",
        "his",
        "her",
        "i",
        "my",
        "me",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "done",
        "will",
        "would",
        "can",
        "could",
        "should",
        "must",
        "may",
        "might",
        "need",
        "needs",
        "want",
        "wants",
        "get",
        "got",
        "make",
        "made",
        "use",
        "used",
        "uses",
        "using",
        "run",
        "runs",
        "running",
        "time",
        "times",
        "data",
        "team",
        "people",
        "work",
        "new",
        "more",
        "less",
        "just",
        "only",
        "all",
        "any",
        "some",
        "no",
        "not",
        "one",
        "two",
        "out",
        "up",
        "so",
        "if",
        "then",
        "than",
        "there",
        "here",
        "what",
        "which",
        "who",
        "how",
        "when",
        "where",
        "why",
        "also",
        "very",
        "much",
        "many",
        "most",
        "other",
        "others",
        "over",
        "into",
        "from",
        "about",
        "after",
        "before",
        "see",
        "know",
        "way",
        "day",
        "week",
        "month",
        "year",
        "first",
        "last",
        "next",
        "well",
    ]
)
