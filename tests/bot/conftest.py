"""Database URLs for the shell's tests: a SQLite file always, PostgreSQL when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage import upgrade

PG_URL = os.environ.get("TEST_DATABASE_URL")
PG_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL variant skipped"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON),
        ),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of its own, as `--database-url` or DATABASE_URL take it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'advisor.db'}"
        return
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """`database_url` with the schema at head, as `mlops-advisor db upgrade` leaves it."""
    upgrade(database_url)
    return database_url
