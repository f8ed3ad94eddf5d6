"""The packaged migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, inspect, text

from storage.database import DEFAULT_DATABASE_URL, default_database_url, make_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base

TABLES = {
    "use_cases",
    "assessments",
    "interview_sessions",
    "processed_events",
    "inbox_events",
    "audit_log",
    "digest_subscriptions",
    "digest_claims",
    "follow_ups",
}
# slack-sdk's OAuth stores (multi-workspace installs) keep their rows in the same database.
SLACK_OAUTH_TABLES = {"slack_bots", "slack_installations", "slack_oauth_states"}


def slack_oauth_metadata() -> MetaData:
    """The OAuth stores' tables as the installed slack-sdk defines them (and the app uses them).

    Migration 0002 spells them out; comparing it with slack-sdk's own definitions catches a
    slack-sdk release that changes them (it then needs a migration of ours)."""
    metadata = MetaData()
    installations = SQLAlchemyInstallationStore
    installations.build_bots_table(metadata, installations.default_bots_table_name)
    installations.build_installations_table(
        metadata, installations.default_installations_table_name
    )
    states = SQLAlchemyOAuthStateStore
    states.build_oauth_states_table(metadata, states.default_table_name)
    return metadata


def test_upgrade_head_on_an_empty_database_creates_every_table(database):
    engine = database.engine()
    assert current_revision(engine) is None

    upgrade(engine)

    assert current_revision(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) == TABLES | SLACK_OAUTH_TABLES | {
        "alembic_version"
    }


def test_models_and_migrations_do_not_drift(engine):
    # Our models and slack-sdk's OAuth store tables together are the whole migrated schema.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, [Base.metadata, slack_oauth_metadata()]) == []


def test_slack_oauth_tables_match_slack_sdk_s_definitions(engine):
    assert set(slack_oauth_metadata().tables) == SLACK_OAUTH_TABLES
    inspector = inspect(engine)
    assert {ix["name"] for ix in inspector.get_indexes("slack_bots")} == {"slack_bots_idx"}
    assert {ix["name"] for ix in inspector.get_indexes("slack_installations")} == {
        "slack_installations_idx"
    }


def test_constraint_names_follow_the_naming_convention(engine):
    inspector = inspect(engine)
    foreign_keys = {fk["name"] for fk in inspector.get_foreign_keys("assessments")}
    unique = {uq["name"] for uq in inspector.get_unique_constraints("interview_sessions")}
    assert foreign_keys == {"fk_assessments_use_case_id_use_cases"}
    assert unique == {"uq_interview_sessions_key"}


def test_upgrade_twice_is_a_no_op(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_upgrade_finds_its_migrations_from_any_working_directory(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    url = f"sqlite:///{tmp_path / 'by-url.db'}"

    upgrade(url)

    assert current_revision(url) == head_revision()


def test_default_url_is_a_sqlite_file_under_data_created_on_demand(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_database_url({}) == DEFAULT_DATABASE_URL

    engine = make_engine(default_database_url({}))
    try:
        upgrade(engine)
    finally:
        engine.dispose()

    assert (tmp_path / "data" / "mlops-advisor.db").is_file()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:////srv/advisor.db", "sqlite:////srv/advisor.db"),
        ("postgres://u@db:5432/advisor", "postgresql+psycopg://u@db:5432/advisor"),
        ("postgresql://u@db/advisor", "postgresql+psycopg://u@db/advisor"),
        ("postgresql+psycopg://u@db/advisor", "postgresql+psycopg://u@db/advisor"),
        ("  ", DEFAULT_DATABASE_URL),
    ],
)
def test_database_url_comes_from_the_environment(given, expected):
    assert default_database_url({"DATABASE_URL": given}) == expected


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    finally:
        engine.dispose()
