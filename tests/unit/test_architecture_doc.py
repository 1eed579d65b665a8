"""docs/architecture.md names the code as it is: every module path and every `module.name` it cites exists.

The layer table has its own test (test_layers.py); this one keeps the prose honest, so that a rename or a removal
that leaves the map behind fails here instead of misleading the next maintainer.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import Dict, List, Optional

import linkguard

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
SRC = ROOT / "src" / "linkguard"
CODE = re.findall(r"`([^`\n]+)`", DOC)


def _modules() -> Dict[str, List[str]]:
    """Every linkguard module by its full name and by each dotted suffix of it (`members` -> inputs.members)."""
    names: Dict[str, List[str]] = {}
    for info in pkgutil.walk_packages(linkguard.__path__, "linkguard."):
        parts = info.name.split(".")[1:]
        for i in range(len(parts)):
            names.setdefault(".".join(parts[i:]), []).append(info.name)
    return names


MODULES = _modules()


def _resolve(reference: str) -> Optional[object]:
    """The object `pkg.module.name[.attr]` names, trying the longest module prefix first; None if nothing."""
    parts = reference.split(".")
    for cut in range(len(parts), 0, -1):
        for module_name in MODULES.get(".".join(parts[:cut]), []):
            found: object = importlib.import_module(module_name)
            for attr in parts[cut:]:
                found = getattr(found, attr, None)
                if found is None:
                    break
            if found is not None:
                return found
    return None


def test_every_cited_source_path_exists() -> None:
    paths = {c for c in CODE if re.fullmatch(r"[\w/]+\.py|[\w]+/(?:[\w]+/)*", c)}
    missing = []
    for path in sorted(paths):
        candidates = [SRC / path, ROOT / path, SRC / "readers" / path, SRC / "inputs" / path, SRC / "report" / path]
        candidates += [SRC / "rules" / path, SRC / "targets" / path, SRC / "resolve" / path, SRC / "remedies" / path]
        candidates += [SRC / "readers" / "upx" / path, ROOT / "tests" / "unit" / path]
        if not any(c.exists() for c in candidates):
            missing.append(path)
    assert not missing, f"docs/architecture.md cites files that do not exist: {missing}"
    assert len(paths) > 20  # the check looks at what the doc really cites


def test_every_cited_module_name_exists() -> None:
    """`magic.sniff`, `scan.check_candidate`, `model.Artifact`, ...: each resolves to something in the code."""
    references = {
        c.rstrip("()")
        for c in CODE
        if re.fullmatch(r"[a-z_]\w*(?:\.\w+)+(?:\(\))?", c) and c.split(".")[0] in {k.split(".")[0] for k in MODULES}
    }
    references = {r for r in references if not r.endswith((".py", ".json", ".md", ".toml", ".yml"))}
    unresolved = sorted(r for r in references if _resolve(r) is None)
    assert not unresolved, f"docs/architecture.md names what the code does not have: {unresolved}"
    assert len(references) > 20


def test_the_doc_would_catch_a_stale_name() -> None:
    """The checker itself: a name that is gone is reported."""
    assert _resolve("magic.sniff") is not None
    assert _resolve("layout._File") is None  # one bounded reader: seekable.Window
    assert _resolve("native.Malformed") is None  # one exception for bad input: readers.corrupt.Corrupt
    assert _resolve("scan.NOT_ELF") is None  # one skip reason: inputs.members.NOT_INSPECTED
