"""The benchmarks and the cluster test import the product inside their functions (after setting Django up
their own way), so a moved or renamed module breaks them only when someone runs `make bench`. This test
resolves every ``from gridgov|bench|cluster... import name`` they hold, wherever it sits in the file."""

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def unresolved_imports() -> list[str]:
    bad = []
    for path in sorted((ROOT / "bench").glob("*.py")) + sorted((ROOT / "cluster").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
                continue
            if not node.module.startswith(("gridgov", "bench", "cluster")):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            try:
                module = importlib.import_module(node.module)
            except ImportError as error:
                bad.append(f"{where} {node.module}: {error}")
                continue
            for alias in node.names:
                if hasattr(module, alias.name):
                    continue
                try:
                    importlib.import_module(f"{node.module}.{alias.name}")
                except ImportError:
                    bad.append(f"{where} {node.module} has no {alias.name}")
    return bad


def test_every_import_of_the_benchmarks_and_the_cluster_test_resolves():
    assert unresolved_imports() == []
