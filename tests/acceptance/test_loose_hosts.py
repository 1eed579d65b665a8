"""Plugins given alone, outside any wheel or npm package (tests/data/loose-hosts, truth in its manifest):

- a macOS Node addon that registers from a constructor exports no `napi_register_module_v1` (llvm-objdump
  --exports-trie) but leaves `_napi_*` undefined, bound flat (llvm-nm -u, --lazy-bind): its host is Node;
- a Linux extension module that links libpython (readelf -d; auditwheel show says a manylinux wheel must eliminate
  it) is an LG101 error naming libpython with the link fix, alone, in a directory and in a tarball, and a
  `dynamic = true` allowance does not hide it; the same source linked as that fix says (no libpython: auditwheel
  finds nothing, Debian's python3.11 imports it) passes with the allowance a loose plug-in needs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

from linkguard.inputs.files import FileArtifact
from linkguard.limits import Limits
from linkguard.model import MachoFacts
from linkguard.packages.hosts import host_of
from linkguard.readers import read_artifact
from tests.conftest import DATA, run_json
from tests.truth import require_tool

SET = DATA / "loose-hosts"
DOCUMENT = json.loads((SET / "manifest.json").read_text())
ADDONS = [f for f in DOCUMENT["fixtures"] if f["file"].endswith(".node")]
MODULES = {f["file"].split("/")[2]: f for f in DOCUMENT["fixtures"] if f["file"].endswith(".so")}


def _artifacts(*args: str) -> List[Dict[str, Any]]:
    _code, report = run_json(["-j", "1", *args])
    return list(report["artifacts"])


@pytest.mark.parametrize("fixture", ADDONS, ids=[f["file"] for f in ADDONS])
def test_a_macho_addon_registering_from_a_constructor_is_nodes(fixture: Dict[str, Any]) -> None:
    truth = fixture["truth"]
    path = SET / fixture["file"]
    facts = read_artifact(FileArtifact(str(path), str(path), path.stat().st_size), Limits())
    assert isinstance(facts, MachoFacts)
    assert facts.host_entries == () and not [e for e in truth["exports"] if "napi_register" in e]
    undefined = [name for name in truth["llvm_nm_u"] if name.startswith("_napi_")]
    assert list(facts.host_imports) == undefined
    assert set(undefined) <= set(truth["flat_namespace"])
    host = host_of(facts)
    assert host is not None and host.name == fixture["host"] == "node"
    (artifact,) = _artifacts(str(SET / fixture["file"]))
    assert artifact["host"] == "node" and artifact["findings"] == fixture["expect"]


def test_the_recorded_macho_truth_still_holds() -> None:
    nm = require_tool("llvm-nm", "llvm-nm -u lists a Mach-O's undefined symbols")
    for fixture in ADDONS:
        out = subprocess.run([nm, "-u", fixture["file"]], cwd=SET, capture_output=True, text=True, check=True)
        assert out.stdout.split() == fixture["truth"]["llvm_nm_u"]


def _layouts(tmp_path: Path, module: Path) -> List[str]:
    """The module alone, in a plain directory and in a release tarball (the default `tree` package)."""
    directory = tmp_path / "release"
    directory.mkdir()
    shutil.copy(module, directory / module.name)
    tarball = tmp_path / "release.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(directory, arcname="release")
    return [str(module), str(directory), str(tarball)]


def test_a_loose_extension_module_linking_libpython_is_named_with_the_link_fix(tmp_path: Path) -> None:
    fixture = MODULES["embed"]
    assert fixture["truth"]["needed"] == ["libpython3.11.so.1.0"]
    assert fixture["truth"]["auditwheel_eliminate"] == ["libpython3.11.so.1.0"]
    for layout in _layouts(tmp_path, SET / fixture["file"]):
        for allow in ([], ["--allow-dynamic", "*"]):
            (artifact,) = _artifacts(*allow, layout)
            assert artifact["host"] == fixture["host"] == "cpython"
            (finding,) = artifact["findings"]
            assert (finding["code"], finding["remedy"]) == ("LG101", "extension-libpython"), (layout, allow)
            assert "libpython3.11.so.1.0" in finding["message"] and "PyInit_embedmod" in finding["message"]
            assert "without `--embed`" in finding["fix"]


def test_the_module_linked_as_the_fix_says_passes(tmp_path: Path) -> None:
    fixture = MODULES["fixed"]
    assert fixture["truth"]["needed"] == [] and fixture["truth"]["auditwheel_eliminate"] == []
    assert fixture["truth"]["python3_11_import"] == ["42"]
    fix = next(f for f in _artifacts(str(SET / MODULES["embed"]["file"]))[0]["findings"])["fix"]
    assert "$(python3-config --ldflags)" in fix and "--ldflags --embed" in MODULES["embed"]["build"]
    assert "$($CONFIG --ldflags)" in fixture["build"]  # built the way the fix says
    for layout in _layouts(tmp_path, SET / fixture["file"]):
        (artifact,) = _artifacts("--allow-dynamic", "*", layout)
        assert artifact["host"] == "cpython" and artifact["findings"] == fixture["expect"], layout
        (alone,) = _artifacts(layout)  # without the allowance: any shared library shipped alone
        assert [f.get("remedy") for f in alone["findings"]] == ["shared-library"]
