"""--target against real root filesystems: linkguard's verdict equals the target's own loader, run with chroot.

tests/data/targets/runs.json holds, per root (Debian bullseye, bookworm, trixie, a slim bookworm, a musl-only
root, an empty one) and per probe, the exit status and the first stderr line of running the probe inside the root
(roots.py record). Every case here compares linkguard's starts/does-not-start with that status and its message
with that line: word for word where the loader speaks (glibc's ld.so, musl's), by kind where the kernel refuses
the exec (no loader: ENOENT; another machine: ENOEXEC).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from tests.conftest import run_json
from tests.roots import TARGETS, image, image_runs, root, runs

RUNS = runs()
CASES: List[Tuple[str, str]] = [(name, probe) for name, data in RUNS.items() for probe in sorted(data["runs"])]


def _report_for(name: str) -> Dict[str, Dict[str, Any]]:
    """One linkguard run per root over every probe in it: {probe path inside the root: artifact entry}."""
    base = root(name)
    probes = [str(base) + probe for probe in RUNS[name]["runs"]]
    _code, report = run_json(["--target", str(base), "-j", "1", *probes])
    return {"/" + os.path.relpath(a["path"], base): a for a in report["artifacts"]}


_REPORTS: Dict[str, Dict[str, Dict[str, Any]]] = {}


def report_for(name: str) -> Dict[str, Dict[str, Any]]:
    if name not in _REPORTS:
        _REPORTS[name] = _report_for(name)
    return _REPORTS[name]


@pytest.mark.parametrize(("name", "probe"), CASES, ids=[f"{n}:{p}" for n, p in CASES])
def test_verdict_equals_the_targets_loader(name: str, probe: str) -> None:
    recorded = RUNS[name]["runs"][probe]
    artifact = report_for(name)[probe]
    (verdict,) = artifact["targets"]
    assert verdict["starts"] == (recorded["status"] == 0), (verdict, recorded)
    codes = [f["code"] for f in artifact["findings"]]
    if recorded["status"] == 0:
        assert "LG105" not in codes
        assert "LG101" not in codes  # with a target it starts on, a dynamic program is not a finding
        return
    assert "LG105" in codes
    line = recorded["stderr"]
    first = verdict["missing"][0]
    if line.startswith("execve: "):
        expected_kind = {"No such file or directory": "loader", "Exec format error": "arch"}[line[len("execve: ") :]]
        assert first["kind"] == expected_kind
        return
    # The loader spoke: glibc's ld.so or musl's loader. The same line, word for word.
    assert verdict["message"] == line
    wont_start = next(f for f in artifact["findings"] if f["code"] == "LG105")
    assert line in wont_start["message"]


def test_every_recorded_line_is_one_of_the_known_shapes() -> None:
    """The cases above cover each way a start fails here: a version, a library, no loader, another machine."""
    shapes = {"ok": 0, "version": 0, "library": 0, "loader": 0, "arch": 0}
    for data in RUNS.values():
        for recorded in data["runs"].values():
            line = recorded["stderr"]
            if recorded["status"] == 0:
                shapes["ok"] += 1
            elif re.search(r": version `[^']+' not found \(required by ", line):
                shapes["version"] += 1
            elif "error while loading shared libraries: " in line:
                shapes["library"] += 1
            elif line == "execve: No such file or directory":
                shapes["loader"] += 1
            elif line == "execve: Exec format error":
                shapes["arch"] += 1
            else:
                pytest.fail(f"an unclassified loader line in runs.json: {line!r}")
    assert all(shapes.values()), shapes


def test_a_dynamic_program_outside_the_target_resolves_its_origin_in_its_package(tmp_path: Any) -> None:
    """Checked from the build tree (not copied into the root), $ORIGIN is the program's own directory there."""
    base = root("bullseye")
    program = TARGETS / "payload" / "app-old" / "bin" / "usepriv"
    _code, report = run_json(["--target", str(base), str(program)])
    (verdict,) = report["artifacts"][0]["targets"]
    assert not verdict["starts"]
    assert verdict["missing"][0]["kind"] == "version" and verdict["missing"][0]["name"] == "PRIV_2"
    bundled = [r for r in verdict["resolved"] if r["needed"] == "libpriv.so.1"]
    assert bundled and bundled[0]["provided_by"] == "bundled" and bundled[0]["by"] == "origin"


def test_require_static_keeps_lg101_where_the_program_starts() -> None:
    base = root("trixie")
    probe = str(base / "bin" / "hello-gcc")
    _code, report = run_json(["--target", str(base), probe])
    assert [f["code"] for f in report["artifacts"][0]["findings"]] == []
    _code, report = run_json(["--target", str(base), "--require-static", probe])
    assert [f["code"] for f in report["artifacts"][0]["findings"]] == ["LG101"]


def test_a_target_that_is_not_a_directory_is_a_usage_error(tmp_path: Any) -> None:
    from tests.conftest import run_cli

    code, _out = run_cli(["--target", str(tmp_path / "nowhere"), str(tmp_path)])
    assert code == 2


# Every LG105 fix is a claim: the probe built the suggested way starts, per the chroot record, where the
# probe it fixes does not. (remedy id, root, the failing probe, the probe built as the fix says)
FIX_PROOFS = [
    ("targets-glibc-floor", "bullseye", "/bin/hello-gcc", "/bin/hello-glibc217"),  # zig cc -target ...-gnu.2.17
    ("targets-glibc-floor", "bullseye", "/bin/hello-gcc", "/bin/hello-musl-static"),  # musl-gcc -static
    ("targets-missing-library", "bookworm", "/tr/bin/usea-runpath", "/tr3/bin/usea"),  # $ORIGIN on liba too
    ("targets-missing-library", "bookworm", "/tr2/bin/usea", "/tr3/bin/usea"),  # and libb shipped
    ("targets-missing-loader", "scratch", "/bin/hello-musl", "/bin/hello-musl-static"),  # link statically
    ("targets-missing-loader", "bookworm", "/bin/hello-musl", "/bin/hello-musl-static"),
    ("targets-arch", "trixie", "/bin/hello-aarch64-static", "/bin/hello-musl-static"),  # built for x86_64
]


@pytest.mark.parametrize(("remedy", "name", "before", "after"), FIX_PROOFS)
def test_each_fix_lg105_suggests_is_proven_by_a_probe_built_that_way(
    remedy: str, name: str, before: str, after: str
) -> None:
    assert RUNS[name]["runs"][before]["status"] != 0 and RUNS[name]["runs"][after]["status"] == 0
    reports = report_for(name)
    finding = next(f for f in reports[before]["findings"] if f["code"] == "LG105")
    assert finding["remedy"] == remedy
    assert not any(f["code"] == "LG105" for f in reports[after]["findings"])


def test_every_lg105_remedy_has_a_proof() -> None:
    from linkguard.rules.wont_start import _FIXES
    from tests.acceptance.test_targets_native import NATIVE_FIX_PROOFS

    proven = {proof[0] for proof in FIX_PROOFS} | {proof[0] for proof in NATIVE_FIX_PROOFS}
    assert {row[2] for row in _FIXES.values()} == proven


# Named bases: the generated data against the real root of the same release, and verdicts against its record.
NAMED = {"debian-11": "bullseye", "debian-12": "bookworm", "debian-13": "trixie"}
# Probes whose needs a base provides or lacks by itself (libc, libm, libstdc++, libgcc_s, libcrypt, loaders,
# $ORIGIN): /bin/usepriv-rpath is left out, its library lives in /opt/priv/lib, which only the roots were given.
BASE_PROBES = sorted(p for p in RUNS["bookworm"]["runs"] if p != "/bin/usepriv-rpath")


@pytest.mark.parametrize("base", sorted(NAMED))
def test_a_named_base_judges_as_its_release_runs(base: str) -> None:
    name = NAMED[base]
    payload = TARGETS / "payload"
    _code, report = run_json(["--target", base, "-j", "1", *(str(payload) + p for p in BASE_PROBES)])
    by_probe = {"/" + os.path.relpath(a["path"], payload): a for a in report["artifacts"]}
    for probe in BASE_PROBES:
        recorded = RUNS[name]["runs"][probe]
        (verdict,) = by_probe[probe]["targets"]
        assert verdict["starts"] == (recorded["status"] == 0), (base, probe, verdict["message"], recorded)
        if recorded["status"] and not recorded["stderr"].startswith("execve: "):
            # The same need, named as the loader names it (paths differ: the program is not inside the base).
            first = verdict["missing"][0]
            assert f"`{first['name']}'" in recorded["stderr"] or f" {first['name']}: " in recorded["stderr"]


@pytest.mark.parametrize("base", sorted(NAMED))
def test_a_named_bases_data_agrees_with_its_release_root(base: str) -> None:
    """Every library the real root has is in the base's data with the same soname and version definitions."""
    import json
    import subprocess

    from tests.truth import require_tool

    readelf = require_tool("readelf", "compare a named base's data with its release's root")
    data = json.loads((Path(linkguard_data()) / f"{base}.json").read_text())
    base_root = root(NAMED[base])
    compared = 0
    for path, facts in data["objects"].items():
        real = base_root / path.lstrip("/")
        if not real.is_file():
            continue  # the root holds only libc6, libgcc-s1, libstdc++6, libcrypt1, zlib1g; the base more
        out = subprocess.run([readelf, "-d", "-V", "-W", str(real)], capture_output=True, text=True).stdout
        soname = re.search(r"\(SONAME\)\s+[^\[]*\[([^\]]*)\]", out)
        assert (soname.group(1) if soname else None) == facts["soname"], path
        body = out.split("Version definition section", 1)
        defs = re.findall(r"Name: (\S+)", body[1].split("Version needs section", 1)[0]) if len(body) == 2 else []
        assert defs == facts["version_defs"], path
        compared += 1
    assert compared >= 5, f"only {compared} objects of {base} could be compared with the root"


def linkguard_data() -> str:
    import linkguard

    return os.path.join(os.path.dirname(linkguard.__file__), "data", "bases")


# Image tarballs: `--target image` judges every program of a saved image against that image, its layers applied
# with their whiteouts and its config's environment; the entrypoint is named as such.
IMAGE_RUNS = image_runs()


@pytest.mark.parametrize("name", sorted(IMAGE_RUNS))
def test_an_image_judges_as_its_own_filesystem_runs(name: str) -> None:
    tarball = image(name)
    _code, report = run_json(["--target", "image", "-j", "1", str(tarball)])
    by_path = {"/" + a["path"].split("!")[-1]: a for a in report["artifacts"] if a.get("targets")}
    recorded_runs = IMAGE_RUNS[name]["runs"]
    for probe, recorded in recorded_runs.items():
        (verdict,) = by_path[probe]["targets"]
        assert verdict["target"] == "image"
        assert verdict["starts"] == (recorded["status"] == 0), (name, probe, verdict["message"], recorded)
        if recorded["status"] and not recorded["stderr"].startswith("execve: "):
            assert verdict["message"].endswith(recorded["stderr"]), (name, probe)
    entry = IMAGE_RUNS[name]["entrypoint"]
    (verdict,) = by_path[entry]["targets"]
    if IMAGE_RUNS[name]["entrypoint_run"]["status"]:
        assert verdict["message"].startswith(f"the image's entrypoint {entry} will not start: ")
    else:
        assert f"the image's entrypoint {entry} starts" in verdict["notes"]


@pytest.mark.parametrize("name", sorted(IMAGE_RUNS))
def test_an_image_tarball_as_a_target_for_programs_outside_it(name: str) -> None:
    """`--target IMAGE.tar` for the build tree's programs: the image's libraries, LD_LIBRARY_PATH and whiteouts."""
    tarball = image(name)
    payload = TARGETS / "payload"
    probes = ["/bin/hello-gcc", "/bin/crypt-gcc", "/bin/cxx-gxx", "/bin/hello-musl", "/bin/hello-musl-static"]
    _code, report = run_json(["--target", str(tarball), "-j", "1", *(str(payload) + p for p in probes)])
    for artifact, probe in zip(report["artifacts"], probes):
        (verdict,) = artifact["targets"]
        recorded = IMAGE_RUNS[name]["runs"][probe]
        assert verdict["starts"] == (recorded["status"] == 0), (name, probe, verdict["message"])


# manylinux policies as targets agree with auditwheel: a probe starts on manylinux_2_X exactly when `auditwheel show`
# (its tags recorded in auditwheel-runs.json) says it is consistent with manylinux_2_Y for some Y <= X.
AUDITWHEEL = json.loads((TARGETS / "auditwheel-runs.json").read_text())["tags"]
MANYLINUX = [f"manylinux_2_{minor}" for minor in (5, 12, 17, 24, 26, 27, 28, 31, 34, 35, 36, 37, 38, 39, 40, 41)]


def _glibc_minor(tag: str) -> Optional[int]:
    found = re.fullmatch(r"manylinux_2_(\d+)_x86_64", tag)
    return int(found.group(1)) if found else None


@pytest.mark.parametrize("policy", MANYLINUX)
def test_a_manylinux_policy_as_a_target_agrees_with_auditwheel(policy: str) -> None:
    payload = TARGETS / "payload"
    probes = sorted(AUDITWHEEL)
    _code, report = run_json(["--target", policy, "-j", "1", *(str(payload) + p for p in probes)])
    minor = int(policy.rsplit("_", 1)[1])
    for artifact, probe in zip(report["artifacts"], probes):
        (verdict,) = artifact["targets"]
        needed = _glibc_minor(AUDITWHEEL[probe])
        assert verdict["starts"] == (needed is not None and needed <= minor), (policy, probe, verdict["message"])


def test_the_job_summary_has_a_column_per_target() -> None:
    """One "Starts on" column per target, its cell the verdict the chroot record gives (✅ starts, ❌ does not)."""
    from tests.conftest import run_cli

    payload = TARGETS / "payload"
    probes = ["/bin/hello-gcc", "/bin/hello-glibc217", "/bin/hello-musl"]
    _code, text = run_cli(
        ["--format", "markdown", "--target", "debian-11", "--target", "debian-13", *(str(payload) + p for p in probes)]
    )
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| Artifact "))
    assert header.endswith("| Starts on debian-11 | Starts on debian-13 |")
    for probe in probes:
        row = next(line for line in lines if line.startswith(f"| {payload}{probe} ".replace("_", "\\_")))
        cells = [c.strip() for c in row.strip("|").split("|")][-2:]
        expected = ["✅" if RUNS[name]["runs"][probe]["status"] == 0 else "❌" for name in ("bullseye", "trixie")]
        assert cells == expected, (probe, row)


def _doc_block(after: str) -> List[str]:
    """The command lines of the first ```sh block after the paragraph starting with `after` in docs/targets.md."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "targets.md").read_text(encoding="utf-8")
    block = text[text.index(after) :].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_the_scratch_recipe_runs_as_written(tmp_path: Path) -> None:
    """docs/targets.md's scratch recipe, its command as written, on a dynamic and a static probe as dist/server."""
    import shutil
    import subprocess
    import sys

    (command,) = _doc_block("**scratch or distroless.**")
    for probe, expected in (("hello-gcc", 1), ("hello-musl-static", 0)):
        dist = tmp_path / probe / "dist"
        dist.mkdir(parents=True)
        shutil.copy(TARGETS / "payload" / "bin" / probe, dist / "server")
        shell = command.replace("linkguard ", f"{sys.executable} -m linkguard --no-config ")
        src = str(Path(__file__).resolve().parents[2] / "src")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
        done = subprocess.run(["bash", "-c", shell], cwd=dist.parent, capture_output=True, text=True, env=env)
        assert done.returncode == expected, done.stdout + done.stderr
        if expected:
            assert "will not start on empty: dist/server: cannot execute: No such file or directory" in done.stdout
            assert "(its program interpreter /lib64/ld-linux-x86-64.so.2 is not in the target)" in done.stdout
