"""`mlops-advisor eval`: the advisor measured against labelled proposals (tests/corpus/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

import typer
import yaml
from rich.console import Console
from rich.table import Table

from advisor import (
    EvaluationCase,
    EvaluationReport,
    Flag,
    Policy,
    ProposalError,
    Tier,
    assess,
    evaluate,
    parse_proposal,
)
from bot.cli.support import EXIT_OK, PolicyOption, fail, load_policy
from bot.neutralise import for_terminal

__all__ = ["EXIT_BELOW_THRESHOLD", "CorpusError", "eval_command", "load_cases", "register"]

EXIT_BELOW_THRESHOLD: Final = 1
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CorpusError(Exception):
    """A labelled file cannot be read or an entry is malformed; the message says where."""


def register(app: typer.Typer) -> None:
    """Add `eval` to the command line."""
    app.command("eval")(eval_command)


def eval_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Labelled proposal files (YAML: id, proposal, expect).")
    ],
    errors: Annotated[
        bool, typer.Option("--errors", help="List every miss and misfire, with evidence.")
    ] = False,
    min_tier_accuracy: Annotated[
        float | None,
        typer.Option(
            "--min-tier-accuracy", min=0, max=1, help="Exit 1 if the tier accuracy is lower."
        ),
    ] = None,
    min_flag_score: Annotated[
        float | None,
        typer.Option(
            "--min-flag-score", min=0, max=1, help="Exit 1 if any flag's F1 score is lower."
        ),
    ] = None,
    policy_path: PolicyOption = None,
) -> None:
    """Assess each labelled proposal and compare: tier accuracy, per-flag precision and recall.

    Each file is measured on its own. Exit code 1 only when a --min-... threshold is given and
    missed in some file; 2 when a file or an entry is invalid.
    """
    policy = load_policy(policy_path)
    console = Console(highlight=False)
    status = EXIT_OK
    for path in paths:
        try:
            report = evaluate(load_cases(path, policy))
        except CorpusError as error:
            raise fail(str(error)) from None
        _print_report(console, path, report)
        if errors:
            _print_errors(report)
        shortfalls = _shortfalls(report, min_tier_accuracy, min_flag_score)
        for shortfall in shortfalls:
            typer.echo(f"{for_terminal(str(path))}: below threshold: {shortfall}", err=True)
        if shortfalls:
            status = EXIT_BELOW_THRESHOLD
    raise typer.Exit(status)


def load_cases(path: Path, policy: Policy) -> list[EvaluationCase]:
    """Every entry of a labelled YAML file, assessed with the policy."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CorpusError(f"{path}: cannot read it ({error})") from None
    if not isinstance(data, list) or not data:
        raise CorpusError(f"{path}: expected a list of labelled proposals")
    return [_case(path, index, entry, policy) for index, entry in enumerate(data, start=1)]


def _case(path: Path, index: int, entry: Any, policy: Policy) -> EvaluationCase:
    where = f"{path} item {index}"
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: not a mapping")
    where = f"{path} {entry.get('id', f'item {index}')}"
    expect = entry.get("expect")
    if not isinstance(entry.get("id"), str) or not isinstance(expect, dict):
        raise CorpusError(f"{where}: needs an 'id' and an 'expect' mapping")
    try:
        tier = Tier(str(expect.get("tier")))
        flags = frozenset(Flag(flag) for flag in expect.get("flags") or [])
        proposal = parse_proposal(entry.get("proposal"))
    except ValueError as error:  # ProposalError is a ValueError too
        detail = str(error) if isinstance(error, ProposalError) else f"bad label: {error}"
        raise CorpusError(f"{where}: {detail}") from None
    return EvaluationCase(
        id=entry["id"],
        expected_tier=tier,
        expected_flags=flags,
        assessment=assess(proposal, policy),
    )


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _print_report(console: Console, path: Path, report: EvaluationReport) -> None:
    # Plain lines, never wrapped, so scripts can read them; the table is rich's.
    typer.echo(f"{for_terminal(str(path))}: {report.cases} proposals")
    typer.echo(
        f"Tier accuracy: {_ratio(report.tier_accuracy)} ({report.tier_correct}/{report.cases});"
        f" exactly right (tier and flags): {report.exact}/{report.cases}"
    )
    table = Table("flag", "precision", "recall", "F1", "tp", "fp", "fn")
    for score in report.flags:
        table.add_row(
            score.flag.value,
            _ratio(score.precision),
            _ratio(score.recall),
            _ratio(score.f1),
            str(score.tp),
            str(score.fp),
            str(score.fn),
        )
    console.print(table)


def _print_errors(report: EvaluationReport) -> None:
    typer.echo(f"Errors ({len(report.errors)}):")
    for error in report.errors:
        parts = []
        if error.tier_wrong:
            parts.append(f"tier {error.expected_tier.value} -> {error.got_tier.value}")
        if error.missed:
            parts.append("missed " + ", ".join(flag.value for flag in error.missed))
        if error.misfired:
            parts.append("misfired " + ", ".join(flag.value for flag in error.misfired))
        typer.echo(for_terminal(f"- {error.id}: {'; '.join(parts)}"))
        for signal in error.evidence:
            line = f"    {signal.flag.value} <- {signal.field}: {signal.evidence!r} ({signal.rule})"
            typer.echo(for_terminal(line))


def _shortfalls(
    report: EvaluationReport, min_tier_accuracy: float | None, min_flag_score: float | None
) -> list[str]:
    found = []
    accuracy = report.tier_accuracy
    if min_tier_accuracy is not None and (accuracy is None or accuracy < min_tier_accuracy):
        found.append(f"tier accuracy {_ratio(accuracy)} < {min_tier_accuracy:g}")
    if min_flag_score is not None:
        for score in report.flags:
            if score.f1 is not None and score.f1 < min_flag_score:
                found.append(f"{score.flag.value} F1 {score.f1:.2f} < {min_flag_score:g}")
    return found
