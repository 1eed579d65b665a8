"""The goreleaser-shaped dist/ (tests/data/dist-multi) still matches its manifest.

sha256 and checksums.txt are always checked; the per-format tool truth (readelf, objdump -p, llvm-readobj,
llvm-objdump --macho, file, upx -l, go version -m) is re-run when every tool is present, else skipped with the
reason (failed under LINKGUARD_REQUIRE_TOOLS=1).  Never imports linkguard.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.truth import load_module, missing

SET = Path(__file__).resolve().parents[1] / "data" / "dist-multi"
MANIFEST = json.loads((SET / "manifest.json").read_text())
FILES: List[Dict[str, Any]] = MANIFEST["files"]
BINARIES = [f for f in FILES if "goos" in f]
mm = load_module("lg_dist_multi_manifest", SET / "make_manifest.py")
TOOLS = ("readelf", "objdump", "llvm-readobj", "llvm-objdump", "file", "zipinfo", "go")


def _ids(files: List[Dict[str, Any]]) -> List[str]:
    return [f["file"] for f in files]


@pytest.mark.parametrize("fx", FILES, ids=_ids(FILES))
def test_sha256_and_size(fx: Dict[str, Any]) -> None:
    path = SET / fx["file"]
    assert path.stat().st_size == fx["size"]
    assert mm.pf.sha256(str(path)) == fx["sha256"]


def test_checksums_txt_lists_every_file() -> None:
    listed = dict(reversed(line.split("  ", 1)) for line in (SET / "dist" / "checksums.txt").read_text().splitlines())
    want = {f["file"][len("dist/") :]: f["sha256"] for f in FILES if not f["file"].endswith("checksums.txt")}
    assert listed == want


@pytest.mark.parametrize("fx", FILES, ids=_ids(FILES))
def test_tool_truth(fx: Dict[str, Any]) -> None:
    absent = [t for t in TOOLS if mm.pf.which(t) is None]
    upx4 = mm.pf.find_upx("LINKGUARD_UPX4")
    if upx4 is None or mm.pf.upx_version(upx4) != MANIFEST["tools"]["upx4"]:
        absent.append("UPX 4.2.4 ($LINKGUARD_UPX4)")
    if mm.pf.tool_version("file") != MANIFEST["tools"]["file"]:
        absent.append(f"file ({MANIFEST['tools']['file']})")
    if absent:
        missing(f"cannot re-check dist-multi truth without {', '.join(absent)}")
    cwd = os.getcwd()
    os.chdir(SET)
    try:
        assert mm.truth_of(fx["file"], upx4) == fx["truth"]
    finally:
        os.chdir(cwd)


def test_release_shape_and_verdict_facts() -> None:
    """Six Go binaries (3 OS x 2 arch), none needing a library beyond its OS; exactly one UPX-packed."""
    assert sorted((f["goos"], f["goarch"]) for f in BINARIES) == sorted(
        (o, a) for o in ("linux", "windows", "darwin") for a in ("amd64", "arm64")
    )
    packed = [f["file"] for f in BINARIES if f["truth"]["upx_l"]["ok"]]
    assert packed == ["dist/gohello_windows_amd64_v1/gohello.exe"]
    for f in BINARIES:
        t = f["truth"]
        assert t["format"] == {"linux": "elf", "windows": "pe", "darwin": "macho"}[f["goos"]]
        if t["format"] == "elf":
            assert t["readelf"]["needed"] == [] and t["readelf"]["interpreter"] is None
        elif t["format"] == "pe":
            assert [d.lower() for d in t["objdump"]["dll_names"]] == ["kernel32.dll"]
        else:
            assert all(d["name"].startswith("/usr/lib/") for s in t["slices"] for d in s["dylibs"])
        assert "build\tCGO_ENABLED=0" in t["go_version_m"] or f["file"] in packed
