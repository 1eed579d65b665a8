"""The PE fixture manifest (tests/data/pe/manifest.json) still matches its binaries.

sha256 is always checked.  objdump -p, llvm-readobj, file, strings and upx -l/-t are re-run when present and
compared with the recorded truth; a missing tool skips with its reason, or fails when LINKGUARD_REQUIRE_TOOLS=1
(CI).  Never imports linkguard or a PE library: these facts are the yardstick linkguard is measured against.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, Dict, FrozenSet, List

import pytest

from tests.truth import load_module, missing

SET = Path(__file__).resolve().parents[1] / "data" / "pe"
MANIFEST = json.loads((SET / "manifest.json").read_text())
FIXTURES: List[Dict[str, Any]] = MANIFEST["fixtures"]
BY_NAME = {f["name"]: f for f in FIXTURES}
PACKED = [f for f in FIXTURES if f["packer"] and not f["name"].startswith("tampered-")]
pf = load_module("lg_pefacts", SET / "pefacts.py")


def _ids(fixtures: List[Dict[str, Any]]) -> List[str]:
    return [f["name"] for f in fixtures]


def _need(tool: str) -> str:
    """The tool's path (LLVM tools also under Debian's versioned names), or tests.truth.missing()."""
    path = pf.which(tool)
    if path is None:
        missing(f"{tool} is not installed: cannot re-check the PE manifest's {tool} truth")
    return str(path)


@functools.cache
def _objdump_targets() -> FrozenSet[str]:
    """The BFD targets the host's objdump reads: `objdump -i` prints a version line, then one target name per
    unindented line, up to the first blank line (then the architecture tables)."""
    lines = pf.run(["objdump", "-i"]).stdout.splitlines()[1:]
    targets = []
    for line in lines:
        if not line.strip():
            break
        if not line.startswith(" "):
            targets.append(line.strip())
    return frozenset(targets)


def _need_objdump(target: str, what: str) -> None:
    """objdump, able to read `target`: Debian's default binutils reads pei-i386 and pei-x86-64 but not
    pei-aarch64-little (binutils-multiarch does). Decided from the host's objdump, never from its mere presence."""
    _need("objdump")
    if target not in _objdump_targets():
        missing(f"this host's objdump cannot read {target} (Debian: binutils-multiarch): cannot re-check {what}")


def _same_version(tool: str) -> bool:
    return bool(pf.tool_version(tool) == MANIFEST["tools"][tool])


def _path(fx: Dict[str, Any]) -> str:
    path = SET / fx["file"]
    assert path.is_file(), f"{fx['file']} is missing (committed fixture; rebuild with tests/data/pe/build.sh)"
    return str(path)


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_sha256_and_size(fx: Dict[str, Any]) -> None:
    path = _path(fx)
    assert os.path.getsize(path) == fx["size"]
    assert pf.sha256(path) == fx["sha256"], f"{fx['name']} changed since the manifest was written"


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_objdump_facts(fx: Dict[str, Any]) -> None:
    _need_objdump(fx["truth"]["objdump"]["format"], f"{fx['name']}'s objdump -p truth")
    facts, raw = pf.objdump_p(_path(fx))
    assert facts == fx["truth"]["objdump"]
    if _same_version("objdump"):
        assert raw == fx["truth"]["raw"]["objdump -p"]


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_readobj_facts(fx: Dict[str, Any]) -> None:
    _need("llvm-readobj")
    path = _path(fx)
    headers, headers_raw = pf.readobj_file_headers(path)
    imports, imports_raw = pf.readobj_coff_imports(path)
    assert headers == fx["truth"]["readobj_file_headers"]
    assert imports == fx["truth"]["readobj_coff_imports"]
    if _same_version("llvm-readobj"):
        assert headers_raw == fx["truth"]["raw"]["llvm-readobj --file-headers"]
        assert imports_raw == fx["truth"]["raw"]["llvm-readobj --coff-imports"]


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_sections_and_strings(fx: Dict[str, Any]) -> None:
    _need_objdump(fx["truth"]["objdump"]["format"], f"{fx['name']}'s objdump -h section names")
    _need("strings")
    path = _path(fx)
    assert pf.section_names(path) == fx["truth"]["sections"]
    assert pf.strings_matching(path, r"(?i)\.(dll|pyd)$") == fx["truth"]["strings_dll"]
    assert pf.strings_matching(path, r"UPX") == fx["truth"]["strings_upx"]
    assert pf.toolchain_strings(path) == fx["truth"]["toolchain_strings"]


GO = [f for f in FIXTURES if f["truth"]["go_version_m"]]


@pytest.mark.parametrize("fx", GO, ids=_ids(GO))
def test_go_build_info(fx: Dict[str, Any]) -> None:
    _need("go")
    got, want = pf.go_version_m(_path(fx)), fx["truth"]["go_version_m"]
    assert got is not None, "go version -m found no build info"
    if pf.run(["go", "version"]).stdout.strip() != MANIFEST["toolchains"]["go"]:
        # another Go may print more build settings; the module and the target settings must still agree
        stable = ("path\t", "mod\t", "build\tCGO_ENABLED=", "build\tGOOS=", "build\tGOARCH=")
        got, want = [ln for ln in got if ln.startswith(stable)], [ln for ln in want if ln.startswith(stable)]
    assert got == want


@pytest.mark.parametrize("fx", FIXTURES, ids=_ids(FIXTURES))
def test_file_description(fx: Dict[str, Any]) -> None:
    _need("file")
    if not _same_version("file"):
        missing(
            f"file is {pf.tool_version('file')!r}, the manifest used {MANIFEST['tools']['file']!r}: its wording differs"
        )
    assert pf.file_b(_path(fx)) == fx["truth"]["file"]


def _upx(key: str, env: str) -> str:
    upx = pf.find_upx(env)
    if upx is None or pf.upx_version(upx) != MANIFEST["tools"][key]:
        missing(f"${env} does not name {MANIFEST['tools'][key]}: cannot re-check upx -l/-t/-d truth")
    return str(upx)


@pytest.mark.parametrize("key,env", [("upx394", "LINKGUARD_UPX"), ("upx4", "LINKGUARD_UPX4")])
def test_upx_list_and_test(key: str, env: str) -> None:
    upx = _upx(key, env)
    for fx in FIXTURES:
        path = _path(fx)
        assert pf.upx_list(upx, path) == fx["truth"]["upx_l"][key], fx["name"]
        if fx["packer"] == key:
            assert pf.upx_test(upx, path) == fx["truth"]["upx_t"], fx["name"]
            original = str(SET / fx["original"]) if fx["original"] else None
            unpacked, out = pf.upx_decompress(upx, path, original)
            if out is not None:
                unpacked["dll_names"] = pf.objdump_p(out)[0]["dll_names"]
                os.unlink(out)
            assert unpacked == fx["truth"]["upx_d"], fx["name"]


# ------------------------------------------------------------------ what the set claims (checked on the truth)


def _dlls(name: str) -> List[str]:
    return [d.lower() for d in BY_NAME[name]["truth"]["objdump"]["dll_names"]]


def test_mingw_runtime_dlls_and_the_static_remedy() -> None:
    assert {"libgcc_s_seh-1.dll", "libstdc++-6.dll"} <= set(_dlls("mingw-cxx-thread-dynamic.exe"))
    assert "libwinpthread-1.dll" in _dlls("mingw-cxx-thread-static-libs.exe")
    assert "libstdc++-6.dll" not in _dlls("mingw-cxx-thread-static-libs.exe")
    assert set(_dlls("mingw-cxx-thread-static.exe")) == {"kernel32.dll", "msvcrt.dll"}
    assert "libgcc_s_dw2-1.dll" in _dlls("mingw-i686-cxx-dynamic.exe")
    assert "python312.dll" in _dlls("fakemod.pyd")


def test_go_cgo_runtime_dlls_and_the_extldflags_static_remedy() -> None:
    dynamic = BY_NAME["go-cgo-cxx-windows-amd64.exe"]["truth"]
    assert {"libgcc_s_seh-1.dll", "libstdc++-6.dll"} <= set(_dlls("go-cgo-cxx-windows-amd64.exe"))
    assert "build\tCGO_ENABLED=1" in dynamic["go_version_m"]
    assert set(_dlls("go-cgo-cxx-windows-amd64-extstatic.exe")) == {"kernel32.dll", "msvcrt.dll"}
    assert "build\tCGO_ENABLED=0" in BY_NAME["go-windows-amd64.exe"]["truth"]["go_version_m"]


def test_zig_and_go_need_no_runtime_dlls() -> None:
    for name in ("zig-c.exe", "zig-cxx.exe", "zig-dll.dll", "zig-c-arm64.exe"):
        assert all(d == "kernel32.dll" or d.startswith("api-ms-win-crt-") for d in _dlls(name)), name
    for arch in ("amd64", "arm64", "386"):
        assert _dlls(f"go-windows-{arch}.exe") == ["kernel32.dll"]


def test_headers_the_set_relies_on() -> None:
    od = {name: fx["truth"]["objdump"] for name, fx in BY_NAME.items()}
    assert od["mingw-i686-c.exe"]["magic"] == "PE32" and od["go-windows-386.exe"]["magic"] == "PE32"
    assert od["mingw-c.exe"]["magic"] == "PE32+"
    assert od["mingw-dll.dll"]["is_dll"] and od["fakemod.pyd"]["is_dll"] and not od["mingw-c.exe"]["is_dll"]
    assert (
        od["mingw-subsys-4.0.exe"]["major_subsystem_version"],
        od["mingw-subsys-4.0.exe"]["minor_subsystem_version"],
    ) == (4, 0)
    assert (od["mingw-subsys-6.2.exe"]["major_os_version"], od["mingw-subsys-6.2.exe"]["minor_os_version"]) == (6, 2)
    assert od["mingw-c-gui.exe"]["subsystem"] == "Windows GUI"
    assert od["mingw-c-signed.exe"]["directories"]["security"]["size"] > 0
    assert all(
        f["truth"]["objdump"]["directories"]["security"]["size"] == 0 for f in FIXTURES if "signed" not in f["name"]
    )
    machines = {f["truth"]["readobj_file_headers"]["machine"].split()[0] for f in FIXTURES}
    assert {"IMAGE_FILE_MACHINE_AMD64", "IMAGE_FILE_MACHINE_I386", "IMAGE_FILE_MACHINE_ARM64"} <= machines


def test_compiler_evidence_strings() -> None:
    ts = {name: fx["truth"]["toolchain_strings"] for name, fx in BY_NAME.items()}
    assert "GCC: (GNU) 12-posix" in ts["mingw-cxx-thread-dynamic.exe"]["gcc"]
    assert ts["go-windows-amd64.exe"]["go_build_id"] and not ts["mingw-c.exe"]["go_build_id"]
    assert ts["thirdparty-just.exe"]["rustc_commits"] and ts["thirdparty-just.exe"]["rich_offsets"]
    assert ts["thirdparty-markupsafe-win_amd64.pyd"]["rich_offsets"] and not ts["mingw-c.exe"]["rich_offsets"]
    assert ts["zig-c.exe"] == {"gcc": [], "rustc_commits": [], "go_build_id": False, "rich_offsets": []}


def test_gnu_delay_load_leaves_only_a_string() -> None:
    t = BY_NAME["mingw-delayload.exe"]["truth"]
    assert t["objdump"]["directories"]["delay_import"] == {"rva": 0, "size": 0}
    assert t["readobj_coff_imports"]["delay_imports"] == []
    assert "mylib.dll" not in [d.lower() for d in t["objdump"]["dll_names"]]
    assert "mylib.dll" in t["strings_dll"]


def test_lld_delay_load_fills_the_directory() -> None:
    t = BY_NAME["lld-delayload.exe"]["truth"]
    assert t["objdump"]["directories"]["delay_import"]["size"] > 0
    assert t["readobj_coff_imports"]["delay_imports"] == [{"name": "mylib.dll", "symbols": ["mylib_add"]}]
    assert "mylib.dll" not in [d.lower() for d in t["objdump"]["dll_names"]]


@pytest.mark.parametrize("fx", PACKED, ids=_ids(PACKED))
def test_packing_keeps_one_import_per_original_dll(fx: Dict[str, Any]) -> None:
    original = BY_NAME[fx["original"][len("bin/") :]]["truth"]
    t = fx["truth"]
    assert t["upx_l"][fx["packer"]]["ok"] and t["upx_t"]["ok"]
    assert t["sections"] == ["UPX0", "UPX1", "UPX2"]
    # upx -d rebuilds the import table rather than restoring the original bytes; the DLL set survives
    assert t["upx_d"]["ok"] and not t["upx_d"]["identical_to_original"]
    assert sorted(d.lower() for d in t["upx_d"]["dll_names"]) == sorted(
        d.lower() for d in original["objdump"]["dll_names"]
    )
    assert sorted(d.lower() for d in t["objdump"]["dll_names"]) == sorted(
        d.lower() for d in original["objdump"]["dll_names"]
    )


def test_lookalikes_are_not_packed_and_the_disguise_hides_the_names() -> None:
    for name in ("lookalike-upx-string.exe", "lookalike-section-upx0.exe"):
        t = BY_NAME[name]["truth"]
        assert not t["upx_l"]["upx394"]["ok"] and "not packed" in t["upx_l"]["upx394"]["message"]
    assert "UPX0" in BY_NAME["lookalike-section-upx0.exe"]["truth"]["sections"]
    assert any("UPX!" in s for s in BY_NAME["lookalike-upx-string.exe"]["truth"]["strings_upx"])
    tampered = BY_NAME["tampered-upx394-mingw-c.exe"]["truth"]
    assert not any(s.startswith("UPX") for s in tampered["sections"])
    assert not any("UPX!" in s for s in tampered["strings_upx"])


def test_refusals_are_recorded() -> None:
    refused = {r["name"]: r["message"] for r in MANIFEST["refusals"]}
    assert "Load Configuration" in refused["upx394-go-windows-amd64.exe"]


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


def test_third_party_msvc_runtime_facts() -> None:
    just = _dlls("thirdparty-just.exe")
    assert "vcruntime140.dll" in just and "bcryptprimitives.dll" in just
    pyd = _dlls("thirdparty-markupsafe-win_amd64.pyd")
    assert {"python312.dll", "vcruntime140.dll"} <= set(pyd)
    assert BY_NAME["thirdparty-markupsafe-win32.pyd"]["truth"]["objdump"]["magic"] == "PE32"
    node = _dlls("thirdparty-lz4-napi.node")
    assert not any(d.startswith(("vcruntime", "api-ms-win-crt-", "msvcp")) for d in node)
    shfmt = BY_NAME["thirdparty-shfmt.exe"]["truth"]
    assert (
        _dlls("thirdparty-shfmt.exe") == ["kernel32.dll"] and "path\tmvdan.cc/sh/v3/cmd/shfmt" in shfmt["go_version_m"]
    )


def test_third_party_files_stay_small() -> None:
    """All third-party binaries of the PE and Mach-O sets together stay under 25 MB."""
    macho = json.loads((SET.parent / "macho" / "manifest.json").read_text())["fixtures"]
    sizes = [f["size"] for f in THIRD] + [f["size"] for f in macho if isinstance(f["source"], dict)]
    assert sum(sizes) < 25 * 1024 * 1024


# ------------------------------------------------------------------ malformed corpus (malformed/make_malformed.py)

MALFORMED = json.loads((SET / "malformed" / "manifest.json").read_text())
mal = load_module("lg_pe_make_malformed", SET / "malformed" / "make_malformed.py")


@pytest.mark.parametrize("entry", MALFORMED["fixtures"], ids=[e["file"] for e in MALFORMED["fixtures"]])
def test_malformed_file_and_tool_reactions(entry: Dict[str, Any]) -> None:
    path = SET / "malformed" / entry["file"]
    assert path.is_file() and pf.sha256(str(path)) == entry["sha256"]
    # every corruption is visible to an independent tool: an error exit, or imports it no longer prints
    assert entry["objdump"]["exit_code"] or entry["llvm_readobj"]["exit_code"]
    source = next(f for f in FIXTURES if f["file"] == entry["derived_from"].removeprefix("../"))
    _need_objdump(source["truth"]["objdump"]["format"], f"objdump's reaction to malformed/{entry['file']}")
    readobj = _need("llvm-readobj")
    got_objdump = mal.tool_reaction(["objdump", "-p"], str(path))
    got_readobj = mal.tool_reaction([readobj, "--coff-imports"], str(path))
    for got, want, tool in (
        (got_objdump, entry["objdump"], "objdump"),
        (got_readobj, entry["llvm_readobj"], "llvm-readobj"),
    ):
        assert (got["exit_code"], got["names_printed"]) == (want["exit_code"], want["names_printed"])
        if pf.tool_version(tool) == MALFORMED["tools"][tool]:
            assert got["stderr_first"] == want["stderr_first"]
