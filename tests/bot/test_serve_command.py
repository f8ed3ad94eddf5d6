"""`mlops-advisor serve` refuses to start on settings that cannot work, in one clear line."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "MLOPS_ADVISOR_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("environment", "arguments", "named"),
    [
        ({}, [], "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s3cr3t-value"}, [], "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, ["--socket-mode"], "SLACK_APP_TOKEN"),
        (
            {
                "SLACK_SIGNING_SECRET": "s3cr3t-value",
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_CLIENT_ID": "",
            },
            [],
            "SLACK_CLIENT_ID set but empty",
        ),
        (
            {"SLACK_SIGNING_SECRET": "s3cr3t-value", "SLACK_BOT_TOKEN": "xapp-wrong-kind"},
            [],
            "SLACK_BOT_TOKEN",
        ),
    ],
)
def test_unworkable_settings_stop_the_start_with_one_line(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], arguments: list[str], named: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["serve", *arguments])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlops-advisor: ")
    assert named in lines[0]
    assert "s3cr3t-value" not in result.output and "xapp-wrong-kind" not in result.output
