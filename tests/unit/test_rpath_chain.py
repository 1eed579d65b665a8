"""Search paths inherited along glibc's loading chain, on the rpath-chain fixtures (tests/data/rpath-chain).

build.sh builds three packages with gcc in which pkg.libs/libchainb.so, with no search path of its own, needs
pkg.libs/libchainc.so, loaded by a module with DT_RPATH (rpath/), with DT_RUNPATH (runpath/), or by one of each
(mixed/). make_manifest.py recorded what readelf says and what glibc's loader did when a host dlopen()ed each module
under LD_DEBUG=libs: whether it loaded, and which search list found each library. The expectations below are read
from that record, never from linkguard: libchainc.so is bundled for libchainb.so exactly when every module that
loads libchainb.so loaded, and the search list the loader named is the one linkguard names.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import tarfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import run_json
from tests.truth import load_module, missing, require_tool

HERE = Path(__file__).resolve().parents[1] / "data" / "rpath-chain"
MANIFEST: Dict[str, Any] = json.loads((HERE / "manifest.json").read_text())
FILES: Dict[str, Dict[str, Any]] = {entry["file"]: entry for entry in MANIFEST["files"]}
MODULES = {path: entry["dlopen"] for path, entry in FILES.items() if "dlopen" in entry}
PACKAGES = ("rpath", "runpath", "mixed")
LOADER = "/lib64/ld-linux-x86-64.so.2"


@pytest.fixture(autouse=True)
def _fresh_views(monkeypatch: pytest.MonkeyPatch) -> None:
    """Directory views live per process, by the argument's path: each test sees the package as it is now."""
    import linkguard.resolve.package as placing

    monkeypatch.setattr(placing, "_DIRECTORY_VIEWS", {})


def _report(*arguments: str) -> Dict[str, Dict[str, Any]]:
    cwd = os.getcwd()
    os.chdir(HERE)
    try:
        _, report = run_json(["--jobs", "1", *arguments])
    finally:
        os.chdir(cwd)
    return {artifact["path"]: artifact for artifact in report["artifacts"]}


def _provision(artifact: Dict[str, Any], need: str) -> Dict[str, Any]:
    (provision,) = [p for p in artifact["provisions"] if p["need"] == need]
    return provision


def _modules_of(package: str) -> List[str]:
    return sorted(path for path in MODULES if path.startswith(f"tree/{package}/"))


# ------------------------------------------------------------------------------------------ the recorded truth


def test_fixture_bytes_are_the_manifests() -> None:
    on_disk = sorted(str(p.relative_to(HERE)) for p in (HERE / "tree").rglob("*") if p.is_file())
    assert on_disk == sorted(FILES)
    for relative, entry in FILES.items():
        assert hashlib.sha256((HERE / relative).read_bytes()).hexdigest() == entry["sha256"], relative


def test_readelf_still_says_what_the_manifest_recorded() -> None:
    require_tool("readelf", "re-check the rpath-chain fixtures' NEEDED, RPATH and RUNPATH")
    maker = load_module("lg_rpath_chain_manifest", HERE / "make_manifest.py")
    for relative, entry in FILES.items():
        if "readelf -d" in entry:
            assert maker.readelf(relative) == entry["readelf -d"], relative


def test_the_loader_still_does_what_the_manifest_recorded(tmp_path: Path) -> None:
    """glibc's own loader, re-run: a host dlopen()s each module under LD_DEBUG=libs."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        pytest.skip(f"the fixtures are x86-64 Linux objects; this host is {platform.system()}/{platform.machine()}")
    if not os.path.exists(LOADER):
        missing(f"glibc's loader {LOADER} is not installed: cannot re-run the loader truth")
    require_tool("gcc", "build the dlopen() host that re-runs the loader truth")
    maker = load_module("lg_rpath_chain_manifest", HERE / "make_manifest.py")
    host = maker.build_host(str(tmp_path))
    for module, recorded in MODULES.items():
        assert maker.loader_run(host, module) == recorded, module


def test_the_record_is_what_the_brief_says_of_glibc() -> None:
    """DT_RPATH is passed down to what the module loads; DT_RUNPATH is not (the record says so in the loader's
    words: libchainc.so is searched in `RPATH from file <module>`, or only in the system's search path)."""
    rpath = MODULES["tree/rpath/pkg/_mod.so"]
    assert rpath["host says"].endswith(": loaded")
    assert rpath["searches"]["libchainc.so"]["search paths"] == ["RPATH from file ./tree/rpath/pkg/_mod.so"]
    runpath = MODULES["tree/runpath/pkg/_mod.so"]
    assert "libchainc.so: cannot open shared object file" in runpath["host says"]
    assert runpath["searches"]["libchainc.so"]["search paths"] == ["system search path"]


# ------------------------------------------------------------------------------------------ linkguard against it


@pytest.mark.parametrize("package", PACKAGES)
def test_an_inherited_search_path_is_judged_as_the_loader_found_it(package: str) -> None:
    artifacts = _report(f"tree/{package}")
    provision = _provision(artifacts[f"tree/{package}/pkg.libs/libchainb.so"], "libchainc.so")
    modules = _modules_of(package)
    loads = {module: MODULES[module]["host says"].endswith(": loaded") for module in modules}
    if all(loads.values()):
        found = MODULES[modules[0]]["searches"]["libchainc.so"]
        assert provision["provided_by"] == "bundled:" + os.path.relpath(found["found"], f"tree/{package}")
        # the loader's "RPATH from file ./tree/rpath/pkg/_mod.so" is linkguard's "DT_RPATH ... of tree/rpath/..."
        (listed,) = found["search paths"]
        assert listed.startswith("RPATH from file ./")
        assert provision["how"] == f"DT_RPATH $ORIGIN/../pkg.libs of {listed[len('RPATH from file ./') :]}"
    else:
        assert provision["provided_by"] is None
        failing = [module for module, loaded in loads.items() if not loaded]
        succeeding = [module for module, loaded in loads.items() if loaded]
        # the loader whose load fails is named: by its entry up the chain, and beside the one that succeeds
        assert any(f" of {failing[0]}" in line for line in provision["looked"])
        if succeeding:
            assert provision["looked"][-1].startswith(
                f"not found when {failing[0]} loads it, found when {succeeding[0]} does: "
            )


def test_a_runpath_that_would_have_found_it_is_named_as_not_passed_down() -> None:
    provision = _provision(_report("tree/runpath")["tree/runpath/pkg.libs/libchainb.so"], "libchainc.so")
    assert (
        "tree/runpath/pkg.libs/ (DT_RUNPATH $ORIGIN/../pkg.libs of tree/runpath/pkg/_mod.so: it serves that "
        "object's own needs, it is not passed down)"
    ) in provision["looked"]


@pytest.mark.parametrize("package", ["preloaded", "runpath-own"])
def test_a_library_with_its_own_runpath_takes_only_what_is_already_loaded(package: str) -> None:
    """libchainb.so's DT_RUNPATH names a build directory: glibc never searches its loader's DT_RPATH for it. In
    preloaded/ the module needs libchainc.so itself, so glibc has loaded it (found through the module's DT_RPATH, the
    one search LD_DEBUG shows for it) when libchainb.so asks, and dlopen succeeds; in runpath-own/ nobody has, the
    search runs in libchainb.so's own RUNPATH and the system's, and dlopen fails."""
    (module,) = _modules_of(package)
    recorded = MODULES[module]
    provision = _provision(_report(f"tree/{package}")[f"tree/{package}/pkg.libs/libchainb.so"], "libchainc.so")
    searched = recorded["searches"]["libchainc.so"]["search paths"]
    if recorded["host says"].endswith(": loaded"):
        assert searched == [f"RPATH from file ./{module}"]  # the module's own need: searched once, never again
        assert provision["provided_by"] == "bundled:" + os.path.relpath(
            recorded["searches"]["libchainc.so"]["found"], f"tree/{package}"
        )
        assert provision["how"] == f"already loaded when {module} is loaded"
    else:
        assert "libchainc.so: cannot open shared object file" in recorded["host says"]
        assert searched[0] == f"RUNPATH from file ./tree/{package}/pkg/../pkg.libs/libchainb.so"
        assert provision["provided_by"] is None
        assert any("/nonexistent/build/lib (DT_RUNPATH)" in line for line in provision["looked"]), provision


def test_the_module_itself_is_judged_as_before() -> None:
    """The module's own need (libchainb.so) is found by its own search path, DT_RPATH or DT_RUNPATH alike."""
    for module, recorded in MODULES.items():
        artifact = _report(str(Path(module).parent.parent))[module]
        assert recorded["searches"]["libchainb.so"]["found"] is not None
        assert _provision(artifact, "libchainb.so")["provided_by"] == "bundled:pkg.libs/libchainb.so"


def test_an_archive_is_judged_as_its_directory(tmp_path: Path) -> None:
    """The same package in a tarball: its members' facts are known once the walk is over."""
    archive = tmp_path / "rpath.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(HERE / "tree" / "rpath", arcname="rpath")
    _, report = run_json(["--jobs", "1", str(archive)])
    (artifact,) = [a for a in report["artifacts"] if a["path"].endswith("!rpath/pkg.libs/libchainb.so")]
    provision = _provision(artifact, "libchainc.so")
    assert provision["provided_by"] == "bundled:rpath/pkg.libs/libchainc.so"
    assert provision["how"] == f"DT_RPATH $ORIGIN/../pkg.libs of {archive}!rpath/pkg/_mod.so"


def test_a_package_over_the_bound_judges_each_object_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_CHAIN_PACKAGE_FILES files the package is not searched for loaders: libchainb.so alone finds nothing
    (the bound is a cost bound, and says so in docs/packages.md)."""
    import linkguard.resolve.package as placing

    monkeypatch.setattr(placing, "MAX_CHAIN_PACKAGE_FILES", 3)
    provision = _provision(_report("tree/rpath")["tree/rpath/pkg.libs/libchainb.so"], "libchainc.so")
    assert provision["provided_by"] is None


def test_a_program_does_not_look_for_loaders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """glibc loads no program as another object's need ("cannot dynamically load position-independent
    executable"): a PIE program's unresolved need is judged alone, and the package is not searched for loaders."""
    require_tool("gcc", "build a PIE program needing libchainc.so")
    import linkguard.resolve.package as placing

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "libchainc.so").write_bytes((HERE / "tree/rpath/pkg.libs/libchainc.so").read_bytes())
    source = tmp_path / "main.c"
    source.write_text("int chainc_value(void);\nint main(void) { return chainc_value() == 42 ? 0 : 1; }\n")
    command = ["gcc", "-pie", "-fPIE", "-o", str(package / "tool"), str(source), f"-L{package}", "-lchainc"]
    subprocess.run(command, check=True)

    def searched(scope: Any) -> None:
        raise AssertionError("a program made the package be searched for its loaders")

    monkeypatch.setattr(placing, "_package_loads", searched)
    _, report = run_json(["--jobs", "1", str(package)])
    (tool,) = [a for a in report["artifacts"] if a["path"].endswith("/tool")]
    assert _provision(tool, "libchainc.so")["provided_by"] is None


def test_the_search_path_probe_reads_what_readelf_recorded() -> None:
    """packages/view.py reads only the dynamic array and the strings of DT_RPATH/DT_RUNPATH of every file of a
    package: on every ELF file of this set and of packages-core, what readelf recorded (and nothing for the rest)."""
    from linkguard.packages.view import _search_paths

    core = json.loads((HERE.parent / "packages-core" / "manifest.json").read_text())["files"]
    recorded = [(HERE, entry) for entry in FILES.values()]
    recorded += [(HERE.parent / "packages-core", entry) for entry in core]
    checked = 0
    for base, entry in recorded:
        lines = entry.get("readelf -d")
        expected = tuple(
            line.split("[", 1)[1].rstrip("]") for line in lines or () if "(RPATH)" in line or "(RUNPATH)" in line
        )
        assert _search_paths(str(base / entry["file"])) == expected, entry["file"]
        checked += bool(expected)
    assert checked >= 8


def test_a_loader_that_adds_no_place_leaves_the_object_judged_alone(tmp_path: Path) -> None:
    """libb.so (DT_RPATH $ORIGIN) needs a library nobody ships, and the module that loads it searches the same
    directory: the loaders add nothing to where glibc looks, so libb.so's verdict and `looked` are its own."""
    require_tool("gcc", "build a module and a library whose search paths name the same directory")
    libs = tmp_path / "pkg" / "pkg.libs"
    (tmp_path / "pkg" / "pkg").mkdir(parents=True)
    libs.mkdir()
    (tmp_path / "gone.c").write_text("int gone(void) { return 1; }\n")
    (tmp_path / "b.c").write_text("int gone(void);\nint chainb_value(void) { return gone(); }\n")
    gcc = ["gcc", "-shared", "-fPIC", "-Wl,--disable-new-dtags"]
    subprocess.run(
        [*gcc, "-Wl,-soname,libgone.so", "-o", str(tmp_path / "libgone.so"), str(tmp_path / "gone.c")], check=True
    )
    subprocess.run(
        [
            *gcc,
            "-Wl,-rpath,$ORIGIN",
            "-o",
            str(libs / "libchainb.so"),
            str(tmp_path / "b.c"),
            f"-L{tmp_path}",
            "-lgone",
        ],
        check=True,
    )
    subprocess.run(
        [
            *gcc,
            "-Wl,-rpath,$ORIGIN/../pkg.libs",
            "-o",
            str(tmp_path / "pkg" / "pkg" / "_mod.so"),
            str(HERE / "src" / "mod.c"),
            f"-L{libs}",
            "-lchainb",
        ],
        check=True,
    )
    _, report = run_json(["--jobs", "1", str(tmp_path / "pkg")])
    (libb,) = [a for a in report["artifacts"] if a["path"].endswith("/libchainb.so")]
    looked = _provision(libb, "libgone.so")["looked"]
    assert looked[0] == f"{libs}/ (DT_RPATH $ORIGIN)"
    assert len(looked) == 2 and not any(" loads it" in line for line in looked)


# ------------------------------------------------------------------------------ Mach-O: dyld's rpath stack

MACHO = {path: entry for path, entry in FILES.items() if "llvm-objdump --macho --rpaths" in entry}


def test_llvm_objdump_still_says_what_the_manifest_recorded() -> None:
    require_tool("llvm-objdump", "re-check the Mach-O fixtures' load commands")
    maker = load_module("lg_rpath_chain_manifest", HERE / "make_manifest.py")
    for relative, entry in MACHO.items():
        assert {k: v for k, v in entry.items() if k.startswith("llvm-objdump")} == maker.objdump(relative), relative


def _dyld_finds(package: str, module: str) -> bool:
    """dyld's rule on the recorded load commands: libchainb.dylib (no LC_RPATH of its own, as recorded) expands
    `@rpath/libchainc.dylib` through the LC_RPATH of the module that loaded it, `@loader_path` being the module's
    directory; it finds it when one of those names pkg.dylibs/, where libchainc.dylib is."""
    libb = MACHO[f"tree/{package}/pkg.dylibs/libchainb.dylib"]
    assert libb["llvm-objdump --macho --rpaths"] == []
    assert f"tree/{package}/pkg.dylibs/libchainc.dylib" in MACHO
    return "@loader_path/../pkg.dylibs" in MACHO[module]["llvm-objdump --macho --rpaths"]


@pytest.mark.parametrize("package", ["macho", "macho-mixed"])
def test_an_rpath_is_expanded_through_the_loaders_lc_rpath(package: str) -> None:
    artifacts = _report(f"tree/{package}")
    provision = _provision(artifacts[f"tree/{package}/pkg.dylibs/libchainb.dylib"], "@rpath/libchainc.dylib")
    modules = sorted(m for m in MACHO if m.startswith(f"tree/{package}/pkg/"))
    finds = {module: _dyld_finds(package, module) for module in modules}
    if all(finds.values()):
        assert provision["provided_by"] == "bundled:pkg.dylibs/libchainc.dylib"
        assert provision["how"] == f"@rpath via LC_RPATH @loader_path/../pkg.dylibs of {modules[0]}"
    else:
        failing = next(m for m, found in finds.items() if not found)
        succeeding = next(m for m, found in finds.items() if found)
        assert provision["provided_by"] is None
        assert provision["looked"][-1].startswith(f"not found when {failing} loads it, found when {succeeding} does")
