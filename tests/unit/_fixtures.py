"""Shared helpers for tests that read fixture manifests (tests/data/<set>/manifest.json).

Truths come from independent tools recorded by each set's manifest builder; for Go that is the text of
`go version -m`, parsed here into a plain dict (never through linkguard's own parser).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

from linkguard.readers.budget import Budget
from linkguard.readers.elf import ElfImage
from linkguard.readers.source import BytesSource

DATA = Path(__file__).resolve().parents[1] / "data"


def view_of(data: bytes) -> ElfImage:
    """The lead's ImageView implementation over in-memory bytes."""
    return ElfImage(BytesSource(data), Budget())


def manifest_fixtures() -> Iterator[Tuple[Path, Dict[str, Any]]]:
    """(binary path, fixture record) for every fixture of every set that has a manifest."""
    for manifest in sorted(DATA.glob("*/manifest.json")):
        document = json.loads(manifest.read_text())
        for record in document.get("fixtures", []):
            path = manifest.parent / record["file"]
            if path.is_file():
                yield path, record


def original_fixtures() -> Iterator[Tuple[Path, Dict[str, Any]]]:
    """(original binary, record whose truth is the original's) for packed fixtures that keep their original."""
    for manifest in sorted(DATA.glob("*/manifest.json")):
        document = json.loads(manifest.read_text())
        for record in document.get("fixtures", []):
            original = record.get("original_file")
            truth = record.get("truth", {}).get("original")
            if original and isinstance(truth, dict) and (manifest.parent / original).is_file():
                yield manifest.parent / original, {**record, "file": original, "truth": truth}


def go_truth(truth: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """`go version -m` truth normalised to {go_version, path, main, settings[, deps]}, or None when absent.

    Accepts the raw text or the structured form a set's manifest builder wrote ({go_version, path, mod, build
    {key: value as printed}, optional deps}). Settings values are Go-unquoted with Python's literal parser (Go's
    quoting of printable ASCII is a subset of Python's string-literal syntax), never with linkguard's own code.
    """
    value = truth.get("go_version_m")
    if isinstance(value, str) and value.strip():
        return parse_go_version_m(value)
    if not isinstance(value, dict):
        return None
    normal: Dict[str, Any] = {
        "go_version": value.get("go_version", ""),
        "path": value.get("path", ""),
        "settings": {key: _unquote(raw) for key, raw in value.get("build", {}).items()},
    }
    if "mod" in value:
        normal["main"] = value["mod"]
    if isinstance(value.get("deps"), list):
        normal["deps"] = [tuple(dep) if isinstance(dep, list) else dep for dep in value["deps"]]
    return normal


def _unquote(raw: str) -> str:
    return str(ast.literal_eval(raw)) if raw.startswith('"') else raw


def parse_go_version_m(text: str) -> Dict[str, Any]:
    """Parse raw `go version -m` output into {go_version, path, main, settings, deps}; deps are path strings."""
    lines = text.splitlines()
    first = lines[0]
    go_version = first.split(": ", 1)[1].strip() if ": " in first else first.strip()
    result: Dict[str, Any] = {"go_version": go_version, "path": "", "main": None, "settings": {}, "deps": []}
    for line in lines[1:]:
        if not line.startswith("\t"):
            continue
        fields = line[1:].split("\t")
        kind, rest = fields[0], fields[1:]
        if kind == "path":
            result["path"] = "\t".join(rest)
        elif kind == "mod" and rest:
            result["main"] = rest[0]
        elif kind == "dep" and rest:
            result["deps"].append(rest[0])
        elif kind == "build":
            key, _, raw = "\t".join(rest).partition("=")
            result["settings"][key] = _unquote(raw)
    return result
