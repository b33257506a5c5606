"""Payments sit beside offices, above audit, accounts and core: nothing higher is imported."""

from __future__ import annotations

import ast
from pathlib import Path

ALLOWED = {"payments", "audit", "accounts", "core"}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_payments_imports_only_lower_layers():
    root = Path(__file__).resolve().parent.parent
    wrong = []
    for path in root.rglob("*.py"):
        if "tests" in path.relative_to(root).parts:
            continue
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] == "kuyakusho" and len(parts) > 1 and parts[1] not in ALLOWED:
                wrong.append(f"{path.relative_to(root)}: {module}")
    assert not wrong, wrong


def test_the_check_finds_a_higher_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from kuyakusho.residents.models import Resident\n")
    assert list(_imports(bad)) == ["kuyakusho.residents.models"]
