"""The layering rule: a stage imports only earlier stages and forms/; nothing imports paperdesk/ but itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Bottom to top. A package may import itself and anything before it in this list.
LAYERS = ["forms", "ingest", "extract", "checks", "reports", "paperdesk"]


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def violations(root: Path) -> list[str]:
    problems = []
    for rank, package in enumerate(LAYERS):
        allowed = set(LAYERS[: rank + 1])
        forbidden = set(LAYERS) - allowed
        for path in sorted((root / package).rglob("*.py")):
            for name in sorted(imported_packages(path) & forbidden):
                problems.append(f"{path.relative_to(root)} imports {name}")
    return problems


def test_stages_import_only_earlier_stages() -> None:
    assert violations(ROOT) == []


def test_every_stage_package_exists() -> None:
    for package in LAYERS:
        assert (ROOT / package / "__init__.py").is_file(), package


@pytest.mark.parametrize(
    ("package", "module", "bad"),
    [("ingest", "extract", True), ("extract", "paperdesk", True), ("checks", "extract", False), ("forms", "ingest", True)],
)
def test_the_rule_catches_a_backward_import(tmp_path: Path, package: str, module: str, bad: bool) -> None:
    for name in LAYERS:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / package / "x.py").write_text(f"from {module}.y import z\n", encoding="utf-8")
    assert bool(violations(tmp_path)) is bad
