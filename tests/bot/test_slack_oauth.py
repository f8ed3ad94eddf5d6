"""Multi-workspace OAuth: install, redirect, then the installed workspace's own token.

The real HTTP server runs against the Slack Web API double, on SQLite and on PostgreSQL, with
slack-sdk's installation and state stores in the portfolio's (migrated) database.
"""

from __future__ import annotations

import base64
import html
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml
from slack_double import (
    APP_ID,
    INSTALLED_BOT_TOKEN,
    INSTALLED_BOT_USER_ID,
    INSTALLED_TEAM_ID,
    SIGNING_SECRET,
    TEAM_ID,
    ServedApp,
    SlackApiDouble,
    slash_command,
)
from sqlalchemy import Engine, func, select

from bot.bootstrap import open_advisor
from bot.service import Advisor
from bot.settings import Settings
from bot.slack.app import COMMAND, create_slack_app
from bot.slack.oauth import (
    BOT_SCOPES,
    INSTALL_PATH,
    REDIRECT_PATH,
    ThreadedInstallationStore,
    ThreadedOAuthStateStore,
)
from bot.web import create_web_app
from storage import make_engine

# slack-sdk 3.48's async client sends oauth.v2.access's client credentials with aiohttp.BasicAuth,
# which aiohttp 3.14 deprecates (removed in 4.0): a warning from inside slack-sdk, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret"
STATE_COOKIE = "slack-app-oauth-state"
MANIFEST = Path(__file__).resolve().parents[2] / "manifests" / "slack.yaml"


def test_bot_scopes_are_the_manifest_s() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])
    assert len(set(BOT_SCOPES)) == len(BOT_SCOPES)
    assert "user" not in manifest["oauth_config"]["scopes"]
    [redirect_url] = manifest["oauth_config"]["redirect_urls"]
    assert urlsplit(redirect_url).path == REDIRECT_PATH


@pytest.fixture
def oauth_env(monkeypatch: pytest.MonkeyPatch, slack_api: SlackApiDouble) -> SlackApiDouble:
    """OAuth settings (client id and secret, no bot token), SLACK_API_URL on the double."""
    for name in [name for name in os.environ if name.startswith("SLACK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack_api.url)
    return slack_api


@dataclass
class Server:
    url: str
    slack: SlackApiDouble
    engine: Engine
    # slack-sdk's stores as the app uses them; None without OAuth.
    installations: ThreadedInstallationStore | None
    states: ThreadedOAuthStateStore | None

    def get(self, path: str, **options: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=10, follow_redirects=False, **options)

    def command(self, team_id: str, text: str = "") -> httpx.Response:
        request = slash_command(
            COMMAND,
            text,
            team_id=team_id,
            response_url=f"{self.slack.url}respond-{time.monotonic_ns()}",
        )
        return httpx.post(
            f"{self.url}/slack/events", content=request.body, headers=request.headers(), timeout=10
        )

    def install(self) -> tuple[str, str]:
        """Open the install page: the authorize URL it links to and the state cookie it sets."""
        page = self.get(INSTALL_PATH)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        match = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
        assert match is not None, page.text
        cookie = page.headers["set-cookie"]
        return html.unescape(match.group(1)), cookie

    def stored_states(self) -> int:
        assert self.states is not None
        table = self.states.sync.oauth_states
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def start_server(slack_api: SlackApiDouble, migrated_url: str) -> Iterator[Callable[[], Server]]:
    """Starts the app with the environment's settings (set them first: `oauth_env`, `slack_env`)
    on a fresh port, its stores on the migrated database; stops it afterwards."""
    running: list[tuple[ServedApp, Advisor, Engine]] = []

    def start() -> Server:
        advisor = open_advisor(migrated_url)
        engine = make_engine(migrated_url)
        slack_app = create_slack_app(Settings().checked(socket_mode=False), advisor, engine=engine)
        served = ServedApp(create_web_app(slack_app, advisor))
        running.append((served, advisor, engine))
        installations = slack_app.installation_store
        states = slack_app.oauth_flow.settings.state_store if slack_app.oauth_flow else None
        assert installations is None or isinstance(installations, ThreadedInstallationStore)
        assert states is None or isinstance(states, ThreadedOAuthStateStore)
        return Server(served.url, slack_api, engine, installations, states)

    yield start
    for served, advisor, engine in running:
        served.stop()
        advisor.close()
        engine.dispose()


@pytest.fixture
def oauth_server(oauth_env: SlackApiDouble, start_server: Callable[[], Server]) -> Server:
    """The app in OAuth mode, nothing installed yet."""
    server = start_server()
    assert isinstance(server.installations, ThreadedInstallationStore)
    assert isinstance(server.states, ThreadedOAuthStateStore)
    return server


def find_bot(server: Server, team_id: str) -> Any:
    """The bot installed in a workspace, as a scheduled job would look its token up."""
    assert server.installations is not None
    return server.installations.sync.find_bot(enterprise_id=None, team_id=team_id)


def complete_install(server: Server) -> httpx.Response:
    """Open the install page, then come back from Slack with a code, as the installer's browser."""
    authorize_url, cookie = server.install()
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    return server.get(
        REDIRECT_PATH,
        params={"code": "code-from-slack", "state": state},
        headers={"Cookie": cookie.split(";", 1)[0]},
    )


# --- the install page ------------------------------------------------------------------------


def test_install_page_links_to_slack_with_the_client_id_scopes_and_a_stored_state(
    oauth_server: Server,
) -> None:
    authorize_url, cookie = oauth_server.install()

    parts = urlsplit(authorize_url)
    query = parse_qs(parts.query, keep_blank_values=True)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "slack.com", "/oauth/v2/authorize")
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == list(BOT_SCOPES)
    assert query["user_scope"] == [""]
    [state] = query["state"]
    # The state is in the database (any replica can finish the install) and in the browser.
    assert oauth_server.stored_states() == 1
    assert cookie.startswith(f"{STATE_COOKIE}={state};")
    assert "HttpOnly" in cookie and "Secure" in cookie
    # Nothing was asked of Slack yet.
    assert oauth_server.slack.calls() == []


def test_each_visit_of_the_install_page_gets_its_own_state(oauth_server: Server) -> None:
    first, _ = oauth_server.install()
    second, _ = oauth_server.install()
    assert parse_qs(urlsplit(first).query)["state"] != parse_qs(urlsplit(second).query)["state"]
    assert oauth_server.stored_states() == 2


def test_expired_states_are_deleted_when_a_new_one_is_issued(oauth_server: Server) -> None:
    table = oauth_server.states.sync.oauth_states
    past = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)
    with oauth_server.engine.begin() as connection:
        connection.execute(table.insert(), [{"state": "old", "expire_at": past}])

    oauth_server.install()

    with oauth_server.engine.connect() as connection:
        states = connection.execute(select(table.c.state)).scalars().all()
    assert len(states) == 1 and states != ["old"]


# --- the redirect back from Slack ------------------------------------------------------------


def test_redirect_stores_the_installation_and_its_workspace_then_uses_its_token(
    oauth_server: Server,
) -> None:
    page = complete_install(oauth_server)

    assert page.status_code == 200, page.text
    assert "Thank you!" in page.text
    [exchange] = oauth_server.slack.calls("oauth.v2.access")
    assert exchange.args["code"] == "code-from-slack"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert exchange.headers["authorization"] == f"Basic {basic}"
    # The state was used up: the same redirect cannot install twice.
    assert oauth_server.stored_states() == 0

    bot = find_bot(oauth_server, INSTALLED_TEAM_ID)
    assert bot is not None
    assert bot.bot_token == INSTALLED_BOT_TOKEN
    assert bot.bot_user_id == INSTALLED_BOT_USER_ID
    assert bot.app_id == APP_ID
    assert bot.bot_scopes == list(BOT_SCOPES)
    installation = oauth_server.installations.sync.find_installation(
        enterprise_id=None, team_id=INSTALLED_TEAM_ID
    )
    assert installation is not None and installation.user_id == "U9"

    oauth_server.slack.reset()
    assert oauth_server.command(INSTALLED_TEAM_ID).status_code == 200

    # The check's root message, then its first question in the thread: both as workspace T9.
    posts = oauth_server.slack.wait_for("chat.postMessage", 2)
    assert [post.headers["authorization"] for post in posts] == [
        f"Bearer {INSTALLED_BOT_TOKEN}"
    ] * 2
    assert posts[0].args["channel"] == "C1"
    # Bolt checked the token (auth.test) with it too, on SLACK_API_URL like every call.
    assert {call.token for call in oauth_server.slack.calls("auth.test")} == {INSTALLED_BOT_TOKEN}


def test_installations_survive_a_restart(
    oauth_server: Server, start_server: Callable[[], Server]
) -> None:
    assert complete_install(oauth_server).status_code == 200
    restarted = start_server()
    restarted.slack.reset()

    assert restarted.command(INSTALLED_TEAM_ID).status_code == 200

    root = restarted.slack.wait_for("chat.postMessage", 1)[0]
    assert root.token == INSTALLED_BOT_TOKEN


def test_a_command_from_a_workspace_that_never_installed_is_refused(oauth_server: Server) -> None:
    assert complete_install(oauth_server).status_code == 200
    oauth_server.slack.reset()

    assert oauth_server.command(TEAM_ID).status_code == 200

    [reply] = _responses(oauth_server)
    assert "install" in reply.args["text"].lower()
    assert oauth_server.slack.calls("chat.postMessage") == []


def _responses(server: Server) -> list[Any]:
    deadline = time.monotonic() + 5
    while True:
        replies = [c for c in server.slack.calls() if c.method.startswith("respond-")]
        if replies:
            return replies
        assert time.monotonic() < deadline, [c.method for c in server.slack.calls()]
        time.sleep(0.01)


@pytest.mark.parametrize("state", ["unknown-state", "expired-state"])
def test_a_bad_or_expired_state_gets_a_failure_page_and_stores_nothing(
    oauth_server: Server, state: str
) -> None:
    table = oauth_server.states.sync.oauth_states
    past = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    with oauth_server.engine.begin() as connection:
        connection.execute(table.insert(), [{"state": "expired-state", "expire_at": past}])

    page = oauth_server.get(
        REDIRECT_PATH,
        params={"code": "code-from-slack", "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={state}"},
    )

    assert page.status_code == 401
    assert "Something Went Wrong" in page.text
    assert oauth_server.slack.calls("oauth.v2.access") == []
    assert find_bot(oauth_server, INSTALLED_TEAM_ID) is None


def test_a_state_from_another_browser_is_refused_and_stays_usable(oauth_server: Server) -> None:
    authorize_url, _cookie = oauth_server.install()
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]

    page = oauth_server.get(REDIRECT_PATH, params={"code": "code-from-slack", "state": state})

    assert page.status_code == 400
    assert "Something Went Wrong" in page.text
    assert oauth_server.slack.calls("oauth.v2.access") == []
    assert find_bot(oauth_server, INSTALLED_TEAM_ID) is None
    assert oauth_server.stored_states() == 1


def test_a_code_slack_refuses_gets_a_failure_page_and_stores_nothing(oauth_server: Server) -> None:
    oauth_server.slack.fail_next("oauth.v2.access", "invalid_code")

    page = complete_install(oauth_server)

    assert page.status_code == 401
    assert "Something Went Wrong" in page.text
    assert find_bot(oauth_server, INSTALLED_TEAM_ID) is None


def test_the_installer_cancelling_on_slack_gets_a_failure_page(oauth_server: Server) -> None:
    page = oauth_server.get(REDIRECT_PATH, params={"error": "access_denied", "state": "x"})

    assert page.status_code == 200
    assert "Something Went Wrong" in page.text
    assert oauth_server.slack.calls() == []


# --- without OAuth ---------------------------------------------------------------------------


def test_without_oauth_the_install_routes_do_not_exist(
    slack_env: SlackApiDouble, start_server: Callable[[], Server]
) -> None:
    server = start_server()
    assert server.installations is None and server.states is None
    for path in (INSTALL_PATH, REDIRECT_PATH):
        assert server.get(path).status_code == 404


def test_oauth_needs_the_database_engine(oauth_env: SlackApiDouble, migrated_url: str) -> None:
    with open_advisor(migrated_url) as advisor, pytest.raises(ValueError, match="engine"):
        create_slack_app(Settings().checked(socket_mode=False), advisor)
