"""Echoes cannot ping, link, run or disguise anything anywhere they are shown; clips stay whole."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.neutralise import (
    TRUNCATED,
    clip,
    for_slack,
    for_spreadsheet,
    for_teams,
    for_terminal,
    from_slack_event,
    from_spreadsheet,
    typed_line,
)

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
TOKENS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0BADGUY>",
    "<!subteam^S1>",
    "<#C123|general>",
    "<https://evil.example|https://bank.example>",
    "<mailto:a@evil.example|boss@bank.example>",
]


def test_for_terminal_still_strips_escapes_and_bidi() -> None:
    assert for_terminal("a\x1b[2Jb\u202ec\nd\te") == "a[2Jbc\nd\te"


@pytest.mark.parametrize("token", TOKENS)
def test_slack_tokens_become_literal_text(token: str) -> None:
    shown = for_slack(token)
    assert "<" not in shown
    assert ">" not in shown
    assert shown == token.replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("token", TOKENS)
def test_event_text_is_escaped_exactly_once(token: str) -> None:
    # Slack sends the typed `<!channel>` as a token and a typed `&lt;` as `&amp;lt;`.
    assert for_slack(from_slack_event(token)) == for_slack(token)


def test_already_escaped_event_text_is_not_double_escaped() -> None:
    assert for_slack(from_slack_event("&lt;!channel&gt;")) == "&lt;!channel&gt;"
    assert for_slack(from_slack_event("a &amp; b")) == "a &amp; b"
    assert for_slack("a & b") == "a &amp; b"


def test_a_literally_typed_entity_survives_the_round_trip() -> None:
    # The person typed `&lt;`; Slack delivered `&amp;lt;`; it must show as `&lt;` again.
    assert from_slack_event("&amp;lt;") == "&lt;"
    assert for_slack(from_slack_event("&amp;lt;")) == "&amp;lt;"


def test_from_slack_event_decodes_only_slacks_three_entities() -> None:
    assert from_slack_event("&quot;&#60;&nbsp;") == "&quot;&#60;&nbsp;"
    assert from_slack_event("&amp;amp;") == "&amp;"


def test_control_characters_and_bidi_overrides_go_newlines_stay() -> None:
    assert for_slack("a\x1b[2Jb\u202ec\u2066d\x00e\nf\tg") == "a[2Jbcde\nf\tg"


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ECHOES: dict[str, Callable[[str], str]] = {
    "slack": for_slack,
    "teams": for_teams,
    "terminal": for_terminal,
    "slack line": lambda text: typed_line(text, 200, for_slack),
    "teams line": lambda text: typed_line(text, 200, for_teams),
    "terminal line": lambda text: typed_line(text, 200, for_terminal),
}


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
@settings(max_examples=200)
@given(st.text(alphabet=st.one_of(st.sampled_from(BIDI), st.characters())))
def test_no_echo_keeps_a_bidi_control(echo: Callable[[str], str], text: str) -> None:
    # "\u202eexe.gnp" shows as "png.exe": an echo could read differently from what was typed.
    assert not set(echo(text)) & set(BIDI)


def test_bare_broadcast_words_stay_words() -> None:
    # Slack pings a bare @here only with link_names/parse=full, which the app never uses.
    shown = for_slack("@channel @here @everyone please look")
    assert shown == "@channel @here @everyone please look"
    assert "<!" not in shown


def test_mrkdwn_styling_is_left_alone() -> None:
    assert for_slack("*bold* _it_ ~strike~ `code`") == "*bold* _it_ ~strike~ `code`"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_for_slack_output_is_inert_and_reversible(text: str) -> None:
    shown = for_slack(text)
    assert "<" not in shown
    assert ">" not in shown
    assert not UNSAFE.search(shown)
    assert from_slack_event(shown) == for_terminal(text)


def test_clip_leaves_short_text_alone() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("", 10) == ""


def test_clip_fits_the_limit_and_ends_with_the_note() -> None:
    clipped = clip("x" * 10_000, 3000)
    assert len(clipped) == 3000
    assert clipped.endswith(TRUNCATED)
    assert clip("abcdef", 4, "…") == "abc…"


def test_clip_with_a_tiny_limit_still_fits() -> None:
    assert clip("x" * 100, 5) == TRUNCATED[:5]
    assert clip("x" * 100, 0) == ""


@pytest.mark.parametrize("limit", range(len(TRUNCATED) + 1, 60))
def test_clip_never_cuts_an_entity(limit: int) -> None:
    text = for_slack("a<b & c>d " * 20)
    clipped = clip(text, limit)
    assert len(clipped) <= limit
    assert clipped.endswith(TRUNCATED)
    head = clipped.removesuffix(TRUNCATED)
    assert text.startswith(head)
    assert "&" not in re.sub("&(amp|lt|gt);", "", head)


@pytest.mark.parametrize("limit", range(len(TRUNCATED) + 1, 40))
def test_clip_never_cuts_a_token_we_built(limit: int) -> None:
    clipped = clip("hi <@U012ABCDEF> and <!date^1392734382^{date}|Feb 18> " * 3, limit)
    head = clipped.removesuffix(TRUNCATED)
    assert head.count("<") == head.count(">")


def test_clip_leaves_no_half_emoji_joiner() -> None:
    family = "\U0001f469\u200d\U0001f4bb"  # woman technologist: woman, ZWJ, laptop
    clipped = clip(family * 10, len(TRUNCATED) + 2)
    assert not clipped.removesuffix(TRUNCATED).endswith("\u200d")


# --- Teams ------------------------------------------------------------------------------------

ZERO_WIDTH_SPACE = "\u200b"
WORD_JOINER = "\u2060"


def visible(shown: str) -> str:
    """What a person reads: the invisible breaks gone."""
    return shown.replace(ZERO_WIDTH_SPACE, "").replace(WORD_JOINER, "")


@pytest.mark.parametrize(
    "typed",
    [
        "<at>General</at>",
        '<a href="https://evil.example">docs</a>',
        "[Reset your password](https://evil.example/login)",
        "![tracker](https://evil.example/p.png)",
        "<https://evil.example>",
        "[ref][1]\n[1]: https://evil.example",
        "[ref]\n\n[ref]: https://evil.example",
    ],
)
def test_teams_markup_is_broken_invisibly(typed: str) -> None:
    shown = for_teams(typed)
    for construct in ("<at>", "<a ", "](", "][", "]:", "<https", "</"):
        assert construct not in shown
    assert visible(shown) == typed


def test_teams_text_loses_control_characters_and_bidi_overrides() -> None:
    assert for_teams("a\x1b]8;;https://x\x07b\u202ec\nd") == "a]\u200b8;;https:\u2060//xbc\nd"


def test_teams_text_without_markup_is_unchanged() -> None:
    plain = "Churn model: €40k a year, *bold* claims & more"
    assert for_teams(plain) == plain


@given(st.text())
@settings(max_examples=300)
def test_for_teams_never_leaves_a_tag_or_link_opener(text: str) -> None:
    shown = for_teams(text)
    assert re.search(r"<[^\u200b]|\][^\u200b]|\]$", shown) is None


# --- CSV cells for spreadsheets ------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text made of what matters here, so that quotes before a formula character come up often.
_cells = st.one_of(st.text(), st.text(alphabet="'=+-@\t\rx1 "))


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("-1+1", "'-1+1"),
        ("\tx", "'\tx"),
        ("'=1", "''=1"),  # looks quoted already: one more, so that import takes one off
        ("'Tis", "'Tis"),  # a quote before no formula character stays as it is
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_a_spreadsheet_cell_that_would_be_a_formula_gets_a_quote(text: str, cell: str) -> None:
    assert for_spreadsheet(text) == cell
    assert from_spreadsheet(cell) == text


@settings(max_examples=500)
@given(_cells)
def test_spreadsheet_cells_are_never_formulas_and_read_back_exactly(text: str) -> None:
    cell = for_spreadsheet(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert from_spreadsheet(cell) == text
    assert cell in {text, "'" + text}


# A bare address anywhere Teams might link it: a scheme, `www.`, a domain, an e-mail address.
LINKABLE = re.compile(r"://|\w[.\u3002\uff0e\uff61][^\W\d_]", re.IGNORECASE)


@pytest.mark.parametrize(
    "typed",
    [
        "https://evil.example/x",
        "see http://evil.example.",
        "www.evil.example",
        "evil.example/login",
        "boss@bank.example",
        "ftp://files",
        "HTTPS://EVIL.EXAMPLE",
        "evil\u3002example",
    ],
)
def test_teams_bare_addresses_are_not_linked(typed: str) -> None:
    shown = for_teams(typed)
    assert LINKABLE.search(shown) is None
    assert visible(shown) == typed


def test_teams_numbers_keep_their_dots() -> None:
    # Examples like "€1.2M" are copied back as answers: they must still parse.
    assert for_teams("€1.2M, 3.5 FTE, v2.0") == "€1.2M, 3.5 FTE, v2.0"


@given(st.text(alphabet=st.one_of(st.sampled_from(":/.w@\u3002x1 "), st.characters())))
@settings(max_examples=300)
def test_for_teams_never_leaves_an_address_to_link(text: str) -> None:
    shown = for_teams(text)
    assert LINKABLE.search(shown) is None
    invisible = (ZERO_WIDTH_SPACE, WORD_JOINER)
    if not any(character in text for character in invisible):
        assert visible(shown) == for_terminal(text)
