"""A library another npm package of the same install ships: tests/data/npm-deps (build.sh, make_manifest.py).

@img/sharp-linux-x64's addon reaches libvips-cpp through `DT_RUNPATH $ORIGIN/../../sharp-libvips-linux-x64/lib`,
in its optional dependency @img/sharp-libvips-linux-x64, which npm installs beside it; judged alone, the addon was
an LG101 error (issue 18's held-out check, docs/packages-truth.md). The fixtures have that shape, built with gcc:
the manifest records readelf -d and what glibc's dlopen() did with each addon installed (loaded) and alone (its
dependency missing). The need is `package:<name>` only when package.json declares that dependency.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.conftest import run_json
from tests.truth import load_module, missing, require_tool

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "tests" / "data" / "npm-deps"
MANIFEST: Dict[str, Any] = json.loads((SET / "manifest.json").read_text())
FILES = {entry["file"]: entry for entry in MANIFEST["files"]}
ADDON = "tree/node_modules/@lgfix/addon-linux-x64/lib/addon.node"
UNDECLARED = "tree/node_modules/@lgfix/addon-undeclared/lib/addon.node"
TARBALL = "dist/lgfix-addon-linux-x64-1.0.0.tgz"


def _provision(artifact: Dict[str, Any], need: str) -> Dict[str, Any]:
    (provision,) = [p for p in artifact["provisions"] if p["need"] == need]
    return provision


def _artifacts(path: Path) -> Dict[str, Dict[str, Any]]:
    _, report = run_json(["--jobs", "1", str(path)])
    return {a["path"]: a for a in report["artifacts"]}


def test_the_truth_is_a_library_from_the_dependency() -> None:
    for addon in (ADDON, UNDECLARED):
        entry = FILES[addon]
        assert "(NEEDED)             Shared library: [libdep.so.1]" in " ".join(entry["readelf -d"])
        assert any("Library runpath: [$ORIGIN/../../dep-libs/lib]" in line for line in entry["readelf -d"])
        assert entry["dlopen installed"] == "loaded"  # found in @lgfix/dep-libs, beside it
        assert entry["dlopen alone"] == "dlopen: libdep.so.1: cannot open shared object file: No such file or directory"
    declared = json.loads((SET / "tree/node_modules/@lgfix/addon-linux-x64/package.json").read_text())
    assert declared["optionalDependencies"] == {"@lgfix/dep-libs": "1.0.0"}
    undeclared = json.loads((SET / "tree/node_modules/@lgfix/addon-undeclared/package.json").read_text())
    assert undeclared["optionalDependencies"] == {"@lgfix/other-libs": "1.0.0"}  # another dependency, not dep-libs


def test_installed_the_need_is_the_dependencys() -> None:
    artifacts = _artifacts(SET / "tree" / "node_modules")
    addon = artifacts[str(SET / ADDON)]
    provision = _provision(addon, "libdep.so.1")
    assert provision["provided_by"] == "package:@lgfix/dep-libs"
    assert provision["how"].startswith("DT_RUNPATH $ORIGIN/../../dep-libs/lib: in @lgfix/dep-libs")
    assert addon["findings"] == []
    # the dependency's own library is checked too
    assert artifacts[str(SET / "tree/node_modules/@lgfix/dep-libs/lib/libdep.so.1")]["findings"] == []
    # the same bytes in a package that does not declare the dependency: nobody provides it
    undeclared = artifacts[str(SET / UNDECLARED)]
    assert _provision(undeclared, "libdep.so.1")["provided_by"] is None
    assert [f["code"] for f in undeclared["findings"]] == ["LG101"]


def test_a_macos_addon_reaches_its_dependency_through_its_lc_rpath() -> None:
    """The Mach-O shape (zig cc, aarch64-macos): `@rpath/libdep.dylib` and LC_RPATH
    `@loader_path/../../dep-libs-darwin/lib`, as llvm-objdump recorded them; dyld appends the name to that
    directory, which is @lgfix/dep-libs-darwin's lib/ in node_modules."""
    addon = "tree/node_modules/@lgfix/addon-darwin-arm64/lib/addon.node"
    entry = FILES[addon]
    assert (
        "@rpath/libdep.dylib (compatibility version 1.0.0, current version 1.0.0)"
        in entry["llvm-objdump --macho --dylibs-used"]
    )
    assert entry["llvm-objdump --macho --rpaths"] == ["@loader_path/../../dep-libs-darwin/lib"]
    artifacts = _artifacts(SET / "tree" / "node_modules")
    provision = _provision(artifacts[str(SET / addon)], "@rpath/libdep.dylib")
    assert provision["provided_by"] == "package:@lgfix/dep-libs-darwin"
    assert provision["how"].startswith("@rpath via LC_RPATH @loader_path/../../dep-libs-darwin/lib: in")
    assert artifacts[str(SET / addon)]["findings"] == []


def test_the_packed_package_alone_names_its_dependency() -> None:
    """`npm pack`'s tarball holds the addon only: the need is still the dependency's, not this package's."""
    assert FILES[TARBALL]["tar -tzf"] == ["package/", "package/lib/", "package/lib/addon.node", "package/package.json"]
    artifacts = _artifacts(SET / TARBALL)
    addon = artifacts[f"{SET / TARBALL}!package/lib/addon.node"]
    assert _provision(addon, "libdep.so.1")["provided_by"] == "package:@lgfix/dep-libs"
    assert addon["findings"] == []


@pytest.mark.parametrize("addon", [ADDON, UNDECLARED])
def test_truth_rechecked(addon: str) -> None:
    require_tool("readelf", "re-read the addons' dynamic sections")
    maker = load_module("lg_npm_deps_manifest", SET / "make_manifest.py")
    assert maker.readelf(SET / addon) == FILES[addon]["readelf -d"]
    if platform.machine() != "x86_64" or platform.libc_ver()[0] != "glibc":
        missing("the fixtures are x86-64 glibc objects: this host cannot dlopen() them")
    assert maker.dlopen(SET / addon) == FILES[addon]["dlopen installed"]
    assert maker.dlopen_alone(addon) == FILES[addon]["dlopen alone"]


@pytest.mark.parametrize("macho", sorted(f for f, e in FILES.items() if "llvm-objdump --macho --rpaths" in e))
def test_macho_truth_rechecked(macho: str) -> None:
    require_tool("llvm-objdump", "re-read the Mach-O fixtures' load commands")
    maker = load_module("lg_npm_deps_manifest", SET / "make_manifest.py")
    assert maker.objdump(SET / macho) == {k: v for k, v in FILES[macho].items() if k.startswith("llvm-objdump")}
