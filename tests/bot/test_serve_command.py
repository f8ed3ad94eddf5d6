"""`mlops-advisor serve` refuses to start on settings that cannot work, in one clear line."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import app

runner = CliRunner()
TEAMS_APP = "5d3e2f1a-0b9c-4d8e-a7f6-5e4d3c2b1a09"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "MLOPS_ADVISOR_", "TEAMS_")) or name == "DATABASE_URL":
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
        ({"TEAMS_CLIENT_ID": TEAMS_APP}, [], "TEAMS_CLIENT_SECRET"),
        (
            {"TEAMS_CLIENT_ID": TEAMS_APP, "TEAMS_CLIENT_SECRET": "s3cr3t-value"},
            [],
            "TEAMS_TENANT_ID",
        ),
        ({"TEAMS_CLIENT_SECRET": "s3cr3t-value"}, [], "without TEAMS_CLIENT_ID"),
        ({"TEAMS_CLIENT_ID": "my-bot"}, [], "TEAMS_CLIENT_ID: must be a GUID"),
        (
            {"MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL": "1"},
            ["--host", "0.0.0.0"],
            "MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL",
        ),
        ({"MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL": "1"}, ["--socket-mode"], "HTTP"),
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


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """What `serve` would serve: create_web_app's arguments; uvicorn itself does not start."""
    import uvicorn

    import bot.web

    given: list[dict[str, Any]] = []
    real = bot.web.create_web_app

    def recording(slack_app: Any, advisor: Any, **options: Any) -> Any:
        given.append({"slack_app": slack_app, **options})
        return real(slack_app, advisor, **options)

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'advisor.db'}")
    monkeypatch.setattr(bot.web, "create_web_app", recording)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    return given


def _slack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cr3t-value")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")


def test_without_teams_settings_slack_is_served_and_teams_is_said_to_be_off(
    monkeypatch: pytest.MonkeyPatch,
    served: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _slack(monkeypatch)
    caplog.set_level(logging.INFO, logger="bot.cli.serve")
    result = runner.invoke(app, ["serve", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    [options] = served
    assert options["slack_app"] is not None and options["teams"] is None
    assert "Microsoft Teams is off" in caplog.text


def test_without_the_teams_extra_slack_is_unchanged_and_teams_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch,
    served: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # As if `pip install mlops-advisor` without [teams]: importing the adapter fails.
    monkeypatch.setitem(sys.modules, "bot.teams.app", None)
    _slack(monkeypatch)
    caplog.set_level(logging.INFO, logger="bot.cli.serve")
    result = runner.invoke(app, ["serve", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert served[0]["teams"] is None
    assert "Microsoft Teams is off (pip install 'mlops-advisor[teams]'" in caplog.text

    monkeypatch.setenv("TEAMS_CLIENT_ID", TEAMS_APP)
    monkeypatch.setenv("TEAMS_CLIENT_SECRET", "s3cr3t-value")
    monkeypatch.setenv("TEAMS_TENANT_ID", TENANT)
    result = runner.invoke(app, ["serve", "--no-scheduler"])
    assert result.exit_code == 2
    assert "pip install 'mlops-advisor[teams]'" in result.output
    assert "s3cr3t-value" not in result.output


@pytest.mark.skipif(
    importlib.util.find_spec("microsoft_teams") is None,
    reason="the teams extra is not installed (pip install -e '.[teams]')",
)
def test_teams_alone_is_served_and_local_insecurity_is_announced_loudly(
    monkeypatch: pytest.MonkeyPatch,
    served: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL", "1")
    caplog.set_level(logging.INFO, logger="bot.cli.serve")
    result = runner.invoke(app, ["serve", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    [options] = served
    assert options["slack_app"] is None  # no Slack settings at all: Teams alone
    assert options["teams"] is not None
    [warning] = [
        r for r in caplog.records if r.levelno == logging.WARNING and r.name == "bot.cli.serve"
    ]
    assert "NOT AUTHENTICATED" in warning.getMessage()
