"""Read proposals from files and lines, with errors that name the file, line and field."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import yaml
from pydantic import ValidationError

from advisor import Proposal, ProposalError, parse_proposal
from bot.neutralise import from_spreadsheet

__all__ = [
    "EXPORT_COLUMNS",
    "SUPPORTED_SUFFIXES",
    "InputError",
    "Invalid",
    "Loaded",
    "iter_proposal_file",
    "parse_json_line",
    "read_proposal_file",
]

_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SUPPORTED_SUFFIXES: Final = (".csv", ".json", ".jsonl", ".yaml", ".yml")

EXPORT_COLUMNS: Final = (
    "id",
    "title",
    "status",
    "platform",
    "proposer",
    "created_at",
    "tier",
    "business_case_score",
    "mlops_need_score",
    "readiness_score",
    "flags",
)
"""The columns `mlops-advisor export --format csv` writes before the other proposal fields.

A CSV whose header has all of them is an export: on re-import its portfolio columns (all but
`title`, which is a proposal field) are ignored and the quote that keeps a spreadsheet from running
a text cell as a formula is taken off (bot.neutralise.from_spreadsheet), so an export round-trips.
"""

_PROPOSAL_FIELDS: Final = frozenset(Proposal.model_fields)
_EXPORT_ONLY_COLUMNS: Final = frozenset(EXPORT_COLUMNS) - _PROPOSAL_FIELDS


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
        # The fast path for the common case, a valid proposal: parsed and validated in one go.
        return Loaded(where, Proposal.model_validate_json(line))
    except ValidationError:
        pass  # an exported record, or invalid: the path below unwraps or explains
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return Invalid(where, None, f"not valid JSON ({error})")
    try:
        return Loaded(where, parse_proposal(_proposal_data(data)))
    except ProposalError as error:
        return Invalid(where, error.problems[0][0], str(error))


def iter_proposal_file(path: Path) -> Iterator[Loaded | Invalid]:
    """The proposals of a CSV, JSON, JSONL or YAML file, one at a time, in file order.

    CSV and JSONL are streamed, so memory does not grow with the file. The suffix, the file's
    existence and a CSV header are checked before this returns (InputError), so a caller learns
    of a wrong file before it starts any work; later read errors raise InputError while iterating.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise InputError(f"{path}: unsupported file type {suffix or '(none)'!r}; use {supported}")
    if suffix == ".csv":
        handle = _open_text(path, encoding="utf-8-sig", newline="")
        return _csv_entries(path, handle)
    if suffix == ".jsonl":
        return _jsonl_entries(path, _open_binary(path))
    return iter(read_proposal_file(path))


def read_proposal_file(path: Path) -> list[Loaded | Invalid]:
    """Every proposal in a CSV, JSON, YAML or JSONL file (one proposal or a list of them).

    Any other suffix is read as YAML, which JSON is a subset of.
    """
    suffix = path.suffix.lower()
    if suffix in {".csv", ".jsonl"}:
        return list(iter_proposal_file(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read it ({error})") from None
    data = _parse_document(path, text, suffix)
    lines = _item_lines(text)
    items = data if isinstance(data, list) else [data]
    if data is None or not items:
        raise InputError(f"{path}: holds no proposals")
    results: list[Loaded | Invalid] = []
    for index, item in enumerate(items):
        item_line, field_lines = lines[index] if index < len(lines) else (None, {})
        where = f"{path}:{item_line}" if item_line else f"{path} item {index + 1}"
        try:
            results.append(Loaded(where, parse_proposal(_proposal_data(item))))
        except ProposalError as error:
            for field, message in error.problems:
                line = field_lines.get(field or "", item_line)
                results.append(Invalid(f"{path}:{line}" if line else where, field, message))
    return results


def _proposal_data(item: Any) -> Any:
    # An exported record ({id, title, ..., proposal: {...}, assessment}) holds its proposal under
    # "proposal", which is no proposal field, so a record is never mistaken for a proposal.
    if isinstance(item, dict) and isinstance(item.get("proposal"), dict):
        return item["proposal"]
    return item


def _open_text(path: Path, *, encoding: str, newline: str | None = None) -> IO[str]:
    try:
        return path.open(encoding=encoding, newline=newline)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read it ({error.strerror or error})") from None


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read it ({error.strerror or error})") from None


def _jsonl_entries(path: Path, handle: IO[bytes]) -> Iterator[Loaded | Invalid]:
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield parse_json_line(line, f"{path}:{number}")
        except OSError as error:
            raise InputError(f"{path}: cannot read it ({error.strerror or error})") from None


def _csv_entries(path: Path, handle: IO[str]) -> Iterator[Loaded | Invalid]:
    # The header is read before the generator starts, so a bad header fails at once.
    reader = csv.DictReader(handle)
    try:
        names = list(reader.fieldnames or [])
        is_export = _EXPORT_ONLY_COLUMNS.issubset(names)
        fields = _csv_fields(path, names, is_export=is_export)
    except (csv.Error, UnicodeDecodeError) as error:
        handle.close()
        raise InputError(f"{path}:1: not valid UTF-8 CSV ({error})") from None
    except InputError:
        handle.close()
        raise
    # An export's text cells may carry the quote that kept a spreadsheet from running them as
    # formulas; other CSV files are read as they are.
    cell = from_spreadsheet if is_export else str
    return _csv_rows(path, handle, reader, fields, cell)


def _csv_fields(path: Path, names: list[str], *, is_export: bool) -> list[str]:
    if not names:
        raise InputError(f"{path}: holds no proposals (not even a header row)")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{path}:1: column {name!r} appears twice")
        seen.add(name)
        if name not in _PROPOSAL_FIELDS and not (is_export and name in _EXPORT_ONLY_COLUMNS):
            allowed = ", ".join(Proposal.model_fields)
            raise InputError(
                f"{path}:1: unknown column {name!r}; the columns are the proposal fields: {allowed}"
            )
    return [name for name in names if name in _PROPOSAL_FIELDS]


def _csv_rows(
    path: Path,
    handle: IO[str],
    reader: csv.DictReader[str],
    fields: list[str],
    cell: Callable[[str], str],
) -> Iterator[Loaded | Invalid]:
    with handle:
        try:
            for row in reader:
                # line_num is where the record ends; a quoted cell may span lines, and the
                # message should point at the line where the record starts.
                line = reader.line_num - sum(cell.count("\n") for cell in row.values() if cell)
                where = f"{path}:{line}"
                extra = row.get(None)
                if extra:
                    yield Invalid(where, None, f"{len(extra)} more cells than the header has")
                    continue
                data = {name: cell(row[name]) for name in fields if row[name] and row[name].strip()}
                try:
                    yield Loaded(where, parse_proposal(data))
                except ProposalError as error:
                    yield Invalid(where, error.problems[0][0], str(error))
        except csv.Error as error:
            raise InputError(f"{path}:{reader.line_num}: not valid CSV ({error})") from None
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: not UTF-8 text ({error})") from None
        except OSError as error:
            raise InputError(f"{path}: cannot read it ({error.strerror or error})") from None


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
