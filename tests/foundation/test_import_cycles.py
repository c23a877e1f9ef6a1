"""No import cycles: between the project's top-level packages and modules (core, bot, admin_bot,
sandbox, bench, webhook, ...), and between core's subpackages and modules (core.accounts,
core.escrow, core.db, ...). Built from the source with ``ast``; an import inside a function or
under ``if TYPE_CHECKING`` counts like any other, so a cycle cannot be hidden from this test."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {"tests", "migrations", ".venv", "docs", "locales", "data"}


def project_modules() -> dict[str, Path]:
    """Dotted name -> file of every module of the project outside tests and migrations."""
    modules: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP or rel.parts[0].startswith("."):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The project modules ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from core import escrow` imports the module core.escrow when there is one
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target:
                yield target


def component(module: str) -> str:
    """The unit a cycle is looked for between: core's subpackages and modules, else the top level."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "core" and len(parts) > 1 else parts[0]


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        source = component(name)
        for target in imported(name, path, modules):
            dest = component(target)
            if dest != source:
                graph.setdefault(source, set()).add(dest)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for succ in graph.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert {"webhook", "bootstrap", "core.escrow", "core.wallet", "admin_bot"} <= set(graph)  # the graph was built
    found = cycles(graph)
    detail = [
        " <-> ".join(group) + ": " + "; ".join(f"{a} -> {b}" for a in group for b in sorted(graph[a] & set(group)))
        for group in found
    ]
    assert not found, "import cycles:\n" + "\n".join(detail)


def test_the_check_sees_cycles_through_function_imports(tmp_path: Path) -> None:
    """The same machinery on a two-module project whose loop closes inside a function."""
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from a import x\n")
    modules = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    graph = {name: set(imported(name, path, modules)) for name, path in modules.items()}
    assert cycles(graph) == [["a", "b"]]
