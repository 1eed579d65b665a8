"""Packages, bundled resolution and placement on the packages-core fixtures (tests/data/packages-core).

The fixtures are built by build.sh (gcc, zig cc) and described by manifest.json (what readelf, llvm-readobj,
llvm-objdump and the loader itself say, recorded by make_manifest.py); expected.json says, by hand from the
loaders' rules and that tool output, who provides each need. linkguard's JSON report is compared with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.conftest import run_json
from tests.truth import require_runnable, require_tool

HERE = Path(__file__).resolve().parents[1] / "data" / "packages-core"
_RECORDED: Dict[str, Any] = json.loads((HERE / "manifest.json").read_text())
MANIFEST: Dict[str, Dict[str, Any]] = {
    "files": {entry["file"]: entry for entry in _RECORDED["files"]},
    "archives": {entry["file"]: entry for entry in _RECORDED["archives"]},
}
EXPECTED: Dict[str, Any] = json.loads((HERE / "expected.json").read_text())["artifacts"]


@pytest.fixture(scope="module")
def reports() -> Dict[str, Dict[str, Any]]:
    """linkguard's JSON report per artifact path, for the tree and the archives (run from the fixture directory so
    that paths read as in expected.json)."""
    cwd = os.getcwd()
    os.chdir(HERE)
    try:
        out: Dict[str, Dict[str, Any]] = {}
        for argument in ("tree", *sorted(f"dist/{name}" for name in os.listdir(HERE / "dist"))):
            _, report = run_json(["--jobs", "1", argument])
            out.update({a["path"]: a for a in report["artifacts"]})
        return out
    finally:
        os.chdir(cwd)


# ------------------------------------------------------------------------------------------- the manifest's truth


def test_fixture_bytes_are_the_manifests() -> None:
    for relative, entry in {**MANIFEST["files"], **MANIFEST["archives"]}.items():
        assert hashlib.sha256((HERE / relative).read_bytes()).hexdigest() == entry["sha256"], relative


def _tool(*command: str) -> str:
    return subprocess.run(command, cwd=HERE, capture_output=True, text=True, check=False).stdout


def test_readelf_still_says_what_the_manifest_recorded() -> None:
    require_tool("readelf", "re-check the ELF fixtures' NEEDED and RUNPATH")
    for relative, entry in MANIFEST["files"].items():
        if "readelf -d" in entry:
            said = [
                line.strip()
                for line in _tool("readelf", "-d", relative).splitlines()
                if any(k in line for k in ("(NEEDED)", "(RPATH)", "(RUNPATH)"))
            ]
            assert said == entry["readelf -d"], relative


def test_llvm_tools_still_say_what_the_manifest_recorded() -> None:
    require_tool("llvm-readobj", "re-check the PE fixtures' imports")
    require_tool("llvm-objdump", "re-check the Mach-O fixtures' dylibs and rpaths")
    for relative, entry in MANIFEST["files"].items():
        if "llvm-readobj --coff-imports" in entry:
            said = [line.strip() for line in _tool("llvm-readobj", "--coff-imports", relative).splitlines()]
            assert [line for line in said if "Name:" in line] == entry["llvm-readobj --coff-imports"], relative
        if "llvm-objdump --macho --dylibs-used" in entry:
            used = _tool("llvm-objdump", "--macho", "--dylibs-used", relative).splitlines()[1:]
            assert [line.strip() for line in used] == entry["llvm-objdump --macho --dylibs-used"], relative
            rpaths = _tool("llvm-objdump", "--macho", "--rpaths", relative).splitlines()[1:]
            assert [line.strip() for line in rpaths] == entry["llvm-objdump --macho --rpaths"], relative


def _listed(lines: List[str]) -> List[str]:
    """`ld.so --list` lines without load addresses and with the fixture directory's location cut off."""
    out = []
    for line in lines:
        line = re.sub(r" \(0x[0-9a-f]+\)$", "", line.strip())
        out.append(re.sub(r"=> .*?tests/data/packages-core/", "=> ", line))
    return out


@pytest.mark.parametrize("program", ["tree/release/bin/prog", "tree/release/bin/needgone"])
def test_the_loader_still_resolves_as_recorded(program: str) -> None:
    """The loader itself: the bundled library is found through RUNPATH $ORIGIN, the missing one is not."""
    entry = MANIFEST["files"][program]
    require_runnable(HERE / program, "Advanced Micro Devices X86-64", "/lib64/ld-linux-x86-64.so.2")
    listing = subprocess.run(
        ["/lib64/ld-linux-x86-64.so.2", "--list", "./" + program], cwd=HERE, capture_output=True, text=True
    )
    assert _listed(listing.stdout.splitlines()) == _listed(entry["ld.so --list"])
    ran = subprocess.run(["./" + program], cwd=HERE, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert {"exit": ran.returncode, "stderr": ran.stderr.strip()} == entry["run"]


def test_the_recorded_truth_agrees_with_the_expectation() -> None:
    """expected.json's bundled ELF resolutions are what ld.so --list printed, and its unresolved need is the one the
    run failed on: the hand-written expectation rests on the loader's own output."""
    listed = _listed(MANIFEST["files"]["tree/release/bin/prog"]["ld.so --list"])
    assert "libbar.so => ./tree/release/bin/../foo.libs/libbar.so" in listed
    assert EXPECTED["tree/release/bin/prog"]["provisions"]["libbar.so"][0] == "bundled:release/foo.libs/libbar.so"
    stderr = MANIFEST["files"]["tree/release/bin/needgone"]["run"]["stderr"]
    assert "libgone.so: cannot open shared object file" in stderr
    assert EXPECTED["tree/release/bin/needgone"]["provisions"]["libgone.so"] == [None, None]


# ---------------------------------------------------------------------------------------- linkguard against it


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_package_provisions_and_findings(reports: Dict[str, Dict[str, Any]], path: str) -> None:
    expected = EXPECTED[path]
    artifact = reports[path]
    package = artifact["package"]
    for key, value in expected["package"].items():
        assert package[key] == value, (path, key)
    got = {p["need"]: [p["provided_by"], p["how"]] for p in artifact["provisions"] if p["provided_by"] != "os"}
    assert got == expected["provisions"], path
    for need, directory in expected.get("looked", {}).items():
        (provision,) = [p for p in artifact["provisions"] if p["need"] == need]
        assert directory in provision["looked"], (path, need)
    assert [f["code"] for f in artifact["findings"]] == expected["findings"], path


def test_every_bundled_library_is_itself_checked(reports: Dict[str, Dict[str, Any]]) -> None:
    """A bundled file is an artifact of the run, and its own needs are resolved within its package too."""
    for artifact in reports.values():
        for provision in artifact.get("provisions", []):
            if provision["provided_by"] and provision["provided_by"].startswith("bundled:"):
                assert provision["path"] in reports, provision
                assert all(
                    p["provided_by"] for p in reports[provision["path"]]["provisions"] if p["need"] != "libc.so.6"
                )


def test_an_unresolved_need_names_where_the_loader_looked(reports: Dict[str, Dict[str, Any]]) -> None:
    finding = reports["tree/release/bin/needgone"]["findings"][0]
    assert any(
        line.startswith("libgone.so: not in its package; looked in tree/release/nowhere/")
        for line in finding["evidence"]
    )
    lost = reports["tree/Demo.app/Contents/MacOS/lost"]["findings"][0]
    assert any("@rpath/libgone.dylib: not in its package" in line for line in lost["evidence"])


def test_a_file_argument_is_its_own_package() -> None:
    """Without a package around it, behaviour is unchanged: a program given alone bundles nothing."""
    _, report = run_json(["--jobs", "1", str(HERE / "tree/winapp/app.exe")])
    (artifact,) = report["artifacts"]
    assert artifact["package"]["kind"] == "tree"
    assert [p["provided_by"] for p in artifact["provisions"] if p["need"] == "helper.dll"] == [None]
    assert [f["code"] for f in artifact["findings"]] == ["LG101"]


# ------------------------------------------------------------------------------------------------ hostile metadata


def _wheel(tmp_path: Path, members: Dict[str, bytes]) -> Path:
    path = tmp_path / "bad-1.0-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_broken_wheel_metadata_is_a_note(tmp_path: Path) -> None:
    so = (HERE / "tree/foo-wheel/foo/_ext.so").read_bytes()
    wheel = _wheel(
        tmp_path,
        {"bad/_ext.so": so, "bad-1.0.dist-info/WHEEL": b"\xff\xfe not utf-8 \x00", "bad-1.0.dist-info/RECORD": b""},
    )
    _, report = run_json(["--jobs", "1", str(wheel)])
    (artifact,) = report["artifacts"]
    package = artifact["package"]
    assert package["kind"] == "wheel" and package["name"] == "bad"
    assert package["tags"] == ["py3-none-linux_x86_64"]  # from the file name
    assert any("not UTF-8" in note for note in package["notes"])


def test_a_renamed_wheel_promises_its_file_name(tmp_path: Path) -> None:
    """pip installs a `.whl` by its file name and `auditwheel show` judges that name: a wheel renamed after it was
    built (ray 2.58.0's manylinux2014 file carries `Tag: cp311-cp311-linux_x86_64`) is held to the name, and the
    WHEEL that disagrees is a note. Here the name says linux_x86_64 and WHEEL says manylinux2014: LG106 calls the
    name's tag not portable, whatever WHEEL says."""
    so = (HERE / "tree/foo-wheel/foo/_ext.so").read_bytes()
    tag = b"Wheel-Version: 1.0\nTag: py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64\n"
    wheel = _wheel(tmp_path, {"bad/_ext.so": so, "bad-1.0.dist-info/WHEEL": tag, "bad-1.0.dist-info/RECORD": b""})
    _, report = run_json(["--jobs", "1", str(wheel)])
    (artifact,) = report["artifacts"]
    package = artifact["package"]
    assert package["tags"] == ["py3-none-linux_x86_64"]
    (note,) = package["notes"]
    assert "differ from the file name's (py3-none-linux_x86_64)" in note and "manylinux2014_x86_64" in note
    assert [f["remedy"] for f in artifact["findings"] if f["code"] == "LG106"] == ["wheel-linux-tag"]


def test_package_json_that_is_not_json_is_a_note(tmp_path: Path) -> None:
    root = tmp_path / "node_modules" / "broken" / "prebuilds" / "linux-x64"
    root.mkdir(parents=True)
    (root / "addon.node").write_bytes((HERE / "tree/foo-wheel/foo.libs/libbaz.so").read_bytes())
    (tmp_path / "node_modules" / "broken" / "package.json").write_text('{"name": "broken", "os": ["linux"')
    _, report = run_json(["--jobs", "1", str(tmp_path)])
    (artifact,) = report["artifacts"]
    assert artifact["package"]["kind"] == "npm"
    assert any("not JSON" in note for note in artifact["package"]["notes"])
    assert artifact["findings"] == []  # an npm addon with no needs: what its package ships it for


def test_huge_metadata_is_not_read_whole(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "prebuilds").mkdir(parents=True)
    (root / "prebuilds" / "addon.node").write_bytes((HERE / "tree/foo-wheel/foo.libs/libbaz.so").read_bytes())
    with open(root / "package.json", "wb") as handle:
        handle.write(b'{"name": "' + b"x" * (3 << 20) + b'"}')
    _, report = run_json(["--jobs", "1", str(tmp_path)])
    (artifact,) = report["artifacts"]
    assert artifact["package"]["name"] is None
    assert any("over" in note for note in artifact["package"]["notes"])


def test_text_and_summary_group_artifacts_by_package() -> None:
    from tests.conftest import run_cli

    _, text = run_cli(["--jobs", "1", str(HERE / "dist/foo-1.0-cp311-cp311-linux_x86_64.whl")])
    lines = text.splitlines()
    assert (
        lines[0]
        == f"package wheel foo 1.0 at {HERE}/dist/foo-1.0-cp311-cp311-linux_x86_64.whl (cp311-cp311-linux_x86_64)"
    )
    assert sum(line.startswith("package ") for line in lines) == 1  # one heading for its three artifacts
    _, summary = run_cli(
        ["--jobs", "1", "--format", "markdown", str(HERE / "dist/winfoo-1.0-cp311-cp311-win_amd64.whl")]
    )
    assert "**Packages**" in summary
    assert "- package wheel winfoo 1.0 at " in summary and ": 2 artifacts" in summary


def test_a_dll_the_wheel_lacks_names_every_directory_searched(tmp_path: Path) -> None:
    """The .pyd imports helper-5d1b7a.dll (llvm-readobj, manifest.json); without it in winfoo.libs/ nobody has it."""
    imports = MANIFEST["files"]["tree/winfoo-wheel/winfoo/_ext.pyd"]["llvm-readobj --coff-imports"]
    assert "Name: helper-5d1b7a.dll" in imports
    import shutil

    wheel = tmp_path / "winfoo-wheel"
    shutil.copytree(HERE / "tree/winfoo-wheel", wheel)
    (wheel / "winfoo.libs" / "helper-5d1b7a.dll").unlink()
    _, report = run_json(["--jobs", "1", str(tmp_path)])
    (artifact,) = [a for a in report["artifacts"] if a["path"].endswith("_ext.pyd")]
    (provision,) = [p for p in artifact["provisions"] if p["need"] == "helper-5d1b7a.dll"]
    assert provision["provided_by"] is None
    assert provision["looked"][0] == f"{tmp_path}/winfoo-wheel/winfoo/ (the directory of the loading module)"
    assert provision["looked"][1] == f"{tmp_path}/winfoo-wheel/winfoo.libs/ (added by winfoo/__init__.py)"
    assert [f["code"] for f in artifact["findings"]] == ["LG101"]
    assert any(line.startswith("helper-5d1b7a.dll: not in its package") for line in artifact["findings"][0]["evidence"])


def test_a_wheel_inside_a_release_tarball_is_a_wheel(tmp_path: Path) -> None:
    """Nested archives: the wheel's members resolve against the wheel, whose tags come from its file name."""
    import tarfile

    release = tmp_path / "release.tar"
    with tarfile.open(release, "w") as archive:
        archive.add(HERE / "dist/foo-1.0-cp311-cp311-linux_x86_64.whl", "dist/foo-1.0-cp311-cp311-linux_x86_64.whl")
    _, report = run_json(["--jobs", "1", str(release)])
    by_path = {a["path"]: a for a in report["artifacts"]}
    ext = by_path[f"{release}!dist/foo-1.0-cp311-cp311-linux_x86_64.whl!foo/_ext.so"]
    assert ext["package"]["kind"] == "wheel"
    assert ext["package"]["root"] == f"{release}!dist/foo-1.0-cp311-cp311-linux_x86_64.whl"
    assert ext["package"]["tags"] == ["cp311-cp311-linux_x86_64"]
    assert [p["provided_by"] for p in ext["provisions"]] == ["bundled:foo.libs/libbar.so"]
    # LG106 alone: a `linux_*` tag is not portable (issue 18; the packages corpus's tinyext wheel holds it to
    # auditwheel show's verdict)
    assert [f["code"] for f in ext["findings"]] == ["LG106"]


def test_host_and_declared_platform_plug_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hosts' and tags' answers (stubs until their owners fill them) become `host:<name>` and `os` provisions,
    and a need so provided is no finding: here a host that provides the wheel's DLL, a platform that provides libc."""
    from dataclasses import replace

    import linkguard.resolve.package as placing
    from linkguard.config import policy_from_table
    from linkguard.packages.hosts import Host
    from linkguard.scan import scan

    class Loader(Host):
        def provides(self, need: str) -> bool:
            return need.lower() == "helper-5d1b7a.dll"

    monkeypatch.setattr(placing, "host_in_package", lambda facts, kind: Loader("cpython", ("a note",)))
    monkeypatch.setattr(placing, "os_provided", lambda package, facts: frozenset({"libc.so.6"}))
    policy = replace(policy_from_table({}), jobs=1)
    report = scan([str(HERE / "dist/winfoo-1.0-cp311-cp311-win_amd64.whl"), str(HERE / "tree/release")], policy)
    by_name = {Path(a.path).name: a for a in report.artifacts}
    pyd = by_name["_ext.pyd"]
    assert pyd.placement is not None and pyd.placement.host == "cpython" and pyd.placement.host_notes == ("a note",)
    assert pyd.placement.provider("helper-5d1b7a.dll") == "host:cpython"  # the host is asked before the package
    prog = by_name["prog"]
    assert prog.placement is not None and prog.placement.provider("libc.so.6") == "os"
    (finding,) = prog.findings
    assert finding.message.startswith("needs the loader /lib64/ld-linux-x86-64.so.2")


def test_an_origin_entry_that_leaves_the_package_is_not_the_packages() -> None:
    """Given `bin/` alone, prog's RUNPATH $ORIGIN/../foo.libs points outside what was given: not bundled."""
    _, report = run_json(["--jobs", "1", str(HERE / "tree/release/bin")])
    prog = next(a for a in report["artifacts"] if a["path"].endswith("/prog"))
    (provision,) = [p for p in prog["provisions"] if p["need"] == "libbar.so"]
    assert provision["provided_by"] is None
    assert provision["looked"][0] == "$ORIGIN/../foo.libs (DT_RUNPATH): leaves the package"


def test_a_bug_in_placing_one_member_costs_that_member_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Members are judged after the archive's last member: a bug while placing one is its LG901, not the archive's."""
    from dataclasses import replace

    import linkguard.resolve.package as placing
    from linkguard.config import policy_from_table
    from linkguard.scan import scan

    real = placing.place

    def broken(facts: Any, relative: str, view: Any) -> Any:
        if relative.endswith("libbaz.so"):
            raise RuntimeError("boom")
        return real(facts, relative, view)

    monkeypatch.setattr(placing, "place", broken)
    report = scan([str(HERE / "dist/foo-1.0-cp311-cp311-linux_x86_64.whl")], replace(policy_from_table({}), jobs=1))
    by_name = {Path(a.path).name: a for a in report.artifacts}
    assert by_name["libbaz.so"].problem is not None and by_name["libbaz.so"].problem.kind == "internal"
    # linux_x86_64 is not a portable tag (LG106); nothing else is found on either
    assert [f.code for f in by_name["_ext.so"].findings] == ["LG106"]
    assert [f.code for f in by_name["libbar.so"].findings] == ["LG106"]
