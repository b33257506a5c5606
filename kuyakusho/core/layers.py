"""The layers of the project, as data, and the import graph that checks them.

Imports point down (``docs/architecture.md``, "Layers"): an app imports only apps in lower layers, or apps in
its own layer when no cycle results. ``core/tests/test_layers.py`` reads the source with :mod:`ast` (nothing is
imported) and fails on an import that points up, on an import cycle between the modules of one app, on a
selector (a read) that imports a services package (writes) other than the audit trail's, and on an import
inside a function without a comment saying why it cannot be at the top. ``scripts/layers.py`` prints the
app → app table.

Apps listed here that do not exist yet are checked as soon as their folder appears; an app folder that is
not listed fails the test, so a new area is placed in a layer when it lands.

Tests (``tests/`` packages, ``conftest.py``) are not checked: a test of a lower area may build data of a
higher one (a removal ending a seal registration).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: Highest first. ``config`` wires every app; ``demo`` builds a ward from every area's services; the shells
#: (``portal``, ``console``, ``kiosk``) compose the areas' pages; ``identity`` (residents' sign-in) sits under
#: the resident portal and over the register it links to; ``guide`` (the resident site's information) reads
#: offices, queues and the certificates' policies.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("config",),
    ("demo",),
    # production: health, metrics, backups and the periodic jobs of every area
    ("portal", "console", "kiosk", "operations"),
    ("guide",),
    ("facilities", "reports", "opendata", "planning", "queues"),
    # residents' identity (card sign-in, accounts, sessions): the services above sign people in through it
    ("identity",),
    ("certificates", "seals"),
    ("residents",),
    ("offices", "payments"),
    ("audit", "accounts"),
    ("core",),
)

LEVEL: dict[str, int] = {app: len(LAYERS) - i for i, apps in enumerate(LAYERS) for app in apps}

#: Top-level packages whose modules belong to the project (``config`` is an app of its own here).
PACKAGE = "kuyakusho"


@dataclass(frozen=True)
class Import:
    """One import statement's target as a module of the project."""

    source: str  # importing module, dotted
    target: str  # imported module (the longest prefix that is a module of the project)
    line: int
    in_function: bool
    type_checking: bool
    commented: bool  # a comment on its line or on the line above


@dataclass
class Graph:
    root: Path
    modules: dict[str, Path] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)

    def app_edges(self) -> dict[tuple[str, str], list[Import]]:
        """(importing app, imported app) → the imports, for imports across apps."""
        edges: dict[tuple[str, str], list[Import]] = {}
        for imp in self.imports:
            a, b = app_of(imp.source), app_of(imp.target)
            if a != b:
                edges.setdefault((a, b), []).append(imp)
        return edges

    def apps(self) -> list[str]:
        return sorted({app_of(m) for m in self.modules})


def app_of(module: str) -> str:
    """``kuyakusho.certificates.views.counter`` → ``certificates``; ``config.api`` → ``config``."""
    parts = module.split(".")
    return parts[1] if parts[0] == PACKAGE and len(parts) > 1 else parts[0]


def is_test(module: str) -> bool:
    parts = module.split(".")
    return "tests" in parts or parts[-1] == "conftest"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a module of the project (None: not ours)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, *, in_function: bool = False, type_checking: bool = False
          ) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function, type_checking
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, in_function=True, type_checking=type_checking)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), in_function=in_function,
                                 type_checking=True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), in_function=in_function,
                                 type_checking=type_checking)
        else:
            yield from _walk(child, in_function=in_function, type_checking=type_checking)


def _commented(lines: list[str], node: ast.stmt, import_lines: set[int]) -> bool:
    """A comment on the import's own lines, or above it: on the line before the block of imports it
    belongs to (blank lines and other imports between)."""
    first, last = node.lineno, node.end_lineno or node.lineno
    if any("#" in lines[i - 1] for i in range(first, last + 1)):
        return True
    i = first - 1
    while i >= 1 and (i in import_lines or not lines[i - 1].strip()):
        i -= 1
    return i >= 1 and lines[i - 1].strip().startswith("#")


def build(root: Path) -> Graph:
    """The import graph of ``root/kuyakusho`` and ``root/config`` (``.py`` files; migrations included)."""
    graph = Graph(root=root)
    for top in (PACKAGE, "config"):
        for path in sorted((root / top).rglob("*.py")):
            name = _module_name(root, path)
            if name != PACKAGE:  # the package's own __init__ belongs to no app
                graph.modules[name] = path
    for module, path in graph.modules.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source, filename=str(path))
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found = list(_walk(tree))
        import_lines = {i for node, *_ in found for i in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
        for node, in_function, type_checking in found:
            names: list[str]
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                if node.level:
                    base_parts = package.split(".")
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                # ``from pkg import mod`` imports the module ``pkg.mod``; ``from mod import name``, ``mod``.
                names = [f"{base}.{alias.name}" for alias in node.names]
            for name in names:
                target = _resolve(name, graph.modules)
                if target is None or target == module:
                    continue
                graph.imports.append(Import(module, target, node.lineno, in_function, type_checking,
                                            _commented(lines, node, import_lines)))
    return graph


# --- checks ---------------------------------------------------------------------------------------


def upward_imports(graph: Graph) -> list[str]:
    """Imports of an app in a higher layer, and apps that are in no layer."""
    found = [f"{app}: an app in no layer (add it to kuyakusho.core.layers.LAYERS)"
             for app in graph.apps() if app not in LEVEL]
    for (a, b), imps in sorted(graph.app_edges().items()):
        if a not in LEVEL or b not in LEVEL:
            continue
        for imp in imps:
            if is_test(imp.source):
                continue
            if LEVEL[b] > LEVEL[a]:
                found.append(f"{imp.source}:{imp.line} imports {imp.target} ({a} is below {b})")
    return found


def _cycles(nodes: set[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node, or a node importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return result


def app_cycles(graph: Graph) -> list[list[str]]:
    """Apps that import each other (through any chain), tests left out."""
    edges: dict[str, set[str]] = {}
    for (a, b), imps in graph.app_edges().items():
        if any(not is_test(i.source) and not i.type_checking for i in imps):
            edges.setdefault(a, set()).add(b)
    return _cycles(set(graph.apps()), edges)


def module_cycles(graph: Graph) -> list[list[str]]:
    """Modules of one app that import each other, at the top or inside a function (an import moved into a
    function to dodge a cycle is still a cycle); imports only for type checkers do not run and are left out."""
    edges: dict[str, set[str]] = {}
    for imp in graph.imports:
        if imp.type_checking or is_test(imp.source) or is_test(imp.target):
            continue
        if app_of(imp.source) == app_of(imp.target):
            edges.setdefault(imp.source, set()).add(imp.target)
    return _cycles(set(graph.modules), edges)


#: Reads that record themselves write to the audit trail, the one write package a selector may use.
READ_RECORDER = f"{PACKAGE}.audit.services"


def _is_selector(module: str) -> bool:
    return any(part == "selectors" or part.endswith("_selectors") for part in module.split(".")[2:])


def _is_services(module: str) -> bool:
    return len(module.split(".")) > 2 and module.split(".")[2] == "services"


def selectors_importing_services(graph: Graph) -> list[str]:
    """Selectors (reads) that reach into a services package (writes), other than to record the read."""
    return sorted({f"{i.source}:{i.line} imports {i.target} (a read reaching into writes)"
                   for i in graph.imports if _is_selector(i.source) and not is_test(i.source) and _is_services(i.target)
                   and i.target != READ_RECORDER and not i.type_checking})


def uncommented_function_imports(graph: Graph) -> list[str]:
    """Imports inside a function with no comment saying why they cannot be at the top."""
    found = {f"{i.source}:{i.line} imports {i.target} inside a function without a comment saying why"
             for i in graph.imports if i.in_function and not i.commented and not is_test(i.source)}
    return sorted(found)


def table(graph: Graph) -> str:
    """The app → app table (Markdown), apps highest layer first; each cell counts the importing modules."""
    order = [app for layer in LAYERS for app in layer if app in graph.apps()]
    order += [app for app in graph.apps() if app not in order]
    sources: dict[tuple[str, str], set[str]] = {}
    for (a, b), imps in graph.app_edges().items():
        modules = {i.source for i in imps if not is_test(i.source)}
        if modules:
            sources[(a, b)] = modules
    lines = ["| app | imports (modules importing it) |", "|---|---|"]
    for a in order:
        cells = [f"{b} ({len(sources[(a, b)])})" for b in order if (a, b) in sources]
        lines.append(f"| {a} | {', '.join(cells) or '—'} |")
    return "\n".join(lines)
