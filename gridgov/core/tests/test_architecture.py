"""The architecture's import rules, checked on the sources (static: `ast`, every import at any depth, including
those inside functions, which run later but couple the modules all the same).

1. Domain modules never import the presentation: a module named ``models``, ``actions``, ``queries`` or
   ``policy`` under ``gridgov/<app>/`` (or any module of a ``models/`` or ``actions/`` package there) imports
   no ``views`` or ``api`` module (nor ``views_*``/``api_*`` siblings), of its own app or another.
2. No import cycle between apps: the app-level graph (an edge A -> B when any module of app A, tests and
   migrations aside, imports a module of app B) has no cycle, but for the edges argued one by one in `ARGUED`
   (each must still exist, and only through the modules named there).

What this cannot see: a module loaded by name at run time (``importlib.import_module``). The demo app uses
that on purpose to find each app's demo module (`gridgov.demo.activity`), so that it depends on none of them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import gridgov

ROOT = Path(gridgov.__file__).resolve().parent
DOMAIN_NAMES = {"models", "actions", "queries", "policy"}

# Edges that close a cycle and stay for now, each argued, and the only modules they may go through:
# {(source app, target app): ({modules}, "why")}. None today: the last two (core -> accounts.choices and
# audit -> accounts.choices, for the role enumeration) went when `Role` moved into `gridgov.core.roles`.
ARGUED: dict[tuple[str, str], tuple[set[str], str]] = {}
DOMAIN_PACKAGES = {"models", "actions"}
PRESENTATION = {"views", "api"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    path: Path
    line: int
    target: str  # the imported module (or module.name), dotted


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[Import]:
    """Every module ``path`` imports, at module level or inside functions and classes. ``from a import b``
    yields both ``a`` and ``a.b`` (b may be a module)."""
    source = _module_name(path)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [Import(source, path, node.lineno, t) for t in targets if t.startswith("gridgov.")]
    return found


def app_of(module: str) -> str | None:
    """``gridgov.<app>.…`` -> ``<app>`` for the apps (packages directly under gridgov/), else None."""
    parts = module.split(".")
    if len(parts) >= 2 and (ROOT / parts[1]).is_dir() and (ROOT / parts[1] / "__init__.py").exists():
        return parts[1]
    return None


def app_sources() -> list[Path]:
    """The apps' Python modules, their tests and migrations aside."""
    out = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        rel = path.relative_to(ROOT).parts
        if app_of(f"gridgov.{rel[0]}") is None or "tests" in rel or "migrations" in rel:
            continue
        out.append(path)
    return out


def is_domain(path: Path) -> bool:
    rel = path.relative_to(ROOT).parts  # (<app>, ..., file)
    if len(rel) == 2:
        return path.stem in DOMAIN_NAMES
    return len(rel) == 3 and rel[1] in DOMAIN_PACKAGES


def is_presentation(module: str) -> bool:
    """A views or api module: ``gridgov.<app>.views``, ``gridgov.<app>.api_x``, ``gridgov.views``..."""
    return any(part in PRESENTATION or part.split("_")[0] in PRESENTATION for part in module.split(".")[1:])


def presentation_imports_of_domain_modules() -> list[str]:
    bad = []
    for path in app_sources():
        if not is_domain(path):
            continue
        for imp in imports_of(path):
            if is_presentation(imp.target):
                bad.append(f"{imp.path.relative_to(ROOT.parent)}:{imp.line} imports {imp.target}")
    return sorted(set(bad))


def is_module(dotted: str) -> bool:
    path = ROOT.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def app_graph() -> dict[str, dict[str, list[Import]]]:
    """app -> imported app -> the imports (of modules, not of the names in them) that make the edge."""
    graph: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
    for path in app_sources():
        for imp in imports_of(path):
            source, target = app_of(imp.source), app_of(imp.target)
            if source and target and source != target and is_module(imp.target):
                graph[source][target].append(imp)
    return graph


def without_argued(graph: dict[str, dict[str, list[Import]]]) -> dict[str, dict[str, list[Import]]]:
    """The graph less the argued edges, each kept if any of its imports goes through another module."""
    out = {source: dict(targets) for source, targets in graph.items()}
    for (source, target), (modules, _why) in ARGUED.items():
        imports = out.get(source, {}).get(target, [])
        if imports and all(imp.target in modules for imp in imports):
            del out[source][target]
    return out


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one app (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        on_stack.add(app)
        for other in graph.get(app, {}):
            if other not in index:
                visit(other)
                low[app] = min(low[app], low[other])
            elif other in on_stack:
                low[app] = min(low[app], index[other])
        if low[app] == index[app]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == app:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for app in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if app not in index:
            visit(app)
    return sorted(found)


def describe(graph, component: list[str]) -> str:
    lines = [" <-> ".join(component)]
    for source in component:
        for target, where in sorted(graph.get(source, {}).items()):
            if target in component:
                sites = sorted({f"{i.path.relative_to(ROOT.parent)}:{i.line} {i.target}" for i in where})
                lines.append(f"  {source} -> {target}: " + "; ".join(sites))
    return "\n".join(lines)


# ---------------------------------------------------------------- the checks themselves are checked


def test_the_import_reader_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    app = ROOT / "matters"
    probe = app / "_probe_for_test.py"  # never written: parsed from a string through a fake path
    text = (
        "from . import views\n\n"
        "def later():\n    from gridgov.places.api import router\n    import gridgov.visits.views\n"
    )
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: text if self == probe else "")
    targets = {i.target for i in imports_of(probe)}
    assert {"gridgov.matters.views", "gridgov.places.api", "gridgov.places.api.router", "gridgov.visits.views"} <= (
        targets
    )
    assert all(is_presentation(t) for t in ("gridgov.matters.views", "gridgov.places.api.router"))
    assert not is_presentation("gridgov.matters.policy") and not is_presentation("gridgov.core.access")


def test_domain_module_detection_covers_files_and_packages():
    assert is_domain(ROOT / "matters" / "policy.py")
    assert is_domain(ROOT / "matters" / "actions" / "intake.py")
    assert is_domain(ROOT / "visits" / "queries.py")
    assert not is_domain(ROOT / "matters" / "views.py")
    assert not is_domain(ROOT / "matters" / "forms.py")


def test_cycle_finder_finds_a_cycle_and_only_cycles():
    graph = {"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}, "d": {"a": ["w"]}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b": ["x"]}, "b": {"c": ["y"]}}) == []


# ---------------------------------------------------------------- the rules


def test_domain_modules_never_import_views_or_api():
    assert presentation_imports_of_domain_modules() == []


def test_no_import_cycle_between_apps():
    graph = without_argued(app_graph())
    found = cycles(graph)
    assert not found, "import cycles between apps:\n" + "\n".join(describe(graph, c) for c in found)


def test_every_argued_edge_still_exists_and_goes_only_through_its_modules():
    graph = app_graph()
    for (source, target), (modules, _why) in ARGUED.items():
        imports = graph.get(source, {}).get(target, [])
        assert imports, f"{source} -> {target} is gone: drop it from ARGUED"
        assert {i.target for i in imports} <= modules, (source, target, {i.target for i in imports})
        assert target in graph and source in _reachable(graph, target), f"{source} -> {target} closes no cycle now"


def _reachable(graph, start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), {}):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
