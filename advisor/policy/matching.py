"""The compiled detectors: the policy's phrase families and negation, ready to run on text."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from advisor.assessment import Flag
from advisor.policy.errors import PolicyError
from advisor.policy.patterns import (
    WORD_START,
    alternation,
    compile_at,
    lower_case_pattern,
    window_pattern,
)
from advisor.policy.prefilter import (
    leading_literals,
    parse_regex,
    required_literals,
    selectivity,
    trie_pattern,
)

if TYPE_CHECKING:
    # Annotations only: the schema's Policy imports this module to compile itself.
    from advisor.policy.schema import Family, Negation

__all__ = ["CompiledFamily", "CompiledPattern", "Cue", "Matcher", "compile_matcher"]

# The flag ids as words, with a space or hyphen for the underscore ("vendor push"): the advisor
# writes them into notes ("Follow-up on fomo: ..."), and its own words must never be evidence.
_LABEL_PATTERNS: Final = [flag.value.replace("_", r"[\s_-]") for flag in Flag]


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
            return re.compile(lower_case_pattern(self.source))
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


@dataclass(frozen=True)
class Cue:
    """A context pattern (a dismissal, a list opener, a past anchor) and the words it needs.

    The detector asks it only about texts whose prefilter words include those of one of its
    alternatives, so that a cue costs next to nothing where it cannot be. `regex` is for
    lower-cased text and leaves out the word-start look-behind: callers check word starts.
    """

    regex: re.Pattern[str]
    # Per alternative, the pieces every match of it needs (None: anything may match it).
    gates: tuple[tuple[frozenset[str], ...] | None, ...]

    @property
    def literals(self) -> set[str]:
        return {word for gate in self.gates for piece in gate or () for word in piece}

    @cached_property
    def first_pieces(self) -> frozenset[str] | None:
        """The words one of which any match needs (None: no such words)."""
        if any(gate is None for gate in self.gates):
            return None
        return frozenset(word for gate in self.gates for word in (gate or ((),))[0])

    def possible(self, present: set[str]) -> bool:
        """Whether a text with these prefilter words may contain the cue."""
        first = self.first_pieces
        if first is not None and first.isdisjoint(present):
            return False  # most texts: one set operation
        # Plain loops: this runs for every text that has one of the first words.
        for gate in self.gates:
            if gate is None:
                return True
            for piece in gate:
                if piece.isdisjoint(present):
                    break
            else:
                return True
        return False


def _cue(key: str, patterns: list[str], terms: dict[str, list[str]]) -> Cue | None:
    if not patterns:
        return None
    # Parsed with the word-start look-behind, so that the gates know which words start a word
    # (" fomo", not "fomo" inside any word); compiled without it, as callers check word starts.
    sources = [
        compile_at(f"{key}.{index}", pattern, terms) for index, pattern in enumerate(patterns)
    ]
    return Cue(
        regex=re.compile(
            lower_case_pattern("|".join(source.removeprefix(WORD_START) for source in sources))
        ),
        gates=tuple(required_literals(parse_regex(source)) for source in sources),
    )


def compile_matcher(
    terms: dict[str, list[str]], detectors: Mapping[Flag, list[Family]], negation: Negation
) -> Matcher:
    """The policy's terms, phrase families and negation compiled; ValueError names a bad key."""
    for term, alternatives in terms.items():
        for index, pattern in enumerate(alternatives):
            compile_at(f"terms.{term}.{index}", pattern, {})
    families: list[CompiledFamily] = []
    for flag, flag_families in detectors.items():
        for position, family in enumerate(flag_families):
            key = f"detectors.{flag.value}.{position}"
            if any(f.flag is flag and f.family.id == family.id for f in families):
                raise ValueError(f"{key}.id: {family.id!r} is used twice for {flag.value}")
            families.append(_compile_family(key, flag, family, terms))

    def optional(key: str, words: list[str], wrap: str = "{}") -> re.Pattern[str] | None:
        if not words:
            return None
        return re.compile(wrap.format(alternation(key, words, terms)), re.IGNORECASE)

    # Punctuation, or a clause word; the words' look-behind is left out so the engine can
    # skip to likely first letters, and Matcher checks word starts itself.
    words = [
        compile_at(f"negation.clause_breaks.{index}", word, terms).removeprefix(WORD_START)
        for index, word in enumerate(negation.clause_breaks)
    ]
    breaks = [r"[.;:!?()\[\]\n,]", *words]
    # A list runs across commas; the other breaks end it. Only items are checked against it,
    # never the whole text, so the words keep their look-behind.
    list_breaks = [r"[.;:!?()\[\]\n]", *(WORD_START + word for word in words)]
    return Matcher.build(
        families,
        negator=window_pattern("negation.before", negation.before, terms),
        not_negating=(
            window_pattern("negation.not_negating", negation.not_negating, terms)
            if negation.not_negating
            else None
        ),
        after_negation=optional("negation.after", negation.after, r"^\W*(?:{})"),
        clause_break=re.compile("|".join(breaks), re.IGNORECASE),
        clause_break_lowered=re.compile(lower_case_pattern("|".join(breaks))),
        window_words=negation.window_words,
        scope_continues=frozenset(word.lower() for word in negation.scope_continues),
        dismissal=_cue("negation.dismissals", negation.dismissals, terms),
        dismissible=frozenset(negation.dismissible),
        list_opener=_cue("negation.list_openers", negation.list_openers, terms),
        list_break=re.compile(lower_case_pattern("|".join(list_breaks))),
        list_item_words=negation.list_item_words,
        past_anchor=_cue("negation.past_anchors", negation.past_anchors, terms),
        still_current=optional("negation.still_current", negation.still_current),
        labels=_cue("labels", _LABEL_PATTERNS, {}),
        labels_any_case=re.compile(alternation("labels", _LABEL_PATTERNS, {}), re.IGNORECASE),
    )


def _compile_family(
    key: str, flag: Flag, family: Family, terms: dict[str, list[str]]
) -> CompiledFamily:
    patterns = []
    for index, pattern in enumerate(family.patterns):
        where = f"{key}.patterns.{index}"
        source = compile_at(where, pattern, terms, check=False)
        # Parsing checks the syntax and feeds both analyses; compiling waits for first use.
        try:
            parsed = parse_regex(source)
        except re.error as error:
            raise ValueError(f"{where}: {pattern!r} is not a valid pattern ({error})") from None
        patterns.append(
            CompiledPattern(
                key=where,
                text=pattern,
                source=source.removeprefix(WORD_START),
                required=required_literals(parsed),
                leading=leading_literals(parsed),
            )
        )
    unless = None
    if family.unless_sentence is not None:
        unless_source = compile_at(f"{key}.unless_sentence", family.unless_sentence, terms)
        unless = re.compile(unless_source, re.IGNORECASE)
    before = after = None
    if family.extra_negators:
        words = alternation(f"{key}.extra_negators", family.extra_negators, terms)
        before = window_pattern(f"{key}.extra_negators", family.extra_negators, terms)
        # After the words only a passive counts, at most a few (non-negating) words later:
        # "findings were fixed", "gaps identified in 2023 have all been closed", not "we have not
        # fixed the findings".
        # The words in between stop at a negation or a new clause ("but", "while"), and only a
        # colon, dash, bracket or comma right before the outcome stands for the verb: "findings
        # on the depot systems: all closed", "the vulnerabilities, since patched".
        word = (
            r"(?!(?:not|never|no|nor|nobody|none|nothing|but|however|although|though|while|"
            r"whereas|yet|except|still|must|should|need|needs|to)\b)[\w'\u2019]+(?<!n't)(?<!n\u2019t)"
        )
        adverbs = (
            r"(?:all|both|now|since|already|fully|long|been|mostly|largely|meanwhile|successfully|"
            r"properly|finally)"
        )
        after = re.compile(
            rf"^\W*(?:which |that )?(?:{word}\s+){{0,8}}?"
            rf"(?:(?:were|was|are|is|have|has|had|got|been|get)(?:\s+{adverbs})*\s+"
            rf"|(?:{word})?\s*[:,(\u2013\u2014-]\s*(?:{adverbs}\s+)*)"
            r"(?:" + words + ")",
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
    dismissal: Cue | None = None
    dismissible: frozenset[Flag] = frozenset()
    list_opener: Cue | None = None
    list_break: re.Pattern[str] | None = None  # for lower-cased text
    list_item_words: int = 6
    past_anchor: Cue | None = None
    still_current: re.Pattern[str] | None = None
    # The flags' own names ("fomo", "vendor_push"): the advisor's labels, never evidence.
    labels: Cue | None = None
    labels_any_case: re.Pattern[str] | None = None  # for text that changes length lower-cased

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
                if which == 0 or selectivity(set(words))[0] == 0
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
        # The cues' words too, so that one scan tells which cues a text may contain.
        for name in ("dismissal", "list_opener", "past_anchor", "labels"):
            cue = settings.get(name)
            if isinstance(cue, Cue):
                literals.update(cue.literals)
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
                r"(?<!\w)(" + trie_pattern([word[1:] for word in word_initial]) + ")"
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
        for match in self.clause_breaks(text):
            start = match.end()
        return start

    def clause_end(self, text: str) -> int:
        """Where the first clause of `text` ends (at its first clause break)."""
        return next((match.start() for match in self.clause_breaks(text)), len(text))

    def clause_breaks(self, text: str) -> Iterator[re.Match[str]]:
        """The clause breaks in `text`, in order."""
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

    def scan(self, lowered: str) -> tuple[set[str], dict[str, list[int]]]:
        """The prefilter words in lower-cased text, and by the longest literal the finder saw at
        a word start, those word starts in text order (see `starts_for`)."""
        found = {literal for literal in self.plain_literals if literal in lowered}
        hits: dict[str, list[int]] = {}
        for match in self.word_initial_finder.finditer(lowered):
            hits.setdefault(match.group(1), []).append(match.start())
        shorter = self.shorter_word_initial
        for longest in hits:
            # The finder takes the longest literal at each word start; the shorter ones that
            # begin the same way ("sales" in "salesperson") are there too.
            found.update(shorter[longest])
        return found, hits

    def starts_for(self, number: int, hits: dict[str, list[int]]) -> list[int] | None:
        """Word starts where pattern `number` can begin, in order; None if it has no leading
        words and must be searched for."""
        leading = self.leading_longest[number]
        if leading is None:
            return None
        # Grouped by word, so each pattern looks only at the few words it can begin with rather
        # than at every word start of the text (200 patterns times every hit cost a tenth).
        words = leading.intersection(hits)
        if len(words) == 1:
            return hits[next(iter(words))]
        return sorted(start for word in words for start in hits[word])


def _inside_word(text: str, index: int) -> bool:
    """Whether a match at `index` would start in the middle of a word ("yet" in "eyeteeth")."""
    return (
        index > 0
        and (text[index].isalnum() or text[index] == "_")
        and (text[index - 1].isalnum() or text[index - 1] == "_")
    )
