"""The Slack app manifest is valid against Slack's public schema and asks only what it needs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

ROOT = Path(__file__).parent.parent.parent
MANIFEST = ROOT / "manifests" / "slack.yaml"
# Copies of slackapi/manifest-schema (MIT, see NOTICE.md there): tests must not need ../shared.
SCHEMAS = ROOT / "tests" / "schemas" / "slack-manifest"

HOST = "https://mlops-advisor.example.com"
EVENTS_URL = f"{HOST}/slack/events"

# Pinned on purpose: Slack's schema accepts any string as a scope, so this set is what catches a
# typo, and what makes adding a scope a visible decision.
EXPECTED_BOT_SCOPES = {
    "chat:write",
    "chat:write.public",
    "commands",
    "channels:history",
    "groups:history",
    "im:history",
    "users:read",
}
EXPECTED_BOT_EVENTS = {"message.channels", "message.groups", "message.im", "app_home_opened"}
# The scope Slack requires before it delivers each event; app_home_opened needs none.
SCOPE_FOR_EVENT = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
}


def _remote_refs(node: Any) -> set[str]:
    """Every `$ref` in a schema that points outside the document itself."""
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _remote_refs(value)
        return {ref for ref in found if not ref.startswith("#")}
    if isinstance(node, list):
        return set().union(*(_remote_refs(item) for item in node))
    return set()


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    """A validator for the top schema, its remote references served from the local copies.

    The registry has no `retrieve` hook, so a reference missing from it fails loudly instead of
    reaching for the network.
    """
    top = json.loads((SCHEMAS / "manifest.schema.json").read_text(encoding="utf-8"))
    resources = []
    for url in sorted(_remote_refs(top)):
        local = SCHEMAS / "schemas" / url.rsplit("/", 1)[-1]
        assert local.is_file(), f"no local copy of {url}"
        contents = json.loads(local.read_text(encoding="utf-8"))
        resources.append((url, Resource.from_contents(contents)))
    assert len(resources) == 2, "expected the 1.0.0 and 2.0.0 schemas to be referenced"
    Draft7Validator.check_schema(top)
    return Draft7Validator(top, registry=Registry().with_resources(resources))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """manifests/slack.yaml as Slack reads it."""
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _errors(validator: Draft7Validator, instance: dict[str, Any]) -> list[ValidationError]:
    return list(validator.iter_errors(instance))


def _causes(errors: list[ValidationError]) -> list[str]:
    """The innermost messages: the top schema's oneOf alone says only "not valid under any"."""
    leaves: list[str] = []
    for error in errors:
        leaves += _causes(list(error.context)) if error.context else [error.message]
    return leaves


def test_manifest_is_valid_against_slack_schema(
    validator: Draft7Validator, manifest: dict[str, Any]
) -> None:
    errors = _errors(validator, manifest)
    assert not errors, "; ".join(_causes(errors))


def test_manifest_targets_the_classic_app_schema(manifest: dict[str, Any]) -> None:
    # Major version 2 is for apps on Slack's hosted platform; this app runs on its own server.
    assert manifest["_metadata"]["major_version"] == 1


def test_display_information_and_bot_user(manifest: dict[str, Any]) -> None:
    assert manifest["display_information"]["name"] == "MLOps Advisor"
    assert manifest["display_information"]["description"].strip()
    assert manifest["features"]["bot_user"]["display_name"] == "mlops-advisor"


def test_slash_command(manifest: dict[str, Any]) -> None:
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/mlops-check"
    assert command["url"] == EVENTS_URL
    assert command["description"].strip()
    for word in ("new", "form", "list", "show", "delete", "help"):
        assert word in command["usage_hint"]
    assert command["should_escape"] is False


def test_bot_events_and_request_urls(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]
    assert set(events["bot_events"]) == EXPECTED_BOT_EVENTS
    assert len(events["bot_events"]) == len(EXPECTED_BOT_EVENTS)
    assert events["request_url"] == EVENTS_URL
    assert "user_events" not in events


def test_interactivity_home_tab_and_deployment_settings(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": EVENTS_URL}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    # Direct messages reach the bot through the App Home Messages tab (message.im).
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["socket_mode_enabled"] is False


def test_oauth_redirect(manifest: dict[str, Any]) -> None:
    assert manifest["oauth_config"]["redirect_urls"] == [f"{HOST}/slack/oauth_redirect"]


def test_bot_scopes_are_exactly_the_minimal_set(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}, "no user scopes: the app never acts as a person"
    assert sorted(scopes["bot"]) == sorted(EXPECTED_BOT_SCOPES)  # also catches duplicates
    # The app never opens a DM itself, so it has no business with im:write.
    assert "im:write" not in scopes["bot"]


def test_every_message_event_has_its_scope(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        if event in SCOPE_FOR_EVENT:
            assert SCOPE_FOR_EVENT[event] in scopes, f"{event} needs {SCOPE_FOR_EVENT[event]}"


def _broken(manifest: dict[str, Any], kind: str) -> dict[str, Any]:
    broken = copy.deepcopy(manifest)
    if kind == "unknown top-level key":
        broken["setting"] = {"socket_mode_enabled": True}  # a typo of "settings"
    elif kind == "misspelt nested key":
        broken["settings"]["interactivity"]["enabled"] = True
    elif kind == "command without slash":
        broken["features"]["slash_commands"][0]["command"] = "mlops-check"
    elif kind == "scope that is not a string":
        broken["oauth_config"]["scopes"]["bot"].append(["chat:write"])
    else:  # pragma: no cover - a typo in the parametrisation below
        raise AssertionError(kind)
    return broken


@pytest.mark.parametrize(
    ("kind", "cause"),
    [
        ("unknown top-level key", "('setting' was unexpected)"),
        ("misspelt nested key", "('enabled' was unexpected)"),
        ("command without slash", "'mlops-check' does not match"),
        ("scope that is not a string", "['chat:write'] is not of type 'string'"),
    ],
)
def test_schema_rejects_a_broken_manifest(
    validator: Draft7Validator, manifest: dict[str, Any], kind: str, cause: str
) -> None:
    # Proves the versioned schema is really applied through the remote $ref, not vacuously
    # passing: the rejection names the broken part, found deep inside the referenced file.
    causes = _causes(_errors(validator, _broken(manifest, kind)))
    assert any(cause in message for message in causes), causes


def test_unregistered_remote_reference_is_not_fetched() -> None:
    # Without the local copies the top schema cannot resolve its $refs: validation raises instead
    # of going to the network (pytest-socket would also refuse), so the test suite stays offline.
    from referencing.exceptions import Unresolvable

    top = json.loads((SCHEMAS / "manifest.schema.json").read_text(encoding="utf-8"))
    bare = Draft7Validator(top, registry=Registry())
    with pytest.raises(Unresolvable):
        bare.is_valid({"display_information": {"name": "x"}})
