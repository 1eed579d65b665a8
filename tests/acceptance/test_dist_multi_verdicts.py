"""A goreleaser-shaped dist/ (linux, windows, darwin; amd64, arm64; one UPX-packed): one verdict per binary that
agrees with the manifest's tool truth (readelf, objdump, llvm-objdump, upx -l, go version -m), none skipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

from tests.conftest import DATA, run_json

SET = DATA / "dist-multi"
DOCUMENT = json.loads((SET / "manifest.json").read_text())
EXECUTABLE = ("elf", "pe", "macho")


def _by_path() -> Dict[str, Dict[str, Any]]:
    _, report = run_json(["-j", "1", str(SET / "dist")])
    return {a["path"]: a for a in report["artifacts"]}


def test_every_binary_has_one_verdict_that_agrees_with_the_truth() -> None:
    artifacts = _by_path()
    checked = 0
    for entry in DOCUMENT["files"]:
        truth = entry["truth"]
        path = str(SET / entry["file"])
        if truth["format"] == "zip":
            members = [a for p, a in artifacts.items() if p.startswith(path + "!")]
            assert [Path(a["path"].split("!", 1)[1]).name for a in members] == [
                Path(m).name for m in truth["members"] if m.endswith(".exe") or "." not in Path(m).name
            ]
            checked += len(members)
            continue
        if truth["format"] not in EXECUTABLE:
            assert path not in artifacts
            continue
        artifact = artifacts[path]
        checked += 1
        assert artifact["format"] == truth["format"]
        packed = bool((truth.get("upx_l") or {}).get("ok"))
        codes = [f["code"] for f in artifact["findings"]]
        assert ("LG201" in codes) == packed, (entry["file"], codes)
        assert codes == (["LG201"] if packed else []), (entry["file"], artifact["findings"])
        go = truth.get("go_version_m") or []
        builds = [line.split("\t", 2)[1] for line in go if line.startswith("build\t")]
        settings = dict(b.split("=", 1) for b in builds if "=" in b)
        if go and truth["format"] != "elf":
            toolchain = artifact["toolchain"]
            assert toolchain is not None and toolchain["go"] is not None, entry["file"]
            assert toolchain["go"]["path"] == go[0].split("\t")[1]
            for key in ("CGO_ENABLED", "GOOS", "GOARCH"):
                assert toolchain["go"]["settings"].get(key) == settings.get(key)
    assert checked >= 7
