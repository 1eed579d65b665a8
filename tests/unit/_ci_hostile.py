"""Real fixture binaries copied under names that CI systems would read as commands, for the report tests.

Which fixture is dynamic and which static comes from tests/data/elf/manifest.json (readelf truth), never from
linkguard. The names: a GitHub workflow command at the start of a line, an Azure Pipelines logging command in a
file name, in a directory name and as an archive member.
"""

from __future__ import annotations

import json
import re
import shutil
import tarfile
from pathlib import Path
from typing import Dict, List

ELF = Path(__file__).resolve().parents[1] / "data" / "elf"
GITHUB_NAME = "::error title=forged::x"
AZURE_NAME = "##vso[task.setvariable variable=X]1"
AZURE_DIR = "##vso[task.complete result=Succeeded]done"
AZURE_MEMBER = "bin/##vso[task.setvariable variable=Y]2"


def truth(file: str) -> Dict[str, object]:
    manifest = json.loads((ELF / "manifest.json").read_text(encoding="utf-8"))
    (fixture,) = [f for f in manifest["fixtures"] if f["file"] == file]
    result: Dict[str, object] = fixture["truth"]
    return result


DYNAMIC = "bin/gcc-glibc-dynamic-libm"
STATIC = "bin/musl-gcc-static"


def hostile_tree(root: Path) -> List[str]:
    """Writes the tree under `root`; returns the display paths (relative to root) of the dynamic copies."""
    assert truth(DYNAMIC)["linkage"] == "dynamic" and truth(STATIC)["linkage"] == "static"
    (root / AZURE_DIR).mkdir(parents=True)
    shutil.copy(ELF / DYNAMIC, root / GITHUB_NAME)
    shutil.copy(ELF / DYNAMIC, root / AZURE_NAME)
    shutil.copy(ELF / DYNAMIC, root / AZURE_DIR / "tool")
    shutil.copy(ELF / STATIC, root / "static-tool")
    (root / "README.txt").write_text("not a binary\n", encoding="utf-8")
    with tarfile.open(root / "release.tar.gz", "w:gz") as archive:
        archive.add(ELF / DYNAMIC, arcname=AZURE_MEMBER)
    return [GITHUB_NAME, AZURE_NAME, f"{AZURE_DIR}/tool", f"release.tar.gz!{AZURE_MEMBER}"]


# What each CI system would execute: GitHub at the start of a (trimmed) line, Azure anywhere in a line.
_GITHUB_COMMAND = re.compile(r"^\s*::[a-z-]+")
_AZURE_COMMAND = re.compile(r"##(vso)?\[")


def ci_commands(text: str) -> List[str]:
    """The lines of `text` that GitHub Actions or Azure Pipelines would treat as commands."""
    return [line for line in text.splitlines() if _GITHUB_COMMAND.match(line) or _AZURE_COMMAND.search(line)]
