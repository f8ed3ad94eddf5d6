"""Every wait on PostgreSQL is bounded; work whose caller gave up commits and connects no more."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from storage import (
    Abandonable,
    AbandonedError,
    DatabaseTimeouts,
    claim_event,
    make_engine,
    make_session_factory,
    upgrade,
)

POSTGRESQL = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


def _settings(engine: Engine) -> tuple[dict[str, str], dict[str, str]]:
    """The server's view (SHOW) and the client's connection parameters of one connection."""
    with engine.connect() as connection:
        shown = {
            name: str(connection.exec_driver_sql(f"SHOW {name}").scalar_one())
            for name in ("statement_timeout", "idle_in_transaction_session_timeout", "search_path")
        }
        driver: Any = connection.connection.dbapi_connection
        return shown, driver.info.get_parameters()


@POSTGRESQL
def test_postgresql_connections_carry_the_timeouts(database: Any) -> None:
    timeouts = DatabaseTimeouts(connect=3, statement=1.5, idle_in_transaction=7, pool=2, tcp=9)
    engine = database.engine(timeouts=timeouts)
    server, client = _settings(engine)
    assert server["statement_timeout"] == "1500ms"
    assert server["idle_in_transaction_session_timeout"] == "7s"
    assert server["search_path"] == database.schema  # the caller's own options kept
    assert client["connect_timeout"] == "3"
    assert client["keepalives"] == "1"
    assert (client["keepalives_idle"], client["keepalives_interval"]) == ("3", "1")
    assert client["keepalives_count"] == "3"
    assert client["tcp_user_timeout"] == "9000"
    assert engine.pool.timeout() == 2  # type: ignore[attr-defined]


@POSTGRESQL
def test_what_the_url_says_wins(database: Any) -> None:
    url = f"{database.url}?connect_timeout=9&options=-c%20statement_timeout%3D1234"
    engine = make_engine(url)
    try:
        server, client = _settings(engine)
    finally:
        engine.dispose()
    assert server["statement_timeout"] == "1234ms"
    assert server["idle_in_transaction_session_timeout"] == "30s"  # the default still applies
    assert client["connect_timeout"] == "9"


@POSTGRESQL
def test_zero_leaves_the_server_s_own_limits(database: Any) -> None:
    engine = database.engine(timeouts=DatabaseTimeouts(statement=0, idle_in_transaction=0, tcp=0))
    server, client = _settings(engine)
    assert server["statement_timeout"] == "0"  # the test server's own default
    assert server["idle_in_transaction_session_timeout"] == "0"
    assert "tcp_user_timeout" not in client


@POSTGRESQL
def test_migrations_are_not_cut_short_by_the_statement_timeout(database: Any) -> None:
    # 20 ms would end the migrations' larger statements on a busy machine; they run without the
    # limit. (1 ms also ends the driver's own type look-up when a connection opens.)
    upgrade(database.engine(timeouts=DatabaseTimeouts(statement=0.02)))


def test_abandoned_work_opens_no_connection(database: Any) -> None:
    engine = database.engine()
    work = Abandonable()
    work.abandon()

    def select_one() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    with pytest.raises(AbandonedError):
        work.run(select_one)
    Abandonable().run(select_one)  # other work goes on


def test_abandoned_work_commits_nothing(database: Any) -> None:
    engine = database.engine()
    upgrade(engine)
    sessions = make_session_factory(engine)
    work = Abandonable()

    def claim_then_get_abandoned() -> None:
        with sessions.begin() as session:
            claim_event(session, "Ev1", datetime.now(UTC))
            work.abandon()  # as the waiting side does when its deadline passes

    # Refused at commit; on PostgreSQL the rollback then fails too: its connection was cut.
    with pytest.raises((AbandonedError, DBAPIError)):
        work.run(claim_then_get_abandoned)
    with sessions.begin() as session:
        assert claim_event(session, "Ev1", datetime.now(UTC))  # the first claim never landed
