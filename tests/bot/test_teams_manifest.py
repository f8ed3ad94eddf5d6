"""The Teams app manifest is valid against Microsoft's schema, its icons are what Teams expects,
and the package target puts the real bot id in the zip (or refuses without one)."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import struct
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft6Validator, validators
from jsonschema.exceptions import ValidationError
from matplotlib import image
from referencing import Registry

ROOT = Path(__file__).parent.parent.parent
TEAMS = ROOT / "manifests" / "teams"
MANIFEST = TEAMS / "manifest.json"
PACKAGE_SCRIPT = TEAMS / "package.py"
# A copy of Microsoft's public Teams manifest schema, version 1.25
# (https://developer.microsoft.com/json-schemas/teams/v1.25/MicrosoftTeams.schema.json):
# tests must not need ../shared.
SCHEMA = ROOT / "tests" / "schemas" / "teams" / "v1.25.json"
SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.25/MicrosoftTeams.schema.json"

PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
CLIENT_ID = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ICON_SIZES = {"color.png": (192, 192), "outline.png": (32, 32)}
NEEDS_CLIENT_ID = (
    "teams-package needs TEAMS_CLIENT_ID, the bot's Microsoft Entra app (client) id (a GUID)"
)

# The schema declares draft-04 but pins manifestVersion with `const`, a draft-06 keyword that a
# draft-04 validator silently ignores: add it, so a manifest claiming another version is rejected.
TeamsValidator = validators.extend(Draft4Validator, {"const": Draft6Validator.VALIDATORS["const"]})


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


def _patterns(node: Any, path: str = "") -> dict[str, str]:
    """Every `pattern` keyword in a schema, by where it sits."""
    found: dict[str, str] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                found[path] = value
            else:
                found |= _patterns(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found |= _patterns(item, f"{path}/{index}")
    return found


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Any:
    """A validator for the local schema copy that can never reach the network.

    The schema has only local `#/...` references and its draft-04 meta-schema ships with
    jsonschema; the empty registry has no `retrieve` hook, so a remote reference appearing in a
    future copy would fail loudly instead of being fetched.
    """
    assert _remote_refs(schema) == set(), "map remote references to local copies first"
    # Not check_schema: its format check compiles every pattern with Python's re, and one pattern
    # (see test_only_office_extensions_use_patterns_python_cannot_compile) uses \p{L}.
    meta = Draft4Validator(Draft4Validator.META_SCHEMA)
    assert not list(meta.iter_errors(schema))
    return TeamsValidator(schema, registry=Registry())


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _causes(errors: list[ValidationError]) -> list[str]:
    """The innermost messages, for a readable failure."""
    leaves: list[str] = []
    for error in errors:
        leaves += _causes(list(error.context)) if error.context else [error.message]
    return leaves


def _errors(validator: Any, instance: dict[str, Any]) -> list[ValidationError]:
    return list(validator.iter_errors(instance))


def test_manifest_is_valid_against_teams_schema(validator: Any, manifest: dict[str, Any]) -> None:
    errors = _errors(validator, manifest)
    assert not errors, "; ".join(_causes(errors))


def test_manifest_declares_schema_1_25(manifest: dict[str, Any]) -> None:
    assert manifest["$schema"] == SCHEMA_URL
    assert manifest["manifestVersion"] == "1.25"


def test_app_version_is_semver_and_the_project_version(
    schema: dict[str, Any], manifest: dict[str, Any]
) -> None:
    # The schema defines semver but does not apply it to `version`; Teams does when uploading.
    assert re.search(schema["definitions"]["semver"]["pattern"], manifest["version"])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert manifest["version"] == project["version"]


def test_ids_app_is_fixed_and_bot_is_the_placeholder(manifest: dict[str, Any]) -> None:
    guid = re.compile(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}")
    assert guid.fullmatch(manifest["id"])
    assert manifest["id"] != PLACEHOLDER
    (bot,) = manifest["bots"]
    # The deployer's Entra app id goes in at packaging time; never commit a real one.
    assert bot["botId"] == PLACEHOLDER
    assert "webApplicationInfo" not in manifest


def test_names_descriptions_and_developer(manifest: dict[str, Any]) -> None:
    assert manifest["name"] == {
        "short": "MLOps Advisor",
        "full": "MLOps Advisor: a sceptical advisor on machine-learning investments",
    }
    short, full = manifest["description"]["short"], manifest["description"]["full"]
    assert 0 < len(short) <= 80
    assert 0 < len(full) <= 4000
    assert short != full
    for words in ("follow-up", "explainable verdict", "not yet: no business case", "full MLOps"):
        assert words in full
    assert "risk signals" in full
    assert "weekly portfolio digest" in full
    repo = "https://github.com/mlops-advisor/mlops-advisor"
    assert manifest["developer"] == {
        "name": "mlops-advisor contributors",
        "websiteUrl": repo,
        "privacyUrl": f"{repo}#privacy",
        "termsOfUseUrl": f"{repo}#terms",
    }
    assert manifest["accentColor"] == "#2E5C8A"


def test_bot_scopes_and_flags(manifest: dict[str, Any]) -> None:
    (bot,) = manifest["bots"]
    assert bot["scopes"] == ["personal", "team"]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    assert manifest.get("validDomains", []) == []


def test_command_lists(manifest: dict[str, Any]) -> None:
    (bot,) = manifest["bots"]
    commands = {
        tuple(entry["scopes"]): {c["title"]: c["description"] for c in entry["commands"]}
        for entry in bot["commandLists"]
    }
    assert set(commands) == {("personal",), ("team",)}
    assert commands[("personal",)] == {
        "mlops-check": "Start an MLOps check: a short interview and a verdict",
        "list": "Your checks",
        "help": "How to use the advisor",
    }
    assert commands[("team",)] == {
        "mlops-check": "Start an MLOps check in a private chat with the advisor",
        "digest": "Leadership digest: subscribe, unsubscribe, list, preview (admins subscribe)",
    }
    for listed in commands.values():
        # Teams shows at most 10 commands per scope, titles up to 32 and descriptions up to 128
        # characters (the schema allows more).
        assert len(listed) <= 10
        assert all(len(title) <= 32 and len(text) <= 128 for title, text in listed.items())


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which the PNG format puts first."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    length, kind = struct.unpack(">I4s", head[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_icons_exist_with_teams_sizes(manifest: dict[str, Any]) -> None:
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    for name, size in ICON_SIZES.items():
        assert (TEAMS / name).is_file(), f"missing {name}"
        assert _png_size(TEAMS / name) == size


def test_outline_icon_is_white_on_transparent() -> None:
    pixels = image.imread(TEAMS / "outline.png")
    assert pixels.shape == (32, 32, 4), "RGBA, so it can be transparent"
    white = (pixels[..., :3] == 1.0).all(axis=-1)
    transparent = pixels[..., 3] == 0.0
    assert (white | transparent).all(), "only white or fully transparent pixels"
    assert (white & (pixels[..., 3] == 1.0)).any(), "a glyph, not an empty square"
    assert transparent.any()


def test_color_icon_uses_the_accent_colour(manifest: dict[str, Any]) -> None:
    pixels = image.imread(TEAMS / "color.png")
    assert pixels.shape == (192, 192, 4)
    accent = [int(manifest["accentColor"][i : i + 2], 16) / 255 for i in (1, 3, 5)]
    background = (abs(pixels[..., :3] - accent) < 1e-6).all(axis=-1)
    glyph = (pixels[..., :3] == 1.0).all(axis=-1)
    assert background.mean() > 0.5, "mostly the accent colour"
    assert glyph.mean() > 0.05, "with a white glyph"
    assert (pixels[..., 3] == 1.0).mean() > 0.9, "a full-colour icon, mostly opaque"


def _broken(manifest: dict[str, Any], kind: str) -> dict[str, Any]:
    broken = copy.deepcopy(manifest)
    if kind == "unknown top-level key":
        broken["bot"] = broken["bots"]  # a typo of "bots"
    elif kind == "bot id not a GUID":
        broken["bots"][0]["botId"] = "mlops-advisor"
    elif kind == "unknown command scope":
        broken["bots"][0]["commandLists"][1]["scopes"] = ["channel"]
    elif kind == "short description too long":
        broken["description"]["short"] = "x" * 81
    elif kind == "another manifest version":
        broken["manifestVersion"] = "1.30"
    else:  # pragma: no cover - a typo in the parametrisation below
        raise AssertionError(kind)
    return broken


@pytest.mark.parametrize(
    ("kind", "cause"),
    [
        ("unknown top-level key", "('bot' was unexpected)"),
        ("bot id not a GUID", "'mlops-advisor' does not match"),
        ("unknown command scope", "'channel' is not one of"),
        ("short description too long", "is too long"),
        ("another manifest version", "'1.25' was expected"),
    ],
)
def test_schema_rejects_a_broken_manifest(
    validator: Any, manifest: dict[str, Any], kind: str, cause: str
) -> None:
    # Proves the schema is really applied, not vacuously passing.
    causes = _causes(_errors(validator, _broken(manifest, kind)))
    assert any(cause in message for message in causes), causes


def test_only_office_extensions_use_patterns_python_cannot_compile(
    schema: dict[str, Any], manifest: dict[str, Any]
) -> None:
    # Microsoft's schema is written for ECMAScript regular expressions: \p{L} means "any letter"
    # there, and is an error in Python's re. Validation is sound as long as the manifest stays
    # clear of the parts of the schema that use such patterns.
    unsupported = []
    for where, pattern in _patterns(schema).items():
        try:
            re.compile(pattern)
        except re.error:
            unsupported.append(where)
    assert unsupported == ["/definitions/extensionFunction/properties/name"]
    assert "extensions" not in manifest


def _load_package_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("teams_package", PACKAGE_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_package_has_the_three_files_and_the_real_bot_id(
    tmp_path: Path, validator: Any, manifest: dict[str, Any]
) -> None:
    package = _load_package_module()
    output = package.build(CLIENT_ID, tmp_path / "dist" / "mlops-advisor-teams.zip")
    assert output == tmp_path / "dist" / "mlops-advisor-teams.zip"
    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        packaged = json.loads(archive.read("manifest.json"))
        for name in ICON_SIZES:
            assert archive.read(name) == (TEAMS / name).read_bytes()
    assert packaged["bots"][0]["botId"] == CLIENT_ID
    assert PLACEHOLDER not in json.dumps(packaged)
    # Only the bot id differs from the committed manifest, and the result is still valid.
    assert packaged | {"bots": manifest["bots"]} == manifest
    assert not _errors(validator, packaged)
    # Nothing left behind next to the package.
    assert [p.name for p in output.parent.iterdir()] == [output.name]


def test_package_is_reproducible(tmp_path: Path) -> None:
    package = _load_package_module()
    first = package.build(CLIENT_ID, tmp_path / "first.zip").read_bytes()
    assert package.build(CLIENT_ID, tmp_path / "second.zip").read_bytes() == first


def _run_package(tmp_path: Path, client_id: str | None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "TEAMS_CLIENT_ID"}
    if client_id is not None:
        environment["TEAMS_CLIENT_ID"] = client_id
    return subprocess.run(
        [sys.executable, str(PACKAGE_SCRIPT), "--output", str(tmp_path / "teams.zip")],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_package_script_reads_teams_client_id(tmp_path: Path) -> None:
    # Pasted with surrounding space or in capitals, it is still the same GUID.
    result = _run_package(tmp_path, f" {CLIENT_ID.upper()}\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"(bot id {CLIENT_ID})")
    with zipfile.ZipFile(tmp_path / "teams.zip") as archive:
        assert json.loads(archive.read("manifest.json"))["bots"][0]["botId"] == CLIENT_ID


@pytest.mark.parametrize(
    ("client_id", "detail"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        ("mlops-advisor", "; got 'mlops-advisor'"),
        (CLIENT_ID[:-1], f"; got '{CLIENT_ID[:-1]}'"),
        (f"{{{CLIENT_ID}}}", f"; got '{{{CLIENT_ID}}}'"),
        (PLACEHOLDER, "; got the all-zero placeholder"),
    ],
)
def test_package_script_refuses_a_missing_or_invalid_client_id(
    tmp_path: Path, client_id: str | None, detail: str
) -> None:
    result = _run_package(tmp_path, client_id)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr == f"{NEEDS_CLIENT_ID}{detail}\n"  # one line, nothing else
    assert list(tmp_path.iterdir()) == [], "no package, not even a partial one"


def test_package_refuses_a_manifest_without_the_placeholder(tmp_path: Path) -> None:
    package = _load_package_module()
    source = tmp_path / "source"
    source.mkdir()
    committed = json.loads(MANIFEST.read_text(encoding="utf-8"))
    committed["bots"][0]["botId"] = CLIENT_ID  # a real id committed by mistake
    (source / "manifest.json").write_text(json.dumps(committed), encoding="utf-8")
    for name in ICON_SIZES:
        (source / name).write_bytes((TEAMS / name).read_bytes())
    with pytest.raises(package.PackageError, match="no placeholder bot id"):
        package.build(CLIENT_ID, tmp_path / "teams.zip", source)
    assert not (tmp_path / "teams.zip").exists()
