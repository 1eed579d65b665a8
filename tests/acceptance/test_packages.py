"""Real wheels and npm packages through `linkguard --format json`, against tests/data/packages/manifest.json.

The corpus is what packagers published (fetched and slimmed by tests/data/packages/fetch.py) and packages derived
from it there. The expectations are the manifest's `expected` blocks: literal data written by hand from the tools'
truth recorded beside them (auditwheel show, abi3audit, delvewheel show, llvm-readobj --coff-imports, llvm-objdump
--macho, readelf; re-checked by tests/unit/test_packages_manifest_truth.py), never from linkguard's output.

What issue 18 promises and these tests hold linkguard to, per package and per binary in it:
- `package`: kind, name, version, declared tags / os / cpu / libc, root (the package file given);
- `host` of a module whose exports name it (PyInit_*: CPython; napi_register_module_v1: Node.js) or, for a Windows
  addon that exports neither, its delay import of node.exe;
- `provisions`: who provides every need (`os`, `host:cpython`, `host:node`, `bundled:<path in the package>`, or
  null with where the loader looked), a bundled file being the package's own member;
- every binary is an artifact of its own (a bundled library is itself checked);
- LG101 fires only on a need nobody provides; LG106 exactly where the declared platform promises more than the
  binaries deliver (auditwheel's verdict on the declared tag, abi3audit, the PE machine, the Mach-O minos, npm cpu);
- no other finding names a library the host provides or the package bundles.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Dict, List, Optional

import pytest

from tests.conftest import DATA, run_json

PACKAGES = DATA / "packages"
MANIFEST: Dict[str, Any] = json.loads((PACKAGES / "manifest.json").read_text())
ENTRIES: List[Dict[str, Any]] = MANIFEST["files"]
IDS = [entry["file"] for entry in ENTRIES]


def _normalized(name: Optional[str]) -> Optional[str]:
    """A distribution name as PEP 503 compares them (MarkupSafe == markupsafe)."""
    return re.sub(r"[-_.]+", "-", name).lower() if name else name


@functools.cache
def _report(relative: str) -> Dict[str, Any]:
    path = PACKAGES / relative
    if not path.is_file():
        pytest.fail(f"package missing: {path} (committed; rebuilt by tests/data/packages/fetch.py)")
    _, report = run_json(["-j", "1", str(path)])
    return report


def _artifacts(entry: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """The report's artifacts by their path inside the package file (the part after `!`)."""
    report = _report(entry["file"])
    prefix = f"{PACKAGES / entry['file']}!"
    found: Dict[str, Dict[str, Any]] = {}
    for artifact in report["artifacts"]:
        assert artifact["path"].startswith(prefix), f"{artifact['path']} is not a member of {entry['file']}"
        found[artifact["path"][len(prefix) :]] = artifact
    return found


def _root(entry: Dict[str, Any]) -> str:
    """The package's display path: the wheel file; for an npm tarball its `package/` folder (`x.tgz!package`)."""
    path = str(PACKAGES / entry["file"])
    return f"{path}!package" if entry["kind"] == "npm" else path


def _codes(artifact: Dict[str, Any]) -> List[str]:
    return [finding["code"] for finding in artifact["findings"]]


def _provision(artifact: Dict[str, Any], need: str) -> Dict[str, Any]:
    matches = [p for p in artifact.get("provisions") or [] if p["need"].lower() == need.lower()]
    assert len(matches) == 1, f"{artifact['path']}: want one provision for {need}, got {matches}"
    return matches[0]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_every_binary_is_an_artifact(entry: Dict[str, Any]) -> None:
    """Each binary of the package, bundled libraries included, is checked as an artifact of its own."""
    assert sorted(_artifacts(entry)) == sorted(entry["expected"]["binaries"])


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_package(entry: Dict[str, Any]) -> None:
    expected = entry["expected"]["package"]
    for member, artifact in _artifacts(entry).items():
        package = artifact.get("package")
        assert package, f"{member}: no package"
        assert package["kind"] == expected["kind"], member
        assert _normalized(package["name"]) == _normalized(expected["name"]), member
        assert package["version"] == expected["version"], member
        assert package["root"] == _root(entry), member
        assert sorted(package["tags"]) == sorted(expected["tags"]), member
        for key in ("os", "cpu", "libc"):
            assert list(package[key] or []) == expected[key], f"{member}: {key}"


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_host(entry: Dict[str, Any]) -> None:
    """Asserted where the manifest names a host: from the exports readelf/llvm-nm/llvm-readobj list, or a Windows
    addon's delay import of node.exe (a bundled library and an addon that exports nothing have no `host` there)."""
    artifacts = _artifacts(entry)
    checked = {m: b["host"] for m, b in entry["expected"]["binaries"].items() if "host" in b}
    if not checked:
        pytest.skip(f"{entry['file']}: no binary whose host its exports or imports name")
    for member, host in checked.items():
        assert artifacts[member].get("host") == host, member


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_provisions(entry: Dict[str, Any]) -> None:
    artifacts = _artifacts(entry)
    file = str(PACKAGES / entry["file"])
    for member, expected in entry["expected"]["binaries"].items():
        artifact = artifacts[member]
        for need, provider in expected["provided_by"].items():
            provision = _provision(artifact, need)
            wanted = provider if isinstance(provider, list) else [provider]
            assert provision["provided_by"] in wanted, f"{member}: {need} provided by {provision['provided_by']}"
            if isinstance(provider, str) and provider.startswith("bundled:"):
                assert provision["path"] == f"{file}!{provider[len('bundled:') :]}", f"{member}: {need}"
                assert provision["how"], f"{member}: {need}: bundled without the search rule that found it"
            if provider is None:
                assert provision["looked"], f"{member}: {need} resolves nowhere, and where the loader looked is empty"


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_lg101_only_for_what_nobody_provides(entry: Dict[str, Any]) -> None:
    artifacts = _artifacts(entry)
    for member, expected in entry["expected"]["binaries"].items():
        assert ("LG101" in _codes(artifacts[member])) == expected["lg101"], (member, artifacts[member]["findings"])


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_lg106_platform_tag(entry: Dict[str, Any]) -> None:
    artifacts = _artifacts(entry)
    fired = {member for member, artifact in artifacts.items() if "LG106" in _codes(artifact)}
    assert bool(fired) == entry["expected"]["lg106"], (entry["file"], sorted(fired))
    for member, expected in entry["expected"]["binaries"].items():
        if expected["lg106"] is not None:
            assert (member in fired) == expected["lg106"], (member, artifacts[member]["findings"])


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_no_finding_names_a_provided_library(entry: Dict[str, Any]) -> None:
    """A library the host provides or the package bundles is never the subject of a finding (LG106 may name
    python312.dll: importing it is what breaks an abi3 promise)."""
    artifacts = _artifacts(entry)
    for member, expected in entry["expected"]["binaries"].items():
        provided = [
            need
            for need, provider in expected["provided_by"].items()
            if isinstance(provider, str) and provider.startswith(("host:", "bundled:"))
        ]
        for finding in artifacts[member]["findings"]:
            if finding["code"] == "LG106":
                continue
            text = " ".join([finding["message"], *(finding.get("evidence") or [])]).lower()
            named = [need for need in provided if need.lower() in text]
            assert not named, f"{member}: {finding['code']} names provided {named}: {finding['message']}"


def test_corpus_covers_the_issue() -> None:
    """The corpus keeps the shapes issue 18 names (a package dropped by a rebuild would silently narrow it)."""
    tags = {tag.rsplit("-", 1)[1] for entry in ENTRIES for tag in entry["declared"].get("tags", [])}
    for wanted in (
        "manylinux1_x86_64",
        "manylinux2014_aarch64",
        "manylinux2014_i686",
        "manylinux_2_28_aarch64",
        "manylinux_2_34_x86_64",
        "musllinux_1_2_x86_64",
        "linux_x86_64",
        "win_amd64",
        "win32",
        "win_arm64",
        "macosx_10_9_x86_64",
        "macosx_11_0_arm64",
        "macosx_10_9_universal2",
    ):
        assert wanted in tags, wanted
    files = [name for entry in ENTRIES for name in entry["truth"]["files"]]
    assert any("/.dylibs/" in name for name in files), "no delocate'd .dylibs/"
    assert any(re.match(r"[^/]+\.libs/msvcp140-[0-9a-f]+\.dll$", name) for name in files), "no delvewheel .libs/"
    assert any(re.match(r"[^/]+\.libs/lib.+\.so", name) for name in files), "no auditwheel .libs/"
    assert any("/prebuilds/" in name for name in files), "no node-gyp-build prebuilds/"
    macos_x86_64_breaks = [
        entry["file"]
        for entry in ENTRIES
        if entry["expected"]["lg106"]
        and any("macosx" in tag for tag in entry["declared"].get("tags", []))
        and any(s["arch"] == "x86_64" for b in entry["truth"]["binaries"].values() for s in b.get("slices", []))
    ]
    assert macos_x86_64_breaks, "no macosx wheel whose x86_64 slice needs a newer macOS than its tag"
    libcs = {tuple(entry["declared"].get("libc") or ()) for entry in ENTRIES if entry["kind"] == "npm"}
    assert {("glibc",), ("musl",)} <= libcs


MENTIONING = [entry for entry in ENTRIES if entry["expected"].get("mentions")]


@pytest.mark.parametrize("entry", MENTIONING, ids=[entry["file"] for entry in MENTIONING])
def test_findings_name_the_promise_and_the_need(entry: Dict[str, Any]) -> None:
    """A derived package's finding names what its tag promises and what the binary needs, in the tools' words:
    the symbol version auditwheel lists, the DLL llvm-readobj lists, the minos llvm-objdump prints, the PE machine.
    `mentions` holds, per code, groups of which at least one spelling must appear in that code's findings."""
    artifacts = _artifacts(entry)
    for code, groups in entry["expected"]["mentions"].items():
        texts = [
            " ".join([finding["message"], *(finding.get("evidence") or [])]).lower()
            for artifact in artifacts.values()
            for finding in artifact["findings"]
            if finding["code"] == code
        ]
        assert texts, f"{entry['file']}: no {code}"
        text = " ".join(texts)
        for group in groups:
            assert any(spelling.lower() in text for spelling in group), f"{entry['file']}: {code} names none of {group}"
