"""Alembic environment: migrate the connection handed in by storage.migrate, or the config's URL."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from storage.database import default_database_url, make_engine
from storage.models import Base

target_metadata = Base.metadata

# slack-sdk's OAuth stores own these tables (migration 0002); they are not in our models, so
# autogenerate must neither drop them nor compare them. tests/storage/test_migrations.py compares
# them with the installed slack-sdk's definitions instead.
SLACK_OAUTH_TABLES = frozenset({"slack_bots", "slack_installations", "slack_oauth_states"})


def _include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    return not (type_ == "table" and name in SLACK_OAUTH_TABLES)


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # A migration may rewrite a whole table: the statement timeout sized for requests
        # (storage.database.DatabaseTimeouts) does not apply to it. LOCAL: this transaction only.
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or default_database_url()
    engine = make_engine(url)
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
_run_online()
