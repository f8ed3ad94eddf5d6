"""The interview in the terminal (`mlops-advisor chat`) and the database commands (`db`)."""

from __future__ import annotations

import asyncio
import getpass
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from advisor import Ask, Cancelled, Platform, Question, Reprompt
from bot.cli.render import render_assessment
from bot.cli.support import (
    DatabaseUrlOption,
    PolicyOption,
    database_errors,
    database_url_or_default,
    load_policy,
    open_service,
)
from bot.neutralise import for_terminal

if TYPE_CHECKING:
    from bot.service import Advisor

__all__ = ["register"]

_WORDS_HINT = "Type your answer. Any time: skip, back, help, cancel, restart."


def register(app: typer.Typer) -> None:
    """Add `chat` and the `db` commands to the command line."""
    app.command("chat")(chat_command)
    database = typer.Typer(help="The portfolio database.", no_args_is_help=True)
    database.command("upgrade")(db_upgrade_command)
    database.command("current")(db_current_command)
    app.add_typer(database, name="db")


def chat_command(
    database_url: DatabaseUrlOption = None,
    user: Annotated[
        str | None,
        typer.Option("--as", help="Whose interview this is (default: your login name)."),
    ] = None,
    policy_path: PolicyOption = None,
) -> None:
    """Describe a use case in a short interview and get the verdict.

    Every answer is saved at once: stop at any point and run `chat` again to carry on.
    """
    proposer = user or getpass.getuser()
    with open_service(database_url, load_policy(policy_path)) as advisor:
        _interview(Console(highlight=False), advisor, proposer)


def _interview(console: Console, advisor: Advisor, proposer: str) -> None:
    from bot.service import Place, Proposer  # noqa: PLC0415 (the database stack loads late)

    key = f"cli:{proposer}"
    step = advisor.current(key)
    if step.state.history:
        kept = len(step.state.history)
        console.print(f"Resuming your interview: {kept} answers kept.", style="dim")
    console.print(_WORDS_HINT, style="dim")
    while isinstance(step, Ask | Reprompt):
        _show(console, step)
        try:
            answer = console.input("[bold]> [/bold]")
        except (EOFError, KeyboardInterrupt):
            console.print("\nYour answers are saved. Run `mlops-advisor chat` to continue.")
            raise typer.Exit(0) from None
        if _any_time_command(console, advisor, proposer, answer):
            continue
        turn = advisor.answer(
            key,
            _choice_by_number(step.question, answer),
            proposer=Proposer(id=proposer, name=proposer),
            place=Place(),
        )
        step = turn.step
        if turn.use_case is not None and turn.use_case.latest is not None:
            render_assessment(console, turn.use_case.title, turn.use_case.latest.assessment)
            console.print(f"Stored as use case #{turn.use_case.id}.")
    if isinstance(step, Cancelled):
        console.print("Cancelled. Nothing was stored.")


def _any_time_command(console: Console, advisor: Advisor, proposer: str, typed: str) -> bool:
    """Carry out `list` or `show ID` typed in the middle of the interview, as every channel
    does (bot.commands); False for anything else, which is the answer."""
    from bot.commands import Commands, Surface, Where, Who, parse  # noqa: PLC0415
    from bot.commands import replies as said  # noqa: PLC0415
    from bot.commands.model import ListMine, Show  # noqa: PLC0415
    from bot.service import Place  # noqa: PLC0415

    command = parse(typed, Surface.PRIVATE_CHAT, in_interview=True)
    if not isinstance(command, ListMine | Show):
        return False
    who = Who(platform=Platform.CLI, user_id=proposer, name=proposer)
    where = Where(place=Place(), interview_key=f"cli:{proposer}")
    for reply in asyncio.run(Commands(advisor, {}).execute(command, who, where)):
        match reply:
            case said.UseCaseList(use_cases=()):
                console.print("You have no checks yet.")
            case said.UseCaseList():
                for use_case in reply.use_cases:
                    verdict = use_case.latest.assessment.tier.label if use_case.latest else "—"
                    console.print(
                        Text(f"#{use_case.id} {for_terminal(use_case.title)} · {verdict}")
                    )
            case said.Verdict(use_case=use_case) if use_case.latest is not None:
                render_assessment(console, use_case.title, use_case.latest.assessment)
            case said.NotYours():
                console.print(f"You have no check #{reply.typed}.")
            case _:
                console.print("This check has no verdict yet.")
    console.print("Your check goes on:", style="dim")
    return True


def _show(console: Console, step: Ask | Reprompt) -> None:
    question = step.question
    if isinstance(step, Reprompt):
        console.print(Text(for_terminal(step.reason), style="yellow"))
        if step.state.pending is None:  # a reading to confirm lists its choices instead
            console.print(Text(f"For example: {for_terminal(step.example)}", style="dim"))
    console.print(Text(question.prompt, style="bold cyan"))
    for number, choice in enumerate(question.choices, start=1):
        console.print(f"  {number}. {choice.label}")
    if question.kind == "yes_no":
        console.print("  yes / no", style="dim")


def _choice_by_number(question: Question, answer: str) -> str:
    # The terminal's stand-in for buttons: "2" picks the second choice.
    text = answer.strip()
    if question.choices and text.isdigit() and 1 <= int(text) <= len(question.choices):
        return question.choices[int(text) - 1].value
    return answer


def db_upgrade_command(database_url: DatabaseUrlOption = None) -> None:
    """Bring the database schema up to this version (safe to run again)."""
    from bot.bootstrap import prepare_database  # noqa: PLC0415 (the database stack loads late)
    from storage import current_revision  # noqa: PLC0415

    url = database_url_or_default(database_url)
    with database_errors("upgrade the database"):
        engine = prepare_database(url, upgrade_schema=True)
        typer.echo(f"Database schema at revision {current_revision(engine)}.")
        engine.dispose()


def db_current_command(database_url: DatabaseUrlOption = None) -> None:
    """Show the database's schema revision and this version's."""
    from storage import (  # noqa: PLC0415 (the database stack loads late)
        current_revision,
        head_revision,
        make_engine,
    )

    url = database_url_or_default(database_url)
    with database_errors("read the database"):
        engine = make_engine(url)
        revision = current_revision(engine)
        engine.dispose()
    typer.echo(f"database: {revision or 'empty'}; this version: {head_revision()}")
