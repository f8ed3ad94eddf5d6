"""The rubric as data: weights, thresholds, phrase families and texts, validated and compiled once.

The core reads only the policy bundled inside its own package; a deployment's override is read by
the shell (bot/) and handed in as text, so the core itself never touches the file system.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib import import_module
from importlib.resources import files
from typing import Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from advisor.assessment import Flag, Tier
from advisor.proposal import Origin, Retraining, Serving

__all__ = [
    "DEFAULT",
    "TEXT_FIELDS",
    "CompiledFamily",
    "CompiledPattern",
    "Family",
    "FollowUpPolicy",
    "Matcher",
    "Policy",
    "PolicyError",
    "parse_policy",
]

TEXT_FIELDS: Final = ("title", "problem", "kpi", "operating_plan", "notes")
TextField = Literal["title", "problem", "kpi", "operating_plan", "notes"]

# The regex parser (private, untyped) lets the prefilter read which words a pattern requires.
_RE_PARSER: Final[Any] = import_module("re._parser")
_RE_CONSTANTS: Final[Any] = import_module("re._constants")
_WORD_CHARS: Final = re.compile(r"\w+")
_MAX_PREFILTER_PIECES: Final = 4
# Every pattern starts a word. The compiled detectors leave this look-behind out and check it
# after a match instead: without it the regex engine can skip ahead to likely first letters.
_WORD_START: Final = r"(?<!\w)"
_TERM_REFERENCE: Final = re.compile(r"\{(\w+)\}")
# The C loader when PyYAML was built with libyaml: the policy is parsed at every start.
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PolicyError(ValueError):
    """The policy is invalid; the message names the offending key."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Family(_Strict):
    """A phrase family: patterns (regular expressions) that mean the same thing for one flag.

    Words in a pattern are matched case-insensitively as whole words; a space matches any run of
    spaces or hyphens and an apostrophe matches its typographic twin. `{term}` inserts a term list.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    patterns: list[str] = Field(min_length=1)
    fields: list[TextField] | None = None
    unless_sentence: str | None = None
    extra_negators: list[str] = []
    requires: Literal["no_ml_engineers"] | None = None


class Negation(_Strict):
    before: list[str] = Field(min_length=1)
    not_negating: list[str] = []
    after: list[str] = []
    clause_breaks: list[str] = []
    # Words that carry a negation on to the next item: "not a reaction to competitors or to hype".
    scope_continues: list[str] = []
    window_words: int = Field(ge=1, le=20)


class BusinessCaseWeights(_Strict):
    min_problem_words: int = Field(ge=1)
    problem_substantive: int = Field(ge=0)
    problem_short: int = Field(ge=0)
    owner: int = Field(ge=0)
    kpi: int = Field(ge=0)
    value_estimate: int = Field(ge=0)
    value_without_cost: int = Field(ge=0)
    value_cost_ratio: list[tuple[float, int]]
    origin: dict[Origin, int]

    @model_validator(mode="after")
    def _sums_to_100(self) -> BusinessCaseWeights:
        best_ratio = max((score for _, score in self.value_cost_ratio), default=0)
        total = (
            self.problem_substantive
            + self.owner
            + self.kpi
            + self.value_estimate
            + max(best_ratio, self.value_without_cost)
            + max(self.origin.values(), default=0)
        )
        if total != 100:
            raise ValueError(
                f"the best possible business case must score 100, these sum to {total}"
            )
        return self


class NeedWeights(_Strict):
    data_per_week: list[tuple[float, int]]
    models: list[tuple[float, int]]
    retraining: dict[Retraining, int]
    serving: dict[Serving, int]
    all_unknown: int = Field(ge=0, le=100)


class ReadinessWeights(_Strict):
    unknown_skills: int = Field(ge=0, le=100)
    no_people: int = Field(ge=0, le=100)
    high_need_no_ml_engineers: int = Field(ge=0, le=100)
    high_need_one_ml_engineer: int = Field(ge=0, le=100)
    high_need_team: int = Field(ge=0, le=100)
    medium_need_no_ml_engineers: int = Field(ge=0, le=100)
    medium_need_team: int = Field(ge=0, le=100)
    low_need_team: int = Field(ge=0, le=100)
    data_access: dict[Literal["yes", "no", "unknown"], int]
    security_gaps: dict[Literal["yes", "no", "unknown"], int]
    plan_substantive: int = Field(ge=0, le=100)
    plan_vague: int = Field(ge=0, le=100)
    plan_missing: int = Field(ge=0, le=100)
    plan_missing_while_live: int = Field(ge=0, le=100)
    min_plan_words: int = Field(ge=1)


class TierThresholds(_Strict):
    no_business_case_below: int = Field(ge=0, le=100)
    foundations_below_readiness: int = Field(ge=0, le=100)
    lightweight_below_need: int = Field(ge=0, le=100)
    full_min_need: int = Field(ge=0, le=100)
    full_min_readiness: int = Field(ge=0, le=100)
    full_min_business_case: int = Field(ge=0, le=100)
    full_min_value_cost_ratio: float = Field(ge=0)
    full_min_annual_cost_eur: float = Field(ge=0)
    caps: dict[Flag, Tier] = {}


class FollowUpPolicy(_Strict):
    """When the bot follows up on a verdict in the use case's thread, and what it asks."""

    days: list[int] = Field(default=[30, 90], min_length=1)
    questions: list[str] = Field(
        default=[
            "Did it start?",
            "Who runs it day to day?",
            "Is the value showing (how much, per year)?",
        ],
        min_length=1,
    )

    @model_validator(mode="after")
    def _positive_and_distinct(self) -> FollowUpPolicy:
        if any(day < 1 for day in self.days) or len(set(self.days)) != len(self.days):
            raise ValueError("days must be distinct whole numbers of days, 1 or more")
        return self


class Texts(_Strict):
    recommended_setup: dict[Tier, str]
    next_steps: dict[Tier, list[str]]
    flag_next_steps: dict[Flag, str]
    follow_up: dict[Flag, str]

    @model_validator(mode="after")
    def _complete(self) -> Texts:
        for key, mapping, members in (
            ("recommended_setup", self.recommended_setup, Tier),
            ("next_steps", self.next_steps, Tier),
            ("flag_next_steps", self.flag_next_steps, Flag),
            ("follow_up", self.follow_up, Flag),
        ):
            missing = [member.value for member in members if member not in mapping]
            if missing:
                raise ValueError(f"{key} has no entry for: {', '.join(missing)}")
        return self


@dataclass(frozen=True)
class CompiledPattern:
    """One pattern ready to run, with the words any match of it must contain.

    `required` lets the detector skip the regex when none of those words is in the text, which is
    what keeps assessment fast: most patterns do not apply to most proposals. `lowered` is the
    same pattern for lower-cased text, which runs faster than a case-insensitive one; it is
    compiled when first needed, since most patterns are needed rarely and start-up counts.
    Neither checks that the match starts a word: the caller does.
    """

    key: str
    text: str
    source: str
    required: tuple[frozenset[str], ...] | None
    # Words (with a leading space, as in `required`) one of which starts every match: the
    # detector then tries the regex only where such a word starts, instead of searching.
    leading: frozenset[str] | None

    @cached_property
    def lowered(self) -> re.Pattern[str]:
        try:
            return re.compile(_lower_case_pattern(self.source))
        except re.error as error:
            raise PolicyError(
                f"{self.key}: {self.text!r} is not a valid pattern ({error})"
            ) from None

    @property
    def case_insensitive(self) -> re.Pattern[str]:
        """The pattern for text that changes length when lower-cased (rare; `re` caches it)."""
        return re.compile(self.source, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CompiledFamily:
    flag: Flag
    family: Family
    rule: str
    patterns: tuple[CompiledPattern, ...]
    unless: re.Pattern[str] | None
    negators_before: re.Pattern[str] | None
    negators_after: re.Pattern[str] | None


def _compile_family(
    key: str, flag: Flag, family: Family, terms: dict[str, list[str]]
) -> CompiledFamily:
    patterns = []
    for index, pattern in enumerate(family.patterns):
        where = f"{key}.patterns.{index}"
        source = _compile_at(where, pattern, terms, check=False)
        # Parsing checks the syntax and feeds both analyses; compiling waits for first use.
        try:
            parsed = list(_RE_PARSER.parse(source, re.IGNORECASE))
        except re.error as error:
            raise ValueError(f"{where}: {pattern!r} is not a valid pattern ({error})") from None
        patterns.append(
            CompiledPattern(
                key=where,
                text=pattern,
                source=source.removeprefix(_WORD_START),
                required=_required_literals(parsed),
                leading=_leading_literals(parsed),
            )
        )
    unless = None
    if family.unless_sentence is not None:
        unless_source = _compile_at(f"{key}.unless_sentence", family.unless_sentence, terms)
        unless = re.compile(unless_source, re.IGNORECASE)
    before = after = None
    if family.extra_negators:
        words = _alternation(f"{key}.extra_negators", family.extra_negators, terms)
        before = _window_pattern(f"{key}.extra_negators", family.extra_negators, terms)
        # After the words only a passive counts, at most a few (non-negating) words later:
        # "findings were fixed", "gaps identified in 2023 have all been closed", not "we have not
        # fixed the findings".
        after = re.compile(
            r"^\W*(?:which |that )?(?:(?!(?:not|never|no|nor)\b)[\w'\u2019]+(?<!n't)(?<!n\u2019t)"
            r"\s+){0,4}?(?:were|was|are|is|have|has|had|got|been|get)(?:\s+(?:all|now|since|"
            r"already|fully|long|been|mostly|largely|meanwhile|successfully|properly|finally))*"
            r"\s+(?:" + words + ")",
            re.IGNORECASE,
        )
    return CompiledFamily(
        flag=flag,
        family=family,
        rule=f"{flag.value}.{family.id}",
        patterns=tuple(patterns),
        unless=unless,
        negators_before=before,
        negators_after=after,
    )


def _lower_case_pattern(source: str) -> str:
    # Lower-case every letter except escapes ("\\W" must stay "\\W").
    out: list[str] = []
    escaped = False
    for char in source:
        out.append(char if escaped else char.lower())
        escaped = not escaped and char == "\\"
    return "".join(out)


def _required_literals(parsed: list[tuple[Any, Any]]) -> tuple[frozenset[str], ...] | None:
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
        key=_selectivity,
    )
    # Each extra piece is one more cheap test that can rule the pattern out.
    chosen = pieces[:_MAX_PREFILTER_PIECES]
    return tuple(frozenset(found) for found in chosen) or None


def _selectivity(found: set[str]) -> tuple[int, int, int]:
    """Sort key, most selective first: no everyday word, long strings, few strings."""
    everyday = any(word.strip() in _EVERYDAY_WORDS for word in found)
    return (int(everyday), -min(len(word) for word in found), len(found))


def _leading_literals(parsed: list[tuple[Any, Any]]) -> frozenset[str] | None:
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
                min(found, key=_selectivity, default=None)
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


class Policy(_Strict):
    """A validated rubric; its regular expressions are compiled once, when it is built."""

    version: str = Field(min_length=1)
    placeholders: list[str]
    terms: dict[str, list[str]] = {}
    negation: Negation
    detectors: dict[Flag, list[Family]]
    business_case: BusinessCaseWeights
    mlops_need: NeedWeights
    readiness: ReadinessWeights
    tiers: TierThresholds
    texts: Texts
    follow_ups: FollowUpPolicy = FollowUpPolicy()

    _matcher: Matcher = PrivateAttr()
    _placeholder_answers: frozenset[str] = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> Policy:
        for term, alternatives in self.terms.items():
            for index, pattern in enumerate(alternatives):
                _compile_at(f"terms.{term}.{index}", pattern, {})
        families: list[CompiledFamily] = []
        for flag, flag_families in self.detectors.items():
            for position, family in enumerate(flag_families):
                key = f"detectors.{flag.value}.{position}"
                if any(f.flag is flag and f.family.id == family.id for f in families):
                    raise ValueError(f"{key}.id: {family.id!r} is used twice for {flag.value}")
                families.append(_compile_family(key, flag, family, self.terms))
        negation = self.negation
        self._placeholder_answers = frozenset(answer.lower() for answer in self.placeholders)

        def optional(key: str, words: list[str], wrap: str = "{}") -> re.Pattern[str] | None:
            if not words:
                return None
            return re.compile(wrap.format(_alternation(key, words, self.terms)), re.IGNORECASE)

        # Punctuation, or a clause word; the words' look-behind is left out so the engine can
        # skip to likely first letters, and Matcher checks word starts itself.
        breaks = [r"[.;:!?()\[\]\n,]"] + [
            _compile_at(f"negation.clause_breaks.{index}", word, self.terms).removeprefix(
                _WORD_START
            )
            for index, word in enumerate(negation.clause_breaks)
        ]
        self._matcher = Matcher.build(
            families,
            negator=_window_pattern("negation.before", negation.before, self.terms),
            not_negating=(
                _window_pattern("negation.not_negating", negation.not_negating, self.terms)
                if negation.not_negating
                else None
            ),
            after_negation=optional("negation.after", negation.after, r"^\W*(?:{})"),
            clause_break=re.compile("|".join(breaks), re.IGNORECASE),
            clause_break_lowered=re.compile(_lower_case_pattern("|".join(breaks))),
            window_words=negation.window_words,
            scope_continues=frozenset(word.lower() for word in negation.scope_continues),
        )
        return self

    @property
    def placeholder_answers(self) -> frozenset[str]:
        """The placeholders, lower-cased, for answers compared in lower case."""
        return self._placeholder_answers

    @property
    def matcher(self) -> Matcher:
        """The compiled detectors (a plain object: cheap to read on the hot path)."""
        return self._matcher


@dataclass(frozen=True, slots=True)
class Matcher:
    """Everything the text detectors need, compiled once per policy."""

    families: tuple[CompiledFamily, ...]
    negator: re.Pattern[str]
    not_negating: re.Pattern[str] | None
    after_negation: re.Pattern[str] | None
    clause_break: re.Pattern[str]
    clause_break_lowered: re.Pattern[str]
    window_words: int
    plain_literals: tuple[str, ...]
    word_initial_finder: re.Pattern[str]
    # Keyed by what the finder returns (no leading space): the literals that word begins with.
    shorter_word_initial: dict[str, frozenset[str]]
    # Per pattern: the finder results that begin with one of its leading words.
    leading_longest: tuple[frozenset[str] | None, ...]
    # Every pattern in policy order with its family; which pieces each literal satisfies.
    patterns: tuple[tuple[CompiledFamily, CompiledPattern], ...]
    pieces_by_literal: dict[str, tuple[tuple[int, int], ...]]  # literal -> (pattern, piece bit)
    unfiltered: tuple[int, ...]
    complete: tuple[int, ...]  # per pattern, the bits of all its indexed pieces
    everyday_pieces: tuple[tuple[frozenset[str], ...], ...]
    scope_continues: frozenset[str] = frozenset()

    @classmethod
    def build(cls, families: list[CompiledFamily], **settings: Any) -> Matcher:
        patterns = tuple((family, pattern) for family in families for pattern in family.patterns)
        pieces: dict[str, list[tuple[int, int]]] = {}
        complete: list[int] = []
        everyday: list[tuple[frozenset[str], ...]] = []
        for number, (_, pattern) in enumerate(patterns):
            indexed = [
                words
                for which, words in enumerate(pattern.required or ())
                if which == 0 or _selectivity(set(words))[0] == 0
            ]
            # Pieces of everyday words would wake dozens of patterns in the index: they are
            # tested afterwards, only for the patterns that the other pieces let through.
            everyday.append(tuple(w for w in pattern.required or () if w not in indexed))
            for which, words in enumerate(indexed):
                for word in words:
                    pieces.setdefault(word, []).append((number, 1 << which))
            complete.append((1 << len(indexed)) - 1)
        literals = {word for _, p in patterns for words in p.required or () for word in words}
        literals.update(word for _, p in patterns for word in p.leading or ())
        word_initial = sorted(word for word in literals if word.startswith(" "))
        # For each literal the literals it begins with, and the other way round; built from each
        # word's own prefixes, as comparing every pair would cost seconds at start-up.
        known = set(word_initial)
        shorter = {
            word: {word[:end] for end in range(2, len(word) + 1) if word[:end] in known}
            for word in word_initial
        }
        longer: dict[str, set[str]] = {word: set() for word in word_initial}
        for word, prefixes in shorter.items():
            for prefix in prefixes:
                longer[prefix].add(word)
        return cls(
            families=tuple(families),
            plain_literals=tuple(sorted(literals - set(word_initial))),
            word_initial_finder=re.compile(
                r"(?<!\w)(" + _trie_pattern([word[1:] for word in word_initial]) + ")"
            ),
            shorter_word_initial={word[1:]: frozenset(found) for word, found in shorter.items()},
            leading_longest=tuple(
                None
                if pattern.leading is None
                else frozenset(word[1:] for leading in pattern.leading for word in longer[leading])
                for _, pattern in patterns
            ),
            patterns=patterns,
            pieces_by_literal={word: tuple(found) for word, found in pieces.items()},
            unfiltered=tuple(n for n, (_, p) in enumerate(patterns) if p.required is None),
            complete=tuple(complete),
            everyday_pieces=tuple(everyday),
            **settings,
        )

    def clause_start(self, text: str) -> int:
        """Where the last clause of `text` begins (after its last clause break)."""
        start = 0
        for match in self._clause_breaks(text):
            start = match.end()
        return start

    def clause_end(self, text: str) -> int:
        """Where the first clause of `text` ends (at its first clause break)."""
        return next((match.start() for match in self._clause_breaks(text)), len(text))

    def _clause_breaks(self, text: str) -> Iterator[re.Match[str]]:
        lowered = text.lower()
        # The lower-case pattern on lower-cased text is three times faster than ignoring case;
        # the rare text whose length changes when lower-cased takes the slow way.
        matches = (
            self.clause_break_lowered.finditer(lowered)
            if len(lowered) == len(text)
            else self.clause_break.finditer(text)
        )
        return (match for match in matches if not _inside_word(text, match.start()))

    def compile_all(self) -> None:
        """Compile every pattern now, so that an invalid one is refused at start."""
        for _, pattern in self.patterns:
            _ = pattern.lowered

    def candidates(self, present: set[str]) -> list[int]:
        """The numbers of the patterns, in policy order, whose every required piece is present."""
        satisfied: dict[int, int] = {}
        for literal in present:
            for number, bit in self.pieces_by_literal.get(literal, ()):
                satisfied[number] = satisfied.get(number, 0) | bit
        complete, everyday = self.complete, self.everyday_pieces
        numbers = []
        for number, bits in satisfied.items():
            if bits != complete[number]:
                continue
            for words in everyday[number]:
                if words.isdisjoint(present):
                    break
            else:
                numbers.append(number)
        numbers.extend(self.unfiltered)
        numbers.sort()
        return numbers

    def scan(self, lowered: str) -> tuple[set[str], list[tuple[int, str]]]:
        """The prefilter words in lower-cased text, and each word start where the finder saw a
        literal, in text order, with the longest literal seen there (see `starts_for`)."""
        found = {literal for literal in self.plain_literals if literal in lowered}
        shorter = self.shorter_word_initial
        hits = [
            (match.start(), match.group(1)) for match in self.word_initial_finder.finditer(lowered)
        ]
        for _, longest in hits:
            # The finder takes the longest literal at each word start; the shorter ones that
            # begin the same way ("sales" in "salesperson") are there too.
            found.update(shorter[longest])
        return found, hits

    def starts_for(self, number: int, hits: list[tuple[int, str]]) -> list[int] | None:
        """Word starts where pattern `number` can begin, in order; None if it has no leading
        words and must be searched for."""
        leading = self.leading_longest[number]
        if leading is None:
            return None
        return [start for start, longest in hits if longest in leading]


def _inside_word(text: str, index: int) -> bool:
    """Whether a match at `index` would start in the middle of a word ("yet" in "eyeteeth")."""
    return (
        index > 0
        and (text[index].isalnum() or text[index] == "_")
        and (text[index - 1].isalnum() or text[index - 1] == "_")
    )


def _trie_pattern(words: list[str]) -> str:
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


def _compile_at(key: str, pattern: str, terms: dict[str, list[str]], *, check: bool = True) -> str:
    source = _WORD_START + "(?:" + _expand(key, pattern, terms) + r")(?!\w)"
    if not check:
        return source
    try:
        re.compile(source)
    except re.error as error:
        raise ValueError(f"{key}: {pattern!r} is not a valid pattern ({error})") from None
    return source


def _window_pattern(key: str, patterns: list[str], terms: dict[str, list[str]]) -> re.Pattern[str]:
    """A pattern for a negation window: lower-cased words, each after one space.

    The detectors build the window as " " + lower-cased words joined by spaces, so a literal space
    can stand for the start of a word, which the regex engine finds far faster than a look-behind.
    """
    sources = [
        _lower_case_pattern(_compile_at(f"{key}.{index}", word, terms).removeprefix(_WORD_START))
        for index, word in enumerate(patterns)
    ]
    return re.compile(" (?:" + "|".join(sources) + ")")


def _alternation(key: str, patterns: list[str], terms: dict[str, list[str]]) -> str:
    return "|".join(
        _compile_at(f"{key}.{index}", word, terms) for index, word in enumerate(patterns)
    )


def parse_policy(text: str, *, over_default: bool = False, compile_now: bool = True) -> Policy:
    """Build a Policy from YAML text; PolicyError names the offending key.

    With `over_default`, the text only needs the keys it changes: mappings are merged into the
    bundled policy key by key, while lists and values replace the bundled ones. Every pattern is
    compiled at once unless `compile_now` is false (the bundled policy, whose patterns a test
    compiles, leaves them to first use so that start-up stays short).
    """
    data = _load_mapping(text)
    if over_default:
        data = _merge(_load_mapping(_BUNDLED_TEXT), data)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        key = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        raise PolicyError(
            f"invalid policy: key {key!r}: {message}" if key else f"invalid policy: {message}"
        ) from None
    if compile_now:
        policy.matcher.compile_all()
    return policy


def _load_mapping(text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise PolicyError(f"invalid policy: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise PolicyError("invalid policy: the top level must be a mapping of keys")
    return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


_BUNDLED_TEXT: Final = files("advisor").joinpath("policy.yaml").read_text(encoding="utf-8")
DEFAULT: Final[Policy] = parse_policy(_BUNDLED_TEXT, compile_now=False)
