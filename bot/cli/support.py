"""What the commands share: exit codes, options, the policy, and the database opened safely."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from advisor import DEFAULT, Policy, PolicyError, parse_policy
from bot.neutralise import for_terminal

if TYPE_CHECKING:
    from bot.service import Advisor
    from storage import DatabaseTimeouts

__all__ = [
    "EXIT_INVALID_INPUT",
    "EXIT_OK",
    "DatabaseUrlOption",
    "PolicyOption",
    "database_errors",
    "database_url_or_default",
    "fail",
    "load_policy",
    "open_service",
]

EXIT_OK: Final = 0
EXIT_INVALID_INPUT: Final = 2

PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        envvar="MLOPS_ADVISOR_POLICY",
        help="A policy YAML file that overrides the bundled rubric.",
        show_default=False,
    ),
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="DATABASE_URL",
        help="The portfolio database; default: the embedded SQLite file ./data/mlops-advisor.db.",
        show_default=False,
    ),
]


def fail(message: str) -> typer.Exit:
    """Print one line on stderr; raise the result to exit with code 2."""
    typer.echo(f"mlops-advisor: {for_terminal(message)}", err=True)
    return typer.Exit(EXIT_INVALID_INPUT)


def load_policy(path: Path | None) -> Policy:
    """The bundled policy, or the deployment's override; exits with the offending key if invalid."""
    if path is None:
        return DEFAULT
    try:
        return parse_policy(path.read_text(encoding="utf-8"), over_default=True)
    except OSError as error:
        raise fail(f"cannot read policy {path}: {error.strerror or error}") from None
    except PolicyError as error:
        raise fail(f"{path}: {error}") from None


# The database stack (SQLAlchemy, Alembic, the service) is imported inside the functions below,
# not at the top: `assess` needs none of it and starts in half the time without it.


@contextmanager
def database_errors(doing: str) -> Iterator[None]:
    """Turn database failures into one clear line and exit code 2, never a traceback.

    The URL is never echoed: it may hold a password.
    """
    from alembic.util.exc import CommandError  # noqa: PLC0415
    from sqlalchemy.exc import (  # noqa: PLC0415
        ArgumentError,
        DBAPIError,
        NoSuchModuleError,
        SQLAlchemyError,
    )

    from bot.bootstrap import DatabaseNotReadyError  # noqa: PLC0415

    try:
        yield
    except DatabaseNotReadyError as error:
        raise fail(str(error)) from None
    except NoSuchModuleError:
        raise fail(
            "the database URL names a kind of database this installation cannot use"
            " (use sqlite:///FILE or postgresql+psycopg://user@host/db)"
        ) from None
    except ArgumentError:
        raise fail("the database URL is not valid (dialect+driver://user@host/db)") from None
    except DBAPIError as error:
        raise fail(f"cannot {doing}: {_first_line(error.orig or error)}") from None
    except SQLAlchemyError as error:
        raise fail(f"cannot {doing}: {_first_line(error)}") from None
    except CommandError as error:
        raise fail(f"cannot {doing}: database schema: {_first_line(error)}") from None
    except OSError as error:
        raise fail(f"cannot {doing}: {error.strerror or error}") from None


def database_url_or_default(database_url: str | None) -> str:
    """The URL to use (DATABASE_URL's rules: the embedded file by default, "postgres://" works),
    checked; a malformed one exits with one line."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.exc import ArgumentError  # noqa: PLC0415

    from storage import default_database_url  # noqa: PLC0415

    url = default_database_url({"DATABASE_URL": database_url or ""})
    try:
        make_url(url)
    except (ArgumentError, ValueError):
        raise fail("the database URL is not valid (dialect+driver://user@host/db)") from None
    return url


@contextmanager
def open_service(
    database_url: str | None, policy: Policy = DEFAULT, timeouts: DatabaseTimeouts | None = None
) -> Iterator[Advisor]:
    """The advisor service on the database (the embedded SQLite file by default), closed after;
    waits on a database server bounded by `timeouts` (default: DatabaseTimeouts' defaults).

    A database failure, on opening or while working, exits with one line.
    """
    from bot.bootstrap import open_advisor  # noqa: PLC0415

    url = database_url_or_default(database_url)
    with database_errors("open the database"):
        advisor = open_advisor(url, policy=policy, timeouts=timeouts)
    try:
        with database_errors("use the database"):
            yield advisor
    finally:
        advisor.close()


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
