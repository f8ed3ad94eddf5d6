"""The layer contract (`lint-imports`, run by `make lint`) holds, and it is no formality: it fails
as soon as a Teams module imports a Slack one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (the dev extra)"
)


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # The tree's own packages first on the path, so the copy is what gets analysed.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in ("advisor", "storage", "bot"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_layers_hold(tmp_path: Path) -> None:
    result = _lint_imports(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_teams_module_importing_a_slack_one_breaks_the_contract(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    cards = tree / "bot" / "teams" / "cards.py"
    cards.write_text(
        cards.read_text(encoding="utf-8") + "\nfrom bot.slack.blocks import COMMAND\n",
        encoding="utf-8",
    )
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "bot.teams is not allowed to import bot.slack" in result.stdout
    assert "bot.teams.cards -> bot.slack.blocks" in result.stdout
