"""`mlops-advisor digest subscribe | unsubscribe | list` and their one-line errors."""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta

import pytest
from typer.testing import CliRunner, Result

from advisor import Cadence
from bot.cli.main import app
from storage import list_subscriptions, make_engine, make_session_factory

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("plain_terminal")


def cli(url: str, *args: str) -> Result:
    return runner.invoke(app, ["digest", *args, "--database-url", url])


def stored(url: str):
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return list_subscriptions(session)
    finally:
        engine.dispose()


def test_subscribe_list_and_unsubscribe(migrated_url):
    result = cli(
        migrated_url,
        "subscribe",
        "C0123ABCD",
        "--cadence",
        "weekly",
        "--day",
        "mon",
        "--time",
        "09:00",
        "--tz",
        "Europe/Amsterdam",
    )
    assert result.exit_code == 0, result.output
    assert "weekly on Monday at 09:00 Europe/Amsterdam" in result.output
    [subscription] = stored(migrated_url)
    assert subscription.channel_id == "C0123ABCD"
    assert subscription.cadence == Cadence.WEEKLY
    assert subscription.day == 0
    assert subscription.time == time(9, 0)
    assert subscription.grace == timedelta(hours=24)

    listed = cli(migrated_url, "list")
    assert listed.exit_code == 0, listed.output
    assert "C0123ABCD" in listed.output
    assert "Europe/Amsterdam" in listed.output

    removed = cli(migrated_url, "unsubscribe", "C0123ABCD")
    assert removed.exit_code == 0, removed.output
    assert stored(migrated_url) == []
    assert "No digest subscriptions yet." in cli(migrated_url, "list").output


def test_subscribing_again_changes_the_schedule(sqlite_url):
    assert cli(sqlite_url, "subscribe", "C1", "--tz", "UTC").exit_code == 0
    result = cli(
        sqlite_url,
        "subscribe",
        "C1",
        "--tz",
        "America/New_York",
        "--cadence",
        "monthly",
        "--day",
        "fri",
        "--time",
        "16:30",
        "--grace",
        "6h",
    )
    assert result.exit_code == 0, result.output
    assert "monthly on the first Friday of the month at 16:30 America/New_York" in result.output
    [subscription] = stored(sqlite_url)
    assert subscription.cadence == Cadence.MONTHLY
    assert subscription.day == 4
    assert subscription.grace == timedelta(hours=6)


def test_subscriptions_in_several_workspaces_are_separate(sqlite_url):
    assert cli(sqlite_url, "subscribe", "C1", "--tz", "UTC", "--workspace", "T1").exit_code == 0
    assert cli(sqlite_url, "subscribe", "C1", "--tz", "UTC", "--workspace", "T2").exit_code == 0
    assert {s.workspace_id for s in stored(sqlite_url)} == {"T1", "T2"}
    assert "T1/C1" in cli(sqlite_url, "list").output
    assert cli(sqlite_url, "unsubscribe", "C1", "--workspace", "T1").exit_code == 0
    assert {s.workspace_id for s in stored(sqlite_url)} == {"T2"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cadence", "daily"], "unknown cadence 'daily': use one of weekly, biweekly, monthly"),
        (["--day", "funday"], "unknown day 'funday'"),
        (["--time", "9am"], "invalid time '9am': use HH:MM"),
        (["--time", "24:00"], "invalid time '24:00'"),
        (["--tz", "Europe/Atlantis"], "unknown time zone 'Europe/Atlantis'"),
        (["--grace", "a while"], "invalid --grace 'a while'"),
    ],
)
def test_invalid_schedules_are_one_line_errors(sqlite_url, tmp_path, args, message):
    options = {"--tz": "UTC"}
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [part for pair in options.items() for part in pair]
    result = cli(sqlite_url, "subscribe", "C1", *flat)
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "digests.db").exists()  # refused before opening the database


@pytest.mark.parametrize("channel", ["#general", "general", "c123"])
def test_a_channel_name_is_not_an_id(sqlite_url, channel):
    result = cli(sqlite_url, "subscribe", channel, "--tz", "UTC")
    assert result.exit_code == 2
    assert "invalid channel id" in result.output
    assert result.output.count("\n") == 1


def test_unsubscribing_an_unknown_channel_says_so(sqlite_url):
    result = cli(sqlite_url, "unsubscribe", "C404")
    assert result.exit_code == 2
    assert "C404 has no digest subscription" in result.output


def test_run_due_needs_an_offset_in_now(sqlite_url):
    result = cli(sqlite_url, "run-due", "--now", "2026-03-02T09:00")
    assert result.exit_code == 2
    assert "has no UTC offset" in result.output
    bad = cli(sqlite_url, "run-due", "--now", "next monday")
    assert bad.exit_code == 2
    assert "invalid --now 'next monday'" in bad.output


def test_run_due_needs_a_bot_token_or_teams(sqlite_url, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("SLACK_", "TEAMS_", "MLOPS_ADVISOR_TEAMS")):
            monkeypatch.delenv(name)
    result = cli(sqlite_url, "run-due", "--now", "2026-03-02T09:00:00+01:00")
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN" in result.output and "TEAMS_" in result.output


TEAMS_CHANNEL = "teams:19:4f0c3a9e8d7b4c2a9e1f6d5c3b2a1f0e@thread.tacv2"


def test_a_teams_channel_subscribes_by_its_conversation_id(migrated_url):
    result = cli(migrated_url, "subscribe", TEAMS_CHANNEL, "--day", "fri", "--tz", "UTC")
    assert result.exit_code == 0, result.output
    [subscription] = stored(migrated_url)
    assert subscription.channel_id == TEAMS_CHANNEL
    assert TEAMS_CHANNEL in cli(migrated_url, "list").output
    refused = cli(migrated_url, "subscribe", "teams:General", "--tz", "UTC")
    assert refused.exit_code == 2 and "invalid Teams conversation" in refused.output


def test_a_teams_digest_fails_clearly_where_only_slack_is_set_up(migrated_url, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("TEAMS_", "MLOPS_ADVISOR_TEAMS")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    day = tomorrow.strftime("%a").lower()
    assert cli(migrated_url, "subscribe", TEAMS_CHANNEL, "--day", day, "--tz", "UTC").exit_code == 0
    due = datetime.combine(tomorrow.date(), time(9, 1), tzinfo=UTC)
    result = cli(migrated_url, "run-due", "--now", due.isoformat())
    assert result.exit_code == 1
    assert f"failed {TEAMS_CHANNEL}" in result.output and "Teams is not set up" in result.output


def test_a_database_behind_the_schema_is_one_line(tmp_path):
    result = cli("postgresql+psycopg://nobody@127.0.0.1:1/none", "list")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.startswith("mlops-advisor: cannot open the database")


def test_run_due_with_no_subscriptions_says_so(migrated_url, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    result = cli(migrated_url, "run-due", "--now", "2026-03-02T09:00:00+01:00")
    assert result.exit_code == 0, result.output
    assert "Digests: no subscriptions" in result.output
