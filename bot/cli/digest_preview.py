"""`mlops-advisor digest preview`: the digest of the last days, on the terminal or as JSON."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from bot.cli.support import DatabaseUrlOption, database_errors, database_url_or_default

__all__ = ["PreviewFormat", "preview_command", "register"]


class PreviewFormat(StrEnum):
    """What `digest preview` prints."""

    TEXT = "text"
    JSON = "json"


def register(digest_app: typer.Typer) -> None:
    """Add `preview` to the `digest` command group."""
    digest_app.command("preview")(preview_command)


def preview_command(  # noqa: PLR0917 - typer passes the options as parameters
    output: Annotated[
        PreviewFormat,
        typer.Option(
            "--format",
            help="text: the digest as it would read; json: its data, for other tools.",
        ),
    ] = PreviewFormat.TEXT,
    days: Annotated[
        int, typer.Option("--days", min=1, max=366, help="The period: the last DAYS days.")
    ] = 7,
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace", help="Only this Slack workspace's use cases.", show_default=False
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="Top opportunities to list.")] = 5,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Items to list in the other lists, each.")
    ] = 20,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show the digest of the last DAYS days without posting it.

    The JSON is the digest's data: the period, the portfolio's size, counts by tier, totals of
    stated value and cost, and the listed items (each list capped; `*_count` says how many
    there were). Counts and sums are computed in the database, so this stays quick for any
    portfolio.
    """
    # The database stack loads only when the command runs (see bot.cli.support).
    from bot.bootstrap import open_scheduled_work  # noqa: PLC0415

    url = database_url_or_default(database_url)
    with database_errors("open the database"):
        work = open_scheduled_work(url)
    with work, database_errors("read the portfolio"):
        data = work.recent_digest(days=days, workspace_id=workspace, top=top, limit=limit)
    if output is PreviewFormat.JSON:
        sys.stdout.write(data.model_dump_json(indent=2) + "\n")
        return
    from bot.jobs.digest_text import render_text  # noqa: PLC0415

    typer.echo(render_text(data))
