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
    "SentenceChoice",
    "ToConfirm",
    "means_nothing",
    "means_unknown",
    "parse_choice",
    "parse_money",
    "parse_number",
    "parse_text",
    "parse_yes_no",
    "read_choice",
    "read_count",
    "read_money",
    "read_yes_no",
]

# Beyond this an answer is a typo or a joke, and floats stop being exact whole numbers.
_LARGEST: Final = 1e15

_TYPOGRAPHY: Final = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "}
)
_DIGIT_TOKEN: Final = re.compile(r"\d+(?:[.,' ]\d+)*|[a-z]+(?:'[a-z]+)?|[-+%]")
_WORD: Final = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NAMED_NUMBER: Final = re.compile(r"\b(?!(?:eur|euros?|usd|gbp|chf)\d)[a-z]+\d\w*")

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
_PERCENTAGE: Final = (
    "That is a percentage; please give an amount in euros, for example 120k a year."
)
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
    # A number glued behind letters is part of a name ("S1", "GPT4", "U0BADGUY"), not an amount.
    text = _NAMED_NUMBER.sub(" ", text)
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


def _scan(text: str) -> tuple[list[_Quantity], list[str]] | Invalid:
    """Every number phrase in the text, in order, with the tokens; Invalid if none or negative."""
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
    return found, tokens


def _quantity(text: str) -> tuple[float, list[str]] | Invalid:
    scanned = _scan(text)
    if isinstance(scanned, Invalid):
        return scanned
    found, tokens = scanned
    if tokens[found[-1].end : found[-1].end + 1] == ["%"]:
        return Invalid(_PERCENTAGE)
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


def _is_range(tokens: list[str], low: _Quantity, high: _Quantity, *, loose: bool = True) -> bool:
    """Whether two numbers are the ends of one range; among more numbers, "or" and "and" list
    alternatives ("100k or 200k or 300k"), so only a dash, "to" or "between" join a range."""
    between = tokens[low.end : high.start]
    if between == ["and"]:
        return low.start > 0 and tokens[low.start - 1] == "between"
    words = _RANGE_WORDS if loose else _RANGE_WORDS - {"or", "and"}
    return len(between) == 1 and between[0] in words


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
    exact = _exact_choice(key, choices)
    if exact is not None:
        return exact
    winners = _keyword_winners(key, choices)
    if not winners:
        return Invalid(
            f"I did not recognise {_quote(text)}. Please pick one of: {_options(choices)}."
        )
    if len(winners) > 1:
        labels = " or ".join(_label(choices, value) for value in winners)
        return Invalid(
            f"{_quote(text)} could mean {labels}. Please pick one of: {_options(choices)}."
        )
    return winners[0]


def _exact_choice(key: str, choices: Sequence[ChoiceOption]) -> str | None:
    for choice in choices:
        names = {_phrase_key(choice.value), _phrase_key(choice.label)}
        if key in names or key in {_phrase_key(synonym) for synonym in choice.synonyms}:
            return choice.value
    if key.isdigit() and 1 <= int(key) <= len(choices):
        return choices[int(key) - 1].value
    return None


def _keyword_winners(key: str, choices: Sequence[ChoiceOption]) -> list[str]:
    """The options whose longest keyword found (and not negated) is the longest of all."""
    words = key.split()
    best: dict[str, int] = {}
    for choice in choices:
        for phrase in (choice.value, *choice.synonyms):
            length = _match_length(words, _phrase_key(phrase).split())
            if length > best.get(choice.value, 0):
                best[choice.value] = length
    if not best:
        return []
    longest = max(best.values())
    return [value for value, length in best.items() if length == longest]


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


# Sentences ---------------------------------------------------------------------------------------
# People answer in sentences. The readers below propose what they understood rather than refuse:
# one sure meaning is returned as is, a guess or a choice between meanings as ToConfirm.

# Words of doubt mark an estimate as a guess. Words of approximation ("about", "around", "~",
# "roughly") do not: they are the normal way to answer "roughly what is it worth?".
_HEDGE: Final = re.compile(
    r"\?|\b(?:maybe|perhaps|probably|possibly|presumably|guess(?:ing|timate|ed)?|"
    r"(?:hard|difficult|impossible|tricky) to (?:say|tell|know|estimate)|not (?:really |quite |"
    r"entirely |\w+ )?sure|unsure|i think|i reckon|i believe|i suppose|i'd say|i would say|"
    r"no (?:real )?idea|could be|might be|who knows|dunno|ball ?park|finger in the air|"
    r"back of (?:the|an) envelope|wild|optimistically|at a stretch|if that|tbc|to be confirmed|"
    r"hopefully|in theory|on paper)\b"
)
_HEDGED_YES: Final = re.compile(
    r"^(?:probably|likely|most likely|presumably|i (?:think|guess|believe|suppose) so|"
    r"i'd (?:think|guess|say) so|should be|hopefully)\b(?! not\b)"
)
_HEDGED_NO: Final = re.compile(
    r"^(?:probably not|likely not|unlikely|i (?:don't|do not) (?:think|believe) so|"
    r"(?:i )?doubt it|hopefully not|i (?:think|guess|believe|suppose) not)\b"
)
# A clause ends at punctuation or at a word that turns the sentence; negation stops there.
_CLAUSE_END: Final = re.compile(r"[.;:!?,()\n]|\b(?:but|however|although|though|whereas|yet)\b")
_NEGATING: Final = frozenset(
    {"not", "no", "never", "nor", "neither", "without", "hardly", "barely", "isn't", "aren't",
     "wasn't", "weren't", "don't", "doesn't", "didn't", "haven't", "hasn't", "won't", "cannot",
     "can't", "nothing", "nobody"}
)  # fmt: skip
_NEGATION_REACH: Final = 3
_MAX_READINGS: Final = 3

_PEOPLE_NOUNS: Final = frozenset(
    {"engineer", "engineers", "developer", "developers", "dev", "devs", "scientist", "scientists",
     "people", "person", "persons", "fte", "ftes", "hire", "hires", "staff", "contractor",
     "contractors", "consultant", "consultants", "analyst", "analysts", "heads", "headcount",
     "employee", "employees", "colleague", "colleagues", "expert", "experts", "specialist",
     "specialists", "freelancer", "freelancers", "guys", "folks"}
)  # fmt: skip
# Words that may stand between a number and the people it counts: "2 more ML engineers".
_PEOPLE_ADJECTIVES: Final = frozenset(
    {"more", "extra", "new", "additional", "full", "time", "part", "senior", "junior", "ml",
     "data", "software", "mlops", "ops", "devops", "backend", "platform", "dedicated", "good"}
)  # fmt: skip
_PERCENT_WORDS: Final = frozenset({"%", "percent", "pc", "pct"})
_CURRENCY_WORDS: Final = frozenset({"eur", "euro", "euros", "keur", "meur"})
# "200k licence plus 2 engineers": the people come on top of the amount.
_ADDING: Final = re.compile(
    r"\+|\b(?:plus|and|also|on top|as well|besides|additionally|in addition|excluding|"
    r"not counting|not including|with)\b"
)
# "Me", or "I" alone ("I do", "just I"), but not "I guess 3", which gives a number.
_ME: Final = re.compile(r"\b(?:me|myself)\b|^(?:just |only )?i(?:'ll| do| will| can| am)?$")
# A group of unknown size: "me and my team" cannot be counted.
_GROUPS: Final = frozenset(
    {"team", "teams", "group", "squad", "department", "colleagues", "people", "folks", "guys",
     "others", "everyone", "lot", "crew", "staff", "unit"}
)  # fmt: skip
_PEOPLE_SEPARATOR: Final = re.compile(r",|&|\+|\b(?:and|plus|with|as well as)\b")
_NOTHING_COUNT: Final = frozenset(
    {"nope", "nah", "nobody", "none", "no one", "no-one", "noone", "zero", "nil", "not one",
     "nobody yet", "none yet", "no one yet", "not yet", "not a single one", "no", "nobody at all",
     "none at all", "nobody so far", "none so far"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Amount:
    """A number in a sentence, or a range of two, with what the words around it make of it."""

    low: float
    high: float
    start: int
    end: int
    kind: str  # "money", "bare", "percent" or "people"
    rate: str | None

    @property
    def middle(self) -> float:
        return (self.low + self.high) / 2

    @property
    def is_range(self) -> bool:
        return self.low != self.high


def _hedged(text: str) -> bool:
    return _HEDGE.search(_normalise(text)) is not None


def _amounts(text: str) -> tuple[list[_Amount], list[str]] | Invalid:
    scanned = _scan(text)
    if isinstance(scanned, Invalid):
        return scanned
    found, tokens = scanned
    amounts: list[_Amount] = []
    index = 0
    while index < len(found):
        quantity = found[index]
        low = high = quantity.value
        end = quantity.end
        scale = quantity.scale
        if index + 1 < len(found) and _is_range(
            tokens, quantity, found[index + 1], loose=len(found) == 2
        ):
            upper = found[index + 1]
            # "200-300k" means 200k to 300k: the unit written once applies to both ends.
            if quantity.scale == 1.0 and upper.scale > 1.0 and low * upper.scale <= upper.value:
                low *= upper.scale
            high, end, scale = upper.value, upper.end, max(scale, upper.scale)
            index += 1
        start = quantity.start
        if start > 0 and tokens[start - 1] == "between":
            start -= 1
        amounts.append(
            _Amount(low, high, start, end, _kind(tokens, quantity.start, end, scale), None)
        )
        index += 1
    return [_with_rate(amount, tokens) for amount in amounts], tokens


def _kind(tokens: list[str], start: int, end: int, scale: float) -> str:
    following = tokens[end : end + 3]
    if _PERCENT_WORDS.intersection(following[:1]) or following[:2] == ["per", "cent"]:
        return "percent"
    for word in following:
        if word in _PEOPLE_NOUNS:
            return "people"
        if word not in _PEOPLE_ADJECTIVES:
            break
    before = tokens[start - 1] if start > 0 else ""
    if scale > 1.0 or before in _CURRENCY_WORDS or _CURRENCY_WORDS.intersection(following[:1]):
        return "money"
    return "bare"


def _with_rate(amount: _Amount, tokens: list[str]) -> _Amount:
    rate = _rate(" ".join(tokens[amount.end : amount.end + 3]))
    if rate is None:
        return amount
    return _Amount(amount.low, amount.high, amount.start, amount.end, amount.kind, rate)


def _euros(value: float) -> str:
    return f"\u20ac{_show_number(round(value, 2))}"


def _money_reading(amount: _Amount, rate: str) -> tuple[float, str] | Invalid:
    if rate not in _PER_YEAR:
        return Invalid("Please give a yearly amount, for example 120k a year.")
    per_year = _PER_YEAR[rate]
    yearly = round(amount.middle * per_year, 2)
    if not math.isfinite(yearly) or yearly > _LARGEST:
        return Invalid("That number is too large to be plausible.")
    said = f"{_euros(amount.low)}\u2013{_euros(amount.high)}" if amount.is_range else ""
    if rate != "year":
        written = said or _euros(amount.middle)
        middle = f"the middle of {written}" if amount.is_range else written
        return yearly, f"{middle} a {rate}: {_euros(yearly)} a year"
    if amount.is_range:
        return yearly, f"the middle of {said}: {_euros(yearly)} a year"
    return yearly, f"{_euros(yearly)} a year"


def read_money(text: str, *, person_year_eur: float | None = None) -> float | Invalid | ToConfirm:
    """Euros per year from a sentence: a clear amount as a number, anything to check as ToConfirm.

    An amount marked as money (a scale such as k or M, or €) wins over bare counts and
    percentages; a guess ("maybe 800k?") is proposed as hedged; a range by its middle; several
    amounts as readings to choose from. With `person_year_eur`, people named beside an amount
    ("200k licence plus 2 engineers") are also reckoned at that yearly cost each.
    """
    scanned = _amounts(text)
    if isinstance(scanned, Invalid):
        return scanned
    amounts, tokens = scanned
    if _FOREIGN_CURRENCIES.intersection(tokens):
        return Invalid("Please give the amount in euros; I do not convert currencies.")
    hedged = _hedged(text)
    money = [amount for amount in amounts if amount.kind == "money"]
    candidates = money or [amount for amount in amounts if amount.kind == "bare"]
    people = [amount for amount in amounts if amount.kind == "people"]
    stated_rate = _rate(text) or "year"
    readings: list[Reading] = []
    yearly: list[float] = []
    for amount in candidates[:_MAX_READINGS]:
        rate = amount.rate or (stated_rate if len(candidates) == 1 else "year")
        reading = _money_reading(amount, rate)
        if isinstance(reading, Invalid):
            return reading
        yearly.append(reading[0])
        readings.append(Reading(*reading))
    team = _people_cost(people, person_year_eur, text)
    if not readings:
        if team is not None:
            return ToConfirm((Reading(team[0], f"{team[1]}: {_euros(team[0])} a year"),), hedged)
        if any(amount.kind == "percent" for amount in amounts):
            return Invalid(_PERCENTAGE)
        return Invalid(
            f"I could not find an amount in euros in {_quote(text)}; please give one, for"
            " example 120k a year."
        )
    if len(readings) == 1:
        only = readings[0]
        if team is not None and _ADDING.search(_normalise(text)):
            total = yearly[0] + team[0]
            with_team = Reading(total, f"{only.how} plus {team[1]}: {_euros(total)} a year")
            return ToConfirm((only, with_team), hedged)
        if candidates[0].is_range or hedged:
            return ToConfirm((only,), hedged)
        return yearly[0]
    return ToConfirm(_with_total(readings, yearly, text), hedged)


def _people_cost(
    people: list[_Amount], person_year_eur: float | None, text: str
) -> tuple[float, str] | None:
    if person_year_eur is None or len(people) != 1 or people[0].is_range:
        return None
    count = people[0].low
    noun = _people_noun(text, people[0])
    if count == 1:
        return person_year_eur, f"1 {noun} at {_euros(person_year_eur)} a year"
    return count * person_year_eur, (
        f"{_show_number(count)} {noun} at {_euros(person_year_eur)} a year each"
    )


def _people_noun(text: str, amount: _Amount) -> str:
    tokens = _tokens(text)
    if isinstance(tokens, Invalid):
        return "people"
    for word in tokens[amount.end : amount.end + 3]:
        if word in _PEOPLE_NOUNS:
            return word if word not in {"fte", "ftes"} else "FTE"
    return "people"


def _with_total(readings: list[Reading], yearly: list[float], text: str) -> tuple[Reading, ...]:
    # "200k licence plus 50k hosting": the sum is the likeliest meaning, then each part.
    if not _ADDING.search(_normalise(text)) or " or " in f" {_normalise(text)} ":
        return tuple(readings)
    total = round(sum(yearly), 2)
    parts = " + ".join(_euros(value) for value in yearly)
    summed = Reading(total, f"{parts}: {_euros(total)} a year")
    return (summed, *readings)[:_MAX_READINGS]


def read_count(
    text: str, *, per_week: bool = False, whole: bool = False, counts_people: bool = False
) -> float | Invalid | ToConfirm:
    """A count from a sentence: "just me" and "me and a contractor" count people when
    `counts_people`; "nope" is 0; a guess or a range is proposed as ToConfirm."""
    said = _normalise(text).strip(" .!?")
    if said in _NOTHING_COUNT or means_nothing(said):
        return 0.0
    hedged = _hedged(text)
    if counts_people and _ME.search(said):
        people = _count_people(said)
        if isinstance(people, Invalid):
            return people
        return ToConfirm((Reading(people, _people(people)),), True) if hedged else people
    scanned = _amounts(text)
    if isinstance(scanned, Invalid):
        return scanned
    amounts, _ = scanned
    counted = [amount for amount in amounts if amount.kind != "percent"] or amounts
    if len(counted) > 1:
        shown = ", ".join(_show_number(amount.middle) for amount in counted[:4])
        return Invalid(f"I found several numbers ({shown}); please give just one.")
    amount = counted[0]
    if amount.kind == "percent":
        return Invalid("That is a percentage; please give a number.")
    factor = _PER_WEEK.get(_rate(text) or "week", 1.0) if per_week else 1.0
    low, high = round(amount.low * factor, 3), round(amount.high * factor, 3)
    middle = round((low + high) / 2, 3)
    for end in (low, high):
        if isinstance(_plausible(end), Invalid):
            return Invalid("That number is too large to be plausible.")
    unit = " a week" if per_week else ""
    if amount.is_range:
        span = f"{_show_number(low)}\u2013{_show_number(high)}{unit}"
        if whole and not middle.is_integer():
            if not (low.is_integer() and high.is_integer()):
                return Invalid(f"Please give a whole number, not {span}.")
            return ToConfirm(
                (Reading(int(low), _show_number(low)), Reading(int(high), _show_number(high))),
                hedged,
            )
        value: int | float = int(middle) if whole else middle
        how = f"the middle of {span}: {_show_number(middle)}{unit}"
        return ToConfirm((Reading(value, how),), hedged)
    if whole and not middle.is_integer():
        return Invalid(f"Please give a whole number, not {_show_number(middle)}.")
    if hedged:
        return ToConfirm(
            (Reading(int(middle) if whole else middle, _show_number(middle) + unit),), True
        )
    return middle


def _people(count: int) -> str:
    return "just you" if count == 1 else f"{count} people, you included"


def _count_people(said: str) -> int | Invalid:
    # "me and a contractor", "me plus 2 juniors", "just me, Ana and Tom": you, and each one named.
    count = 1
    for part in _PEOPLE_SEPARATOR.split(_ME.sub(" ", said, count=1)):
        words = _WORD.findall(part)
        if not words or set(words) <= {"just", "only", "for", "now", "maybe", "perhaps", "myself"}:
            continue
        found = _scan(part)
        if not isinstance(found, Invalid) and len(found[0]) == 1 and not found[0][0].zero_word:
            count += int(found[0][0].value)
        elif _GROUPS.intersection(words) or (words[-1].endswith("s") and words[-1] != "boss"):
            return Invalid("How many people is that, you included? Please give a number.")
        else:
            count += 1
    return count


class SentenceChoice(ChoiceOption, Protocol):
    """A choice that can also be read in a sentence: detector flags or rules (`read_as`, such as
    "vendor_push" or "fomo.competitor_pressure") and the cue phrases (`cue`) that mean it."""

    @property
    def read_as(self) -> Sequence[str]: ...

    @property
    def cue(self) -> re.Pattern[str] | None: ...


@dataclass(frozen=True, slots=True)
class _Hit:
    meaning: str
    start: int
    end: int


def _negated_at(said: str, start: int) -> bool:
    """Whether a negation stands just before this position, in the same clause."""
    before = said[:start]
    clause = before[max((m.end() for m in _CLAUSE_END.finditer(before)), default=0) :]
    words = _WORD.findall(clause)[-_NEGATION_REACH:]
    return any(word in _NEGATING or word.endswith("n't") for word in words)


def _evidence_hits(
    said: str, meaning: str, refs: Sequence[str], signals: Sequence[tuple[str, str]]
) -> list[_Hit]:
    hits = []
    for rule, evidence in signals:
        if any(rule == ref or rule.startswith(ref + ".") for ref in refs):
            quoted = _normalise(evidence)
            start = max(said.find(quoted), 0)
            hits.append(_Hit(meaning, start, start + len(quoted)))
    return hits


def _cue_hits(said: str, meaning: str, cue: re.Pattern[str] | None) -> tuple[list[_Hit], int]:
    """The cue's matches in the answer, and how many of them were negated."""
    if cue is None:
        return [], 0
    hits, negated = [], 0
    for match in cue.finditer(said):
        if _negated_at(said, match.start()):
            negated += 1
        else:
            hits.append(_Hit(meaning, match.start(), match.end()))
    return hits, negated


def _explained(hits: list[_Hit]) -> list[_Hit]:
    # "it went live but nobody uses it": a longer reading that covers most of "it went live"
    # explains it; one that only touches it ("the MD saw" beside "saw a demo") does not.
    def covered(hit: _Hit, other: _Hit) -> bool:
        overlap = min(hit.end, other.end) - max(hit.start, other.start)
        return other.end - other.start > hit.end - hit.start and 2 * overlap > hit.end - hit.start

    return [
        hit
        for hit in hits
        if not any(other.meaning != hit.meaning and covered(hit, other) for other in hits)
    ]


def _ranked(hits: list[_Hit]) -> list[str]:
    """Meanings, the most salient first: the most hits, then the earliest."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for hit in hits:
        counts[hit.meaning] = counts.get(hit.meaning, 0) + 1
        first[hit.meaning] = min(first.get(hit.meaning, hit.start), hit.start)
    return sorted(counts, key=lambda meaning: (-counts[meaning], first[meaning]))


def read_choice(
    text: str, choices: Sequence[SentenceChoice], signals: Sequence[tuple[str, str]] = ()
) -> str | Invalid | ToConfirm:
    """The option meant, read from a word or a sentence; ToConfirm when several fit.

    `signals` are the detectors' findings in the answer as (rule, quoted words). An exact value,
    label, synonym or number decides at once. Otherwise the options' detector rules and cue
    phrases are looked for, negated ones skipped; when none is found, loose keywords decide as
    in parse_choice. One option found is the answer; several are readings, most salient first.
    """
    key = _phrase_key(text)
    if not key:
        return Invalid(f"Please pick one of: {_options(choices)}.")
    exact = _exact_choice(key, choices)
    if exact is not None:
        return exact
    said = _normalise(text)
    hits: list[_Hit] = []
    for choice in choices:
        hits += _evidence_hits(said, choice.value, choice.read_as, signals)
        hits += _cue_hits(said, choice.value, choice.cue)[0]
    meanings = _ranked(_explained(hits))
    if not meanings:
        winners = _keyword_winners(key, choices)
        meanings = sorted(winners, key=lambda value: _first_mention(said, choices, value))
    if not meanings:
        return Invalid(
            f"I did not recognise {_quote(text)}. Please pick one of: {_options(choices)}."
        )
    if len(meanings) == 1:
        return meanings[0]
    labels = {choice.value: choice.label for choice in choices}
    return ToConfirm(tuple(Reading(value, labels[value]) for value in meanings[:_MAX_READINGS]))


def _first_mention(said: str, choices: Sequence[ChoiceOption], value: str) -> int:
    choice = next(choice for choice in choices if choice.value == value)
    found = [
        said.find(_phrase_key(phrase)) for phrase in (choice.value, *choice.synonyms) if phrase
    ]
    return min((position for position in found if position >= 0), default=len(said))


def read_yes_no(
    text: str,
    *,
    yes_cue: re.Pattern[str] | None = None,
    no_cue: re.Pattern[str] | None = None,
    detected_yes: Sequence[str] = (),
) -> bool | Invalid | ToConfirm:
    """Yes or no, read from a word or a description.

    The question's own cue phrases say most (a negated yes cue counts for no, and the other way
    round); then detector findings that mean yes (`detected_yes`, the quoted words); then the way
    the answer starts, as parse_yes_no reads it. A plain "yes" or "no" that the description
    contradicts, or cues for both, are ToConfirm; "probably" or "I doubt it" are hedged.
    """
    said = _normalise(text)
    yes_hits, no_from_yes = _cue_hits(said, "yes", yes_cue)
    no_hits, yes_from_no = _cue_hits(said, "no", no_cue)
    sides = {hit.meaning for hit in yes_hits + no_hits}
    sides |= {"no"} if no_from_yes else set()
    sides |= {"yes"} if yes_from_no else set()
    if not sides and detected_yes:
        sides = {"yes"}
    started = parse_yes_no(text)
    if len(sides) == 2:
        first = "yes" if started is True or (started is not False and yes_hits) else "no"
        ordered = (True, False) if first == "yes" else (False, True)
        return ToConfirm(tuple(Reading(value, "Yes" if value else "No") for value in ordered))
    if sides:
        side = sides == {"yes"}
        words = _WORD.findall(said)[:1]
        plain = bool(_STRONG_YES.intersection(words) or _STRONG_NO.intersection(words))
        if isinstance(started, bool) and started != side and plain:
            ordered = (started, side)
            return ToConfirm(tuple(Reading(value, "Yes" if value else "No") for value in ordered))
        return side
    if isinstance(started, Invalid):
        if _HEDGED_NO.search(said):
            return ToConfirm((Reading(False, "No"),), hedged=True)
        if _HEDGED_YES.search(said):
            return ToConfirm((Reading(True, "Yes"),), hedged=True)
    return started
