#!/usr/bin/env python3
"""A goreleaser release of a cgo C shared library (`buildmode: c-shared`), and its truth.

    python tests/data/goreleaser-cshared/make_release.py

Stands in for `goreleaser build --snapshot --clean` on project/.goreleaser.yaml (goreleaser is not installed
here): runs the `go build -buildmode=c-shared` goreleaser runs for that build (CGO_ENABLED=1, the host gcc,
-trimpath, -buildvcs=false, -s -w, GOAMD64=v1) into goreleaser's dist layout, and writes dist/artifacts.json with
the fields goreleaser documents for it (name, path, goos, goarch, goamd64, target, type, extra), the shared library
as type "C Shared Library" and the header go writes beside it as "C Header" (the artifact types of goreleaser's
"Artifacts" page). Then records the library's truth from readelf and `file` (tests/data/upx/elffacts.py, shared
with the other fixture sets) in manifest.json. Never imports linkguard.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "project"
TARGET = "linux_amd64_v1"
OUT = f"dist/hellolib_{TARGET}"
READELF_KEYS = ("readelf_machine", "type", "interpreter", "needed", "version_needs", "max_versions", "linkage")


def elffacts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("upx_elffacts", HERE.parent / "upx" / "elffacts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build() -> List[Dict[str, Any]]:
    output = PROJECT / OUT / "libhello.so"
    output.parent.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "GOOS": "linux",
        "GOARCH": "amd64",
        "GOAMD64": "v1",
        "CGO_ENABLED": "1",
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOWORK": "off",
    }
    command = ["go", "build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"]
    subprocess.run([*command, "-o", str(output), "."], cwd=PROJECT, env=environment, check=True)
    common = {"goos": "linux", "goarch": "amd64", "goamd64": "v1", "target": TARGET}
    extra = {"Binary": "libhello", "Builder": "go", "ID": "hellolib"}
    return [
        {"name": "metadata.json", "path": "dist/metadata.json", "type": "Metadata"},
        {
            "name": "libhello.so",
            "path": f"{OUT}/libhello.so",
            **common,
            "type": "C Shared Library",
            "extra": {**extra, "Ext": ".so"},
        },
        {"name": "libhello.h", "path": f"{OUT}/libhello.h", **common, "type": "C Header", "extra": extra},
    ]


def main() -> None:
    entries = build()
    dist = PROJECT / "dist"
    (dist / "artifacts.json").write_text(json.dumps(entries, indent=2) + "\n")
    metadata = {"project_name": "hellolib", "tag": "v0.0.0", "version": "0.0.0-SNAPSHOT-none", "runtime": {}}
    (dist / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    facts = elffacts()
    library = PROJECT / OUT / "libhello.so"
    data = library.read_bytes()
    everything = facts.readelf_facts(str(library))
    manifest = {
        "generated_by": "tests/data/goreleaser-cshared/make_release.py",
        "listing_produced_by": "make_release.py (goreleaser not installed)",
        "toolchain": {
            "go": subprocess.run(["go", "version"], capture_output=True, text=True, check=True).stdout.strip(),
            "gcc": subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=True)
            .stdout.splitlines()[0]
            .strip(),
        },
        "artifacts_json_entries": entries,
        "libraries": [
            {
                "file": str(library.relative_to(HERE)),
                "listed_type": "C Shared Library",
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "file_b": facts.file_b(str(library)),
                "readelf": {key: everything[key] for key in READELF_KEYS},
            }
        ],
        "not_checked": {"project/dist/hellolib_linux_amd64_v1/libhello.h": "C Header: a text file, not a program"},
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
