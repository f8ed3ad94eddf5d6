"""The portfolio commands: import, list, show, export and delete stored use cases."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any, Final

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from advisor import Proposal, UseCase, parse_use_case_number
from bot.cli.loading import (
    EXPORT_COLUMNS,
    SUPPORTED_SUFFIXES,
    InputError,
    Invalid,
    Loaded,
    iter_proposal_file,
)
from bot.cli.render import render_assessment
from bot.cli.support import (
    DatabaseUrlOption,
    PolicyOption,
    fail,
    load_policy,
    open_service,
)
from bot.neutralise import for_spreadsheet, for_terminal

__all__ = ["register"]

# Enough problems to see the pattern; a file with 100,000 bad rows must not flood the terminal.
_MAX_PROBLEMS_SHOWN: Final = 50
_DEFAULT_LIST_LIMIT: Final = 50
_PROPOSAL_COLUMNS: Final = tuple(name for name in Proposal.model_fields if name != "title")


# A string, not an int: typer's int takes "١٢" and numbers beyond the database's id column,
# which fail there as a database error instead of "no use case".
UseCaseIdArgument = Annotated[str, typer.Argument(metavar="ID", help="The use case's id.")]


class ExportFormat(StrEnum):
    """The formats `export` writes."""

    CSV = "csv"
    JSON = "json"


class _RejectedInput(Exception):
    """The input had invalid proposals and --skip-invalid was not given: roll the import back."""


def register(app: typer.Typer) -> None:
    """Add the portfolio commands to the command line."""
    app.command("import")(import_command)
    app.command("list")(list_command)
    app.command("show")(show_command)
    app.command("export")(export_command)
    app.command("delete")(delete_command)


def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=f"Proposals, one per row or item: {', '.join(SUPPORTED_SUFFIXES)}.",
            show_default=False,
        ),
    ],
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Store the valid proposals, report the invalid ones and exit 0 "
            "(without it, one invalid proposal means nothing is stored, exit code 2).",
        ),
    ] = False,
    policy_path: PolicyOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Assess every proposal in a file and store them in the portfolio: all or nothing.

    CSV: a header row of proposal field names, empty cells are missing answers. JSON (a list),
    YAML (a list) and JSONL (one object per line) use the same field names. Files written by
    `export` import as they are. Invalid proposals are reported by line and field, and nothing
    from the file is stored unless --skip-invalid is given. Exit code 2 on invalid input.
    """
    policy = load_policy(policy_path)
    try:
        entries = iter_proposal_file(path)
        # Peek before opening the database, so an empty file fails without touching it.
        first = next(entries, None)
    except InputError as error:
        raise fail(str(error)) from None
    if first is None:
        raise fail(f"{path}: holds no proposals")
    problems: list[Invalid] = []
    proposals = _valid_proposals(_chain(first, entries), problems, skip_invalid=skip_invalid)
    try:
        with open_service(database_url, policy) as advisor:
            ids = advisor.import_proposals(proposals, actor=_actor())
    except InputError as error:
        _report(problems)
        raise fail(str(error)) from None
    except _RejectedInput:
        _report(problems)
        raise fail(
            f"{path}: {_count(len(problems), 'invalid proposal')}; nothing was imported"
            " (--skip-invalid stores the valid ones)"
        ) from None
    _report(problems)
    if not ids:
        raise fail(f"{path}: no valid proposals; nothing was imported")
    where = f"id {ids[0]}" if len(ids) == 1 else f"ids {min(ids)}–{max(ids)}"
    typer.echo(f"Imported {_count(len(ids), 'use case')} ({where})")
    if problems:
        typer.echo(
            f"Warning: skipped {_count(len(problems), 'invalid proposal')} (listed above)",
            err=True,
        )


def list_command(
    limit: Annotated[
        int,
        typer.Option("--limit", min=0, help="Show at most this many, newest first; 0 for all."),
    ] = _DEFAULT_LIST_LIMIT,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List the portfolio's use cases, newest first, with their latest verdicts."""
    with open_service(database_url) as advisor:
        use_cases = advisor.use_cases(limit=limit or None)
    console = Console(highlight=False)
    if not use_cases:
        console.print("No use cases yet.")
        return
    table = Table(header_style="bold")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("tier", no_wrap=True)
    table.add_column("business", justify="right")
    table.add_column("MLOps need", justify="right")
    table.add_column("readiness", justify="right")
    table.add_column("flags")
    table.add_column("proposer", overflow="fold")
    table.add_column("created", no_wrap=True)
    for use_case in use_cases:
        latest = use_case.latest.assessment if use_case.latest else None
        table.add_row(
            str(use_case.id),
            Text(for_terminal(use_case.title)),
            latest.tier.value if latest else "—",
            str(latest.scores.business_case) if latest else "",
            str(latest.scores.mlops_need) if latest else "",
            str(latest.scores.readiness) if latest else "",
            ", ".join(flag.value for flag in latest.flags) if latest else "",
            Text(for_terminal(_proposer(use_case))),
            use_case.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)
    if limit and len(use_cases) == limit:
        console.print(f"The {limit} newest; --limit 0 lists all.", style="dim")


def show_command(
    typed_id: UseCaseIdArgument,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show a use case: its proposal, its latest verdict and when it was assessed."""
    use_case_id = _use_case_id(typed_id)
    with open_service(database_url) as advisor:
        use_case = advisor.use_case(use_case_id)
        history = advisor.history(use_case_id) if use_case else []
    if use_case is None:
        raise fail(f"no use case with id {use_case_id}")
    console = Console(highlight=False)
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column(overflow="fold")
    facts.add_row("id", str(use_case.id))
    facts.add_row("status", use_case.status.value)
    facts.add_row("platform", use_case.platform.value)
    facts.add_row("proposer", Text(for_terminal(_proposer(use_case)) or "—"))
    facts.add_row("created", use_case.created_at.strftime("%Y-%m-%d %H:%M UTC"))
    for name, value in use_case.proposal.model_dump(mode="json").items():
        facts.add_row(name, Text("—" if value is None else for_terminal(_cell(value))))
    console.print(Text(for_terminal(use_case.title), style="bold"))
    console.print(facts)
    if use_case.latest is None:
        console.print("Not assessed yet.")
    else:
        render_assessment(console, use_case.title, use_case.latest.assessment)
    dates = ", ".join(
        f"{stored.created_at:%Y-%m-%d %H:%M} (policy {stored.policy_version})" for stored in history
    )
    console.print(Text(f"Assessments: {len(history)}" + (f" — {dates}" if dates else "")))


def export_command(
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.", case_sensitive=False)
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Write to this file (exact: `import` reads it back as stored) instead of "
            "stdout; on stdout, control characters are dropped from CSV cells so that they "
            "cannot act on the terminal.",
            show_default=False,
        ),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Export every use case with its proposal and latest assessment, oldest first.

    CSV: one row per use case (id, title, status, platform, proposer, created_at, tier, the three
    scores, flags separated by ';', then the other proposal fields). JSON: a list of objects with
    the proposal and the assessment (null if none). Both can be imported again.

    So that a spreadsheet cannot run typed text as a formula, a CSV text cell that starts with =,
    +, -, @, a tab or a carriage return gets a ' in front, and so does one that starts with 's
    followed by one of those; `import` takes that one ' off again: the text round-trips exactly.
    Numbers (scores, amounts) are written as they are.
    """
    with open_service(database_url) as advisor:
        use_cases = list(reversed(advisor.use_cases()))
    write = _write_csv if export_format is ExportFormat.CSV else _write_json
    if output is None:
        write(use_cases, sys.stdout, neutralise=True)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as handle:
            write(use_cases, handle, neutralise=False)
    except OSError as error:
        raise fail(f"cannot write {output}: {error.strerror or error}") from None
    typer.echo(f"Exported {_count(len(use_cases), 'use case')} to {output}", err=True)


def delete_command(
    typed_id: UseCaseIdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Erase a use case with its answers and assessments; the audit log keeps only the fact."""
    use_case_id = _use_case_id(typed_id)
    with open_service(database_url) as advisor:
        use_case = advisor.use_case(use_case_id)
        if use_case is None:
            raise fail(f"no use case with id {use_case_id}")
        if not yes:
            typer.confirm(
                f"Delete use case {use_case_id} ({for_terminal(use_case.title)})"
                " and its assessments?",
                abort=True,
            )
        deleted = advisor.delete(use_case_id, actor=_actor())
    if not deleted:
        raise fail(f"no use case with id {use_case_id} (deleted meanwhile)")
    typer.echo(f"Deleted use case {use_case_id}.")


# --- helpers -----------------------------------------------------------------------------------


def _valid_proposals(
    entries: Iterable[Loaded | Invalid], problems: list[Invalid], *, skip_invalid: bool
) -> Iterator[Proposal]:
    """The valid proposals, collecting the invalid ones in `problems`.

    Without skip_invalid, the first problem stops the stream of proposals, the rest of the input
    is still read so that every problem is reported, and _RejectedInput then rolls back what the
    import had stored so far.
    """
    for entry in entries:
        if isinstance(entry, Invalid):
            problems.append(entry)
        elif skip_invalid or not problems:
            yield entry.proposal
    if problems and not skip_invalid:
        raise _RejectedInput


def _chain(first: Loaded | Invalid, rest: Iterator[Loaded | Invalid]) -> Iterator[Loaded | Invalid]:
    yield first
    yield from rest


def _report(problems: list[Invalid]) -> None:
    for problem in problems[:_MAX_PROBLEMS_SHOWN]:
        typer.echo(f"mlops-advisor: {for_terminal(str(problem))}", err=True)
    if len(problems) > _MAX_PROBLEMS_SHOWN:
        hidden = len(problems) - _MAX_PROBLEMS_SHOWN
        typer.echo(f"mlops-advisor: … and {_count(hidden, 'more problem')}", err=True)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in the environment nor in the password database
        return "cli"


def _use_case_id(typed: str) -> int:
    """The id a person typed; exits as for an unknown use case if none can have it."""
    number = parse_use_case_number(typed)
    if number is None:
        raise fail(f"not a use case id: {typed!r}; give its number, e.g. 12")
    if number.id is None:
        raise fail(f"no use case with id {number.typed}")
    return number.id


def _proposer(use_case: UseCase) -> str:
    return use_case.proposer_name or use_case.proposer_id or ""


def _cell(value: Any) -> str:
    # The spellings the importer reads back: true/false, numbers as Python writes them, "" = none.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        # What the interview kept (the words typed, the guessed fields) goes in as JSON.
        return json.dumps(value, ensure_ascii=False) if value else ""
    return str(value)


def _write_csv(use_cases: list[UseCase], out: IO[str], *, neutralise: bool) -> None:
    clean = for_terminal if neutralise else str
    writer = csv.writer(out, lineterminator="\n" if neutralise else "\r\n")
    writer.writerow((*EXPORT_COLUMNS, *_PROPOSAL_COLUMNS))
    for use_case in use_cases:
        latest = use_case.latest.assessment if use_case.latest else None
        proposal = use_case.proposal.model_dump(mode="json")
        portfolio = {
            "id": use_case.id,
            "title": use_case.proposal.title,
            "status": use_case.status.value,
            "platform": use_case.platform.value,
            "proposer": _proposer(use_case),
            "created_at": use_case.created_at.isoformat(),
            "tier": latest.tier.value if latest else None,
            "business_case_score": latest.scores.business_case if latest else None,
            "mlops_need_score": latest.scores.mlops_need if latest else None,
            "readiness_score": latest.scores.readiness if latest else None,
            "flags": ";".join(flag.value for flag in latest.flags) if latest else None,
        }
        cells = [portfolio[column] for column in EXPORT_COLUMNS]
        cells += [proposal[name] for name in _PROPOSAL_COLUMNS]
        writer.writerow([_csv_cell(cell, clean) for cell in cells])


def _csv_cell(value: Any, clean: Callable[[str], str]) -> str:
    # Text may read as a formula to a spreadsheet; a number we wrote (a score, money) may not.
    if isinstance(value, str):
        return for_spreadsheet(clean(value))
    return clean(_cell(value))


def _write_json(use_cases: list[UseCase], out: IO[str], *, neutralise: bool) -> None:
    # ensure_ascii escapes every control and non-ASCII character, so the JSON is terminal-safe and
    # exact at once: `neutralise` has nothing to do.
    del neutralise
    documents = [
        {
            "id": use_case.id,
            "title": use_case.title,
            "status": use_case.status.value,
            "platform": use_case.platform.value,
            "proposer_id": use_case.proposer_id,
            "proposer_name": use_case.proposer_name,
            "created_at": use_case.created_at.isoformat(),
            "proposal": use_case.proposal.model_dump(mode="json"),
            "assessment": (
                use_case.latest.assessment.model_dump(mode="json") if use_case.latest else None
            ),
        }
        for use_case in use_cases
    ]
    json.dump(documents, out, indent=2, ensure_ascii=True)
    out.write("\n")
