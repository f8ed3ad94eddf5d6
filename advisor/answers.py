"""Answers as people type them in a chat: numbers, money, choices and yes/no, read leniently."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from advisor.proposal import MAX_TEXT_LENGTH

__all__ = [
    "ChoiceOption",
    "Invalid",
    "Reading",
    "ToConfirm",
    "means_nothing",
    "means_unknown",
    "parse_choice",
    "parse_money",
    "parse_number",
    "parse_text",
    "parse_yes_no",
]

# Beyond this an answer is a typo or a joke, and floats stop being exact whole numbers.
_LARGEST: Final = 1e15

_TYPOGRAPHY: Final = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "}
)
_DIGIT_TOKEN: Final = re.compile(r"\d+(?:[.,' ]\d+)*|[a-z]+(?:'[a-z]+)?|[-+%]")
_WORD: Final = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

_UNITS: Final = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "once": 1, "twice": 2, "thrice": 3,
}  # fmt: skip
_TENS: Final = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
# Vague quantities are read as their usual size: "a handful" is about five.
_VAGUE: Final = {"couple": 2, "few": 3, "handful": 5, "several": 5, "dozen": 12, "dozens": 24}
_BIG: Final = {
    "k": 1e3, "thousand": 1e3, "grand": 1e3, "keur": 1e3,
    "m": 1e6, "mn": 1e6, "mio": 1e6, "million": 1e6, "meur": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9,
}  # fmt: skip
_ZERO_WORDS: Final = frozenset({"none", "nobody", "nothing", "nil", "no", "noone", "zero"})
_RANGE_WORDS: Final = frozenset({"-", "to", "or", "and", "till", "until"})
_NEGATIVE_WORDS: Final = frozenset({"-", "minus", "negative"})
_FOREIGN_CURRENCIES: Final = frozenset(
    {"usd", "dollar", "dollars", "gbp", "pound", "pounds", "chf", "franc", "francs", "yen"}
)

_RATE: Final = re.compile(
    r"\b(?:(?:per|a|an|each|every|in a|in one)\s+(hour|day|night|week|wk|month|mo|quarter|"
    r"year|yr|annum)s?|(hourly|daily|nightly|weekly|monthly|quarterly|yearly|annually))\b"
)
_RATE_UNIT: Final = {
    "hourly": "hour", "daily": "day", "nightly": "day", "night": "day", "weekly": "week",
    "wk": "week", "monthly": "month", "mo": "month", "quarterly": "quarter",
    "yearly": "year", "annually": "year", "annum": "year", "yr": "year",
}  # fmt: skip
_PER_WEEK: Final = {
    "hour": 168.0,
    "day": 7.0,
    "week": 1.0,
    "month": 12 / 52,
    "quarter": 4 / 52,
    "year": 1 / 52,
}
_PER_YEAR: Final = {"day": 365.0, "week": 52.0, "month": 12.0, "quarter": 4.0, "year": 1.0}

_YES: Final = (
    "yes", "y", "yeah", "yea", "yep", "yup", "sure", "correct", "true", "of course",
    "definitely", "absolutely", "indeed", "affirmative", "certainly", "ok", "okay", "right",
    "we do", "we have", "there are", "there is", "there's", "it does", "they do", "some",
    "a few", "several", "many", "lots", "plenty",
)  # fmt: skip
_NO: Final = (
    "no", "n", "nope", "nah", "none", "not really", "false", "never", "negative", "nothing",
    "not yet", "not at all", "no way", "not that i know", "not that we know", "we don't",
    "we do not", "we have no", "we haven't", "we have not", "there are no", "there is no",
    "there's no", "there are none", "there aren't", "there aren't any", "there isn't",
    "it doesn't", "they don't", "no we don't", "all fixed", "all closed",
)  # fmt: skip
_STRONG_YES: Final = frozenset({"yes", "yeah", "yep", "yup"})
_STRONG_NO: Final = frozenset({"no", "nope", "nah", "none"})

_UNKNOWN_ANSWERS: Final = frozenset(
    {
        "don't know", "dont know", "i don't know", "i dont know", "do not know", "idk",
        "no idea", "not sure", "unsure", "dunno", "unknown", "n/a", "na", "not known",
        "no clue", "not decided", "undecided", "prefer not to say", "tbd", "to be decided",
    }
)  # fmt: skip
_NOTHING_ANSWERS: Final = frozenset(
    {
        "none", "nobody", "no one", "no-one", "noone", "nothing", "-", "--", "no", "nope",
        "not yet", "no plan", "no plan yet", "nothing else", "no owner", "nothing to add",
        "no kpi", "none yet", "nobody yet", "nah",
    }
)  # fmt: skip
_NEGATORS: Final = frozenset({"not", "no", "don't", "isn't", "aren't", "without", "nor", "never"})


@dataclass(frozen=True, slots=True)
class Invalid:
    """An answer that could not be understood, with the reason in words for the proposer."""

    reason: str


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read what a person typed: the value, and how it was reckoned, in their terms.

    `how` is shown to the person ("€800,000 a year", "€200,000 licence plus 2 engineers at
    €100,000 a year each"), so that a proposed value can be checked before it is recorded.
    """

    value: bool | int | float | str
    how: str


@dataclass(frozen=True, slots=True)
class ToConfirm:
    """An answer read, but not surely enough to record it without asking.

    One reading: "I read <how>. Right?"; two or more: "Which did you mean?". `hedged` says the
    person called it a guess ("maybe", "hard to say"): the value, once confirmed, stays marked as
    an uncertain estimate.
    """

    readings: tuple[Reading, ...]
    hedged: bool = False


class ChoiceOption(Protocol):
    """What choice parsing needs from an option: its value, its label and its synonyms."""

    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def synonyms(self) -> Sequence[str]: ...


def _normalise(text: str) -> str:
    return " ".join(text.translate(_TYPOGRAPHY).lower().split())


def _phrase_key(text: str) -> str:
    return " ".join(_WORD.findall(_normalise(text).replace("_", " ")))


def means_unknown(text: str) -> bool:
    """Whether the answer says "I don't know" in one of its usual ways."""
    return _normalise(text).strip(" .!?") in _UNKNOWN_ANSWERS


def means_nothing(text: str) -> bool:
    """Whether a free-text answer says there is nothing to tell ("none", "nobody", "not yet")."""
    return _normalise(text).strip(" .!?") in _NOTHING_ANSWERS


def parse_text(text: str) -> str | Invalid:
    """Free text, stripped; empty or overlong text is invalid."""
    stripped = text.strip()
    if not stripped:
        return Invalid("The answer is empty; please type a few words, or say skip.")
    if len(stripped) > MAX_TEXT_LENGTH:
        return Invalid(
            f"That answer has {len(stripped)} characters; please keep it to at most"
            f" {MAX_TEXT_LENGTH}."
        )
    return stripped


@dataclass(frozen=True, slots=True)
class _Quantity:
    value: float
    start: int
    end: int
    scale: float
    zero_word: bool


def _to_float(token: str) -> float | None:
    # Thousands separators differ by country; a lone "1.5" or "2,5" is a decimal.
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):
        return float(token.replace(",", ""))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?|\d{1,3}(?:\.\d{3})+,\d+", token):
        return float(token.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d{1,3}(?:[ ']\d{3})+(?:[.,]\d+)?", token):
        return float(token.replace(" ", "").replace("'", "").replace(",", "."))
    if re.fullmatch(r"\d+(?:[.,]\d+)?", token):
        return float(token.replace(",", "."))
    return None


def _tokens(text: str) -> list[str] | Invalid:
    text = _normalise(text)
    text = text.replace("no one", "noone").replace("no-one", "noone")
    text = text.replace("~", " about ").replace("\u20ac", " eur ").replace("$", " usd ")
    text = text.replace("\u00a3", " gbp ").replace("/", " per ")
    # "twenty-five" is one number, while "200-300" is a range.
    text = re.sub(r"([a-z])-(?=[a-z])", r"\1 ", text)
    text = re.sub(r"(\d)([a-z])", r"\1 \2", text)
    text = re.sub(r"([a-z])(\d)", r"\1 \2", text)
    tokens = _DIGIT_TOKEN.findall(text)
    for token in tokens:
        if token[0].isdigit() and _to_float(token) is None:
            return Invalid(f"I could not read {token!r} as one number.")
    return tokens


def _phrase(tokens: list[str], start: int) -> _Quantity | None:
    total = 0.0
    current: float | None = None
    scale = 1.0
    last = ""  # the kind of the previous number word, to know what may follow it
    article = zero_word = False
    index = start
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        numeric = last != ""
        if token[0].isdigit():
            if numeric:
                break
            current, last = _to_float(token), "digits"
        elif token in _UNITS or token in _TENS:
            value = float(_UNITS.get(token, _TENS.get(token, 0)))
            if current is None:
                current = value
            elif (last == "tens" and token in _UNITS and value < 10) or last == "hundred":
                current += value
            else:
                break
            last = "tens" if token in _TENS else "unit"
        elif token in {"a", "an"} and (
            following in _VAGUE or following in _BIG or following in {"hundred", "half"}
        ):
            article = True
        elif token == "half" and current is None:
            current, last = 0.5, "half"
        elif token in _VAGUE:
            current, last = (1.0 if current is None else current) * _VAGUE[token], "vague"
        elif _joins(token, last, following):
            pass
        elif token == "hundred" and (numeric or article):
            current, last = (1.0 if current is None else current) * 100, "hundred"
        elif token in _BIG and (numeric or article):
            total += (1.0 if current is None else current) * _BIG[token]
            current, scale, last = None, _BIG[token], "big"
        elif token in _ZERO_WORDS and not numeric:
            current, last, zero_word = 0.0, "zero", True
            index += 1
            break
        else:
            break
        index += 1
    if last == "":
        return None
    return _Quantity(total + (current or 0.0), start, index, scale, zero_word)


def _joins(token: str, last: str, following: str) -> bool:
    # "a couple of hundred" and "one hundred and twenty" are one number each.
    if token == "of":
        return last == "vague" and (following in _BIG or following == "hundred")
    return token == "and" and last in {"hundred", "big"} and following in _UNITS | _TENS


def _quantity(text: str) -> tuple[float, list[str]] | Invalid:
    tokens = _tokens(text)
    if isinstance(tokens, Invalid):
        return tokens
    found: list[_Quantity] = []
    index = 0
    while index < len(tokens):
        quantity = _phrase(tokens, index)
        if quantity is None:
            index += 1
        else:
            found.append(quantity)
            index = quantity.end
    # "no more than 300" is about 300; "none" alone means zero.
    if any(not quantity.zero_word for quantity in found):
        found = [quantity for quantity in found if not quantity.zero_word]
    if not found:
        return Invalid(f"I could not find a number in {_quote(text)}.")
    for position, quantity in enumerate(found):
        before = tokens[quantity.start - 1] if quantity.start > 0 else ""
        after_previous = position > 0 and found[position - 1].end == quantity.start - 1
        if before in _NEGATIVE_WORDS and not after_previous:
            return Invalid("That number is negative; it must be 0 or more.")
    if tokens[found[-1].end : found[-1].end + 1] == ["%"]:
        return Invalid("That is a percentage; please give an amount.")
    if len(found) == 1:
        return found[0].value, tokens
    if len(found) == 2 and _is_range(tokens, found[0], found[1]):
        low, high = found
        low_value = low.value
        # "200-300k" means 200k to 300k: the unit written once applies to both ends.
        if low.scale == 1.0 and high.scale > 1.0 and low_value * high.scale <= high.value:
            low_value *= high.scale
        return (low_value + high.value) / 2, tokens
    shown = ", ".join(_show_number(quantity.value) for quantity in found[:4])
    return Invalid(f"I found several numbers ({shown}); please give just one.")


def _is_range(tokens: list[str], low: _Quantity, high: _Quantity) -> bool:
    between = tokens[low.end : high.start]
    if between == ["and"]:
        return low.start > 0 and tokens[low.start - 1] == "between"
    return len(between) == 1 and between[0] in _RANGE_WORDS


def _show_number(value: float) -> str:
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}".rstrip("0")


def _quote(text: str) -> str:
    shown = " ".join(text.split())
    return repr(shown if len(shown) <= 60 else shown[:57] + "...")


def _rate(text: str) -> str | None:
    match = _RATE.search(_normalise(text).replace("/", " per "))
    if match is None:
        return None
    unit = match.group(1) or match.group(2)
    return _RATE_UNIT.get(unit, unit)


def _plausible(value: float) -> float | Invalid:
    if not math.isfinite(value) or value > _LARGEST:
        return Invalid("That number is too large to be plausible.")
    return value


def parse_number(text: str, *, per_week: bool = False, whole: bool = False) -> float | Invalid:
    """A count read leniently: "two", "a handful", "about 300", "1.2k", "none" (0).

    With `per_week`, a stated rate is converted to a weekly one ("40 a day" is 280 per week);
    without a stated rate the number is taken as weekly. With `whole`, fractions are invalid.
    """
    found = _quantity(text)
    if isinstance(found, Invalid):
        return found
    value, _ = found
    if per_week:
        value *= _PER_WEEK.get(_rate(text) or "week", 1.0)
        # Rates are estimates; a few decimals are all the precision they carry.
        value = round(value, 3)
    if whole and not value.is_integer():
        return Invalid(f"Please give a whole number, not {_show_number(value)}.")
    return _plausible(value)


def parse_money(text: str) -> float | Invalid:
    """Euros per year read leniently: "€1.2M", "200k a year", "half a million", "50k per month".

    Monthly, quarterly, weekly and daily amounts are converted to yearly ones; other currencies are
    invalid rather than converted at a guessed rate.
    """
    found = _quantity(text)
    if isinstance(found, Invalid):
        return found
    value, tokens = found
    if _FOREIGN_CURRENCIES.intersection(tokens):
        return Invalid("Please give the amount in euros; I do not convert currencies.")
    rate = _rate(text) or "year"
    if rate not in _PER_YEAR:
        return Invalid("Please give a yearly amount, for example 120k a year.")
    return _plausible(round(value * _PER_YEAR[rate], 2))


def _match_length(words: list[str], phrase: list[str]) -> int:
    """The length of the phrase if it occurs in the words and is not negated just before, else 0."""
    if not phrase or len(phrase) > len(words):
        return 0
    for start in range(len(words) - len(phrase) + 1):
        if all(
            _word_matches(word, wanted)
            for word, wanted in zip(words[start : start + len(phrase)], phrase, strict=True)
        ) and not _NEGATORS.intersection(words[max(0, start - 2) : start]):
            return len(phrase)
    return 0


def _word_matches(word: str, wanted: str) -> bool:
    # Long words match their inflections ("pitched", "complaints"); short ones only a plural.
    return word in (wanted, wanted + "s") or (len(wanted) >= 4 and word.startswith(wanted))


def parse_choice(text: str, choices: Sequence[ChoiceOption]) -> str | Invalid:
    """The value of the option meant: its value, label or a synonym, or else loose keywords.

    A number 1..n picks the n-th option, as a terminal lists them numbered. When keywords of more
    than one option match equally well, the answer is ambiguous and therefore invalid.
    """
    key = _phrase_key(text)
    if not key:
        return Invalid(f"Please pick one of: {_options(choices)}.")
    for choice in choices:
        names = {_phrase_key(choice.value), _phrase_key(choice.label)}
        if key in names or key in {_phrase_key(synonym) for synonym in choice.synonyms}:
            return choice.value
    if key.isdigit() and 1 <= int(key) <= len(choices):
        return choices[int(key) - 1].value
    words = key.split()
    best: dict[str, int] = {}
    for choice in choices:
        for phrase in (choice.value, *choice.synonyms):
            length = _match_length(words, _phrase_key(phrase).split())
            if length > best.get(choice.value, 0):
                best[choice.value] = length
    if not best:
        return Invalid(
            f"I did not recognise {_quote(text)}. Please pick one of: {_options(choices)}."
        )
    longest = max(best.values())
    winners = [value for value, length in best.items() if length == longest]
    if len(winners) > 1:
        labels = " or ".join(_label(choices, value) for value in winners)
        return Invalid(
            f"{_quote(text)} could mean {labels}. Please pick one of: {_options(choices)}."
        )
    return winners[0]


def _label(choices: Sequence[ChoiceOption], value: str) -> str:
    return next(f"{choice.label} ({choice.value})" for choice in choices if choice.value == value)


def _options(choices: Sequence[ChoiceOption]) -> str:
    return "; ".join(f"{choice.label} ({choice.value})" for choice in choices)


def parse_yes_no(text: str) -> bool | Invalid:
    """Yes or no as people say it: "yep", "we do", "there are two", "nope", "not really"."""
    words = _WORD.findall(_normalise(text))
    if _STRONG_YES.intersection(words) and _STRONG_NO.intersection(words):
        return Invalid(f"{_quote(text)} says both yes and no. Please answer yes or no.")
    yes = _longest_prefix(words, _YES)
    no = _longest_prefix(words, _NO)
    if yes != no:
        return yes > no
    if yes == 0:
        # No telling start: a lone "yes" or "no" anywhere ("I'd say no") still decides.
        said_yes = bool(_STRONG_YES.intersection(words))
        said_no = bool(_STRONG_NO.intersection(words))
        if said_yes != said_no:
            return said_yes
    return Invalid(f"I could not tell yes from no in {_quote(text)}. Please answer yes or no.")


def _longest_prefix(words: list[str], phrases: tuple[str, ...]) -> int:
    longest = 0
    for phrase in phrases:
        wanted = _WORD.findall(phrase)
        if words[: len(wanted)] == wanted:
            longest = max(longest, len(wanted))
    return longest
