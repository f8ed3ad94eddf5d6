"""Make text that a person typed safe to echo: it must never ping, link or restyle anything."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["for_terminal"]

# Control characters (ANSI/OSC escape sequences start with ESC and can hide hyperlinks or rewrite
# the screen) and bidirectional overrides (which can disguise what a line says). Newline and tab
# stay.
_UNSAFE_FOR_TERMINAL: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def for_terminal(text: str) -> str:
    """Text safe to print on a terminal: no escape sequences, no bidi tricks.

    Callers pass the result to rich as `Text`, never as markup, so `[link=...]` stays literal.
    """
    return _UNSAFE_FOR_TERMINAL.sub("", text)
