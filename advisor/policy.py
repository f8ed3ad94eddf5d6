"""The rubric as data: weights, thresholds, phrase families and texts, validated and compiled once.

The core reads only the policy bundled inside its own package; a deployment's override is read by
the shell (bot/) and handed in as text, so the core itself never touches the file system.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from advisor.assessment import Flag, Tier
from advisor.proposal import Origin, Retraining, Serving

__all__ = ["DEFAULT", "TEXT_FIELDS", "Family", "Policy", "PolicyError", "parse_policy"]

TEXT_FIELDS: Final = ("title", "problem", "kpi", "operating_plan", "notes")
TextField = Literal["title", "problem", "kpi", "operating_plan", "notes"]

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

    _compiled: dict[Flag, re.Pattern[str]] = PrivateAttr(default_factory=dict)
    _families: dict[str, Family] = PrivateAttr(default_factory=dict)
    _unless: dict[str, re.Pattern[str]] = PrivateAttr(default_factory=dict)
    _extra_negators: dict[str, re.Pattern[str]] = PrivateAttr(default_factory=dict)
    _extra_after: dict[str, re.Pattern[str]] = PrivateAttr(default_factory=dict)
    _negator: re.Pattern[str] = PrivateAttr()
    _not_negating: re.Pattern[str] | None = PrivateAttr(default=None)
    _after: re.Pattern[str] | None = PrivateAttr(default=None)
    _clause_break: re.Pattern[str] = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> Policy:
        for term, alternatives in self.terms.items():
            for index, pattern in enumerate(alternatives):
                _compile_at(f"terms.{term}.{index}", pattern, {})
        for flag, families in self.detectors.items():
            named: list[str] = []
            for position, family in enumerate(families):
                key = f"detectors.{flag.value}.{position}"
                group = f"{flag.value}__{family.id}"
                if group in self._families:
                    raise ValueError(f"{key}.id: {family.id!r} is used twice for {flag.value}")
                self._families[group] = family
                alternatives = []
                for index, pattern in enumerate(family.patterns):
                    alternatives.append(_compile_at(f"{key}.patterns.{index}", pattern, self.terms))
                named.append(f"(?P<{group}>{'|'.join(alternatives)})")
                if family.unless_sentence is not None:
                    source = _compile_at(
                        f"{key}.unless_sentence", family.unless_sentence, self.terms
                    )
                    self._unless[group] = re.compile(source, re.IGNORECASE)
                if family.extra_negators:
                    words = _alternation(f"{key}.extra_negators", family.extra_negators, self.terms)
                    self._extra_negators[group] = re.compile(words, re.IGNORECASE)
                    # After the words only a passive counts: "findings were fixed", not "we have
                    # not fixed the findings".
                    self._extra_after[group] = re.compile(
                        r"^\W*(?:which |that )?(?:were|was|are|is|have been|has been|had been|got|"
                        r"been)\s+(?:all |now |since |already |fully |long )?(?:" + words + ")",
                        re.IGNORECASE,
                    )
            self._compiled[flag] = re.compile("|".join(named), re.IGNORECASE)
        negation = self.negation
        self._negator = re.compile(
            _alternation("negation.before", negation.before, self.terms), re.IGNORECASE
        )
        if negation.not_negating:
            source = _alternation("negation.not_negating", negation.not_negating, self.terms)
            self._not_negating = re.compile(source, re.IGNORECASE)
        if negation.after:
            source = _alternation("negation.after", negation.after, self.terms)
            self._after = re.compile(r"^\W*(?:" + source + ")", re.IGNORECASE)
        breaks = [r"[.;:!?()\[\]\n]", ","] + [
            _compile_at(f"negation.clause_breaks.{index}", word, self.terms)
            for index, word in enumerate(negation.clause_breaks)
        ]
        self._clause_break = re.compile("|".join(breaks), re.IGNORECASE)
        return self

    def detector(self, flag: Flag) -> re.Pattern[str] | None:
        return self._compiled.get(flag)

    def family(self, group: str) -> Family:
        return self._families[group]

    def unless(self, group: str) -> re.Pattern[str] | None:
        return self._unless.get(group)

    def extra_negator(self, group: str) -> re.Pattern[str] | None:
        return self._extra_negators.get(group)

    def extra_negator_after(self, group: str) -> re.Pattern[str] | None:
        return self._extra_after.get(group)

    @property
    def negator(self) -> re.Pattern[str]:
        return self._negator

    @property
    def not_negating(self) -> re.Pattern[str] | None:
        return self._not_negating

    @property
    def after_negation(self) -> re.Pattern[str] | None:
        return self._after

    @property
    def clause_break(self) -> re.Pattern[str]:
        return self._clause_break


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


def _compile_at(key: str, pattern: str, terms: dict[str, list[str]]) -> str:
    source = r"(?<!\w)(?:" + _expand(key, pattern, terms) + r")(?!\w)"
    try:
        re.compile(source)
    except re.error as error:
        raise ValueError(f"{key}: {pattern!r} is not a valid pattern ({error})") from None
    return source


def _alternation(key: str, patterns: list[str], terms: dict[str, list[str]]) -> str:
    return "|".join(
        _compile_at(f"{key}.{index}", word, terms) for index, word in enumerate(patterns)
    )


def parse_policy(text: str) -> Policy:
    """Build a Policy from YAML text; PolicyError names the offending key."""
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise PolicyError(f"invalid policy: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise PolicyError("invalid policy: the top level must be a mapping of keys")
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        raise PolicyError(f"invalid policy: key {key!r}: {message}") from None


DEFAULT: Final[Policy] = parse_policy(
    files("advisor").joinpath("policy.yaml").read_text(encoding="utf-8")
)
