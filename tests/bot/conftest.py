"""Fixtures for the shell's tests: database URLs (SQLite always, PostgreSQL when configured) and
a recording fake of the Slack Web API (see slack_double.py)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
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
    if PG_URL is None:  # asked for by name (indirect parametrization), not through the params
        pytest.skip(PG_SKIP_REASON)
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
def sqlite_url(tmp_path: Path) -> str:
    """A URL to a fresh SQLite file, for tests that need no PostgreSQL variant."""
    return f"sqlite:///{tmp_path / 'advisor.db'}"


@pytest.fixture
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Command output as a test reads it: wide enough that titles are not wrapped, no colour
    forced in from the environment, and no DATABASE_URL from the machine running the tests."""
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """`database_url` with the schema at head, as `mlops-advisor db upgrade` leaves it."""
    upgrade(database_url)
    return database_url


# --- Slack: a recording fake of the Web API and signed requests ------------------------------
# The double and the request builders live in the sibling module slack_double.py. Under
# --import-mode=importlib it is not importable as a package member, so this folder goes on
# sys.path here (conftest loads before the folder's test modules); tests then write
# `from slack_double import sign, slash_command, ...`.

sys.path.insert(0, str(Path(__file__).parent))

from slack_double import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    ServedApp,
    Server,
    SlackApiDouble,
)

from bot.bootstrap import open_advisor  # noqa: E402
from bot.service import Advisor  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack.app import create_slack_app  # noqa: E402
from bot.web import create_web_app  # noqa: E402


@pytest.fixture
def slack_api() -> Iterator[SlackApiDouble]:
    """A running Slack Web API double on 127.0.0.1 (Retry-After 0 so retries cost no time)."""
    with SlackApiDouble(retry_after=0) as double:
        yield double


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, slack_api: SlackApiDouble) -> SlackApiDouble:
    """No SLACK_* variable from the outside (OAuth mode stays off); the bot token, signing
    secret and SLACK_API_URL point at `slack_api`."""
    for name in [name for name in os.environ if name.startswith("SLACK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack_api.url)
    return slack_api


def _serving(
    slack_env: SlackApiDouble, migrated_url: str, *, lifespan: str
) -> Iterator[Callable[[], Server]]:
    running: list[tuple[ServedApp, Advisor]] = []

    def start() -> Server:
        advisor = open_advisor(migrated_url)
        slack_app = create_slack_app(Settings().checked(socket_mode=False), advisor)
        served = ServedApp(create_web_app(slack_app, advisor), lifespan=lifespan)
        running.append((served, advisor))
        return Server(url=served.url, advisor=advisor, slack=slack_env)

    yield start
    for served, advisor in running:
        served.stop()
        advisor.close()


@pytest.fixture
def start_server(slack_env: SlackApiDouble, migrated_url: str) -> Iterator[Callable[[], Server]]:
    """Starts the app on a fresh port (call again to restart it); stops them all afterwards."""
    yield from _serving(slack_env, migrated_url, lifespan="off")


@pytest.fixture
def serve_with_lifespan(
    slack_env: SlackApiDouble, migrated_url: str
) -> Iterator[Callable[[], Server]]:
    """Like `start_server`, with the ASGI lifespan on: the inbox sweeper runs as in `serve`."""
    yield from _serving(slack_env, migrated_url, lifespan="on")
