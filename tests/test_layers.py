"""The layers of the code, stated as rules on import arrows.

Every module of ``scoring/``, ``ui/``, ``pages/`` and ``app.py`` is parsed (not imported) and each
``import`` it holds, at the top or inside a function, is an arrow from it to the project module it
names. The rules, lowest layer first:

- ``scoring.domain`` (the agency's vocabulary) imports nothing from the project;
- ``scoring.stats`` (generic statistics) imports only the domain;
- ``scoring.agency`` (the agency's rules) imports stats and domain;
- ``scoring.importing`` (reading files) imports agency, stats and domain;
- ``scoring.store`` (the only SQL) imports agency, stats and domain; two bridges may import
  ``scoring.importing``: ``scoring.store.importer``, since it writes the rows that package read and checked,
  and ``scoring.store.import_mappings``, since it stores only a mapping that package reads without a fault;
- ``scoring.demo`` (the demo generator) imports the store and what lies below it;
- ``scoring.reports`` (what one page shows) imports the store and what lies below it;
- ``scoring.cli`` may import any of ``scoring``;
- ``ui`` (Streamlit glue) imports ``scoring`` except the command line;
- ``pages`` import ``ui``, ``scoring.reports`` (what they read, with the labels and thresholds they
  state) and ``scoring.store`` (what they write, each function checking the acting account); never the
  vocabulary, the statistics, the rules or the file readers, which reach a page through its report;
- ``app.py`` imports ``ui`` only;
- nothing under ``scoring`` imports Streamlit, and no module imports ``pages`` or ``app``;
- no two modules import each other, directly or round a longer loop (imports under ``if TYPE_CHECKING:``
  do not count for loops, since they never run).

Arrows that broke these rules when they were written down sit in ``KNOWN_VIOLATIONS`` and
``KNOWN_CYCLES``. Those sets only shrink: a listed arrow that no longer exists fails the suite until it
is struck from the list, so a fixed arrow cannot quietly come back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_TOPS = ("scoring", "ui", "pages", "app")

# The layer of a module is the one of its longest listed package; the root ``scoring`` package holds
# only a docstring and counts as part of every layer of scoring.
LAYERS: dict[str, str] = {
    "scoring.domain": "domain",
    "scoring.stats": "stats",
    "scoring.agency": "agency",
    "scoring.importing": "importing",
    "scoring.store": "store",
    "scoring.demo": "demo",
    "scoring.reports": "reports",
    "scoring.cli": "cli",
    "ui": "ui",
    "pages": "pages",
    "app": "app",
}
PACKAGE_ROOT = "scoring"

BELOW_STORE = frozenset({"agency", "stats", "domain"})
ALLOWED: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "stats": frozenset({"domain"}),
    "agency": frozenset({"stats", "domain"}),
    "importing": frozenset({"agency", "stats", "domain"}),
    "store": BELOW_STORE,
    "demo": BELOW_STORE | {"store"},
    "reports": BELOW_STORE | {"store"},
    "cli": BELOW_STORE | {"importing", "store", "demo", "reports"},
    "ui": BELOW_STORE | {"importing", "store", "demo", "reports"},
    "pages": frozenset({"ui", "reports", "store"}),
    "app": frozenset({"ui"}),
}

# One module allowed an arrow its layer is not, with the reason.
BRIDGES: dict[tuple[str, str], str] = {
    ("scoring.store.importer", "importing"): "writes the rows scoring.importing read and checked",
    ("scoring.store.import_mappings", "importing"): "stores only a mapping scoring.importing reads without a fault",
}

# (importing module, imported module) arrows that broke the rules when the rules were written, all of
# them pages reaching past their reports into the rules, the statistics or the file readers for a
# constant, a type or a refusal to catch; strike each one out when it is fixed. None is left: pages take
# their words from their reports, their account type from ui.access, their uploads from ui.uploads and
# their refusals from ui.writes.
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()

# Modules importing each other round a loop when the rules were written, each loop as its sorted
# members (each closed by an import inside a function); strike each one out when it is broken.
KNOWN_CYCLES: frozenset[tuple[str, ...]] = frozenset()


@dataclass(frozen=True)
class Arrow:
    """One import: ``source`` names ``target`` at ``line`` of ``path``."""

    source: str
    target: str
    path: str
    line: int
    type_only: bool


def module_name(path: Path) -> str:
    """The dotted name of a project file (``scoring/store/__init__.py`` is ``scoring.store``)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> list[Path]:
    """Every Python file of the application, tests and scripts left out."""
    files = [path for top in ("scoring", "ui", "pages") for path in sorted((ROOT / top).rglob("*.py"))]
    return [*files, ROOT / "app.py"]


def layer_of(module: str) -> str | None:
    """The layer a module belongs to, or None when no listed package holds it."""
    if module == PACKAGE_ROOT:
        return PACKAGE_ROOT
    holders = [package for package in LAYERS if module == package or module.startswith(package + ".")]
    return LAYERS[max(holders, key=len)] if holders else None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, type_only: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement under ``tree``, with whether it sits under ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, type_only
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.body:
                yield from _imports(ast.Module(body=[statement], type_ignores=[]), True)
            for statement in child.orelse:
                yield from _imports(ast.Module(body=[statement], type_ignores=[]), type_only)
        else:
            yield from _imports(child, type_only)


def arrows_in(source: str, module: str, path: str, is_package: bool, modules: set[str]) -> list[Arrow]:
    """The project modules that the code ``source`` of ``module`` imports.

    ``from a.b import c`` points at ``a.b.c`` when that is a module of ``modules``, otherwise at ``a.b``;
    relative imports are resolved against the module's package.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[Arrow] = []
    for node, type_only in _imports(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            targets = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem for alias in node.names]
        for target in targets:
            if target.split(".")[0] in PROJECT_TOPS or target.split(".")[0] == "streamlit":
                found.append(Arrow(module, target, path, node.lineno, type_only))
    return found


def all_arrows() -> list[Arrow]:
    files = project_files()
    modules = {module_name(path) for path in files}
    arrows: list[Arrow] = []
    for path in files:
        arrows += arrows_in(
            path.read_text(encoding="utf-8"),
            module_name(path),
            str(path.relative_to(ROOT)),
            path.name == "__init__.py",
            modules,
        )
    return arrows


def forbidden(arrow: Arrow) -> str | None:
    """Why ``arrow`` breaks the layers, or None when it keeps them."""
    source_layer = layer_of(arrow.source)
    if arrow.target.split(".")[0] == "streamlit":
        return "nothing under scoring imports Streamlit" if arrow.source.startswith("scoring") else None
    target_layer = layer_of(arrow.target)
    if source_layer is None or target_layer is None:
        return None  # reported by test_every_module_has_a_layer
    if source_layer == target_layer or target_layer == PACKAGE_ROOT:
        return None
    if target_layer in ALLOWED.get(source_layer, frozenset()):
        return None
    if (arrow.source, target_layer) in BRIDGES:
        return None
    allowed = ", ".join(sorted(ALLOWED.get(source_layer, frozenset()))) or "nothing else from the project"
    return f"the {source_layer} layer may import only {allowed}"


def violations(arrows: list[Arrow]) -> dict[tuple[str, str], list[str]]:
    """Each forbidden (module, target) pair, with every place it is imported and why it is forbidden."""
    found: dict[tuple[str, str], list[str]] = {}
    for arrow in arrows:
        reason = forbidden(arrow)
        if reason is not None:
            places = found.setdefault((arrow.source, arrow.target), [])
            place = f"{arrow.path}:{arrow.line} ({reason})"
            if place not in places:
                places.append(place)
    return found


def cycles(arrows: list[Arrow]) -> set[tuple[str, ...]]:
    """Groups of modules that import each other round a loop (Tarjan's strongly connected components)."""
    graph: dict[str, set[str]] = {}
    for arrow in arrows:
        if not arrow.type_only and arrow.source != arrow.target and layer_of(arrow.target) is not None:
            graph.setdefault(arrow.source, set()).add(arrow.target)
            graph.setdefault(arrow.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: set[tuple[str, ...]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                loops.add(tuple(sorted(members)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return loops


@pytest.fixture(scope="module")
def arrows() -> list[Arrow]:
    return all_arrows()


def test_every_module_has_a_layer():
    homeless = [module_name(path) for path in project_files() if layer_of(module_name(path)) is None]
    assert not homeless, f"modules outside every layer (add their package to LAYERS): {homeless}"


def test_imports_follow_the_layers(arrows):
    new = {pair: places for pair, places in violations(arrows).items() if pair not in KNOWN_VIOLATIONS}
    lines = [f"{source} imports {target}: {'; '.join(places)}" for (source, target), places in sorted(new.items())]
    assert not new, "imports against the layers:\n" + "\n".join(lines)


def test_known_violations_still_occur(arrows):
    fixed = sorted(KNOWN_VIOLATIONS - set(violations(arrows)))
    assert not fixed, f"these arrows are gone or allowed now; strike them from KNOWN_VIOLATIONS: {fixed}"


def test_no_import_cycles(arrows):
    new = sorted(cycles(arrows) - KNOWN_CYCLES)
    lines = [" <-> ".join(loop) for loop in new]
    assert not new, "modules importing each other round a loop:\n" + "\n".join(lines)


def test_known_cycles_still_occur(arrows):
    broken = sorted(KNOWN_CYCLES - cycles(arrows))
    assert not broken, f"these loops are broken now; strike them from KNOWN_CYCLES: {broken}"


# The checker itself, on made-up modules.

MODULES = {"scoring.stats.agreement", "scoring.store.db", "scoring.store.local_copy", "scoring.store"}


def test_a_statistic_importing_the_store_is_named_with_its_target():
    arrows = arrows_in("from scoring.store.db import Database\n", "scoring.stats.agreement", "a.py", False, MODULES)
    assert violations(arrows) == {
        ("scoring.stats.agreement", "scoring.store.db"): ["a.py:1 (the stats layer may import only domain)"]
    }


def test_an_import_inside_a_function_counts():
    source = "def f():\n    import streamlit as st\n    return st\n"
    arrows = arrows_in(source, "scoring.stats.agreement", "a.py", False, MODULES)
    assert list(violations(arrows)) == [("scoring.stats.agreement", "streamlit")]


def test_a_name_from_a_package_points_at_its_module():
    arrows = arrows_in("from scoring.store import db, Database\n", "ui.context", "u.py", False, MODULES)
    assert [arrow.target for arrow in arrows] == ["scoring.store.db", "scoring.store"]


def test_relative_imports_are_resolved():
    arrows = arrows_in("from .db import Database\n", "scoring.store.local_copy", "s.py", False, MODULES)
    assert [arrow.target for arrow in arrows] == ["scoring.store.db"]


def test_two_modules_importing_each_other_are_a_loop_unless_only_for_types():
    both_ways = [
        Arrow("scoring.store.db", "scoring.store.local_copy", "a.py", 1, False),
        Arrow("scoring.store.local_copy", "scoring.store.db", "b.py", 1, False),
    ]
    assert cycles(both_ways) == {("scoring.store.db", "scoring.store.local_copy")}
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from scoring.store.db import Database\n"
    typed = arrows_in(source, "scoring.store.local_copy", "b.py", False, MODULES)
    assert cycles([both_ways[0], *typed]) == set()
