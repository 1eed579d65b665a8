"""PE and Mach-O fixtures through the CLI: facts and one verdict per binary against the manifests' tool truth.

Truth comes from tests/data/pe/manifest.json (objdump -p, llvm-readobj --coff-imports, strings, upx -l) and
tests/data/macho/manifest.json (llvm-objdump --macho, upx -l, go version -m), recorded when the fixtures were
built; nothing here is copied from linkguard's output. The expected verdicts are literal data in the same
manifests, written by hand from that truth and from Microsoft's and Apple's facts (`platform_facts`: a DLL is
system when Windows ships it, a dylib when it lives under /usr/lib or /System/Library), never computed by linkguard:
a mistake in linkguard's platform data fails these tests instead of moving the expectation with it.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from tests.conftest import DATA, load_manifest, run_cli, run_json, validate_report

PE = DATA / "pe"
MACHO = DATA / "macho"
PE_FIXTURES = load_manifest(PE / "manifest.json")
MACHO_FIXTURES = load_manifest(MACHO / "manifest.json")
PE_MANIFEST = json.loads((PE / "manifest.json").read_text())
MACHO_MANIFEST = json.loads((MACHO / "manifest.json").read_text())
PE_VERDICTS: Dict[str, Dict[str, Any]] = PE_MANIFEST["verdicts"]
MACHO_VERDICTS: Dict[str, Dict[str, Any]] = MACHO_MANIFEST["verdicts"]
MACHO_BY_FILE = {f["file"]: f for f in MACHO_FIXTURES}
PE_BY_FILE = {f["file"]: f for f in PE_FIXTURES}

READOBJ_ARCH = {"x86_64": "x86_64", "i386": "i386", "x86": "i386", "aarch64": "aarch64", "arm64": "aarch64"}
LLVM_CPU = {"X86_64": "x86_64", "ARM64": "arm64", "I386": "i386", "X86": "i386", "ARM64_32": "arm64_32"}
LLVM_FILETYPE = {"EXECUTE": "EXECUTE", "DYLIB": "DYLIB", "BUNDLE": "BUNDLE", "OBJECT": "OBJECT"}
LC_KIND = {
    "LC_LOAD_DYLIB": "load",
    "LC_LOAD_WEAK_DYLIB": "weak",
    "LC_REEXPORT_DYLIB": "reexport",
    "LC_LAZY_LOAD_DYLIB": "lazy",
    "LC_LOAD_UPWARD_DYLIB": "upward",
}


def _report(path: Path) -> Dict[str, Any]:
    if not path.exists():
        pytest.fail(f"fixture binary missing: {path}")
    _, report = run_json(["-j", "1", str(path)])
    assert report["summary"]["skipped"] == 0, report["skipped_files"]
    (artifact,) = report["artifacts"]
    return dict(artifact)


def _codes(artifact: Dict[str, Any]) -> List[str]:
    return [f["code"] for f in artifact["findings"]]


# ------------------------------------------------------------------------------------------------ PE


def _pe_truth_dlls(fixture: Dict[str, Any]) -> List[str]:
    """Every DLL the truth says the file loads: import and delay directories, plus DLL names that survive only
    as strings beside an empty delay directory (GNU dlltool -y)."""
    objdump = fixture["truth"]["objdump"]
    readobj = fixture["truth"]["readobj_coff_imports"]
    delay = [b["name"] for b in readobj.get("delay_imports") or []] or list(objdump["delay_dll_names"])
    names = list(objdump["dll_names"]) + delay
    if not delay:
        listed = {n.lower() for n in names}
        names += [s for s in fixture["truth"].get("strings_dll", []) if s.lower() not in listed and _dlltool(fixture)]
    return names


def _dlltool(fixture: Dict[str, Any]) -> bool:
    return "dlltool" in fixture.get("build", "") and " -y " in fixture.get("build", "")


def _verdict(verdicts: Dict[str, Dict[str, Any]], fixture: Dict[str, Any]) -> Dict[str, Any]:
    if fixture["name"] not in verdicts:
        pytest.fail(f"{fixture['name']} has no hand-written expected verdict in its manifest's `verdicts`")
    return verdicts[fixture["name"]]


@pytest.mark.parametrize("fixture", PE_FIXTURES, ids=[f["name"] for f in PE_FIXTURES])
def test_pe_verdict_data_classifies_every_dll_of_the_truth(fixture: Dict[str, Any]) -> None:
    """The literal data is complete: each DLL the truth lists is one Windows ships or one the fixture's verdict
    names, and the verdict names only DLLs of the truth."""
    facts = PE_MANIFEST["platform_facts"]
    system, not_system = set(facts["system"]), set(facts["not_system"])
    expected = _verdict(PE_VERDICTS, fixture)
    truth_dlls = _pe_truth_dlls(fixture)
    assert {d.lower() for d in expected["non_system"]} == {d.lower() for d in truth_dlls if d.lower() in not_system}
    unclassified = [d for d in truth_dlls if d.lower() not in system | not_system]
    assert not unclassified, f"add to platform_facts (system or not_system, with why): {unclassified}"
    unprovided = [d for d in expected["non_system"] if d not in expected.get("host_provided", [])]
    assert expected["codes"] == (["LG101"] if unprovided else []) + (["LG201"] if fixture["packer"] else [])


def test_pe_verdicts_name_only_fixtures() -> None:
    assert set(PE_VERDICTS) == {f["name"] for f in PE_FIXTURES}


@pytest.mark.parametrize("fixture", PE_FIXTURES, ids=[f["name"] for f in PE_FIXTURES])
def test_pe_facts_agree_with_objdump_and_readobj(fixture: Dict[str, Any]) -> None:
    artifact = _report(PE / fixture["file"])
    truth = fixture["truth"]
    objdump = truth["objdump"]
    assert artifact["format"] == "pe"
    assert artifact["machine"] == READOBJ_ARCH[truth["readobj_file_headers"]["arch"]]
    pe = artifact["pe"]
    assert pe["pe_format"] == objdump["magic"]
    assert artifact["type"] == ("DLL" if objdump["is_dll"] else "EXE")
    assert pe["subsystem_version"] == f"{objdump['major_subsystem_version']}.{objdump['minor_subsystem_version']}"
    assert pe["os_version"] == f"{objdump['major_os_version']}.{objdump['minor_os_version']}"
    assert pe["subsystem"] == {"Windows CUI": "console", "Windows GUI": "windows"}[objdump["subsystem"]]
    listed = [i["dll"] for i in pe["imports"] if i["kind"] == "import"]
    assert listed == objdump["dll_names"]
    delay_truth = objdump["delay_dll_names"]
    readobj = truth["readobj_coff_imports"]
    if readobj["exit_code"] == 0 and readobj.get("delay_imports"):  # binutils' objdump does not list lld's
        delay_truth = [block["name"] for block in readobj["delay_imports"]]
    assert [i["dll"] for i in pe["imports"] if i["kind"] == "delay"] == delay_truth
    assert pe["signed"] == (objdump["directories"]["security"]["size"] > 0)
    if truth["readobj_coff_imports"]["exit_code"] == 0 and fixture["packer"] is None:
        expected = {b["name"]: [s for s in b["symbols"]] for b in truth["readobj_coff_imports"]["imports"]}
        ours = {i["dll"]: i["functions"] for i in pe["imports"] if i["kind"] == "import"}
        for dll, symbols in expected.items():
            assert [f for f in ours[dll] if not f.startswith("#")] == [s for s in symbols if not s.startswith("#")]


@pytest.mark.parametrize("fixture", PE_FIXTURES, ids=[f["name"] for f in PE_FIXTURES])
def test_pe_verdict(fixture: Dict[str, Any]) -> None:
    artifact = _report(PE / fixture["file"])
    expected = _verdict(PE_VERDICTS, fixture)
    foreign = [d for d in expected["non_system"] if d not in expected.get("host_provided", [])]
    codes = _codes(artifact)
    assert artifact.get("host") == expected.get("host")
    provided = {p["need"]: p["provided_by"] for p in artifact.get("provisions", [])}
    assert [d for d in expected.get("host_provided", []) if provided.get(d) != "host:cpython"] == []
    assert sorted(set(codes)) == expected["codes"], (foreign, artifact["findings"])
    for dll in foreign:
        assert dll in artifact["findings"][codes.index("LG101")]["message"]
    packed = fixture["packer"] is not None
    assert ("LG201" in codes) == packed
    assert (artifact["packing"] is not None) == packed
    if packed:
        upx_l = fixture["truth"]["upx_l"]
        recognised = [v for v in upx_l.values() if v.get("ok")]
        if recognised:
            assert artifact["packing"]["format"] == recognised[0]["format"]
            assert artifact["packing"]["tampered"] is False
        else:  # upx -l refuses it (magic wiped, sections renamed): detected by shape, marked tampered
            assert artifact["packing"]["tampered"] is True
        original = PE_BY_FILE["bin/" + Path(fixture["original"]).name]
        behind = {i["dll"].lower() for i in artifact["pe"]["imports"]}
        assert behind == {d.lower() for d in original["truth"]["objdump"]["dll_names"]}


def test_dlltool_delay_load_is_found_and_named_delay_loaded() -> None:
    fixture = next(f for f in PE_FIXTURES if _dlltool(f))
    assert fixture["truth"]["objdump"]["directories"]["delay_import"]["size"] == 0
    artifact = _report(PE / fixture["file"])
    hidden = [s for s in fixture["truth"]["strings_dll"] if s not in fixture["truth"]["objdump"]["dll_names"]]
    assert hidden
    found = [i for i in artifact["pe"]["imports"] if i["kind"] == "delay-unlisted"]
    assert [i["dll"] for i in found] == hidden
    assert "delay-loaded" in artifact["findings"][0]["message"]


def test_windows_floor_lg104(tmp_path: Path) -> None:
    """max-windows 6.1 (Windows 7): the 6.2 subsystem, UCRT (zig) and Go >= 1.21 builds are too new."""
    config = tmp_path / "linkguard.toml"
    config.write_text('max-windows = "6.1"\n')
    names = ["mingw-subsys-6.2.exe", "mingw-subsys-4.0.exe", "zig-c.exe", "go-windows-amd64.exe", "mingw-c.exe"]
    _, text = run_cli(["--format", "json", "-j", "1", "-c", str(config), *[str(PE / "bin" / n) for n in names]])
    report = json.loads(text)
    validate_report(report)
    by_name = {Path(a["path"]).name: _codes(a) for a in report["artifacts"]}
    truth = {f["name"]: f["truth"]["objdump"] for f in PE_FIXTURES}
    six_two = truth["mingw-subsys-6.2.exe"]
    assert (six_two["major_subsystem_version"], six_two["minor_subsystem_version"]) == (6, 2)
    assert "LG104" in by_name["mingw-subsys-6.2.exe"]
    assert "LG104" not in by_name["mingw-subsys-4.0.exe"]
    assert "LG104" not in by_name["mingw-c.exe"]
    assert any(d.startswith("api-ms-win-crt-") for d in truth["zig-c.exe"]["dll_names"])
    assert "LG104" in by_name["zig-c.exe"]
    assert "LG104" in by_name["go-windows-amd64.exe"]


def test_rust_processprng_implies_windows_10(tmp_path: Path) -> None:
    fixture = next((f for f in PE_FIXTURES if f["name"] == "thirdparty-just.exe"), None)
    if fixture is None:
        pytest.fail("thirdparty-just.exe missing from tests/data/pe/manifest.json")
    symbols = {s for block in fixture["truth"]["readobj_coff_imports"]["imports"] for s in block["symbols"]}
    assert "ProcessPrng" in symbols
    config = tmp_path / "linkguard.toml"
    config.write_text('max-windows = "6.1"\n')
    _, text = run_cli(["--format", "json", "-j", "1", "-c", str(config), str(PE / fixture["file"])])
    (artifact,) = json.loads(text)["artifacts"]
    floor = [f for f in artifact["findings"] if f["code"] == "LG104"]
    assert floor and any("ProcessPrng" in line for line in floor[0]["evidence"])
    assert "Windows 10" in floor[0]["message"]


# --------------------------------------------------------------------------------------------- Mach-O


def _slice_truth(fixture: Dict[str, Any]) -> List[Dict[str, Any]]:
    return list(fixture["truth"]["slices"])


def _truth_minos(piece: Dict[str, Any]) -> Optional[str]:
    if piece.get("build_version"):
        return str(piece["build_version"]["minos"])
    if piece.get("version_min_macosx"):
        return str(piece["version_min_macosx"]["version"])
    return None


@pytest.mark.parametrize("fixture", MACHO_FIXTURES, ids=[f["name"] for f in MACHO_FIXTURES])
def test_macho_facts_agree_with_llvm_objdump(fixture: Dict[str, Any]) -> None:
    artifact = _report(MACHO / fixture["file"])
    assert artifact["format"] == "macho"
    macho = artifact["macho"]
    truth_slices = _slice_truth(fixture)
    assert macho["fat"] == (fixture["truth"]["universal"] is not None)
    assert len(macho["slices"]) == len(truth_slices)
    for ours, truth in zip(macho["slices"], truth_slices):
        assert ours["machine"] == LLVM_CPU[truth["cputype"]]
        assert ours["type"] == LLVM_FILETYPE[truth["filetype"]]
        assert [(d["path"], d["kind"]) for d in ours["dylibs"]] == [
            (d["name"], LC_KIND[d["command"]]) for d in truth["dylibs"]
        ]
        assert ours["rpaths"] == truth["rpaths"]
        assert ours["id_dylib"] == truth["id_dylib"]
        assert ours["minos"] == _truth_minos(truth)
        assert (ours["signature"] != "none") == (truth["code_signature"] is not None)
    if fixture["truth"]["universal"]:
        offsets = [a["offset"] for a in fixture["truth"]["universal"]["archs"]]
        assert [s["offset"] for s in macho["slices"]] == offsets
    go = fixture["truth"].get("go_version_m")
    if go:
        path_line = next((line for line in go if line.strip().startswith("path")), None)
        toolchain = macho["slices"][0]["toolchain"]
        assert toolchain is not None and toolchain["go"] is not None
        if path_line:
            assert toolchain["go"]["path"] == path_line.split(None, 1)[1].strip()


MACHO_EDGE = MACHO_MANIFEST["edge"]


@pytest.mark.parametrize("fixture", MACHO_EDGE, ids=[f["name"] for f in MACHO_EDGE])
def test_macho_edge_facts_agree_with_llvm_objdump(fixture: Dict[str, Any]) -> None:
    """32-bit headers beyond the usual: a watchOS arm64_32 executable and an i386 object file."""
    test_macho_facts_agree_with_llvm_objdump(fixture)


def _macho_system(name: str) -> bool:
    """Apple's rule as the manifest's platform_facts state it (an absolute path, `..` resolved, under a prefix)."""
    prefixes = MACHO_MANIFEST["platform_facts"]["system_prefixes"]
    return name.startswith("/") and posixpath.normpath(name).startswith(tuple(prefixes))


@pytest.mark.parametrize("fixture", MACHO_FIXTURES + MACHO_EDGE, ids=[f["name"] for f in MACHO_FIXTURES + MACHO_EDGE])
def test_macho_verdict_data_classifies_every_dylib_of_the_truth(fixture: Dict[str, Any]) -> None:
    expected = _verdict(MACHO_VERDICTS, fixture)
    program = fixture
    if fixture.get("packer"):
        program = MACHO_BY_FILE["bin/" + Path(fixture["original"]).name]
    outside = {
        piece["architecture"] or "": [d["name"] for d in piece["dylibs"] if not _macho_system(d["name"])]
        for piece in _slice_truth(program)
    }
    assert set(expected["non_system"]) == {name for names in outside.values() for name in names}
    if fixture["truth"]["universal"]:
        assert expected["slices_with_non_system"] == sorted(arch for arch, names in outside.items() if names)
    packed = fixture.get("packer") is not None
    assert expected["codes"] == (["LG101"] if expected["non_system"] else []) + (["LG201"] if packed else [])


def test_macho_verdicts_name_only_fixtures() -> None:
    assert set(MACHO_VERDICTS) == {f["name"] for f in MACHO_FIXTURES + MACHO_EDGE}


@pytest.mark.parametrize("fixture", MACHO_EDGE, ids=[f["name"] for f in MACHO_EDGE])
def test_macho_edge_verdict(fixture: Dict[str, Any]) -> None:
    artifact = _report(MACHO / fixture["file"])
    assert sorted(set(_codes(artifact))) == _verdict(MACHO_VERDICTS, fixture)["codes"]


@pytest.mark.parametrize("fixture", MACHO_FIXTURES, ids=[f["name"] for f in MACHO_FIXTURES])
def test_macho_verdict(fixture: Dict[str, Any]) -> None:
    artifact = _report(MACHO / fixture["file"])
    packed = fixture["packer"] is not None
    program = fixture
    if packed:  # the original's truth: the fixture it was packed from
        program = MACHO_BY_FILE["bin/" + Path(fixture["original"]).name]
    expected = _verdict(MACHO_VERDICTS, fixture)
    codes = _codes(artifact)
    assert sorted(set(codes)) == expected["codes"], (expected, artifact["findings"])
    if expected["non_system"]:
        message = artifact["findings"][codes.index("LG101")]["message"]
        for name in expected["non_system"]:
            assert name in message
    if packed:
        (piece,) = artifact["macho"]["slices"]
        original = piece["original"]
        assert original is not None, piece["packing"]["see_through_error"]
        (truth,) = _slice_truth(program)
        assert [d["path"] for d in original["dylibs"]] == [d["name"] for d in truth["dylibs"]]
        assert original["minos"] == _truth_minos(truth)
        recognised = [v["format"] for v in fixture["truth"]["upx_l"].values() if v.get("ok")]
        assert recognised and piece["packing"]["format"] == recognised[0]
    if fixture["truth"]["universal"] and expected["non_system"]:
        message = artifact["findings"][codes.index("LG101")]["message"]
        for arch in expected["slices_with_non_system"]:
            assert f"{arch} slice needs" in message
        clean = {p["architecture"] for p in _slice_truth(fixture)} - set(expected["slices_with_non_system"])
        for arch in clean:
            assert arch in message.split(" only macOS libraries")[0].rsplit(";", 1)[-1]


def test_macos_floor_lg104_per_slice(tmp_path: Path) -> None:
    config = tmp_path / "linkguard.toml"
    config.write_text('max-macos = "11.0"\n')
    names = ["universal-clean", "zig-c-arm64-macos11", "zig-c-x86_64-macos10.13"]
    _, text = run_cli(["--format", "json", "-j", "1", "-c", str(config), *[str(MACHO / "bin" / n) for n in names]])
    report = json.loads(text)
    validate_report(report)
    by_name = {Path(a["path"]).name: a for a in report["artifacts"]}
    fixture = next(f for f in MACHO_FIXTURES if f["name"] == "universal-clean")
    over = [p["architecture"] for p in _slice_truth(fixture) if _truth_minos(p) and _truth_minos(p) != "11.0"]
    finding = [f for f in by_name["universal-clean"]["findings"] if f["code"] == "LG104"]
    assert len(finding) == 1 and over
    for arch in over:
        assert arch in finding[0]["message"]
    assert not [f for f in by_name["zig-c-arm64-macos11"]["findings"] if f["code"] == "LG104"]
    assert not [f for f in by_name["zig-c-x86_64-macos10.13"]["findings"] if f["code"] == "LG104"]


def test_a_mixed_release_directory_has_no_skipped_executable() -> None:
    """Every PE and Mach-O fixture is an artifact, never "skipped"; only the import library (not a program) is."""
    roots = [str(d) for d in (PE / "bin", PE / "thirdparty", MACHO / "bin", MACHO / "thirdparty") if d.is_dir()]
    code, report = run_json(["-j", "2", *roots])
    assert code == 1
    skipped = [Path(s["path"]).name for s in report["skipped_files"]]
    assert all(not name.endswith((".exe", ".dll", ".pyd", ".node", ".so")) for name in skipped), skipped
    on_disk = {a["path"] for a in report["artifacts"] if "!" not in a["path"]}
    expected = {
        str(base / f["file"]) for base, fixtures in ((PE, PE_FIXTURES), (MACHO, MACHO_FIXTURES)) for f in fixtures
    }
    assert on_disk == expected
    assert all(a["format"] in ("pe", "macho") for a in report["artifacts"])


def test_allowance_libraries_judge_pe_and_macho_lg103(tmp_path: Path) -> None:
    """An allowance lets .pyd files link the interpreter DLL only: fakemod.pyd (truth: python312.dll) passes, and so
    does the MSVC-built MarkupSafe .pyd (truth: python312.dll + VCRUNTIME140.dll): it exports PyInit__speedups, so
    CPython is its host and provides VCRUNTIME140.dll (manifest host_facts); the Mach-O dylib's @rpath need is
    allowed."""
    config = tmp_path / "linkguard.toml"
    config.write_text(
        '[[allow]]\npaths = ["*.pyd", "*.dylib"]\nreason = "loaded by python.exe / bundled"\n'
        'libraries = ["PYTHON3*.DLL", "@rpath/*"]\n'
    )
    names = {"fakemod.pyd": PE, "thirdparty-markupsafe-win_amd64.pyd": PE, "libfoo-rpath.dylib": MACHO}
    fixtures = {f["name"]: f for f in PE_FIXTURES + MACHO_FIXTURES if f["name"] in names}
    assert set(fixtures) == set(names)
    paths = [str(names[n] / f["file"]) for n, f in fixtures.items()]
    _, text = run_cli(["--format", "json", "-j", "1", "-c", str(config), *paths])
    report = json.loads(text)
    validate_report(report)
    by_path = {a["path"]: a for a in report["artifacts"]}
    for name, fixture in fixtures.items():
        artifact = by_path[str(names[name] / fixture["file"])]
        if names[name] is PE:
            expected = _verdict(PE_VERDICTS, fixture)
            host_provided = expected.get("host_provided", [])
            outside = [
                d for d in expected["non_system"] if not d.lower().startswith("python3") and d not in host_provided
            ]
        else:
            non_system = _verdict(MACHO_VERDICTS, fixture)["non_system"]
            outside = [d for d in non_system if not d.startswith("@rpath/")]
        lg103 = [f for f in artifact["findings"] if f["code"] == "LG103"]
        assert not [f for f in artifact["findings"] if f["code"] == "LG101"]
        assert bool(lg103) == bool(outside), (name, artifact["findings"])
        for dll in outside:
            assert dll in lg103[0]["message"]
