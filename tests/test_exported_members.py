"""Each package exports a sorted, complete `__all__`, and the core imports no infrastructure."""

import ast
import importlib
from pathlib import Path

import pytest

PACKAGES = ["advisor", "bot", "storage"]
ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    # The isort-style order that ruff's RUF022 keeps: CONSTANTS, Classes, functions.
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    for member in exported:
        assert hasattr(module, member), f"{name}.{member} is exported but missing"


def test_advisor_imports_only_stdlib_pydantic_yaml_and_itself() -> None:
    allowed = {"advisor", "pydantic", "yaml", "__future__"}
    stdlib_forbidden = {"socket", "subprocess", "time", "urllib", "http", "os", "sqlite3"}
    for path in (ROOT / "advisor").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in stdlib_forbidden, f"{path.name} imports {name}"
                assert top in allowed or top in _stdlib(), f"{path.name} imports {name}"


def _stdlib() -> frozenset[str]:
    import sys

    return frozenset(sys.stdlib_module_names)
