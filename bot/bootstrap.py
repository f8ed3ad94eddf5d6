"""The composition root: settings in, a ready Advisor service out."""

from __future__ import annotations

from sqlalchemy.engine import Engine, make_url

from advisor import DEFAULT, Policy
from bot.service import Advisor
from storage import (
    DatabaseTimeouts,
    current_revision,
    default_database_url,
    head_revision,
    make_engine,
    make_session_factory,
    upgrade,
)

__all__ = ["DatabaseNotReadyError", "open_advisor", "prepare_database"]


class DatabaseNotReadyError(RuntimeError):
    """The database schema is behind this version and was not to be upgraded automatically."""


def prepare_database(
    database_url: str | None = None,
    *,
    upgrade_schema: bool = False,
    timeouts: DatabaseTimeouts | None = None,
) -> Engine:
    """An engine on the database, its schema at this version's head; waits on a server bounded
    by `timeouts` (default: DatabaseTimeouts' defaults).

    The embedded SQLite file is upgraded automatically: it belongs to this installation. A
    server database (PostgreSQL) is shared by replicas and upgraded only when asked
    (`mlops-advisor db upgrade`, or `upgrade_schema`), never behind an operator's back.
    """
    url = database_url or default_database_url()
    engine = make_engine(url, timeouts=timeouts or DatabaseTimeouts())
    if upgrade_schema or make_url(url).get_backend_name() == "sqlite":
        upgrade(engine)
    elif current_revision(engine) != head_revision():
        engine.dispose()
        raise DatabaseNotReadyError(
            "the database schema is not up to date: run `mlops-advisor db upgrade` first"
        )
    return engine


def open_advisor(
    database_url: str | None = None,
    *,
    policy: Policy = DEFAULT,
    upgrade_schema: bool = False,
    timeouts: DatabaseTimeouts | None = None,
) -> Advisor:
    """The advisor service on a prepared database."""
    engine = prepare_database(database_url, upgrade_schema=upgrade_schema, timeouts=timeouts)
    return Advisor(make_session_factory(engine), policy=policy, on_close=engine.dispose)
