"""End to end: `linkguard --format json` on the tags fixtures' wheels and npm packages reports each artifact's
`package` (kind, name, version, root, tags, os, cpu, libc) and LG106 exactly where the manifest says a promise is
broken (auditwheel's verdict for Linux wheels, llvm-objdump's and llvm-readobj's facts for the others).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import DATA, run_json

SET = DATA / "tags"
MANIFEST: Dict[str, Any] = json.loads((SET / "manifest.json").read_text())


def _artifact(report: Dict[str, Any], suffix: str) -> Dict[str, Any]:
    found = [a for a in report["artifacts"] if a["path"].endswith(suffix)]
    assert len(found) == 1, [a["path"] for a in report["artifacts"]]
    artifact = found[0]
    assert "package" in artifact, artifact["path"]
    return artifact


def _codes(artifact: Dict[str, Any]) -> List[str]:
    return [f["code"] for f in artifact["findings"]]


@pytest.mark.parametrize("record", MANIFEST["wheels"], ids=[w["file"] for w in MANIFEST["wheels"]])
def test_wheel(record: Dict[str, Any]) -> None:
    wheel = SET / record["file"]
    _, report = run_json([str(wheel)])
    artifact = _artifact(report, "!" + record["member"])
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read("demo-1.0.dist-info/WHEEL").decode()
    declared = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")]
    package = artifact["package"]
    assert (package["kind"], package["name"], package["version"]) == ("wheel", "demo", "1.0")
    assert package["tags"] == declared and package["root"] == str(wheel)
    assert ("LG106" in _codes(artifact)) == (not record["consistent"]), record["why"]
    for bundled in record["bundled"]:
        library = _artifact(report, "!" + bundled)
        assert "LG106" not in _codes(library) and "LG101" not in _codes(library)


@pytest.mark.parametrize("record", MANIFEST["npm"], ids=[n["dir"] for n in MANIFEST["npm"]])
def test_npm_package(record: Dict[str, Any]) -> None:
    folder = SET / record["dir"]
    _, report = run_json([str(folder)])
    artifact = _artifact(report, record["member"])
    fields = json.loads((folder / "package.json").read_text())
    package = artifact["package"]
    assert (package["kind"], package["name"], package["version"]) == ("npm", fields["name"], fields["version"])
    for key in ("os", "cpu", "libc"):
        assert package[key] == fields.get(key, [])
    assert ("LG106" in _codes(artifact)) == (not record["consistent"]), record["why"]
    assert Path(package["root"]).name == folder.name


@pytest.mark.parametrize("record", MANIFEST["npm"], ids=[n["tarball"] for n in MANIFEST["npm"]])
def test_npm_tarball(record: Dict[str, Any]) -> None:
    """The same package as `npm pack` made it: members under `package/`."""
    _, report = run_json([str(SET / record["tarball"])])
    artifact = _artifact(report, "!package/" + record["member"])
    assert artifact["package"]["kind"] == "npm"
    assert ("LG106" in _codes(artifact)) == (not record["consistent"]), record["why"]
