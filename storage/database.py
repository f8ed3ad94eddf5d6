"""Engines and sessions: which database, and how each connection to it is set up."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Column, Engine, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.abandon import TrackedCursor, track_engine, track_sessions

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DatabaseTimeouts",
    "as_utc",
    "default_database_url",
    "insert_on_conflict",
    "make_engine",
    "make_session_factory",
]

DEFAULT_DATABASE_URL: Final = "sqlite:///./data/mlops-advisor.db"
# Long enough to ride out another replica's write transaction, short enough to surface a deadlock.
_SQLITE_BUSY_TIMEOUT_MS: Final = 5000
# Hosts hand out "postgres://" URLs; SQLAlchemy would pick psycopg2 for them, which we don't ship.
_POSTGRES_SCHEMES: Final = ("postgres://", "postgresql://")


@dataclass(frozen=True, slots=True)
class DatabaseTimeouts:
    """How long to wait on a PostgreSQL server, in seconds; 0 turns a server-side limit off.

    None of these ends a wait on a peer that still acknowledges but never answers (a proxy that
    stopped forwarding): whoever waits bounds that itself (storage.abandon, bot.blocking).
    """

    # To open a connection (libpq's connect_timeout, which counts 1 as 2).
    connect: int = 5
    # One statement, ended by the server (statement_timeout): a chat request makes a few short
    # ones; the largest digest query over 100,000 use cases takes about a second.
    statement: float = 5
    # A session quiet inside a transaction, holding its locks, ended by the server
    # (idle_in_transaction_session_timeout): its client is stuck or gone.
    idle_in_transaction: float = 30
    # Waiting for a pooled connection while all of them are lent out.
    pool: float = 5
    # A connection whose peer vanished (no TCP acknowledgements) is closed after this long
    # (tcp_user_timeout); an idle one is probed by keepalives from a third of it on.
    tcp: int = 30


_DEFAULT_TIMEOUTS: Final = DatabaseTimeouts()


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """The database to use: `DATABASE_URL` if set, else a SQLite file under ./data/."""
    env = os.environ if environ is None else environ
    url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    for scheme in _POSTGRES_SCHEMES:
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def make_engine(
    url: str | URL,
    *,
    connect_args: Mapping[str, Any] | None = None,
    timeouts: DatabaseTimeouts = _DEFAULT_TIMEOUTS,
) -> Engine:
    """Build an engine set up for its database.

    SQLite: foreign keys enforced, WAL journal for a file (readers don't block the writer), a busy
    timeout instead of an immediate "database is locked", and deleted content overwritten. The
    directory of a SQLite file is created on demand. PostgreSQL: connections are checked before
    use, so a restarted server costs one reconnect instead of an error, and every wait on the
    server is bounded by `timeouts` (a value the URL sets itself wins). On both, a call run as
    `storage.abandon.Abandonable` can be cut off.
    """
    parsed = make_url(url)
    options: dict[str, Any] = {"connect_args": dict(connect_args or {})}
    if parsed.get_backend_name() != "sqlite":
        options["connect_args"] = _postgresql_connect_args(parsed, timeouts, connect_args or {})
        options["pool_pre_ping"] = True
        options["pool_timeout"] = timeouts.pool
        engine = create_engine(parsed, **options)
        track_engine(engine)
        return engine

    database = parsed.database or ""
    is_file = database not in {"", ":memory:"} and not database.startswith("file:")
    if is_file:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **options)
    event.listen(engine, "connect", _sqlite_pragmas(wal=is_file))
    track_engine(engine)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose loaded values stay readable after commit (records leave as core models),
    and which commit nothing for an abandoned call (storage.abandon)."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    track_sessions(sessions)
    return sessions


def _postgresql_connect_args(
    url: URL, timeouts: DatabaseTimeouts, given: Mapping[str, Any]
) -> dict[str, Any]:
    """psycopg's connection parameters: ours, then the URL's and the caller's, which win.

    Server settings travel in the one `options` parameter; ours go first there, as PostgreSQL
    applies the last of a setting given twice.
    """
    params: dict[str, Any] = {"connect_timeout": timeouts.connect, "cursor_factory": TrackedCursor}
    if timeouts.tcp > 0:
        params |= {
            "keepalives": 1,
            "keepalives_idle": max(1, timeouts.tcp // 3),
            "keepalives_interval": max(1, timeouts.tcp // 9),
            "keepalives_count": 3,
            "tcp_user_timeout": timeouts.tcp * 1000,
        }
    server = [
        f"-c {name}={round(seconds * 1000)}"
        for name, seconds in (
            ("statement_timeout", timeouts.statement),
            ("idle_in_transaction_session_timeout", timeouts.idle_in_transaction),
        )
        if seconds > 0
    ]
    for source in (url.query, given):
        own = source.get("options")
        server += [own] if isinstance(own, str) else list(own or ())
    params = {name: value for name, value in params.items() if name not in url.query}
    params.update(given)
    if server:
        params["options"] = " ".join(server)
    return params


def _sqlite_pragmas(*, wal: bool) -> Callable[[Any, Any], None]:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless each connection asks.
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
            # A deleted proposal must not linger in free pages of the file.
            cursor.execute("PRAGMA secure_delete = ON")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    return set_pragmas


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC, as the database stores times; a naive one is refused."""
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: pass an aware one (UTC)")
    return moment.astimezone(UTC)


def insert_on_conflict(
    session: Session,
    table: Table,
    values: Mapping[str, Any],
    keys: list[Column[Any]],
    *,
    update: Mapping[str, Any] | None = None,
) -> Any:
    """INSERT ... ON CONFLICT (`keys`) DO NOTHING, or DO UPDATE SET `update`, for the session's
    dialect (PostgreSQL or SQLite); the caller adds RETURNING and executes it.

    Used instead of catching IntegrityError: a failed INSERT would abort the whole PostgreSQL
    transaction, and the caller's other work with it.
    """
    dialect = session.get_bind().dialect.name
    insert: Any
    if dialect == "postgresql":
        insert = postgresql_insert(table).values(dict(values))
    elif dialect == "sqlite":
        insert = sqlite_insert(table).values(dict(values))
    else:
        raise NotImplementedError(f"no INSERT ... ON CONFLICT for the {dialect} dialect")
    if update is None:
        return insert.on_conflict_do_nothing(index_elements=keys)
    return insert.on_conflict_do_update(index_elements=keys, set_=dict(update))
