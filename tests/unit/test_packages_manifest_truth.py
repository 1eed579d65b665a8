"""tests/data/packages/manifest.json is still true: the independent tools, re-run on the committed corpus, say what
the manifest recorded (auditwheel show, abi3audit, delvewheel show, readelf, llvm-readobj, llvm-objdump, file).

Each check skips through tests/truth.py when its tool (of the recorded version) is missing here, and fails under
LINKGUARD_REQUIRE_TOOLS=1 (CI installs them all). Nothing here imports linkguard: these tests prove the truth that
tests/acceptance/test_packages.py holds linkguard to.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from tests.truth import fixture_path, load_module, missing, require_tool, require_version

PACKAGES = Path(__file__).resolve().parents[1] / "data" / "packages"
MANIFEST: Dict[str, Any] = json.loads((PACKAGES / "manifest.json").read_text())
ENTRIES: List[Dict[str, Any]] = MANIFEST["files"]
packfacts = load_module("lg_packfacts", PACKAGES / "packfacts.py")


def _ids(entries: List[Dict[str, Any]]) -> List[str]:
    return [entry["file"] for entry in entries]


def _with(key: str) -> List[Dict[str, Any]]:
    return [entry for entry in ENTRIES if key in entry["truth"]]


def _python_tool(name: str) -> None:
    """The tool is installed at the version that wrote the manifest (another words its output differently)."""
    require_tool(name, f"re-check the manifest's {name} truth")
    try:
        found = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        missing(f"{name} runs but its distribution is not installed in this Python: cannot check its version")
    recorded = MANIFEST["tools"][name]
    if found != recorded:
        missing(f"{name} is {found}, the manifest was recorded with {recorded}: cannot re-check its truth")


def _binary_tools() -> None:
    for tool, args in (
        ("readelf", ["readelf", "--version"]),
        ("file", ["file", "--version"]),
    ):
        require_version(args, MANIFEST["tools"][tool], f"the corpus' {tool} truth")
    for tool in ("llvm-readobj", "llvm-objdump", "llvm-nm"):
        require_tool(tool, f"re-check the corpus' {tool} truth")
        if packfacts.tool([tool, "--version"]).find(MANIFEST["tools"][tool]) < 0:
            missing(f"{tool} is not {MANIFEST['tools'][tool]!r}: cannot re-check the corpus' {tool} truth")


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_sha256_and_file_list(entry: Dict[str, Any]) -> None:
    path = fixture_path(PACKAGES, entry, "tests/data/packages/fetch.py build")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], f"{path.name} changed without its truth"
    assert packfacts.file_list(packfacts.package_files(path)) == entry["truth"]["files"]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_declared_platform(entry: Dict[str, Any]) -> None:
    """WHEEL's Tag lines and package.json's name/version/os/cpu/libc, as the package file holds them."""
    files = packfacts.package_files(PACKAGES / entry["file"])
    if entry["kind"] == "wheel":
        assert packfacts.wheel_tags(files) == entry["declared"]["tags"]
    else:
        assert packfacts.npm_declared(files) == entry["declared"]


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_binaries_tool_truth(entry: Dict[str, Any]) -> None:
    """readelf / llvm-readobj / llvm-objdump / file on every binary of the package."""
    _binary_tools()
    with tempfile.TemporaryDirectory() as scratch:
        binaries = packfacts.extract(PACKAGES / entry["file"], Path(scratch))
        found = {name: packfacts.binary_truth(binaries[name]) for name in sorted(binaries)}
    assert found == entry["truth"]["binaries"]


@pytest.mark.parametrize("entry", _with("auditwheel_show"), ids=_ids(_with("auditwheel_show")))
def test_auditwheel_show(entry: Dict[str, Any]) -> None:
    _python_tool("auditwheel")
    assert packfacts.auditwheel_truth(PACKAGES / entry["file"]) == entry["truth"]["auditwheel_show"]


@pytest.mark.parametrize("entry", _with("abi3audit"), ids=_ids(_with("abi3audit")))
def test_abi3audit(entry: Dict[str, Any]) -> None:
    _python_tool("abi3audit")
    assert packfacts.abi3audit_truth(PACKAGES / entry["file"]) == entry["truth"]["abi3audit"]


@pytest.mark.parametrize("entry", _with("delvewheel_show"), ids=_ids(_with("delvewheel_show")))
def test_delvewheel_show(entry: Dict[str, Any]) -> None:
    _python_tool("delvewheel")
    assert packfacts.delvewheel_truth(PACKAGES / entry["file"]) == entry["truth"]["delvewheel_show"]


# PEP 600's legacy aliases, as auditwheel's policy files list them.
LEGACY = {"manylinux1": "manylinux_2_5", "manylinux2010": "manylinux_2_12", "manylinux2014": "manylinux_2_17"}


def _policy(platform: str) -> Tuple[str, Tuple[int, ...]]:
    """("manylinux"|"musllinux"|"linux", version) of a platform tag such as manylinux2014_x86_64."""
    for legacy, name in LEGACY.items():
        if platform.startswith(legacy + "_"):
            platform = name + platform[len(legacy) :]
    family, _, rest = platform.partition("_")
    if family not in ("manylinux", "musllinux"):
        return family, ()
    major, minor = rest.split("_")[:2]
    return family, (int(major), int(minor))


def _tag_verdicts() -> List[Tuple[str, bool, bool]]:
    """(file, whether auditwheel finds the declared tag consistent, whether the expected verdicts fire LG106).

    Consistent: the policy auditwheel reports (`overall_tag`, the most compatible the binaries meet) is of the
    declared family and no newer than the oldest declared policy."""
    rows = []
    for entry in _with("auditwheel_show"):
        family, version = _policy(entry["truth"]["auditwheel_show"]["overall_tag"])
        declared = [_policy(tag.rsplit("-", 1)[1]) for tag in entry["declared"]["tags"]]
        consistent = bool(version) and all(f == family and v and version <= v for f, v in declared)
        rows.append((entry["file"], consistent, bool(entry["expected"]["lg106"])))
    return rows


# auditwheel on a host without musl's `/lib/libc.musl-*.so.1` (Debian names it ld-musl-x86_64.so.1) knows no musl
# version and uses the latest policy it has (it warns "can't determine musl libc version"): it reports
# musllinux_1_2 for a wheel whose only need is libc.musl-x86_64.so.1, which musllinux_1_1 equally allows.
AUDITWHEEL_HOST_LIMITED = {"wheels/cffi-1.17.1-cp312-cp312-musllinux_1_1_x86_64.whl"}
# auditwheel 6.8.2 replaces its musllinux policy's `libc.so` with Alpine's libc.musl-<arch>.so.1
# (policy/__init__.py _fixup_musl_libc_soname), so a module linked against upstream musl, which needs `libc.so`,
# is linux_<arch> to it; musl's loader resolves `libc.so` to itself by name (ldso/dynlink.c load_library, reserved
# names) and maturin's audit allows it (PyO3/maturin#642): linkguard expects no LG106 (docs/packages-truth.md).
AUDITWHEEL_MUSL_LIBC_SO = {"wheels/orjson-3.10.12-cp312-cp312-musllinux_1_2_x86_64.whl"}


@pytest.mark.parametrize("row", _tag_verdicts(), ids=[row[0] for row in _tag_verdicts()])
def test_expected_lg106_agrees_with_auditwheel(row: Tuple[str, bool, bool]) -> None:
    """The hand-written LG106 expectation of every Linux wheel is auditwheel's verdict on its declared tag
    (recorded output, so this holds on any host)."""
    file, consistent, lg106 = row
    if file in AUDITWHEEL_HOST_LIMITED:
        assert not consistent and not lg106
        return
    if file in AUDITWHEEL_MUSL_LIBC_SO:
        assert not consistent and not lg106
        return
    assert lg106 == (not consistent), f"{file}: auditwheel says consistent={consistent}, manifest expects LG106={lg106}"


@pytest.mark.parametrize("entry", _with("abi3audit"), ids=_ids(_with("abi3audit")))
def test_expected_lg106_agrees_with_abi3audit(entry: Dict[str, Any]) -> None:
    """An abi3 wheel whose extension abi3audit calls not abi3 must expect LG106 on that extension; one that abi3audit
    passes expects LG106 only when its platform tag fails (auditwheel's verdict, checked above)."""
    for result in entry["truth"]["abi3audit"]["results"]:
        (member,) = [name for name in entry["expected"]["binaries"] if name.rsplit("/", 1)[-1] == result["name"]]
        expected = entry["expected"]["binaries"][member]["lg106"]
        if not result["result"]["is_abi3"]:
            assert expected is True, member
        elif "auditwheel_show" not in entry["truth"] and not _macos_platforms(entry):
            assert expected is False, member  # a macOS tag's verdict is the minos check below


def _macos_platforms(entry: Dict[str, Any]) -> List[Tuple[Tuple[int, int], str]]:
    """(version, arch) of each macosx tag the wheel declares."""
    found = []
    for tag in entry["declared"].get("tags") or []:
        parts = tag.rsplit("-", 1)[1].split("_")
        if parts[0] == "macosx" and len(parts) >= 4:
            found.append(((int(parts[1]), int(parts[2])), "_".join(parts[3:])))
    return found


MACOS = [entry for entry in ENTRIES if entry["kind"] == "wheel" and _macos_platforms(entry)]
# The slices a multi-architecture tag promises (packaging.tags._mac_binary_formats, read backwards).
MACOS_GROUPS = {"universal2": {"x86_64", "arm64"}, "intel": {"x86_64", "i386"}}


def _floor(version: Tuple[int, int], arch: str) -> Tuple[int, int]:
    """No arm64 Mac runs a macOS older than 11.0: an arm64 slice under a 10.x tag is held to 11.0 (delocate 0.12.0
    delocating.py _get_incompatible_libs: `if arch == "arm64" and required_version < Version("11.0")`)."""
    return max(version, (11, 0)) if arch == "arm64" else version


@pytest.mark.parametrize("entry", MACOS, ids=_ids(MACOS))
def test_expected_lg106_agrees_with_the_macos_minos(entry: Dict[str, Any]) -> None:
    """A macOS wheel expects LG106 on a binary exactly when a slice the tag promises is missing or has a minos
    (llvm-objdump's LC_BUILD_VERSION/LC_VERSION_MIN_MACOSX, recorded) above the tag's version for its arch."""
    for member, truth in entry["truth"]["binaries"].items():
        slices = {s["arch"]: tuple(int(p) for p in s["minos"].split(".")[:2]) for s in truth["slices"]}
        keeps = all(
            promised <= set(slices) and all(slices[a] <= _floor(version, a) for a in promised)
            for version, arch in _macos_platforms(entry)
            for promised in [MACOS_GROUPS.get(arch, {arch})]
        )
        assert entry["expected"]["binaries"][member]["lg106"] is (not keeps), (member, slices)


MENTIONING = [entry for entry in ENTRIES if entry["expected"].get("mentions")]


@pytest.mark.parametrize("entry", MENTIONING, ids=_ids(MENTIONING))
def test_expected_mentions_come_from_the_recorded_truth(entry: Dict[str, Any]) -> None:
    """What a finding must name (`expected.mentions`) is in the package's declared platform or its tools' output:
    a symbol version auditwheel listed, a DLL llvm-readobj listed, a minos llvm-objdump printed, a machine."""
    recorded = json.dumps([entry["declared"], entry["truth"]]).lower()
    for code, groups in entry["expected"]["mentions"].items():
        for group in groups:
            assert any(spelling.lower() in recorded for spelling in group), f"{code}: {group} is in no recorded truth"
