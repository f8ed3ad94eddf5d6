"""Read proposals from files and lines, with errors that name the file, line and field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from advisor import Proposal, ProposalError, parse_proposal

__all__ = ["InputError", "Invalid", "Loaded", "parse_json_line", "read_proposal_file"]

_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InputError(Exception):
    """A whole input (file) cannot be read or parsed; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Loaded:
    where: str
    proposal: Proposal


@dataclass(frozen=True, slots=True)
class Invalid:
    where: str
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def parse_json_line(line: str | bytes, where: str) -> Loaded | Invalid:
    """One proposal from one JSON line (JSONL)."""
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return Invalid(where, None, f"not valid JSON ({error})")
    try:
        return Loaded(where, parse_proposal(data))
    except ProposalError as error:
        return Invalid(where, error.problems[0][0], str(error))


def read_proposal_file(path: Path) -> list[Loaded | Invalid]:
    """Every proposal in a JSON, YAML or JSONL file (one proposal or a list of them)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read it ({error})") from None
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return [
            parse_json_line(line, f"{path}:{number}")
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]
    data = _parse_document(path, text, suffix)
    lines = _item_lines(text)
    items = data if isinstance(data, list) else [data]
    if not items:
        raise InputError(f"{path}: holds no proposals")
    results: list[Loaded | Invalid] = []
    for index, item in enumerate(items):
        item_line, field_lines = lines[index] if index < len(lines) else (None, {})
        where = f"{path}:{item_line}" if item_line else f"{path} item {index + 1}"
        try:
            results.append(Loaded(where, parse_proposal(item)))
        except ProposalError as error:
            for field, message in error.problems:
                line = field_lines.get(field or "", item_line)
                results.append(Invalid(f"{path}:{line}" if line else where, field, message))
    return results


def _parse_document(path: Path, text: str, suffix: str) -> Any:
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
    try:
        return yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise InputError(f"{path}{line}: not valid YAML or JSON ({problem})") from None


def _item_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """Line of each proposal and of each of its fields, for messages; empty when unknown."""
    try:
        root = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.YAMLError:
        return []
    if isinstance(root, yaml.SequenceNode):
        nodes = list(root.value)
    elif isinstance(root, yaml.MappingNode):
        nodes = [root]
    else:
        return []
    found: list[tuple[int, dict[str, int]]] = []
    for node in nodes:
        fields: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            for key, _ in node.value:
                fields[str(key.value)] = key.start_mark.line + 1
        found.append((node.start_mark.line + 1, fields))
    return found
