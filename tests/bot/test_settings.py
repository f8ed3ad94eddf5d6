"""Settings come from the environment, fail as one clear line, and never reveal a secret."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.blocking import DEFAULT_DEADLINE, DEFAULT_HEALTH_DEADLINE
from bot.settings import Settings, SettingsError, load_settings
from storage import DatabaseTimeouts

VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
    "DATABASE_URL",
    "MLOPS_ADVISOR_ADMINS",
    "MLOPS_ADVISOR_POLICY",
)

BOT = "xoxb-1-bot"
APP = "xapp-1-app"
SIGNING = "signing-secret"
CLIENT_ID = "1234.5678"
CLIENT_SECRET = "client-secret"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No SLACK_* or other setting leaks in from the machine running the tests.

    pydantic-settings matches names case-insensitively, so lower-case spellings go too.
    """
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("SLACK_", "MLOPS_ADVISOR_", "TEAMS_")) or upper in VARIABLES:
            monkeypatch.delenv(name)
    return monkeypatch


def _set(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def _error(monkeypatch: pytest.MonkeyPatch, *, socket_mode: bool | None, **variables: str) -> str:
    """The message of the SettingsError these variables cause; it must be one line."""
    _set(monkeypatch, **variables)
    with pytest.raises(SettingsError) as caught:
        load_settings(socket_mode=socket_mode)
    message = str(caught.value)
    assert "\n" not in message
    # No pydantic error chained behind it (raised `from None`) to print as a second traceback.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__
    return message


# --- reading the environment ---------------------------------------------------------------


def test_defaults_with_an_empty_environment() -> None:
    settings = Settings()
    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    assert settings.slack_app_token is None
    assert settings.slack_client_id is None
    assert settings.slack_client_secret is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url is None
    assert settings.mlops_advisor_admins == frozenset()
    assert settings.mlops_advisor_policy is None
    assert not settings.oauth


def test_each_variable_is_read_under_its_upper_case_name(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    _set(
        clean_environment,
        SLACK_BOT_TOKEN=BOT,
        SLACK_SIGNING_SECRET=SIGNING,
        SLACK_APP_TOKEN=APP,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_API_URL="http://127.0.0.1:8888/api/",
        DATABASE_URL="sqlite:///advisor.db",
        MLOPS_ADVISOR_ADMINS="U1",
        MLOPS_ADVISOR_POLICY="/etc/mlops-advisor/policy.yaml",
    )
    settings = Settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == BOT
    assert settings.slack_signing_secret is not None
    assert settings.slack_signing_secret.get_secret_value() == SIGNING
    assert settings.slack_app_token is not None
    assert settings.slack_app_token.get_secret_value() == APP
    assert settings.slack_client_id == CLIENT_ID
    assert settings.slack_client_secret is not None
    assert settings.slack_client_secret.get_secret_value() == CLIENT_SECRET
    assert settings.slack_api_url == "http://127.0.0.1:8888/api/"
    assert settings.database_url == "sqlite:///advisor.db"
    assert settings.mlops_advisor_admins == frozenset({"U1"})
    assert settings.mlops_advisor_policy == Path("/etc/mlops-advisor/policy.yaml")
    assert settings.oauth


def test_no_env_file_is_read(clean_environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN={BOT}\n", encoding="utf-8")
    clean_environment.chdir(tmp_path)
    assert Settings().slack_bot_token is None


def test_empty_and_padded_values(clean_environment: pytest.MonkeyPatch) -> None:
    # Compose files define variables empty; a pasted token often carries a newline.
    _set(clean_environment, SLACK_BOT_TOKEN=f" {BOT}\n", SLACK_APP_TOKEN="", SLACK_CLIENT_ID=" ")
    settings = Settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == BOT
    assert settings.slack_app_token is None
    assert settings.slack_client_id is None


def test_settings_are_immutable() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.slack_api_url = "https://elsewhere.test/api/"  # type: ignore[misc]


# --- MLOPS_ADVISOR_ADMINS ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "admins"),
    [
        ("U1,U2", {"U1", "U2"}),
        (" U012AB3CD , W0ENTERPRISE ", {"U012AB3CD", "W0ENTERPRISE"}),
        ("U1,,U2,", {"U1", "U2"}),
        ("U1,U1", {"U1"}),
        ("U1", {"U1"}),
        ("", set()),
        (" , ", set()),
    ],
)
def test_admins_are_a_plain_comma_separated_list(
    clean_environment: pytest.MonkeyPatch, raw: str, admins: set[str]
) -> None:
    clean_environment.setenv("MLOPS_ADVISOR_ADMINS", raw)
    assert Settings().mlops_advisor_admins == frozenset(admins)


def test_admins_from_python_keep_working() -> None:
    assert Settings(mlops_advisor_admins=["U1", " U2 "]).mlops_advisor_admins == {"U1", "U2"}


@pytest.mark.parametrize(
    ("raw", "entry"),
    [
        ("@alice", 1),
        ("U1, alice", 2),
        ("u1", 1),  # ids are upper case: a lower-case one was typed by hand
        ("U1;U2", 1),
        ('["U1", "U2"]', 1),  # JSON is not decoded: the format is a comma list
    ],
)
def test_admins_that_are_not_member_ids_are_refused(
    clean_environment: pytest.MonkeyPatch, raw: str, entry: int
) -> None:
    message = _error(clean_environment, socket_mode=None, MLOPS_ADVISOR_ADMINS=raw)
    assert message.startswith("invalid settings: MLOPS_ADVISOR_ADMINS: ")
    assert f"entry {entry} is not a Slack member id" in message


# --- SLACK_API_URL -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("https://slack.com/api", "https://slack.com/api/"),
        ("https://slack.com/api/", "https://slack.com/api/"),
        (" https://slack.com/api ", "https://slack.com/api/"),
        ("http://127.0.0.1:8888", "http://127.0.0.1:8888/"),
        ("https://proxy.internal/slack/api", "https://proxy.internal/slack/api/"),
    ],
)
def test_api_url_ends_with_a_slash(
    clean_environment: pytest.MonkeyPatch, raw: str, normalised: str
) -> None:
    clean_environment.setenv("SLACK_API_URL", raw)
    assert Settings().slack_api_url == normalised


@pytest.mark.parametrize(
    "raw", ["ftp://slack.com/api/", "slack.com/api/", "https://", "file:///tmp/api/", "http://[::1"]
)
def test_api_url_must_be_http(clean_environment: pytest.MonkeyPatch, raw: str) -> None:
    message = _error(clean_environment, socket_mode=None, SLACK_API_URL=raw)
    assert message == (
        "invalid settings: SLACK_API_URL: must be an http(s) URL such as https://slack.com/api/"
    )


def test_malformed_values_from_python_name_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"^invalid settings: SLACK_BOT_TOKEN: .*string"):
        Settings(slack_bot_token=12345)
    with pytest.raises(SettingsError, match=r"^invalid settings: NOT_A_SETTING: "):
        Settings(not_a_setting="x")


def test_several_invalid_values_in_one_line(clean_environment: pytest.MonkeyPatch) -> None:
    message = _error(
        clean_environment, socket_mode=None, SLACK_API_URL="ftp://x/", MLOPS_ADVISOR_ADMINS="bob"
    )
    assert "SLACK_API_URL: " in message
    assert "MLOPS_ADVISOR_ADMINS: " in message
    assert "; " in message


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


# --- HTTP mode -----------------------------------------------------------------------------


def test_http_single_workspace(clean_environment: pytest.MonkeyPatch) -> None:
    _set(clean_environment, SLACK_BOT_TOKEN=BOT, SLACK_SIGNING_SECRET=SIGNING)
    settings = load_settings(socket_mode=False)
    assert not settings.oauth
    assert settings.checked(socket_mode=False) is settings


def test_http_oauth_multi_workspace(clean_environment: pytest.MonkeyPatch) -> None:
    _set(
        clean_environment,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_SIGNING_SECRET=SIGNING,
    )
    assert load_settings(socket_mode=False).oauth


def test_http_tolerates_an_unused_app_token(clean_environment: pytest.MonkeyPatch) -> None:
    _set(clean_environment, SLACK_BOT_TOKEN=BOT, SLACK_SIGNING_SECRET=SIGNING, SLACK_APP_TOKEN=APP)
    load_settings(socket_mode=False)


def test_http_needs_the_signing_secret(clean_environment: pytest.MonkeyPatch) -> None:
    message = _error(clean_environment, socket_mode=False, SLACK_BOT_TOKEN=BOT)
    assert message == (
        "Slack settings cannot work: "
        "HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests: set it"
    )


def test_http_needs_a_bot_token_or_oauth(clean_environment: pytest.MonkeyPatch) -> None:
    message = _error(clean_environment, socket_mode=False, SLACK_SIGNING_SECRET=SIGNING)
    assert "SLACK_BOT_TOKEN (single workspace)" in message
    assert "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth, multi-workspace)" in message


def test_nothing_set_lists_every_problem_in_one_line() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings().checked(socket_mode=False)
    message = str(caught.value)
    assert "SLACK_SIGNING_SECRET" in message
    assert "SLACK_BOT_TOKEN" in message
    assert message.count("; ") == 1
    assert "\n" not in message


@pytest.mark.parametrize(
    ("present", "absent"),
    [("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"), ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")],
)
def test_half_of_the_oauth_client(
    clean_environment: pytest.MonkeyPatch, present: str, absent: str
) -> None:
    clean_environment.setenv(present, "value")
    message = _error(clean_environment, socket_mode=False, SLACK_SIGNING_SECRET=SIGNING)
    assert f"{present} is set without {absent}" in message
    assert f"set {absent} or unset {present}" in message
    # Half an OAuth client is not also reported as "no credentials at all".
    assert "HTTP mode needs SLACK_BOT_TOKEN" not in message


def test_bot_token_and_oauth_client_contradict(clean_environment: pytest.MonkeyPatch) -> None:
    message = _error(
        clean_environment,
        socket_mode=False,
        SLACK_BOT_TOKEN=BOT,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_SIGNING_SECRET=SIGNING,
    )
    assert "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set" in message
    assert "unset SLACK_BOT_TOKEN for OAuth" in message
    assert "unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for a single workspace" in message


# --- Socket Mode ---------------------------------------------------------------------------


def test_socket_mode_needs_no_signing_secret(clean_environment: pytest.MonkeyPatch) -> None:
    _set(clean_environment, SLACK_APP_TOKEN=APP, SLACK_BOT_TOKEN=BOT)
    load_settings(socket_mode=True)


@pytest.mark.parametrize(
    ("variables", "to_set"),
    [
        ({"SLACK_BOT_TOKEN": BOT}, "set SLACK_APP_TOKEN"),
        ({"SLACK_APP_TOKEN": APP}, "set SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": SIGNING}, "set SLACK_APP_TOKEN and SLACK_BOT_TOKEN"),
    ],
)
def test_socket_mode_needs_app_and_bot_tokens(
    clean_environment: pytest.MonkeyPatch, variables: dict[str, str], to_set: str
) -> None:
    message = _error(clean_environment, socket_mode=True, **variables)
    assert message == (
        "Slack settings cannot work: "
        f"Socket Mode needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN: {to_set}"
    )


def test_socket_mode_refuses_oauth_client_settings(clean_environment: pytest.MonkeyPatch) -> None:
    message = _error(
        clean_environment,
        socket_mode=True,
        SLACK_APP_TOKEN=APP,
        SLACK_BOT_TOKEN=BOT,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
    )
    assert "unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET" in message


# --- token prefixes ------------------------------------------------------------------------


@pytest.mark.parametrize("socket_mode", [False, True])
@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxp-1-user", "SLACK_APP_TOKEN": APP},
            "SLACK_BOT_TOKEN must start with xoxb- (it looks like a user token)",
        ),
        (
            {"SLACK_BOT_TOKEN": "xapp-1-app", "SLACK_APP_TOKEN": APP},
            "SLACK_BOT_TOKEN must start with xoxb- (it looks like an app-level token, "
            "which belongs in SLACK_APP_TOKEN)",
        ),
        (
            {"SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": "xoxb-2-bot"},
            "SLACK_APP_TOKEN must start with xapp- (it looks like a bot token, "
            "which belongs in SLACK_BOT_TOKEN)",
        ),
        (
            {"SLACK_BOT_TOKEN": "bot-token", "SLACK_APP_TOKEN": APP},
            "SLACK_BOT_TOKEN must start with xoxb-;",
        ),
    ],
)
def test_tokens_must_have_their_prefix(
    clean_environment: pytest.MonkeyPatch,
    variables: dict[str, str],
    expected: str,
    socket_mode: bool,
) -> None:
    message = _error(
        clean_environment,
        socket_mode=socket_mode,
        SLACK_SIGNING_SECRET=SIGNING,
        **variables,
    )
    assert expected in message + ";"


def test_load_settings_without_a_mode_does_not_check_slack() -> None:
    # The command line needs no Slack credentials at all.
    assert load_settings().slack_bot_token is None


# --- secret hygiene ------------------------------------------------------------------------

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxp-SEKRET-BOT-31337",  # wrong kind, so it is reported
    "SLACK_APP_TOKEN": "xoxb-SEKRET-APP-31337",  # wrong kind too
    "SLACK_SIGNING_SECRET": "SEKRET-SIGNING-31337",
    "SLACK_CLIENT_SECRET": "SEKRET-CLIENT-31337",  # without SLACK_CLIENT_ID: reported
}
DATABASE_PASSWORD = "SEKRET-DB-31337"
MARKER = "SEKRET"


def test_secrets_never_appear_in_repr_str_errors_or_logs(
    clean_environment: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    _set(clean_environment, **SECRETS)
    clean_environment.setenv("DATABASE_URL", f"postgresql://advisor:{DATABASE_PASSWORD}@db/advisor")
    seen: list[str] = []

    settings = Settings()
    seen += [repr(settings), str(settings), f"{settings}", f"{settings!r}"]
    assert "postgresql://advisor:***@db/advisor" in repr(settings)
    for socket_mode in (False, True):
        with pytest.raises(SettingsError) as caught:
            settings.checked(socket_mode=socket_mode)
        seen += [str(caught.value), repr(caught.value)]
    # Every rule that mentions a secret variable fired, so the check is not vacuous.
    assert "SLACK_BOT_TOKEN must start with xoxb-" in seen[-1]
    assert "SLACK_APP_TOKEN must start with xapp-" in seen[-1]
    assert "SLACK_CLIENT_SECRET is set without SLACK_CLIENT_ID" in seen[-1]

    # Invalid values are not echoed either: pydantic would print the input by default.
    for variable, value in (
        ("MLOPS_ADVISOR_ADMINS", "SEKRET-ADMIN-31337"),
        ("SLACK_API_URL", "ftp://user:SEKRET-URL-31337@proxy/"),
    ):
        clean_environment.setenv(variable, value)
        with pytest.raises(SettingsError) as caught:
            Settings()
        seen += [str(caught.value), repr(caught.value)]
        clean_environment.delenv(variable)
    with pytest.raises(SettingsError) as caught:
        Settings(slack_signing_secret=31337)
    seen.append(str(caught.value))

    captured = capsys.readouterr()
    seen += [caplog.text, captured.out, captured.err]
    leaks = [text for text in seen if MARKER in text or "31337" in text]
    assert not leaks, leaks


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite:///data/advisor.db", "sqlite:///data/advisor.db"),
        ("postgresql+psycopg://advisor@db/advisor", "postgresql+psycopg://advisor@db/advisor"),
        ("postgresql://advisor:pw@db:5432/advisor", "postgresql://advisor:***@db:5432/advisor"),
        ("postgresql://:pw@db/advisor", "postgresql://:***@db/advisor"),
    ],
)
def test_database_password_is_redacted_from_repr(url: str, shown: str) -> None:
    settings = Settings(database_url=url)
    assert f"database_url={shown!r}" in repr(settings)
    assert settings.database_url == url  # the value itself is intact for the engine


# --- Microsoft Teams ----------------------------------------------------------------------------

TEAMS_APP = "5d3e2f1a-0b9c-4d8e-a7f6-5e4d3c2b1a09"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TEAMS_SECRET = "teams-client-secret-value"


def test_teams_is_off_without_its_settings() -> None:
    settings = Settings()
    assert not settings.teams_enabled
    assert settings.teams_service_url == "https://smba.trafficmanager.net/teams/"
    assert not settings.slack_configured


def test_teams_with_a_client_secret_or_a_managed_identity(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    _set(
        clean_environment,
        TEAMS_CLIENT_ID=TEAMS_APP,
        TEAMS_CLIENT_SECRET=f" {TEAMS_SECRET}\n",
        TEAMS_TENANT_ID=TENANT,
    )
    settings = Settings().teams_checked(host="0.0.0.0")
    assert settings.teams_enabled
    assert settings.teams_client_secret is not None
    assert settings.teams_client_secret.get_secret_value() == TEAMS_SECRET
    clean_environment.delenv("TEAMS_CLIENT_SECRET")
    clean_environment.setenv("TEAMS_MANAGED_IDENTITY_CLIENT_ID", "system")
    assert Settings().teams_checked(host="0.0.0.0").teams_managed_identity_client_id == "system"


@pytest.mark.parametrize(
    ("variables", "host", "named"),
    [
        (
            {"TEAMS_CLIENT_ID": TEAMS_APP, "TEAMS_TENANT_ID": TENANT},
            "0.0.0.0",
            "needs TEAMS_CLIENT_SECRET",
        ),
        (
            {"TEAMS_CLIENT_ID": TEAMS_APP, "TEAMS_CLIENT_SECRET": TEAMS_SECRET},
            "::",
            "TEAMS_TENANT_ID",
        ),
        ({"TEAMS_TENANT_ID": TENANT}, "127.0.0.1", "without TEAMS_CLIENT_ID"),
        ({"MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL": "true"}, "0.0.0.0", "not 0.0.0.0"),
        ({"MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL": "1"}, "10.0.0.5", "for local development only"),
    ],
)
def test_unworkable_teams_settings_are_one_line(
    clean_environment: pytest.MonkeyPatch, variables: dict[str, str], host: str, named: str
) -> None:
    _set(clean_environment, **variables)
    with pytest.raises(SettingsError) as caught:
        Settings().teams_checked(host=host)
    message = str(caught.value)
    assert named in message and "\n" not in message and TEAMS_SECRET not in message


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]"])
def test_insecure_local_teams_is_allowed_on_loopback(
    clean_environment: pytest.MonkeyPatch, host: str
) -> None:
    _set(clean_environment, MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL="1")
    assert Settings().teams_checked(host=host).mlops_advisor_teams_insecure_local


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TEAMS_CLIENT_ID", "mlops-advisor-bot"),
        ("TEAMS_TENANT_ID", "contoso.onmicrosoft.com"),
        ("MLOPS_ADVISOR_TEAMS_ADMINS", "ada@contoso.com"),
        ("TEAMS_SERVICE_URL", "smba.trafficmanager.net"),
    ],
)
def test_malformed_teams_values_name_the_variable(
    clean_environment: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    message = _error(clean_environment, socket_mode=None, **{variable: value})
    assert variable in message and value not in message


def test_teams_admins_are_object_ids_compared_case_blind(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    _set(clean_environment, MLOPS_ADVISOR_TEAMS_ADMINS=f" {TEAMS_APP.upper()}, {TENANT},")
    assert Settings().mlops_advisor_teams_admins == frozenset({TEAMS_APP, TENANT})


def test_the_teams_secret_never_appears(
    clean_environment: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _set(clean_environment, TEAMS_CLIENT_ID=TEAMS_APP, TEAMS_CLIENT_SECRET=TEAMS_SECRET)
    settings = Settings()
    logging.getLogger("test").warning("settings: %r %s", settings, settings)
    with pytest.raises(SettingsError) as caught:
        settings.teams_checked(host="127.0.0.1")
    assert TEAMS_SECRET not in repr(settings) + str(settings) + str(caught.value) + caplog.text


def test_database_timeouts_come_from_the_environment(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    defaults = Settings()
    assert defaults.database_timeouts == DatabaseTimeouts()
    assert defaults.mlops_advisor_db_request_timeout == DEFAULT_DEADLINE
    assert defaults.mlops_advisor_db_health_timeout == DEFAULT_HEALTH_DEADLINE
    _set(
        clean_environment,
        MLOPS_ADVISOR_DB_CONNECT_TIMEOUT="3",
        MLOPS_ADVISOR_DB_STATEMENT_TIMEOUT="2.5",
        MLOPS_ADVISOR_DB_IDLE_IN_TRANSACTION_TIMEOUT="0",
        MLOPS_ADVISOR_DB_POOL_TIMEOUT="1",
        MLOPS_ADVISOR_DB_TCP_TIMEOUT="12",
        MLOPS_ADVISOR_DB_REQUEST_TIMEOUT="4",
        MLOPS_ADVISOR_DB_HEALTH_TIMEOUT="0.25",
    )
    settings = Settings()
    assert settings.database_timeouts == DatabaseTimeouts(
        connect=3, statement=2.5, idle_in_transaction=0, pool=1, tcp=12
    )
    assert settings.mlops_advisor_db_request_timeout == 4
    assert settings.mlops_advisor_db_health_timeout == 0.25


def test_timeouts_that_cannot_work_name_their_variables(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    message = _error(
        clean_environment,
        socket_mode=None,
        MLOPS_ADVISOR_DB_CONNECT_TIMEOUT="1",  # libpq would wait 2 s anyway
        MLOPS_ADVISOR_DB_REQUEST_TIMEOUT="0",  # no deadline is not an option
        MLOPS_ADVISOR_DB_STATEMENT_TIMEOUT="soon",
    )
    for name in ("CONNECT", "REQUEST", "STATEMENT"):
        assert f"MLOPS_ADVISOR_DB_{name}_TIMEOUT" in message
