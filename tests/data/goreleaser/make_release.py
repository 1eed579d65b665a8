"""Stand-in for `goreleaser build --snapshot --clean` where goreleaser cannot be installed.

Runs the `go build` commands that project/.goreleaser.yaml asks goreleaser for (same env, -trimpath,
-buildvcs=false, -s -w, GOAMD64=v1 / GOARM64=v8.0 defaults, dist/<id>_<goos>_<goarch>_<variant>/<binary><ext>
layout) and writes
dist/artifacts.json and dist/metadata.json in goreleaser v2's shape: one object per artifact with name, path
(relative to the project), goos, goarch, the variant key, target, internal_type, type and extra.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

# (build id, goos, goarch, extra env), as in .goreleaser.yaml; goreleaser's default variants per goarch.
BUILDS = (
    ("hello", "linux", "amd64", {"CGO_ENABLED": "0"}),
    ("hello", "windows", "amd64", {"CGO_ENABLED": "0"}),
    ("hello", "darwin", "arm64", {"CGO_ENABLED": "0"}),
    ("hello-cgo", "linux", "arm64", {"CGO_ENABLED": "1", "CC": "aarch64-linux-gnu-gcc"}),
)
VARIANT = {"amd64": ("goamd64", "GOAMD64", "v1"), "arm64": ("goarm64", "GOARM64", "v8.0")}
BINARY_TYPE = 4  # goreleaser's internal_type for a build output
METADATA_TYPE = 30


def build(project: Path) -> List[Dict[str, Any]]:
    entries: List[Dict[str, Any]] = [
        {"name": "metadata.json", "path": "dist/metadata.json", "internal_type": METADATA_TYPE, "type": "Metadata"}
    ]
    for build_id, goos, goarch, env in BUILDS:
        key, env_name, variant = VARIANT[goarch]
        target = f"{goos}_{goarch}_{variant}"
        ext = ".exe" if goos == "windows" else ""
        relative = f"dist/{build_id}_{target}/hello{ext}"
        output = project / relative
        output.parent.mkdir(parents=True, exist_ok=True)
        command = ["go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", str(output), "."]
        environment = {**os.environ, "GOOS": goos, "GOARCH": goarch, env_name: variant, **env}
        subprocess.run(command, cwd=project, env=environment, check=True)
        entries.append(
            {
                "name": f"hello{ext}",
                "path": relative,
                "goos": goos,
                "goarch": goarch,
                key: variant,
                "target": target,
                "internal_type": BINARY_TYPE,
                "type": "Binary",
                "extra": {"Binary": "hello", "Builder": "go", "Ext": ext, "ID": build_id},
            }
        )
    return entries


def main(project: Path) -> None:
    entries = build(project)
    dist = project / "dist"
    (dist / "artifacts.json").write_text(json.dumps(entries, indent=2) + "\n")
    metadata = {"project_name": "hello", "tag": "v0.0.0", "version": "0.0.0-SNAPSHOT-none", "runtime": {}}
    (dist / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
