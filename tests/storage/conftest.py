"""Databases for the storage tests: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade

PG_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL variant skipped"
PG_URL = os.environ.get("TEST_DATABASE_URL")

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql", id="postgresql", marks=pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
    ),
]


@dataclass
class Database:
    """One isolated test database; `engine()` opens another engine on it, like another replica."""

    kind: str
    url: str
    schema: str | None = None
    _engines: list[Engine] = field(default_factory=list)

    def engine(self, **options: Any) -> Engine:
        """Another engine on this database; `options` go to make_engine (e.g. timeouts)."""
        connect_args = {} if self.schema is None else {"options": f"-csearch_path={self.schema}"}
        engine = make_engine(self.url, connect_args=connect_args, **options)
        self._engines.append(engine)
        return engine

    def dispose(self) -> None:
        for engine in self._engines:
            engine.dispose()


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database of each kind, removed afterwards."""
    if request.param == "sqlite":
        db = Database("sqlite", f"sqlite:///{tmp_path / 'portfolio.db'}")
        yield db
        db.dispose()
        return
    if PG_URL is None:  # asked for by name (indirect parametrization), not through the params
        pytest.skip(PG_SKIP_REASON)
    schema = f"t_{uuid.uuid4().hex}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        db = Database("postgresql", PG_URL, schema)
        try:
            yield db
        finally:
            db.dispose()
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture
def engine(database: Database) -> Engine:
    """An engine on a database migrated to head."""
    engine = database.engine()
    upgrade(engine)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database; tests commit when they need another connection to see."""
    with make_session_factory(engine)() as session:
        yield session


class Clock:
    """A hand-driven clock: each call returns the current time, `advance` moves it on."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A fixed, aware UTC clock the test moves by hand."""
    return Clock()
