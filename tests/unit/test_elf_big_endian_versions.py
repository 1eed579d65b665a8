"""Symbol-version needs, with the symbols bound to each, read from big-endian ELF files (64-bit s390x, 32-bit MIPS).

readers/elf.py reads the version-symbol array and the symbol table through casts in the host's byte order where
the file's matches it, and through struct otherwise: these files exercise the other path. Truth: binutils'
`readelf -V` and `readelf --dyn-syms -W`, written into tests/data/bigendian/manifest.json by its manifest.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any, Dict

import pytest

from linkguard.limits import Limits
from linkguard.model import ElfFacts
from linkguard.readers import read_artifact
from tests.truth import require_tool

DATA = Path(__file__).resolve().parents[1] / "data" / "bigendian"
MANIFEST: Dict[str, Any] = {
    Path(entry["file"]).name: entry for entry in json.loads((DATA / "manifest.json").read_text())["files"]
}


class _File:
    def __init__(self, path: Path) -> None:
        self.path = self.location = str(path)
        self.size = path.stat().st_size

    def open(self) -> Any:
        return open(self.location, "rb")


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_version_needs_match_readelf(name: str) -> None:
    path = DATA / "bin" / name
    expected = MANIFEST[name]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == expected["sha256"]
    facts = read_artifact(_File(path), Limits())
    assert isinstance(facts, ElfFacts), facts
    assert facts.endian == "big" and facts.bits == (64 if expected["class"] == "ELF64" else 32)
    got = [
        {"library": n.library, "version": n.version, "symbols": list(n.symbols), "weak": n.weak}
        for n in facts.version_needs
    ]
    assert got == expected["version_needs"]


def test_manifest_is_still_what_readelf_says() -> None:
    require_tool("readelf", "re-check the big-endian version needs")
    spec = importlib.util.spec_from_file_location("bigendian_manifest", DATA / "manifest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, entry in MANIFEST.items():
        assert module.needs(DATA / "bin" / name) == entry["version_needs"], name


def test_both_word_sizes_are_covered() -> None:
    assert {entry["class"] for entry in MANIFEST.values()} == {"ELF32", "ELF64"}
    assert all("big endian" in entry["data"] for entry in MANIFEST.values())
