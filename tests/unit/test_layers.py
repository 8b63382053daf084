"""The import graph of lib/ runs one way: core → metrics → domains → warm-up → ingest → ui → tools.

Checked over the source with ``ast`` (nothing is imported): no cycle between modules, no import of a
higher layer, and no ``lib`` import inside a function (the old way of dodging a cycle).
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "lib"
DOMAINS = ("diagnosis", "tiering", "channels", "team", "pdca", "related")
LAYERS = ["core", "metrics", "domain", "warmup", "ingest", "ui", "tool"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(mod: str) -> str:
    parts = mod.split(".")
    if len(parts) == 1:
        return "core"
    top = parts[1]
    if top in ("core", "metrics", "warmup", "ingest", "ui"):
        return "tool" if mod in ("lib.ingest.samples", "lib.ingest.__main__") else top
    if top in DOMAINS:
        return "ui" if parts[-1] == "ui" else "domain"
    return "tool"  # lib.demo, lib.docs: command-line tools above everything


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in LIB.rglob("*.py") if "__pycache__" not in p.parts}


def imports(path: Path, known: set[str]) -> list[tuple[str, int, bool]]:
    """(imported lib module, line, inside a function) for every lib import of one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, in_func: bool):
        for child in ast.iter_child_nodes(node):
            inner = in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("lib") \
                    and child.level == 0:
                for alias in child.names:
                    target = f"{child.module}.{alias.name}"
                    found.append((target if target in known else child.module, child.lineno, in_func))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("lib."):
                        found.append((alias.name, child.lineno, in_func))
            visit(child, inner)
    visit(tree, False)
    return [(m, line, f) for m, line, f in found if m in known]


def graph() -> tuple[nx.DiGraph, dict]:
    mods = modules()
    g = nx.DiGraph()
    where = {}
    for name, path in mods.items():
        g.add_node(name)
        for target, line, in_func in imports(path, set(mods)):
            if target != name and not name.startswith(target + "."):
                g.add_edge(name, target)
                where[(name, target)] = (f"{path.relative_to(ROOT)}:{line}", in_func)
    return g, where


def test_no_import_cycle():
    g, where = graph()
    cycles = list(nx.simple_cycles(g))
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c + [c[0]]) for c in cycles[:5])


def test_imports_never_point_to_a_higher_layer():
    g, where = graph()
    upward = [f"{where[(a, b)][0]}: {a} ({layer(a)}) imports {b} ({layer(b)})"
              for a, b in g.edges if LAYERS.index(layer(b)) > LAYERS.index(layer(a))]
    assert not upward, "\n".join(upward)


def test_domains_do_not_import_each_others_ui():
    g, where = graph()
    bad = [where[(a, b)][0] for a, b in g.edges
           if layer(b) == "ui" and b.split(".")[1] in DOMAINS and a.split(".")[1] != b.split(".")[1]
           and layer(a) != "tool"]
    assert not bad, bad


def test_no_lib_import_inside_a_function():
    g, where = graph()
    inside = sorted(loc for (a, b), (loc, in_func) in where.items() if in_func and layer(a) != "tool")
    assert not inside, "function-level lib imports (hoist them; a cycle means a layer is wrong):\n" + "\n".join(inside)


@pytest.mark.parametrize("page", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_hold_no_sql_and_no_pandas(page):
    text = page.read_text(encoding="utf-8")
    assert "import pandas" not in text and "import duckdb" not in text
    assert not any(kw in text for kw in ("SELECT ", "execute(", ".groupby(", ".merge(", ".pivot")), page.name
