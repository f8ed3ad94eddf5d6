"""The shell stays readable: listeners that only translate, no function longer than a screen."""

from __future__ import annotations

import ast
import statistics
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parent.parent
LONGEST_FUNCTION = 60
LONGEST_MEDIAN_LISTENER = 15

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _functions(path: Path) -> Iterator[Function]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, Function):
            yield node


def _length(function: Function) -> int:
    assert function.end_lineno is not None
    return function.end_lineno - function.lineno + 1


def _listeners() -> dict[str, int]:
    """Slack's listeners (`on_*` in bot/slack/listeners) and Teams' (TeamsBot's `_on_*`)."""
    found = {}
    for path in sorted((ROOT / "bot" / "slack" / "listeners").glob("*.py")):
        for function in _functions(path):
            if function.name.startswith("on_"):
                found[f"{path.stem}.{function.name}"] = _length(function)
    for function in _functions(ROOT / "bot" / "teams" / "app.py"):
        if function.name.startswith("_on_"):
            found[f"teams.{function.name}"] = _length(function)
    return found


def test_no_function_in_bot_is_longer_than_a_screen() -> None:
    too_long = {
        f"{path.relative_to(ROOT)}:{function.lineno} {function.name}": _length(function)
        for path in (ROOT / "bot").rglob("*.py")
        for function in _functions(path)
        if _length(function) > LONGEST_FUNCTION
    }
    assert not too_long, too_long


def test_listeners_only_translate() -> None:
    listeners = _listeners()
    assert len(listeners) >= 8, listeners  # the test must see them to mean anything
    assert statistics.median(listeners.values()) <= LONGEST_MEDIAN_LISTENER, listeners
