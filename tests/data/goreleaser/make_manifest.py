"""Record the goreleaser fixture's truth from independent tools: sha256, `file -b`, readelf, `go version -m`.

Usage: python3 make_manifest.py <this directory> <what produced artifacts.json>. Never imports linkguard; the
readelf parsing is tests/data/upx/elffacts.py's, shared with the other fixture sets.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Optional

READELF_KEYS = ("readelf_machine", "type", "interpreter", "needed", "version_needs", "max_versions", "linkage")
GO_SETTINGS = ("GOOS", "GOARCH", "GOAMD64", "GOARM64", "CGO_ENABLED", "-trimpath", "-ldflags")


def elffacts(here: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("upx_elffacts", here.parent / "upx" / "elffacts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def go_version_m(path: Path) -> Dict[str, Any]:
    """The Go version and the build settings `go version -m` prints for one binary."""
    text = subprocess.run(["go", "version", "-m", str(path)], capture_output=True, text=True, check=True).stdout
    first = text.splitlines()[0]
    settings = dict(re.findall(r"^\s+build\s+(\S+?)=(.*)$", text, re.M))
    return {"go": first.split(": ", 1)[1].strip(), "settings": {k: settings[k] for k in GO_SETTINGS if k in settings}}


def describe(here: Path, path: Path, facts: ModuleType) -> Dict[str, Any]:
    data = path.read_bytes()
    entry: Dict[str, Any] = {
        "file": str(path.relative_to(here)),
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "file_b": facts.file_b(str(path)),
        "go_version_m": go_version_m(path),
    }
    elf: Optional[Dict[str, Any]] = None
    if data[:4] == b"\x7fELF":
        everything = facts.readelf_facts(str(path))
        elf = {key: everything[key] for key in READELF_KEYS}
    entry["readelf"] = elf
    return entry


def main(here: Path, producer: str) -> None:
    facts = elffacts(here)
    dist = here / "project" / "dist"
    listing = json.loads((dist / "artifacts.json").read_text())
    binaries: List[Dict[str, Any]] = []
    for item in listing:
        if item.get("type") != "Binary":
            continue
        entry = describe(here, here / "project" / item["path"], facts)
        entry["listed"] = {k: item.get(k) for k in ("name", "path", "goos", "goarch", "target")}
        binaries.append(entry)
    go = subprocess.run(["go", "version"], capture_output=True, text=True, check=True).stdout.strip()
    cc = subprocess.run(["aarch64-linux-gnu-gcc", "--version"], capture_output=True, text=True, check=True)
    manifest = {
        "about": "goreleaser fixture: truth from sha256, file -b, readelf and go version -m; see build.sh",
        "listing_produced_by": producer,
        "toolchain": {"go": go, "aarch64-linux-gnu-gcc": cc.stdout.splitlines()[0]},
        "artifacts_json_entries": len(listing),
        "binaries": binaries,
    }
    (here / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), sys.argv[2])
