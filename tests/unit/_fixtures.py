"""Shared helpers for tests that read fixture manifests (tests/data/<set>/manifest.json).

Truths come from independent tools recorded by each set's manifest builder; for Go that is the text of
`go version -m`, parsed here into a plain dict (never through linkguard's own parser).
"""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from linkguard.inspect.budget import Budget
from linkguard.inspect.elf import ElfImage

DATA = Path(__file__).resolve().parents[1] / "data"


def view_of(data: bytes) -> ElfImage:
    """The lead's ImageView implementation over in-memory bytes."""
    return ElfImage(io.BytesIO(data), len(data), Budget())


def manifest_fixtures() -> Iterator[Tuple[Path, Dict[str, Any]]]:
    """(binary path, fixture record) for every fixture of every set that has a manifest."""
    for manifest in sorted(DATA.glob("*/manifest.json")):
        document = json.loads(manifest.read_text())
        for record in document.get("fixtures", []):
            path = manifest.parent / record["file"]
            if path.is_file():
                yield path, record


def go_version_m_text(truth: Dict[str, Any]) -> Optional[str]:
    """The raw `go version -m` output recorded in a truth, whatever key the set's builder used."""
    for key in ("go_version_m", "go_version_m_output", "go_buildinfo_text"):
        value = truth.get(key)
        if isinstance(value, str) and value.strip():
            return value
    nested = truth.get("go")
    if isinstance(nested, dict):
        return go_version_m_text(nested)
    return None


def parse_go_version_m(text: str) -> Dict[str, Any]:
    """Parse `go version -m` output into {go_version, path, main, deps, settings}.

    Modules are (path, version, sum, replacement-or-None) tuples. Go-quoted settings are decoded with Python's
    literal parser (Go's quoting of printable ASCII is a subset of Python's string-literal syntax).
    """
    lines = text.splitlines()
    first = lines[0]
    go_version = first.split(": ", 1)[1].strip() if ": " in first else first.strip()
    result: Dict[str, Any] = {"go_version": go_version, "path": "", "main": None, "deps": [], "settings": []}
    deps: List[List[Any]] = []
    last: Optional[List[Any]] = None
    for line in lines[1:]:
        if not line.startswith("\t"):
            continue
        fields = line[1:].split("\t")
        kind = fields[0]
        rest = [*fields[1:], "", "", ""]
        if kind == "path":
            result["path"] = "\t".join(fields[1:])
        elif kind in ("mod", "dep"):
            last = [rest[0], rest[1], rest[2], None]
            if kind == "mod":
                result["main"] = last
            else:
                deps.append(last)
        elif kind == "=>" and last is not None:
            last[3] = (rest[0], rest[1], rest[2], None)
            last = None
        elif kind == "build":
            key, _, value = "\t".join(fields[1:]).partition("=")
            if value.startswith('"'):
                value = ast.literal_eval(value)
            result["settings"].append((key, value))
    result["deps"] = [tuple(dep) for dep in deps]
    if result["main"] is not None:
        result["main"] = tuple(result["main"])
    return result
