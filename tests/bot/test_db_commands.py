"""`mlops-advisor db upgrade|current`, and clear messages for a database that cannot be used."""

from __future__ import annotations

from typer.testing import CliRunner

from bot.cli.main import app
from storage import head_revision

runner = CliRunner()


def test_upgrade_brings_an_empty_database_to_head_and_can_run_again(database_url: str) -> None:
    before = runner.invoke(app, ["db", "current", "--database-url", database_url])
    assert before.exit_code == 0, before.output
    assert "database: empty" in before.output
    for _ in range(2):
        result = runner.invoke(app, ["db", "upgrade", "--database-url", database_url])
        assert result.exit_code == 0, result.output
        assert head_revision() in result.output
    after = runner.invoke(app, ["db", "current"], env={"DATABASE_URL": database_url})
    assert f"database: {head_revision()}" in after.output


def test_a_malformed_url_is_one_clear_line() -> None:
    result = runner.invoke(app, ["db", "upgrade", "--database-url", "not a url"])
    assert result.exit_code == 2
    assert "the database URL is not valid" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_an_unreachable_server_is_one_clear_line() -> None:
    # Port 9 on loopback: nothing listens there, so the connection is refused at once.
    url = "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2"
    result = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 2
    assert result.output.startswith("mlops-advisor: cannot upgrade the database:")
    assert len(result.output.strip().splitlines()) == 1
