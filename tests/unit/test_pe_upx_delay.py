"""tests/data/pe-upx-delay: UPX-packed DLLs whose delay-import directory points into the packed data.

Issue 15 item 5: such a DLL was LG901 "corrupt PE" instead of LG201 upx-packed. Packing is now looked for
before the import tables are read, and what the packing hides (the original's delay-loaded DLLs) is reported
as such. Truth (manifest.json, make_manifest.py): `upx -l` under UPX 3.94 and 4.2.4, `upx -d` + `llvm-readobj
--coff-imports` of the unpacked copy, `llvm-readobj` failing on the packed file, `file -b`.
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from tests.conftest import DATA, load_manifest, run_json
from tests.truth import fixture_path, load_module, missing, require_tool, require_version

SET = DATA / "pe-upx-delay"
MANIFEST = json.loads((SET / "manifest.json").read_text())
FIXTURES = load_manifest(SET / "manifest.json")
IDS = [f["name"] for f in FIXTURES]
pf = load_module("lg_pefacts_delay", DATA / "pe" / "pefacts.py")

# The verdict per fixture, from the truth: the originals delay-load mylib.dll (llvm-readobj DelayImport), a DLL
# no Windows ships; the packed ones are what `upx -l` lists as UPX-packed win32/pe or win64/pe.
VERDICTS = {
    "delayload-x86_64.dll": ["LG101"],
    "upx394-delayload-x86_64.dll": ["LG201"],
    "upx4-delayload-x86_64.dll": ["LG201"],
    "delayload-i686.dll": ["LG101"],
    "upx394-delayload-i686.dll": ["LG201"],
    "upx4-delayload-i686.dll": ["LG201"],
}
UPX_VERSION = {"upx394": "3.94", "upx4": "4.2.4"}


def test_the_truth_says_what_the_packing_hides() -> None:
    for fx in FIXTURES:
        truth = fx["truth"]
        if fx["packer"] is None:
            assert [d["name"] for d in truth["readobj_coff_imports"]["delay_imports"]] == ["mylib.dll"]
            continue
        assert truth["objdump"]["directories"]["delay_import"]["size"] == 64  # kept as the original had it
        assert truth["readobj_coff_imports"]["exit_code"] != 0  # llvm-readobj cannot follow it
        hidden = truth["upx_d"]["readobj_coff_imports"]["delay_imports"]
        assert [(d["name"], d["symbols"]) for d in hidden] == [("mylib.dll", ["mylib_add"])]
        assert truth["upx_d"]["ok"]  # (upx -d rebuilds a working DLL, not byte-identical to the original)


@pytest.mark.parametrize("fx", FIXTURES, ids=IDS)
def test_verdict_and_facts(fx: Dict[str, Any]) -> None:
    path = fixture_path(SET, fx, "tests/data/pe-upx-delay/build.sh")
    assert pf.sha256(str(path)) == fx["sha256"]
    _, report = run_json(["-j", "1", str(path)])
    (artifact,) = report["artifacts"]
    assert sorted(f["code"] for f in artifact["findings"]) == VERDICTS[fx["name"]]
    pe = artifact["pe"]
    truth = fx["truth"]
    assert pe["pe_format"] == truth["objdump"]["magic"]
    if fx["packer"] is None:
        assert [i["dll"] for i in pe["imports"] if i["kind"] == "delay"] == ["mylib.dll"]
        assert artifact["packing"] is None
        return
    packing = artifact["packing"]
    listed = truth["upx_l"][fx["packer"]]
    assert listed["ok"] and packing["format"] == listed["format"]
    assert packing["version"] == UPX_VERSION[fx["packer"]]
    assert any("delay-import directory points into the packed data" in e for e in packing["evidence"])


@pytest.mark.parametrize("fx", FIXTURES, ids=IDS)
def test_truth_rechecked(fx: Dict[str, Any]) -> None:
    path = str(fixture_path(SET, fx, "tests/data/pe-upx-delay/build.sh"))
    require_version(["file", "--version"], MANIFEST["tools"]["file"], "`file -b` of the packed delay-load DLLs")
    assert pf.file_b(path) == fx["truth"]["file"]
    require_tool("llvm-readobj", "re-check llvm-readobj --coff-imports")
    found = pf.tool_version("llvm-readobj")
    if found != MANIFEST["tools"]["llvm-readobj"]:
        missing(f"llvm-readobj is {found!r}, the manifest has {MANIFEST['tools']['llvm-readobj']!r}")
    imports, _ = pf.readobj_coff_imports(path)
    assert imports["exit_code"] == fx["truth"]["readobj_coff_imports"]["exit_code"]
    assert [d["name"] for d in imports["delay_imports"]] == [
        d["name"] for d in fx["truth"]["readobj_coff_imports"]["delay_imports"]
    ]
