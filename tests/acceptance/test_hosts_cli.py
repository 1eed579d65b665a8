"""End to end: extension modules and addons judged with their host, through the CLI's JSON (the report contract
of issue 18: per artifact `host` and `provisions` [{need, provided_by, path, how, looked}]).

What CPython and Node provide is never LG101: checked on the fixtures of tests/data/hosts, whose import lists
(llvm-readobj) and `delvewheel show` output are recorded in its manifest. These tests need the package and
placement plumbing of issue 18 (scan.py, rules): they pass once it is merged.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from tests.conftest import DATA, run_json

SET = DATA / "hosts"
DOCUMENT = json.loads((SET / "manifest.json").read_text())


def _fixture(file: str) -> Dict[str, Any]:
    return next(f for f in DOCUMENT["fixtures"] if f["file"] == file)


def _artifacts(path: str) -> List[Dict[str, Any]]:
    _code, report = run_json(["--format", "json", "-j", "1", str(SET / path)])
    return list(report["artifacts"])


def _provider(artifact: Dict[str, Any], need: str) -> Any:
    found = [p["provided_by"] for p in artifact.get("provisions", []) if p["need"].lower() == need.lower()]
    assert found, f"{artifact['path']}: no provision for {need} in {artifact.get('provisions')}"
    return found[0]


def _codes(artifact: Dict[str, Any]) -> List[str]:
    return [f["code"] for f in artifact["findings"]]


def test_a_pyd_importing_only_what_cpython_ships_has_no_lg101() -> None:
    fixture = _fixture("bin/wheels/cp312/winmod-1.0-cp312-cp312-win_amd64.whl")
    (pyd,) = [a for a in _artifacts(fixture["file"]) if a["path"].endswith(".pyd")]
    assert pyd.get("host") == "cpython"
    for dll in fixture["truth"]["delvewheel_show"]["assumed_present"]:
        if not dll.startswith("api-ms-win") and dll != "kernel32.dll":
            assert _provider(pyd, dll) == "host:cpython", dll
    assert "LG101" not in _codes(pyd)


def test_a_bare_node_addon_gets_node_exe_from_its_host() -> None:
    (addon,) = _artifacts("bin/windows/addon.node")
    assert addon.get("host") == "node"
    assert _provider(addon, "NODE.EXE") == "host:node"
    assert "LG101" not in _codes(addon)


def test_msvcp140_stays_a_finding_with_the_delvewheel_fix_until_it_is_bundled() -> None:
    before = _fixture("bin/wheels/msvcp-before/winmod-1.0-cp312-cp312-win_amd64.whl")
    assert before["truth"]["delvewheel_show"]["copied"] == ["msvcp140.dll"]
    (pyd,) = [a for a in _artifacts(before["file"]) if a["path"].endswith(".pyd")]
    assert _provider(pyd, "python312.dll") == "host:cpython"
    assert _provider(pyd, "msvcp140.dll") is None
    (finding,) = [f for f in pyd["findings"] if f["code"] == "LG101"]
    assert "msvcp140.dll" in finding["message"] and "vcruntime140.dll" not in finding["message"].lower()
    assert finding["remedy"] == "cpython-bundle-dll" and "delvewheel repair" in finding["fix"]

    after = _fixture("bin/wheels/msvcp-repaired/winmod-1.0-cp312-cp312-win_amd64.whl")
    bundled = next(n for n in after["truth"]["zipinfo"] if n.startswith("winmod.libs/msvcp140-"))
    assert bundled.split("/")[-1] in after["truth"]["pyd"]["imports"]  # llvm-readobj: the renamed import
    (pyd,) = [a for a in _artifacts(after["file"]) if a["path"].endswith(".pyd")]
    assert _provider(pyd, bundled.split("/")[-1]) == f"bundled:{bundled}"
    assert "LG101" not in _codes(pyd)
