"""The bot's settings from the environment, checked so a misconfiguration is one clear line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import pydantic_settings
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.blocking import DEFAULT_DEADLINE, DEFAULT_HEALTH_DEADLINE
from bot.request_body import DEFAULT_MAX_REQUEST_BYTES
from storage import DatabaseTimeouts

__all__ = ["Settings", "SettingsError", "load_settings"]

# Member ids: U… in ordinary workspaces, W… in Enterprise Grid. A display name or an "@name"
# here would silently make nobody an admin, so it is refused.
_USER_ID = re.compile(r"[UW][A-Z0-9]+")

# Microsoft Entra ids (app, tenant, user object ids) are GUIDs.
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})

# Where each token kind belongs, to tell someone who pasted one into the wrong variable.
_TOKEN_KINDS = {
    "xoxb-": ("a bot token", "SLACK_BOT_TOKEN"),
    "xapp-": ("an app-level token", "SLACK_APP_TOKEN"),
    "xoxp-": ("a user token", None),
}

_DB_DEFAULTS = DatabaseTimeouts()


def _id_list(value: object, pattern: re.Pattern[str], kind: str, *, lower: bool = False) -> object:
    """Comma-separated ids ("A,B, C,") or an iterable of them as a frozenset, lower-cased if
    asked. A name or an e-mail address would silently make nobody an admin: it is refused."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, Iterable):
        return value  # pydantic reports the wrong type
    entries = [entry.strip() if isinstance(entry, str) else entry for entry in value]
    entries = [entry for entry in entries if entry != ""]  # "U1, U2," is fine
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, str) or not pattern.fullmatch(entry):
            raise ValueError(
                f"entry {position} is not {kind}; list ids separated by commas, not names"
            )
    return frozenset(str(entry).lower() if lower else entry for entry in entries)


class SettingsError(ValueError):
    """The configuration cannot work; the message is one line naming the variables to fix."""


def _env_name(field: str) -> str:
    return field.upper()


def _one_line(error: ValidationError) -> str:
    """A pydantic error as one line per problem, named by environment variable, without values."""
    problems = []
    for detail in error.errors(include_input=False, include_url=False):
        where = _env_name(str(detail["loc"][0])) if detail["loc"] else "settings"
        message = detail["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {' '.join(message.split())}")
    return "invalid settings: " + "; ".join(problems)


def _redacted_url(url: str) -> str:
    """A URL with any password replaced, for repr: DATABASE_URL often carries one."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = f"{parts.username}:" if parts.username else ":"
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{user}***@{host}"))
    except ValueError:
        return "***"


class Settings(BaseSettings):
    """What the bot reads from the environment; each variable is its field's name in capitals.

    An invalid value raises `SettingsError` naming the variable, never a pydantic error. Secrets
    are `SecretStr` and never appear in repr(), str() or error messages; the password in
    DATABASE_URL is redacted from repr() too.
    """

    # Environment only: no .env file is read (a deployment sets variables, a developer exports
    # them). Empty variables count as unset, as compose files and CI often define them empty.
    model_config = SettingsConfigDict(
        env_file=None,
        env_ignore_empty=True,
        hide_input_in_errors=True,
        frozen=True,
        extra="forbid",
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Bodies over this are refused (413) before they are read: no answer is that long.
    mlops_advisor_max_request_bytes: int = Field(default=DEFAULT_MAX_REQUEST_BYTES, gt=0)
    database_url: str | None = None
    # NoDecode: pydantic-settings would parse a set from the environment as JSON; admins write
    # "U1,U2", which the validator below splits.
    mlops_advisor_admins: Annotated[frozenset[str], NoDecode] = Field(default_factory=frozenset)
    mlops_advisor_policy: Path | None = None
    # Microsoft Teams (the `teams` extra): the bot's Entra app registration, with a client secret
    # or a managed identity ("system", or a user-assigned identity's client id).
    teams_client_id: str | None = None
    teams_client_secret: SecretStr | None = None
    teams_tenant_id: str | None = None
    teams_managed_identity_client_id: str | None = None
    # Where proactive messages (digests) go for a conversation the bot has not heard from: the
    # Bot Connector's global endpoint. Replies always go to the serviceUrl of the activity.
    teams_service_url: str = "https://smba.trafficmanager.net/teams/"
    mlops_advisor_teams_admins: Annotated[frozenset[str], NoDecode] = Field(
        default_factory=frozenset
    )
    # Local development only: accept activities without Bot Framework authentication.
    mlops_advisor_teams_insecure_local: bool = False
    # How long to wait on the database, in seconds (README, "When the database is slow or
    # silent"). 0 turns a server-side limit off (statement, idle in transaction), or the TCP
    # tuning (tcp), e.g. behind a connection pooler that refuses startup options.
    mlops_advisor_db_connect_timeout: int = Field(_DB_DEFAULTS.connect, ge=2)  # libpq's minimum
    mlops_advisor_db_statement_timeout: float = Field(_DB_DEFAULTS.statement, ge=0)
    mlops_advisor_db_idle_in_transaction_timeout: float = Field(
        _DB_DEFAULTS.idle_in_transaction, ge=0
    )
    mlops_advisor_db_pool_timeout: float = Field(_DB_DEFAULTS.pool, gt=0)
    mlops_advisor_db_tcp_timeout: int = Field(_DB_DEFAULTS.tcp, ge=0)
    mlops_advisor_db_request_timeout: float = Field(DEFAULT_DEADLINE, gt=0)
    mlops_advisor_db_health_timeout: float = Field(DEFAULT_HEALTH_DEADLINE, gt=0)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise SettingsError(_one_line(error)) from None
        except pydantic_settings.SettingsError as error:
            # A source failing to parse a value; its message names the field, never the value.
            raise SettingsError(f"invalid settings: {' '.join(str(error).split())}") from None

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        "database_url",
        "teams_client_id",
        "teams_client_secret",
        "teams_tenant_id",
        "teams_managed_identity_client_id",
        mode="before",
    )
    @classmethod
    def _strip(cls, value: object) -> object:
        # A value pasted with a trailing newline or space fails authentication with a baffling
        # "invalid_auth"; blank means unset.
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("teams_client_id", "teams_tenant_id")
    @classmethod
    def _guid(cls, value: str | None) -> str | None:
        if value is not None and not _GUID.fullmatch(value):
            raise ValueError("must be a GUID such as 00000000-0000-0000-0000-000000000000")
        return value

    @field_validator("slack_api_url", "teams_service_url")
    @classmethod
    def _normalise_api_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value.strip())
            valid = parts.scheme in {"http", "https"} and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        # slack_sdk joins method names onto the base URL with urljoin: without the slash,
        # "https://slack.com/api" + "chat.postMessage" is "https://slack.com/chat.postMessage".
        if not parts.path.endswith("/"):
            parts = parts._replace(path=parts.path + "/")
        return urlunsplit(parts)

    @field_validator("mlops_advisor_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        return _id_list(value, _USER_ID, "a Slack member id (like U012AB3CD)")

    @field_validator("mlops_advisor_teams_admins", mode="before")
    @classmethod
    def _split_teams_admins(cls, value: object) -> object:
        # Object ids are pasted in either case; Teams sends them lower-case.
        return _id_list(value, _GUID, "a Microsoft Entra object id (a GUID)", lower=True)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name == "database_url" and isinstance(value, str):
                yield name, _redacted_url(value)
            else:
                yield name, value

    @property
    def database_timeouts(self) -> DatabaseTimeouts:
        """The limits on each wait on the database server (MLOPS_ADVISOR_DB_*_TIMEOUT)."""
        return DatabaseTimeouts(
            connect=self.mlops_advisor_db_connect_timeout,
            statement=self.mlops_advisor_db_statement_timeout,
            idle_in_transaction=self.mlops_advisor_db_idle_in_transaction_timeout,
            pool=self.mlops_advisor_db_pool_timeout,
            tcp=self.mlops_advisor_db_tcp_timeout,
        )

    @property
    def oauth(self) -> bool:
        """Whether the app installs through OAuth (multi-workspace) rather than one bot token."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def slack_configured(self) -> bool:
        """Whether any Slack setting is given (else `serve` may run Teams alone)."""
        return any(
            value is not None
            for value in (
                self.slack_bot_token,
                self.slack_signing_secret,
                self.slack_app_token,
                self.slack_client_id,
                self.slack_client_secret,
            )
        )

    @property
    def teams_enabled(self) -> bool:
        """Whether Teams is wanted: any of its credentials, or the local development setting
        (`teams_checked` says whether they can work)."""
        return self.mlops_advisor_teams_insecure_local or any(
            value is not None
            for value in (
                self.teams_client_id,
                self.teams_client_secret,
                self.teams_tenant_id,
                self.teams_managed_identity_client_id,
            )
        )

    def teams_checked(self, *, host: str) -> Settings:
        """These settings, if Teams can run with them on `host`; see `checked` for the errors.

        Credentials are the app (client) id and tenant id with a client secret or a managed
        identity. Unauthenticated activities (MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL) are refused
        unless the server listens on loopback only.
        """
        problems = []
        has_credential = (
            self.teams_client_secret is not None
            or self.teams_managed_identity_client_id is not None
        )
        if self.teams_client_id is None:
            if has_credential or self.teams_tenant_id is not None:
                problems.append(
                    "TEAMS_CLIENT_SECRET, TEAMS_TENANT_ID or TEAMS_MANAGED_IDENTITY_CLIENT_ID is "
                    "set without TEAMS_CLIENT_ID: set the bot's app (client) id"
                )
        else:
            if not has_credential:
                problems.append(
                    "TEAMS_CLIENT_ID needs TEAMS_CLIENT_SECRET or "
                    "TEAMS_MANAGED_IDENTITY_CLIENT_ID: set one of them"
                )
            if self.teams_tenant_id is None:
                problems.append("TEAMS_CLIENT_ID needs TEAMS_TENANT_ID: set the bot's tenant id")
        if self.mlops_advisor_teams_insecure_local and host.strip("[]") not in _LOOPBACK_HOSTS:
            problems.append(
                "MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL accepts unauthenticated activities and is "
                f"for local development only: serve on 127.0.0.1, not {host}, or unset it"
            )
        if problems:
            raise SettingsError("Teams settings cannot work: " + "; ".join(problems))
        return self

    def checked(self, *, socket_mode: bool) -> Settings:
        """These settings, if the Slack app can run with them in the given mode.

        Raises `SettingsError` with one line that lists every problem and the variables to set
        or unset. Secret values never appear in it.
        """
        problems = [*self._token_problems(), *self._oauth_problems(socket_mode=socket_mode)]
        if socket_mode:
            missing = [
                name
                for name, value in (
                    ("SLACK_APP_TOKEN", self.slack_app_token),
                    ("SLACK_BOT_TOKEN", self.slack_bot_token),
                )
                if value is None
            ]
            if missing:
                problems.append(
                    "Socket Mode needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN: set "
                    + " and ".join(missing)
                )
        else:
            if self.slack_signing_secret is None:
                problems.append(
                    "HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests: set it"
                )
            has_client = self.slack_client_id is not None or self.slack_client_secret is not None
            if self.slack_bot_token is None and not has_client:
                problems.append(
                    "HTTP mode needs SLACK_BOT_TOKEN (single workspace) or SLACK_CLIENT_ID and "
                    "SLACK_CLIENT_SECRET (OAuth, multi-workspace): set one of them"
                )
        if problems:
            raise SettingsError("Slack settings cannot work: " + "; ".join(problems))
        return self

    def _token_problems(self) -> Iterator[str]:
        for variable, token, prefix in (
            ("SLACK_BOT_TOKEN", self.slack_bot_token, "xoxb-"),
            ("SLACK_APP_TOKEN", self.slack_app_token, "xapp-"),
        ):
            if token is None:
                continue
            value = token.get_secret_value()
            if value.startswith(prefix):
                continue
            # Only the five-character kind marker is inspected, never echoed beyond its meaning.
            hint = ""
            for kind_prefix, (kind, home) in _TOKEN_KINDS.items():
                if value.startswith(kind_prefix):
                    hint = f" (it looks like {kind}" + (
                        f", which belongs in {home})" if home else ")"
                    )
            yield f"{variable} must start with {prefix}{hint}"

    def _oauth_problems(self, *, socket_mode: bool) -> Iterator[str]:
        has_id = self.slack_client_id is not None
        has_secret = self.slack_client_secret is not None
        if has_id != has_secret:
            present, absent = (
                ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
                if has_id
                else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
            )
            yield (
                f"{present} is set without {absent}: OAuth needs both; "
                f"set {absent} or unset {present}"
            )
        if not (has_id or has_secret):
            return
        if socket_mode:
            # Bolt switches to OAuth silently when it sees client settings; Socket Mode here runs
            # one workspace on SLACK_BOT_TOKEN, so they would only cause confusion.
            yield (
                "Socket Mode runs one workspace on SLACK_BOT_TOKEN: "
                "unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
            )
        elif self.slack_bot_token is not None:
            yield (
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: unset "
                "SLACK_BOT_TOKEN for OAuth (multi-workspace), or unset SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET for a single workspace"
            )


def load_settings(*, socket_mode: bool | None = None) -> Settings:
    """The settings from the environment; checked for Slack in the given mode unless it is None.

    Raises `SettingsError` (one line, no secrets) for an invalid value or an unworkable
    combination; callers print its message and exit, never a traceback.
    """
    settings = Settings()
    return settings if socket_mode is None else settings.checked(socket_mode=socket_mode)
