"""The import graph of src/linkguard against the table in docs/architecture.md: no upward arrow, no cycle.

Every import counts, at module level, inside a function (lazy imports still couple the layers) or under
`if TYPE_CHECKING:` (a type-only import is still a dependency: two modules that name each other's types are one
module split in two, and a cycle hidden behind TYPE_CHECKING is one a later runtime import completes).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "linkguard"
DOC = ROOT / "docs" / "architecture.md"


def allowed_imports() -> Dict[str, Set[str]]:
    """package -> the packages it may import, from the table between the layers markers of the doc."""
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- layers:begin -->", 1)[1].split("<!-- layers:end -->", 1)[0]
    allowed: Dict[str, Set[str]] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        allowed[cells[0].strip("`")] = set(re.findall(r"`([^`]+)`", cells[2]))
    return allowed


def modules() -> Dict[str, Path]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(("linkguard", *parts))
        found[name.removesuffix(".__init__")] = path
    return found


def imports_of(name: str, path: Path, known: Set[str]) -> Set[str]:
    """linkguard modules that `name` imports (`from pkg import sub` counts as pkg.sub when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("linkguard"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            if not base.startswith("linkguard"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    found.discard(name)
    return found


def component(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def graph() -> Dict[str, Set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def test_every_package_is_in_the_table() -> None:
    allowed = allowed_imports()
    missing = sorted({component(m) for m in modules()} - set(allowed))
    assert not missing, f"add these to the table in docs/architecture.md: {missing}"


def test_no_upward_imports() -> None:
    allowed = allowed_imports()
    wrong: List[Tuple[str, str]] = []
    for module, targets in graph().items():
        mine = component(module)
        permitted = allowed.get(mine, set())
        if "*" in permitted:
            continue
        for target in targets:
            theirs = component(target)
            if theirs != mine and theirs not in permitted:
                wrong.append((module, target))
    assert not wrong, "imports the table in docs/architecture.md does not allow:\n" + "\n".join(
        f"  {a} -> {b}" for a, b in sorted(wrong)
    )


def test_no_import_cycles() -> None:
    edges = graph()
    # A package's __init__ importing its own submodules is how a package exposes them, not a cycle of design:
    # cycles are looked for between modules, with package inits that only re-export left in.
    state: Dict[str, int] = {}
    stack: List[str] = []
    cycles: List[List[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join("  " + " -> ".join(c) for c in cycles)


def test_the_checker_sees_lazy_imports() -> None:
    """The scan pipeline imports archives lazily; the graph must still see that edge."""
    assert "linkguard.inputs.archives" in graph()["linkguard.scan"]


def test_the_checker_sees_type_only_imports() -> None:
    """An import under `if TYPE_CHECKING:` is an edge too: a cycle must not hide behind it."""
    assert "linkguard.inputs.protocol" in graph()["linkguard.inputs.zip"]
