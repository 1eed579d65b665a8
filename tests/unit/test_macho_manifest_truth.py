"""The Mach-O fixture manifest (tests/data/macho/manifest.json) still matches its binaries.

sha256 is always checked.  llvm-objdump --macho, file, go version -m and upx -l/-t are re-run when present and
compared with the recorded truth; a missing tool skips with its reason, or fails when LINKGUARD_REQUIRE_TOOLS=1
(CI).  Never imports linkguard or a Mach-O library: these facts are the yardstick linkguard is measured against.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.truth import load_module, missing

SET = Path(__file__).resolve().parents[1] / "data" / "macho"
MANIFEST = json.loads((SET / "manifest.json").read_text())
FIXTURES: List[Dict[str, Any]] = MANIFEST["fixtures"]
BY_NAME = {f["name"]: f for f in FIXTURES}
mf = load_module("lg_machofacts", SET / "machofacts.py")
pf = mf.pf


def _ids(fixtures: List[Dict[str, Any]]) -> List[str]:
    return [f["name"] for f in fixtures]


def _need(tool: str) -> str:
    path = pf.which(tool)
    if path is None:
        missing(f"{tool} is not installed: cannot re-check the Mach-O manifest's {tool} truth")
    return str(path)


def _same_version(tool: str) -> bool:
    return bool(pf.tool_version(tool) == MANIFEST["tools"][tool])


def _path(fx: Dict[str, Any]) -> str:
    path = SET / fx["file"]
    assert path.is_file(), f"{fx['file']} is missing (committed fixture; rebuild with tests/data/macho/build.sh)"
    return str(path)


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_sha256_and_size(fx: Dict[str, Any]) -> None:
    path = _path(fx)
    assert os.path.getsize(path) == fx["size"]
    assert pf.sha256(path) == fx["sha256"], f"{fx['name']} changed since the manifest was written"


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_llvm_objdump_facts(fx: Dict[str, Any]) -> None:
    _need("llvm-objdump")
    truth = mf.macho_truth(_path(fx))
    for key in ("universal", "slices", "dylibs_used"):
        assert truth[key] == fx["truth"][key], f"{fx['name']}: llvm-objdump {key} drifted"
    if _same_version("llvm-objdump"):
        assert truth["raw"] == fx["truth"]["raw"]


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_file_description(fx: Dict[str, Any]) -> None:
    _need("file")
    if not _same_version("file"):
        missing(
            f"file is {pf.tool_version('file')!r}, the manifest used {MANIFEST['tools']['file']!r}: its wording differs"
        )
    assert pf.file_b(_path(fx)) == fx["truth"]["file"]


GO = [f for f in FIXTURES if f["truth"]["go_version_m"]]


@pytest.mark.parametrize("fx", GO, ids=_ids(GO))
def test_go_build_info(fx: Dict[str, Any]) -> None:
    _need("go")
    got, want = pf.go_version_m(_path(fx)), fx["truth"]["go_version_m"]
    assert got is not None, "go version -m found no build info"
    if pf.run(["go", "version"]).stdout.strip() != MANIFEST["tools"]["go"]:
        # another Go may print more build settings; the module and the target settings must still agree
        stable = ("path\t", "mod\t", "build\tCGO_ENABLED=", "build\tGOOS=", "build\tGOARCH=")
        got, want = [ln for ln in got if ln.startswith(stable)], [ln for ln in want if ln.startswith(stable)]
    assert got == want


def test_go_cgo_links_the_homebrew_dylib() -> None:
    assert "/opt/homebrew/lib/libfoo.dylib" in _dylibs("go-cgo-darwin-arm64-homebrew")
    assert "build\tCGO_ENABLED=1" in BY_NAME["go-cgo-darwin-arm64-homebrew"]["truth"]["go_version_m"]
    assert "build\tCGO_ENABLED=0" in BY_NAME["go-darwin-arm64"]["truth"]["go_version_m"]


@pytest.mark.parametrize("key,env", [("upx394", "LINKGUARD_UPX"), ("upx4", "LINKGUARD_UPX4")])
def test_upx_list_and_test(key: str, env: str) -> None:
    upx = pf.find_upx(env)
    if upx is None or pf.upx_version(upx) != MANIFEST["tools"][key]:
        missing(f"${env} does not name {MANIFEST['tools'][key]}: cannot re-check upx -l/-t truth")
    for fx in FIXTURES:
        path = _path(fx)
        got = pf.upx_list(upx, path)
        want = fx["truth"]["upx_l"][key]
        if not want["ok"] and "Assertion" in want["message"]:
            # UPX 3.94 aborts on a UPX 4 Mach-O; the assertion text carries its build path, compare the outcome
            assert not got["ok"] and "Assertion" in got["message"], fx["name"]
        else:
            assert got == want, fx["name"]
        if fx["packer"] == key:
            assert pf.upx_test(upx, path) == fx["truth"]["upx_t"], fx["name"]
            original = str(SET / fx["original"]) if fx["original"] else None
            unpacked, out = pf.upx_decompress(upx, path, original)
            if out is not None:
                unpacked["slices"] = mf.unpacked_summary(out)
                os.unlink(out)
            assert unpacked == fx["truth"]["upx_d"], fx["name"]


# ------------------------------------------------------------------ what the set claims (checked on the truth)


def _slices(name: str) -> List[Dict[str, Any]]:
    return list(BY_NAME[name]["truth"]["slices"])


def _dylibs(name: str) -> List[str]:
    return [d["name"] for d in _slices(name)[0]["dylibs"]]


def test_third_party_paths_rpath_and_weak() -> None:
    assert "/opt/homebrew/lib/libfoo.dylib" in _dylibs("usefoo-homebrew")
    assert "/usr/local/lib/libfoo.dylib" in _dylibs("usefoo-usrlocal-x86_64")
    assert _slices("libfoo-homebrew.dylib")[0]["id_dylib"] == "/opt/homebrew/lib/libfoo.dylib"
    assert _slices("libfoo-rpath.dylib")[0]["id_dylib"] == "@rpath/libfoo.dylib"
    rp = _slices("usefoo-rpath")[0]
    assert "@rpath/libfoo.dylib" in _dylibs("usefoo-rpath") and rp["rpaths"] == ["@executable_path/../lib"]
    weak = _slices("useweak-homebrew")[0]["dylibs"]
    assert {"command": "LC_LOAD_WEAK_DYLIB", "name": "/opt/homebrew/lib/libfoo.dylib"} in weak
    used = BY_NAME["useweak-homebrew"]["truth"]["dylibs_used"][0]["dylibs"]
    assert {"name": "/opt/homebrew/lib/libfoo.dylib", "markers": ["weak"]} in used


def test_clean_builds_link_only_system_paths() -> None:
    clean = ("zig-c-arm64", "zig-c-x86_64", "zig-cxx-arm64", "zig-cxx-x86_64", "lld-plugin-x86_64.bundle")
    for name in (*clean, "go-darwin-amd64", "go-darwin-arm64"):
        assert all(d.startswith(("/usr/lib/", "/System/Library/")) for d in _dylibs(name)), name


def test_os_floors() -> None:
    assert _slices("zig-c-arm64-macos11")[0]["build_version"]["minos"] == "11.0"
    old = _slices("zig-c-x86_64-macos10.13")[0]
    assert old["build_version"] is None and old["version_min_macosx"]["version"] == "10.13"
    assert "LC_VERSION_MIN_MACOSX" in old["load_commands"]
    assert all(s["build_version"]["platform"] == "macos" for s in _slices("go-darwin-arm64"))


def test_universal_slices_disagree() -> None:
    t = BY_NAME["universal-disagree"]["truth"]
    assert t["universal"]["nfat_arch"] == 2
    by_arch = {s["architecture"]: [d["name"] for d in s["dylibs"]] for s in t["slices"]}
    assert "/opt/homebrew/lib/libfoo.dylib" in by_arch["arm64"]
    assert by_arch["x86_64"] == ["/usr/lib/libSystem.B.dylib"]
    floors = {s["architecture"]: s["build_version"]["minos"] for s in BY_NAME["universal-clean"]["truth"]["slices"]}
    assert floors == {"arm64": "11.0", "x86_64": "12.0"}


def test_lld_bundle_and_reexport() -> None:
    assert _slices("lld-plugin.bundle")[0]["filetype"] == "BUNDLE"
    reexport = _slices("lld-libreexport.dylib")[0]
    assert {"command": "LC_REEXPORT_DYLIB", "name": "/opt/homebrew/lib/libfoo.dylib"} in reexport["dylibs"]
    assert reexport["id_dylib"] == "@rpath/libreexport.dylib"
    used = BY_NAME["lld-libreexport.dylib"]["truth"]["dylibs_used"][0]["dylibs"]
    assert any(d["markers"] == ["reexport"] for d in used)


NEGATIVES: List[Dict[str, Any]] = MANIFEST["negatives"]


@pytest.mark.parametrize("fx", NEGATIVES, ids=_ids(NEGATIVES))
def test_java_class_files_share_the_fat_magic_but_are_not_macho(fx: Dict[str, Any]) -> None:
    path = _path(fx)
    assert pf.sha256(path) == fx["sha256"]
    with open(path, "rb") as fh:
        assert fh.read(4) == bytes.fromhex("cafebabe")
    assert fx["truth"]["file"].startswith("compiled Java class data")
    assert fx["truth"]["llvm_objdump"]["output"] == ["FILE: is not an object file"]
    _need("llvm-objdump")
    assert mf.not_macho(path) == fx["truth"]["llvm_objdump"]
    if _same_version("file"):
        assert pf.file_b(path) == fx["truth"]["file"]


EDGE: List[Dict[str, Any]] = MANIFEST["edge"]
EDGE_BY_NAME = {f["name"]: f for f in EDGE}


@pytest.mark.parametrize("fx", EDGE, ids=_ids(EDGE))
def test_edge_files_match_llvm_objdump(fx: Dict[str, Any]) -> None:
    path = _path(fx)
    assert pf.sha256(path) == fx["sha256"]
    _need("llvm-objdump")
    truth = mf.macho_truth(path)
    for key in ("universal", "slices", "dylibs_used"):
        assert truth[key] == fx["truth"][key], f"{fx['name']}: llvm-objdump {key} drifted"


def test_32_bit_headers_and_a_non_macos_platform() -> None:
    watch = EDGE_BY_NAME["edge/lld-arm64_32-watchos"]["truth"]["slices"][0]
    assert (watch["magic"], watch["cputype"], watch["filetype"]) == ("MH_MAGIC", "ARM64_32", "EXECUTE")
    assert watch["build_version"]["platform"] == "watchos"
    obj = EDGE_BY_NAME["edge/mc-i386.o"]["truth"]["slices"][0]
    assert (obj["magic"], obj["cputype"], obj["filetype"]) == ("MH_MAGIC", "I386", "OBJECT") and obj["dylibs"] == []


def test_code_signature_on_arm64_only() -> None:
    assert _slices("zig-c-arm64")[0]["code_signature"] is not None
    assert _slices("zig-c-x86_64")[0]["code_signature"] is None


def test_upx_hides_the_load_commands() -> None:
    for name in ("upx394-zig-c-x86_64", "upx394-usefoo-usrlocal-x86_64", "upx394-go-darwin-amd64"):
        fx = BY_NAME[name]
        s = _slices(name)[0]
        assert fx["truth"]["upx_l"]["upx394"]["format"] == "macho/amd64" and fx["truth"]["upx_t"]["ok"]
        assert s["dylibs"] == [] and s["build_version"] is None and "LC_UNIXTHREAD" in s["load_commands"]
        original = _slices(fx["original"][len("bin/") :])[0]
        assert original["dylibs"] and original["build_version"]
        # upx -d gives back the original build byte for byte, so its dylibs and floor are recoverable
        assert fx["truth"]["upx_d"]["identical_to_original"]
        assert fx["truth"]["upx_d"]["slices"][0]["dylibs"] == original["dylibs"]


def test_refusals_are_recorded() -> None:
    refused = {r["name"]: r["message"] for r in MANIFEST["refusals"]}
    assert "macOS is currently not supported" in refused["upx4-zig-c-x86_64"]
    assert "UnknownExecutableFormatException" in refused["upx394-zig-c-arm64"]


# ------------------------------------------------------------------ third-party binaries (pinned registry packages)

THIRD = [f for f in FIXTURES if isinstance(f["source"], dict)]


@pytest.mark.parametrize("fx", THIRD, ids=_ids(THIRD))
def test_third_party_pin_is_recorded(fx: Dict[str, Any]) -> None:
    src = fx["source"]
    assert src["registry"] in ("pypi", "npm") and src["version"][0].isdigit() and len(src["artifact_sha256"]) == 64
    kept = SET / "thirdparty" / src["artifact"]
    if kept.exists():  # the small wheels are committed whole: the member must be byte-identical
        import zipfile

        assert pf.sha256(str(kept)) == src["artifact_sha256"]
        with zipfile.ZipFile(kept) as zf:
            assert zf.read(src["member"]) == (SET / fx["file"]).read_bytes()


def test_third_party_wheel_bundle_has_per_slice_floor_commands() -> None:
    slices = {s["architecture"]: s for s in _slices("thirdparty-markupsafe-universal2.so")}
    assert {s["filetype"] for s in slices.values()} == {"BUNDLE"}
    assert slices["x86_64"]["version_min_macosx"]["version"] == "10.9" and slices["x86_64"]["build_version"] is None
    assert slices["arm64"]["build_version"]["minos"] == "11.0"
    shfmt = BY_NAME["thirdparty-shfmt-arm64"]
    assert "macosx_11_0_arm64" in shfmt["source"]["artifact"]
    assert _slices("thirdparty-shfmt-arm64")[0]["build_version"]["minos"] == "13.0"  # the wheel tag says 11.0
    just = _slices("thirdparty-just-arm64")[0]
    assert just["code_signature"] is not None
    assert all(d["name"].startswith(("/usr/lib/", "/System/Library/")) for d in just["dylibs"])


# ------------------------------------------------------------------ malformed corpus (malformed/make_malformed.py)

MALFORMED = json.loads((SET / "malformed" / "manifest.json").read_text())
mal = load_module("lg_macho_make_malformed", SET / "malformed" / "make_malformed.py")


@pytest.mark.parametrize("entry", MALFORMED["fixtures"], ids=[e["file"] for e in MALFORMED["fixtures"]])
def test_malformed_file_and_tool_reactions(entry: Dict[str, Any]) -> None:
    path = SET / "malformed" / entry["file"]
    assert path.is_file() and pf.sha256(str(path)) == entry["sha256"]
    # no corrupt file lets llvm-objdump print a dylib list
    assert entry["private_headers"]["names_printed"] == [] and entry["dylibs_used"]["names_printed"] == []
    _need("llvm-objdump")
    for key, args in (("private_headers", ["--private-headers"]), ("dylibs_used", ["--dylibs-used"])):
        got, want = mal.tool_reaction(args, str(path)), entry[key]
        assert (got["exit_code"], got["names_printed"]) == (want["exit_code"], want["names_printed"])
        if _same_version("llvm-objdump"):
            assert got["stderr_first"] == want["stderr_first"]
