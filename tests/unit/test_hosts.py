"""Hosts: the exported entry points linkguard reads (readers/exports.py) and what packages/hosts.py makes of them,
checked against tests/data/hosts/manifest.json, whose truth is nm, llvm-readobj, llvm-objdump and delvewheel's
own output, recorded literally by tests/data/hosts/make_manifest.py."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List

import pytest

from linkguard.inputs.files import FileArtifact
from linkguard.limits import Limits
from linkguard.model import ElfFacts, MachoFacts, PeFacts, PeImport
from linkguard.packages.hosts import host_in_package, host_of
from linkguard.readers import read_artifact
from linkguard.readers.exports import macho_trie_entries, pe_host_entries
from tests.conftest import DATA
from tests.truth import require_tool

SET = DATA / "hosts"
DOCUMENT = json.loads((SET / "manifest.json").read_text())
MODULES = [f for f in DOCUMENT["fixtures"] if "host_entries" in f]
WHEELS = [f for f in DOCUMENT["fixtures"] if f["file"].startswith("bin/wheels/")]
SHOWN = [f for f in WHEELS if "delvewheel_show" in f["truth"]]


def facts_of(path: Path) -> Any:
    facts = read_artifact(FileArtifact(str(path), str(path), path.stat().st_size), Limits())
    assert isinstance(facts, (ElfFacts, PeFacts, MachoFacts)), facts
    return facts


def by_name(name: str) -> Dict[str, Any]:
    """The fixture whose file ends with `name` ("windows/addon.node": the Linux one has the same name)."""
    matches = [f for f in MODULES if f["file"].endswith("/" + name)]
    assert len(matches) == 1, name
    return matches[0]


def module_facts(name: str) -> Any:
    return facts_of(SET / by_name(name)["file"])


@pytest.mark.parametrize("fixture", MODULES, ids=lambda f: f["name"])
def test_host_entries_are_the_exports_the_tools_list(fixture: Dict[str, Any]) -> None:
    facts = facts_of(SET / fixture["file"])
    assert list(facts.host_entries) == fixture["host_entries"]
    assert set(facts.host_entries) <= set(fixture["truth"]["exports"])


@pytest.mark.parametrize("fixture", MODULES, ids=lambda f: f["name"])
def test_the_host_is_named_by_the_exports_never_by_the_file_name(fixture: Dict[str, Any]) -> None:
    host = host_of(facts_of(SET / fixture["file"]))
    assert (host.name if host else None) == fixture["host"]


@pytest.mark.parametrize("fixture", SHOWN, ids=lambda f: f["name"])
def test_cpython_provides_what_delvewheel_assumes_present_and_not_what_it_copies(fixture: Dict[str, Any]) -> None:
    """delvewheel 1.13.2 decides from the wheel's tag what CPython ships; linkguard decides from the module's own
    imports. On each wheel: every DLL delvewheel would copy is not provided by the host; every DLL it assumes
    present is provided by the host or is part of Windows; and the host provides nothing the module does not
    import that delvewheel would copy."""
    module = next(n for n in fixture["truth"]["zipinfo"] if n.endswith(".pyd"))
    facts = facts_of(SET / by_name(Path(module).name)["file"])
    host = host_of(facts)
    assert host is not None and host.name == "cpython"
    shown = fixture["truth"]["delvewheel_show"]
    platform = {i.dll.lower() for i in facts.imports if i.platform}
    for dll in shown["copied"]:
        assert not host.provides(dll), dll
    for dll in shown["assumed_present"]:
        assert host.provides(dll) or dll in platform, dll
    provided = {dll.lower() for dll in facts.needed if host.provides(dll)}
    assert provided == set(shown["assumed_present"]) - platform


def test_msvcp140_is_never_provided_and_vcruntime140_1_only_by_cpython_39_and_later_on_64_bit() -> None:
    facts = module_facts("winmod_msvcp.cp312-win_amd64.pyd")
    host = host_of(facts)
    assert host is not None
    assert host.provides("python312.dll") and host.provides("VCRUNTIME140.dll") and host.provides("vcruntime140_1.dll")
    assert not host.provides("msvcp140.dll") and not host.provides("python311.dll")
    # delvewheel 1.13.2's own tables (tests/data/hosts/manifest.json tools): cp35-cp38 and win32 ship
    # vcruntime140.dll only. The module's import list decides the version; the machine decides the rest.
    cp38 = module_facts("winmod_mingw.cp38-win_amd64.pyd")
    extra = (PeImport("VCRUNTIME140.dll"), PeImport("VCRUNTIME140_1.dll"))
    host38 = host_of(replace(cp38, imports=(*cp38.imports, *extra)))
    assert host38 is not None and host38.provides("python38.dll") and host38.provides("vcruntime140.dll")
    assert not host38.provides("vcruntime140_1.dll")
    host32 = host_of(replace(facts, machine="i386"))
    assert host32 is not None and host32.provides("vcruntime140.dll") and not host32.provides("vcruntime140_1.dll")


def test_two_python_versions_mean_no_versioned_dll_is_provided() -> None:
    facts = module_facts("winmod.cp312-win_amd64.pyd")
    both = host_of(replace(facts, imports=(*facts.imports, PeImport("python311.dll"))))
    assert both is not None
    assert not both.provides("python312.dll") and not both.provides("python311.dll")
    assert any("no one CPython" in note for note in both.notes)


def test_abi3_module_gets_python3_dll_and_no_versioned_one() -> None:
    host = host_of(module_facts("winmod.pyd"))
    assert host is not None
    assert host.provides("python3.dll") and not host.provides("python312.dll")


def test_node_provides_node_exe_to_its_addons_and_nothing_else() -> None:
    host = host_of(module_facts("windows/addon.node"))
    assert host is not None and host.name == "node"
    assert "NODE.EXE" in by_name("windows/addon.node")["truth"]["imports"]  # node-api-headers' node_api.def names it
    assert host.provides("NODE.EXE") and host.provides("node.dll")
    dep = host_of(module_facts("addon_dep.node"))
    assert dep is not None and "libdep.dll" in by_name("addon_dep.node")["truth"]["imports"]
    assert not dep.provides("libdep.dll") and not dep.provides("vcruntime140.dll")


def test_a_linux_extension_linking_libpython_is_named_and_one_that_does_not_is_clean() -> None:
    linked = by_name("linkspython.cpython-311-x86_64-linux-gnu.so")
    host = host_of(facts_of(SET / linked["file"]))
    assert host is not None
    assert [need for need, _why in host.forbidden] == linked["truth"]["needed"] == ["libpython3.11.so.1.0"]
    assert "forbidden for manylinux/musllinux" in host.forbidden[0][1]
    assert any("libpython3.11.so.1.0" in note for note in host.notes)
    clean = host_of(module_facts("hostmod.cpython-311-x86_64-linux-gnu.so"))
    assert clean is not None and clean.forbidden == () and clean.libraries == frozenset()


def test_a_macos_extension_linking_a_python_framework_is_named() -> None:
    facts = module_facts("machomod.cpython-312-darwin.so")
    assert host_of(facts) is not None and host_of(facts).forbidden == ()  # type: ignore[union-attr]
    piece = facts.slices[0]
    linked = replace(piece, dylibs=(*piece.dylibs, replace(piece.dylibs[0], path="@rpath/Python.framework/Python")))
    host = host_of(replace(facts, slices=(linked,)))
    assert host is not None and [n for n, _ in host.forbidden] == ["@rpath/Python.framework/Python"]


@pytest.mark.parametrize(
    ("name", "python", "windows"),
    [
        ("winmod_mingw.cp38-win_amd64.pyd", "3.8", "Windows Vista"),
        ("winmod_mingw.cp312-win_amd64.pyd", "3.12", "Windows 8.1"),
    ],
)
def test_the_hosts_own_windows_floor_is_noted_when_above_the_modules(name: str, python: str, windows: str) -> None:
    facts = module_facts(name)
    host = host_of(facts)
    assert host is not None
    assert [note for note in host.notes if f"CPython {python}" in note and windows in note], host.notes
    # the UCRT (zig's windows-gnu) already needs Windows 10: the host adds nothing to say
    ucrt = host_of(module_facts("winmod.cp312-win_amd64.pyd"))
    assert ucrt is not None and ucrt.notes == ()


def test_the_remedy_wording_and_the_host_data_agree() -> None:
    """remedies/native.py chooses its words from a pattern of what CPython ships; the decision is data/hosts.json."""
    from linkguard.remedies.native import _CPYTHON_SHIPS

    data = json.loads((Path(__file__).parents[2] / "src/linkguard/data/hosts.json").read_text())
    windows = data["cpython"]["windows"]
    for entry in windows["libraries"]:
        assert _CPYTHON_SHIPS.fullmatch(entry["name"]), entry["name"]
    for entry in windows["not_shipped"]:
        assert not _CPYTHON_SHIPS.fullmatch(entry["name"]), entry["name"]
    assert _CPYTHON_SHIPS.fullmatch("python312.dll") and _CPYTHON_SHIPS.fullmatch("python313t.dll")


# ------------------------------------------------------------------------------------------ hostile input


def test_a_looping_or_truncated_export_trie_ends_without_error() -> None:
    looping = bytes([0, 1]) + b"_\x00" + bytes([0])  # the root's only child is the root itself
    assert macho_trie_entries(looping) == ()
    assert macho_trie_entries(b"") == ()
    assert macho_trie_entries(bytes([0, 5]) + b"_PyInit_x") == ()  # a child edge that never ends


def test_an_export_directory_pointing_outside_the_file_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    source = SET / by_name("winmod.pyd")["file"]
    data = bytearray(source.read_bytes())
    # zig's lld writes the export directory (40 bytes) right before the DLL name it points to (llvm-readobj's
    # "Export {" block of this file lists the one name); NumberOfNames is at +24
    at = data.find(b"winmod.pyd\x00") - 40 + 24
    assert int.from_bytes(data[at : at + 4], "little") == 1
    data[at : at + 4] = (0xFFFFFF).to_bytes(4, "little")  # 16M names: the array runs past the file
    bad = tmp_path / "bad.pyd"
    bad.write_bytes(bytes(data))
    broken = facts_of(bad)
    assert broken.host_entries == () and any("export names" in w for w in broken.warnings), broken.warnings


def test_pe_export_names_in_a_tiny_directory() -> None:
    assert pe_host_entries(lambda rva, size: b"\x00" * size, 0x1000, 40) == ()
    assert pe_host_entries(lambda rva, size: b"", 0, 0) == ()


# ------------------------------------------------------------------------------------------ truth re-checks


def _lines(args: List[str]) -> List[str]:
    """The tool's output lines, run from the repository root on a relative path (the manifest names files so)."""
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=DATA.parents[1]).stdout
    return [line.rstrip() for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("fixture", MODULES, ids=lambda f: f["name"])
def test_manifest_truth_is_still_what_the_tools_say(fixture: Dict[str, Any]) -> None:
    path = str((SET / fixture["file"]).relative_to(DATA.parents[1]))
    truth = fixture["truth"]
    if "nm_defined" in truth:
        assert _lines([require_tool("nm"), "-D", "--defined-only", path]) == truth["nm_defined"]
    elif "llvm_readobj" in truth:
        readobj = require_tool("llvm-readobj")
        assert _lines([readobj, "--coff-imports", "--coff-exports", path]) == truth["llvm_readobj"]
    else:
        objdump = require_tool("llvm-objdump")
        assert _lines([objdump, "--macho", "--exports-trie", path]) == truth["exports_trie"]


@pytest.mark.parametrize("fixture", SHOWN, ids=lambda f: f["name"])
def test_delvewheel_show_still_says_so(fixture: Dict[str, Any]) -> None:
    delvewheel = require_tool("delvewheel", "delvewheel 1.13.2 (pip install delvewheel==1.13.2)")
    lines = _lines([delvewheel, "show", str(SET / fixture["file"])])
    assert lines[1:] == fixture["truth"]["delvewheel_show"]["lines"][1:]  # the first names the wheel's path


# ------------------------------------------------------------------- hosts of a package's binaries (issue 18 fix)

PACKAGES = DATA / "packages"


def _npm_member(tmp_path: Path, package: str, member: str) -> Any:
    """A binary of a real npm package of the corpus (tests/data/packages), extracted."""
    import tarfile

    with tarfile.open(PACKAGES / "npm" / package) as archive:
        data = archive.extractfile(member)
        assert data is not None
        path = tmp_path / Path(member).name
        path.write_bytes(data.read())
    return path


def test_an_elf_addon_that_exports_no_entry_is_nodes_by_its_undefined_napi_symbols(tmp_path: Path) -> None:
    """@parcel/watcher registers from a constructor (napi_module_register): no napi_register_module_v1 export,
    but undefined napi_* symbols only node defines. Truth: the manifest's readelf exports (none) and llvm-nm."""
    path = _npm_member(tmp_path, "parcel-watcher-linux-x64-glibc-2.5.1.tgz", "package/watcher.node")
    facts = facts_of(path)
    assert facts.host_entries == ()
    host = host_of(facts)
    assert host is not None and host.name == "node"
    assert facts.host_imports and all(name.startswith("napi_") for name in facts.host_imports)
    nm = require_tool("llvm-nm", "llvm-nm lists the addon's undefined dynamic symbols")
    undefined = subprocess.run([nm, "-D", "--undefined-only", str(path)], capture_output=True, text=True, check=True)
    assert set(facts.host_imports) <= set(undefined.stdout.split())


def test_a_pe_addon_importing_node_exe_is_nodes(tmp_path: Path) -> None:
    """bufferutil's win32 prebuilds export no napi_register_module_v1 (llvm-readobj --coff-exports) but import
    node.exe (node-gyp's delay-load hook)."""
    path = _npm_member(tmp_path, "bufferutil-4.0.9.tgz", "package/prebuilds/win32-x64/bufferutil.node")
    facts = facts_of(path)
    assert facts.host_entries == () and "node.exe" in [n.lower() for n in facts.needed]
    host = host_of(facts)
    assert host is not None and host.name == "node" and host.provides("node.exe")
    assert host_of(replace(facts, imports=tuple(i for i in facts.imports if i.dll.lower() != "node.exe"))) is None


def test_node_on_linux_provides_the_c_library_and_the_cpp_runtime_of_its_own_build(tmp_path: Path) -> None:
    glibc = host_of(facts_of(_npm_member(tmp_path, "parcel-watcher-linux-x64-glibc-2.5.1.tgz", "package/watcher.node")))
    assert glibc is not None
    for need in (
        "libc.so.6",
        "libm.so.6",
        "libpthread.so.0",
        "libstdc++.so.6",
        "libgcc_s.so.1",
        "ld-linux-x86-64.so.2",
    ):
        assert glibc.provides(need), need
    assert not glibc.provides("libc.musl-x86_64.so.1") and not glibc.provides("libz.so.1")
    musl = host_of(facts_of(_npm_member(tmp_path, "parcel-watcher-linux-x64-musl-2.5.1.tgz", "package/watcher.node")))
    assert musl is not None and musl.provides("libc.musl-x86_64.so.1") and musl.provides("libstdc++.so.6")
    assert musl.provides("libc.so")  # upstream musl's own name (napi-rs musl addons need it), not glibc's
    assert not glibc.provides("libc.so")
    assert not musl.provides("libc.so.6")


def test_cpython_on_linux_provides_glibcs_own_sonames_and_no_cpp_runtime() -> None:
    facts = module_facts("hostmod.cpython-311-x86_64-linux-gnu.so")
    host = host_of(replace(facts, needed=("libm.so.6", "libc.so.6")))  # a glibc module (its C library named)
    assert host is not None and host.name == "cpython"
    assert host.provides("libc.so.6") and host.provides("libm.so.6")
    assert not host.provides("libstdc++.so.6") and not host.provides("libpython3.11.so.1.0")


def test_every_library_of_a_wheel_or_npm_package_has_the_packages_host() -> None:
    """A bundled DLL exports no PyInit_ (shapely's geos) but is loaded into CPython's process all the same; a
    program of the package is its own process; outside a wheel or npm package a DLL has no host."""
    dll = PeFacts("x86_64", 64, "DLL", "dynamic", "PE32+", "windows", "6.0", "6.0")
    dll = replace(dll, imports=(PeImport("VCRUNTIME140.dll"), PeImport("msvcp140.dll")))
    host = host_in_package(dll, "wheel")
    assert host is not None and host.name == "cpython"
    assert host.provides("VCRUNTIME140.dll") and not host.provides("msvcp140.dll")
    assert host_in_package(dll, "npm") is not None and host_in_package(dll, "npm").name == "node"  # type: ignore
    assert host_in_package(dll, "tree") is None and host_in_package(dll, "app") is None
    assert host_in_package(replace(dll, type="EXE"), "wheel") is None
    pie = ElfFacts("x86_64", 64, "little", "DYN", "dynamic", interpreter="/lib64/ld-linux-x86-64.so.2", pie=True)
    assert host_in_package(pie, "wheel") is None
