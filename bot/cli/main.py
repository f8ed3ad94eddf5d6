"""The `mlops-advisor` command line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Annotated, BinaryIO, Final

import typer
from rich.console import Console

from advisor import Assessment, Policy, assess
from bot.cli import chat, digest, digest_preview, evaluate, portfolio, serve
from bot.cli.loading import InputError, Invalid, Loaded, parse_json_line, read_proposal_file
from bot.cli.render import render_assessment
from bot.cli.support import (
    EXIT_INVALID_INPUT,
    EXIT_OK,
    PolicyOption,
    fail,
    load_policy,
)
from bot.neutralise import for_terminal

__all__ = ["app", "main"]

_CHUNK_BYTES: Final = 1 << 16
# Serialises an Assessment straight to JSON bytes, as the stream writes them.
_ASSESSMENT_JSON: Final = Assessment.__pydantic_serializer__

app = typer.Typer(
    name="mlops-advisor",
    help="A sceptical advisor on machine-learning investments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """A sceptical advisor on machine-learning investments."""


@app.command("assess")
def assess_command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Proposal files (JSON, YAML or JSONL); '-' reads stdin with --jsonl."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Stream: one proposal JSON per line in, one out.")
    ] = False,
    examples: Annotated[
        bool, typer.Option("--examples", help="Assess the bundled example proposals.")
    ] = False,
    policy_path: PolicyOption = None,
) -> None:
    """Assess proposals and print a verdict for each. Exit code 2 when any input is invalid."""
    policy = load_policy(policy_path)
    sources = list(paths or [])
    if examples:
        sources.append(str(files("bot").joinpath("examples", "proposals.yaml")))
    if not sources:
        raise fail("give at least one proposal file, '-' with --jsonl, or --examples")
    if jsonl:
        failures = sum(_stream_source(source, policy) for source in sources)
        raise typer.Exit(EXIT_INVALID_INPUT if failures else EXIT_OK)
    if "-" in sources:
        raise fail("'-' (stdin) needs --jsonl")
    raise typer.Exit(_assess_files([Path(source) for source in sources], policy, as_json))


def _assess_files(paths: list[Path], policy: Policy, as_json: bool) -> int:
    results: list[Loaded | Invalid] = []
    status = EXIT_OK
    for path in paths:
        try:
            results.extend(read_proposal_file(path))
        except InputError as error:
            typer.echo(f"mlops-advisor: {for_terminal(str(error))}", err=True)
            status = EXIT_INVALID_INPUT
    loaded = [item for item in results if isinstance(item, Loaded)]
    for item in results:
        if isinstance(item, Invalid):
            typer.echo(f"mlops-advisor: {for_terminal(str(item))}", err=True)
            status = EXIT_INVALID_INPUT
    assessments = [(item, assess(item.proposal, policy)) for item in loaded]
    if as_json:
        documents = [assessment.model_dump(mode="json") for _, assessment in assessments]
        if documents:
            typer.echo(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        console = Console(highlight=False)
        for item, assessment in assessments:
            render_assessment(console, item.proposal.title, assessment)
    return status


def _stream_source(source: str, policy: Policy) -> int:
    if source == "-":
        return stream_jsonl(
            lambda size: os.read(sys.stdin.fileno(), size), sys.stdout.buffer, policy
        )
    try:
        with Path(source).open("rb") as handle:
            return stream_jsonl(handle.read, sys.stdout.buffer, policy)
    except OSError as error:
        typer.echo(f"mlops-advisor: {for_terminal(source)}: {error.strerror or error}", err=True)
        return 1


def stream_jsonl(read: Callable[[int], bytes], out: BinaryIO, policy: Policy) -> int:
    """Assess one proposal per input line, writing one JSON line per proposal, in order.

    Output is flushed after every chunk read, so a producer that writes one line and waits gets
    its answer at once, while a bulk pipe is not slowed by a flush per line. Blank lines are
    skipped. Returns how many lines failed.
    """
    failures = 0
    line_number = 0
    pending = b""
    while True:
        chunk = read(_CHUNK_BYTES)
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop() if chunk else b""
        answers: list[bytes] = []
        for line in lines:
            line_number += 1
            if not line.strip():
                continue
            result = parse_json_line(line, f"line {line_number}")
            if isinstance(result, Loaded):
                answers.append(_ASSESSMENT_JSON.to_json(assess(result.proposal, policy)))
            else:
                failures += 1
                error = {"error": str(result), "line": line_number, "field": result.field}
                answers.append(json.dumps(error).encode())
        if answers:
            out.write(b"\n".join(answers) + b"\n")
            out.flush()
        if not chunk:
            return failures


chat.register(app)
digest.register(app)
digest_preview.register(digest.digest_app)
evaluate.register(app)
portfolio.register(app)
serve.register(app)


def main() -> None:
    app()
