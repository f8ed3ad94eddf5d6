"""Make text that a person typed safe to echo: it must never ping, link, run or restyle anything."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

__all__ = [
    "TRUNCATED",
    "clip",
    "for_slack",
    "for_spreadsheet",
    "for_teams",
    "for_terminal",
    "from_slack_event",
    "from_spreadsheet",
    "typed_line",
]

TRUNCATED: Final = "… (truncated)"

# Control characters (ANSI/OSC escape sequences start with ESC and can hide hyperlinks or rewrite
# the screen) and bidirectional overrides (which can disguise what a line says). Newline and tab
# stay.
_UNSAFE_FOR_TERMINAL: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)

# Slack escapes exactly these three characters in message text; nothing else is an entity to it.
_SLACK_ENTITY: Final = re.compile("&(amp|lt|gt);")
_SLACK_DECODE: Final = {"amp": "&", "lt": "<", "gt": ">"}
_SLACK_SPECIAL: Final = re.compile("[&<>]")
_SLACK_ENCODE: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

# Teams renders message text as Markdown with some HTML, and Adaptive Card text as a Markdown
# subset; a mention needs an `<at>…</at>` tag (plus an entity). A zero-width space after every `<`
# and `]` breaks each of those constructs (tags, `<at>`, autolinks `<http://…>`, inline and
# reference links `[label](url)`, `[label][ref]`, `[ref]: url`) without changing what people see.
_TEAMS_BREAK: Final = re.compile(r"[<\]]")
_ZERO_WIDTH_SPACE: Final = "\u200b"
# Teams also links bare addresses in a message: `https://…`, `www.…`, `evil.example`, `a@b.example`.
# An invisible word joiner (no line break either, unlike a zero-width space) after the `:` of
# `://` and before each full stop that joins a word to a letter (`.`, or the ideographic and
# full-width stops that hosts also take) leaves no scheme or host to match; a number (`1.2M`,
# `3.5`) keeps its dot untouched, so a copied example still parses.
_TEAMS_ADDRESS: Final = re.compile(r"(?<=:)(?=//)|(?<=\w)(?=[.\u3002\uff0e\uff61][^\W\d_])")
_WORD_JOINER: Final = "\u2060"

# A spreadsheet runs a cell that starts with one of `= + - @`, tab or CR as a formula (CSV
# injection); one more quote in front makes such a cell text. Cells that already look quoted that
# way (quotes, then a trigger) get one more too, so that taking one quote off is exact.
_FORMULA_START: Final = r"[=+\-@\t\r]"
_SPREADSHEET_FORMULA: Final = re.compile("'*" + _FORMULA_START)
_SPREADSHEET_QUOTED: Final = re.compile("'+" + _FORMULA_START)

# What `clip` must not cut through: an entity (ours are `&amp;` `&lt;` `&gt;`; any named or
# numeric one is spared too) and a Slack token we built on purpose (`<@U123>`, `<!date^…>`,
# `<https://…|label>`): half of either shows garbage or swallows the note.
_ENTITY_START: Final = re.compile(r"&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")
_TOKEN_START: Final = re.compile(r"<(?:[@!#]|[a-z][a-z0-9+.-]*:)")
# A cut right after a zero-width joiner leaves half an emoji sequence (👩‍💻 and the like).
_DANGLING: Final = "\u200d"


def for_terminal(text: str) -> str:
    """Text safe to print on a terminal: no escape sequences, no bidi tricks.

    Callers pass the result to rich as `Text`, never as markup, so `[link=...]` stays literal.
    """
    return _UNSAFE_FOR_TERMINAL.sub("", text)


def from_slack_event(text: str) -> str:
    """Undo Slack's own `&amp;` `&lt;` `&gt;` escaping of message-event text.

    Event text comes escaped, with mentions already turned into tokens (`<!channel>`). Decoding
    it first, once, lets `for_slack` escape everything exactly once; a user who typed `&lt;`
    literally arrives as `&amp;lt;` and comes back out as `&lt;`, as typed. Modal inputs are raw
    and must not go through this.
    """
    return _SLACK_ENTITY.sub(lambda match: _SLACK_DECODE[match.group(1)], text)


def for_slack(text: str) -> str:
    """Text a person typed, safe to echo in a Slack `mrkdwn` or `plain_text` object.

    `&`, `<` and `>` are escaped, so `<!channel>`, `<@U…>`, `<!subteam^…>` and
    `<http://evil|trusted>` show as literal text and can neither ping nor link. Control characters
    and bidi overrides go, as for the terminal.

    Left alone on purpose:
    - mrkdwn styling (`*bold*`, `_italic_`, `~strike~`, `` `code` ``) cannot ping or link; at
      worst it restyles the person's own words, which are shown in quotes or under a label.
    - bare `@channel`, `@here`, `@everyone`: Slack only turns them into pings when a message is
      posted with `link_names=true` or `parse=full` (or in a `mrkdwn` object without `verbatim`),
      and the app never posts user text that way (bot.slack.blocks sets `verbatim` on every
      mrkdwn object).
    """
    cleaned = _UNSAFE_FOR_TERMINAL.sub("", text)
    return _SLACK_SPECIAL.sub(lambda match: _SLACK_ENCODE[match.group(0)], cleaned)


def for_teams(text: str) -> str:
    """Text a person typed, safe to echo in a Teams message or an Adaptive Card TextBlock.

    No HTML tag, `<at>` mention, autolink or Markdown link (inline or by reference) survives: an
    invisible zero-width space follows each `<` and `]`, so a label can never hide a different
    URL and nobody is notified. A bare address (`https://evil.example/x`, `www.evil.example`)
    reads as typed but is not made a link, which in the bot's own message would look vouched
    for: an invisible word joiner breaks its `://` and its dots. Control characters and bidi
    overrides go, as for the terminal; Markdown emphasis is left alone, as in Slack (it can
    restyle, not ping or link).
    """
    cleaned = _UNSAFE_FOR_TERMINAL.sub("", text)
    broken = _TEAMS_BREAK.sub(r"\g<0>" + _ZERO_WIDTH_SPACE, cleaned)
    return _TEAMS_ADDRESS.sub(_WORD_JOINER, broken)


def for_spreadsheet(text: str) -> str:
    """Text for a CSV cell that a spreadsheet shows as text, never runs as a formula (OWASP).

    A cell that starts with `=`, `+`, `-`, `@`, tab or CR gets a `'` in front, and so does one
    that starts with quotes followed by one of those, so `from_spreadsheet` can undo it exactly.
    For text only: a number the program wrote (`-5`) is no formula and stays as it is.
    """
    return "'" + text if _SPREADSHEET_FORMULA.match(text) else text


def from_spreadsheet(cell: str) -> str:
    """A CSV cell as `for_spreadsheet` got it: one leading `'` off if quotes and a formula
    character follow, else the cell as it is."""
    return cell[1:] if _SPREADSHEET_QUOTED.match(cell) else cell


def clip(text: str, limit: int, note: str = TRUNCATED) -> str:
    """`text` if it fits in `limit` characters, else its start followed by `note`, `limit` in all.

    The cut never splits an entity like `&amp;` or a Slack token like `<@U123>` (it goes before
    them) and drops trailing whitespace. A limit shorter than the note gives the note's start.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(note):
        return note[:limit]
    head = text[: limit - len(note)]
    ampersand = head.rfind("&")
    if ampersand != -1 and ";" not in head[ampersand:] and _ENTITY_START.match(text, ampersand):
        head = head[:ampersand]
    bracket = head.rfind("<")
    if bracket != -1 and ">" not in head[bracket:] and _TOKEN_START.match(text, bracket):
        head = head[:bracket]
    return head.rstrip().rstrip(_DANGLING) + note


def typed_line(text: str, limit: int, neutralise: Callable[[str], str], empty: str = "") -> str:
    """A person's words for a line of a message: neutralised for the medium (`for_slack`,
    `for_teams`, `for_terminal`), whitespace collapsed (a newline in a title or a quote would
    break the line it sits in, or fake a new one), clipped to `limit`; `empty` if nothing is left.
    """
    return clip(" ".join(neutralise(text).split()), limit) or empty
