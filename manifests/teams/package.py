"""Build the Microsoft Teams app package: manifest.json, color.png and outline.png in one zip.

The committed manifest carries the placeholder bot id 00000000-0000-0000-0000-000000000000; the
package gets the bot's Microsoft Entra app (client) id instead, from TEAMS_CLIENT_ID (or
--client-id). `make teams-package TEAMS_CLIENT_ID=...` runs this script; upload the zip in the
Teams admin center or Developer Portal.

Standard library only. The zip is written to a temporary file next to the output and renamed into
place, so a failed run never leaves a half-written package; entries carry a fixed timestamp, so
the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = Path("dist") / "mlops-advisor-teams.zip"
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
FILES = ("manifest.json", "color.png", "outline.png")
# The schema's own definition of a GUID (definitions/guid in the Teams manifest schema).
GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
NEEDS_CLIENT_ID = (
    "teams-package needs TEAMS_CLIENT_ID, the bot's Microsoft Entra app (client) id (a GUID)"
)
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can record


class PackageError(Exception):
    """A reason the package cannot be built, in one line for the person running make."""


def check_client_id(client_id: str | None) -> str:
    """The client id, stripped and lower-case as Entra shows it, if it is a real GUID; otherwise a
    PackageError saying why."""
    value = (client_id or "").strip()
    if not value:
        raise PackageError(NEEDS_CLIENT_ID)
    if not GUID.fullmatch(value):
        raise PackageError(f"{NEEDS_CLIENT_ID}; got {value!r}")
    if value == PLACEHOLDER:
        raise PackageError(f"{NEEDS_CLIENT_ID}; got the all-zero placeholder")
    return value.lower()


def substitute_bot_id(manifest: dict[str, Any], client_id: str) -> dict[str, Any]:
    """The manifest with every placeholder bot id (and webApplicationInfo id) set to client_id."""
    replaced = 0
    for bot in manifest.get("bots", []):
        if bot.get("botId") == PLACEHOLDER:
            bot["botId"] = client_id
            replaced += 1
    web_app = manifest.get("webApplicationInfo")
    if isinstance(web_app, dict) and web_app.get("id") == PLACEHOLDER:
        web_app["id"] = client_id
        replaced += 1
    if not replaced:
        raise PackageError(f"manifest.json has no placeholder bot id {PLACEHOLDER} to replace")
    return manifest


def package_contents(client_id: str | None, source: Path = HERE) -> dict[str, bytes]:
    """The zip's entries by name: the manifest with the bot id substituted, and the two icons."""
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    manifest = substitute_bot_id(manifest, check_client_id(client_id))
    icons = set(manifest.get("icons", {}).values())
    if icons != set(FILES[1:]):
        raise PackageError(f"manifest.json names icons {sorted(icons)}, expected {FILES[1:]}")
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    contents = {"manifest.json": text.encode("utf-8")}
    for name in FILES[1:]:
        path = source / name
        if not path.is_file():
            raise PackageError(f"missing icon {path}")
        contents[name] = path.read_bytes()
    return contents


def build(client_id: str | None, output: Path, source: Path = HERE) -> Path:
    """Write the package to output atomically (temporary file, then rename) and return its path."""
    contents = package_contents(client_id, source)
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{output.name}.", suffix=".tmp", dir=output.parent
    )
    partial = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as stream:
            with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name in FILES:
                    entry = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    entry.external_attr = 0o644 << 16
                    archive.writestr(entry, contents[name])
            stream.flush()
            os.fsync(stream.fileno())
        partial.chmod(0o644)  # mkstemp creates the file readable by its owner only
        partial.replace(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return output


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the package, or print one line saying why not and return 1."""
    parser = argparse.ArgumentParser(description="Build the Microsoft Teams app package.")
    parser.add_argument(
        "--client-id",
        default=os.environ.get("TEAMS_CLIENT_ID"),
        help="the bot's Microsoft Entra app (client) id (default: $TEAMS_CLIENT_ID)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"where to write the zip (default: {DEFAULT_OUTPUT})",
    )
    arguments = parser.parse_args(argv)
    try:
        output = build(arguments.client_id, arguments.output)
    except PackageError as error:
        print(error, file=sys.stderr)
        return 1
    bot_id = check_client_id(arguments.client_id)
    print(f"wrote {output}: {', '.join(FILES)} (bot id {bot_id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
