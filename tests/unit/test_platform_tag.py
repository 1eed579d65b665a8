"""LG106 platform-tag on the real fixtures of tests/data/tags, judged on Placements built from the manifest.

Until package recognition (issue 18's core) places artifacts during a scan, each binary is read by linkguard's own
readers and placed here: the package's tags are the wheel's own WHEEL `Tag:` lines (read with zipfile), npm's fields
its package.json, and the bundled needs the files the manifest lists in the wheel's `.libs/`. The expected verdict
is the manifest's literal `consistent`; for Linux wheels it must also be auditwheel's (recorded by build.py), and the
highest consistent tag LG106 names must be the one `auditwheel show` printed.
"""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from linkguard.inputs.files import FileArtifact
from linkguard.limits import Limits
from linkguard.model import ElfFacts, Finding, Inspection, PackageInfo, Placement, Provision
from linkguard.packages import tags
from linkguard.policy import Policy
from linkguard.readers import read_artifact
from linkguard.rules import evaluate
from linkguard.rules.glibc_too_new import GlibcTooNew
from linkguard.rules.platform_tag import PlatformTag
from tests.conftest import DATA
from tests.truth import require_tool

SET = DATA / "tags"
MANIFEST: Dict[str, Any] = json.loads((SET / "manifest.json").read_text())
RULE = PlatformTag()


def inspect(path: Path) -> Inspection:
    facts = read_artifact(FileArtifact(str(path), str(path), path.stat().st_size), Limits())
    assert facts is not None, path
    return facts


def member_facts(record: Dict[str, Any], member: str, folder: Path) -> Inspection:
    """A wheel member read by linkguard's readers, from the bytes the wheel holds (auditwheel repair rewrote some)."""
    with zipfile.ZipFile(SET / record["file"]) as archive:
        data = archive.read(member)
    path = folder / member.replace("/", "_")
    path.write_bytes(data)
    return inspect(path)


def wheel_tags(wheel: Path) -> Tuple[str, ...]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/WHEEL"))
        text = archive.read(name).decode()
    return tuple(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:"))


def wheel_placement(record: Dict[str, Any]) -> Placement:
    wheel = SET / record["file"]
    package = PackageInfo("wheel", record["file"], name="demo", version="1.0", tags=wheel_tags(wheel))
    provisions = tuple(Provision(path.rsplit("/", 1)[1], f"bundled:{path}") for path in record["bundled"])
    return Placement(package=package, host="cpython", provisions=provisions)


def npm_placement(record: Dict[str, Any]) -> Placement:
    fields = json.loads((SET / record["dir"] / "package.json").read_text())
    package = PackageInfo(
        "npm",
        record["dir"],
        name=fields["name"],
        version=fields["version"],
        os=tuple(fields.get("os", ())),
        cpu=tuple(fields.get("cpu", ())),
        libc=tuple(fields.get("libc", ())),
    )
    return Placement(package=package, host="node")


def lg106(facts: Inspection, placement: Placement) -> List[Finding]:
    policy = Policy().for_path("x", facts)
    return list(RULE.check_placed(facts, policy, RULE.spec.default_severity, placement))


WHEELS = MANIFEST["wheels"]
NPM = MANIFEST["npm"]


@pytest.mark.parametrize("record", WHEELS, ids=[w["file"] for w in WHEELS])
def test_wheel_verdict(record: Dict[str, Any], tmp_path: Path) -> None:
    facts = member_facts(record, record["member"], tmp_path)
    findings = lg106(facts, wheel_placement(record))
    assert bool(findings) == (not record["consistent"]), (record["why"], [f.message for f in findings])
    for finding in findings:
        assert finding.code == "LG106" and finding.fix and finding.cause
        assert "tagged" in finding.message or "declares" in finding.message


def _declared_policy(record: Dict[str, Any]) -> Optional[str]:
    """The manylinux/musllinux tag of a Linux wheel's file name, for auditwheel's verdict."""
    stem = record["file"].rsplit("/", 1)[-1][: -len(".whl")]
    for tag in tags.expand_tags("-".join(stem.split("-")[-3:])):
        parsed = tags.parse_platform(tag.platform)
        if parsed.kind in tags.PORTABLE_LINUX:
            return parsed.text
    return None


LINUX = [w for w in WHEELS if "auditwheel" in w]


@pytest.mark.parametrize("record", LINUX, ids=[w["file"] for w in LINUX])
def test_linux_verdicts_are_auditwheels(record: Dict[str, Any], tmp_path: Path) -> None:
    """The manifest's verdict is auditwheel's, and so is the highest consistent tag LG106 reports."""
    shown = record["auditwheel"]
    highest = shown["highest_consistent"]
    declared = _declared_policy(record)
    if highest is None:  # auditwheel refused the wheel (no ELF of the tag's arch or libc): not consistent
        assert not record["consistent"]
        assert re.search(r"architecture|libc|platform", shown["output"])
        return
    same = declared is not None and _priority(highest) >= _priority(declared)
    assert same == record["consistent"], (declared, highest)
    facts = member_facts(record, record["member"], tmp_path)
    assert isinstance(facts, ElfFacts)
    findings = lg106(facts, wheel_placement(record))
    if findings:
        assert f"auditwheel would call it consistent with: {highest}" in findings[0].evidence
    family = "musllinux" if highest.startswith("musllinux") else "manylinux"
    arch = tags.policy_arch(facts)
    assert arch is not None
    only = tags.parse_platform(declared).policy if declared and family == "musllinux" else None
    bundled = frozenset(p.rsplit("/", 1)[1] for p in record["bundled"])
    overall, _ = tags.highest_consistent(family, arch, facts, bundled, only=only)
    assert overall.tag(arch) == highest


def _priority(tag: str) -> int:
    parsed = tags.parse_platform(tag)
    if parsed.kind == "linux":
        return 0
    policy = tags.policy_named(parsed.kind, parsed.policy or "")
    assert policy is not None, tag
    return policy.priority


@pytest.mark.parametrize("record", [w for w in WHEELS if w["bundled"]], ids=lambda w: w["file"])
def test_bundled_library_is_itself_checked(record: Dict[str, Any], tmp_path: Path) -> None:
    for member in record["bundled"]:
        assert lg106(member_facts(record, member, tmp_path), wheel_placement(record)) == []


@pytest.mark.parametrize("record", NPM, ids=[n["dir"] for n in NPM])
def test_npm_verdict(record: Dict[str, Any]) -> None:
    facts = inspect(SET / record["dir"] / record["member"])
    findings = lg106(facts, npm_placement(record))
    assert bool(findings) == (not record["consistent"]), (record["why"], [f.message for f in findings])


def test_lg102_yields_to_lg106_in_a_manylinux_wheel() -> None:
    """A GLIBC floor configured on the command line and a manylinux2014 tag judge the same need: one finding."""
    record = next(w for w in WHEELS if w["binary"] == "ext-x86_64-glibc228.so" and not w["consistent"])
    facts = inspect(SET / "bin" / record["binary"])
    from linkguard.config import policy_from_table

    table = {"max-glibc": "2.17", "allow": [{"paths": ["*"], "reason": "plug-in", "dynamic": True}]}
    policy = policy_from_table(table).for_path("x", facts)
    outside = evaluate(facts, policy)
    assert [f.code for f in outside].count("LG102") == 1
    inside = evaluate(facts, policy, placement=wheel_placement(record))
    assert [f.code for f in inside].count("LG102") == 0 and [f.code for f in inside].count("LG106") == 1
    linux_tagged = PackageInfo("wheel", "x.whl", tags=("cp312-cp312-linux_x86_64",))
    policy_rule = GlibcTooNew()
    kept = list(policy_rule.check_placed(facts, policy, policy_rule.spec.default_severity, Placement(linux_tagged)))
    assert [f.code for f in kept] == ["LG102"]  # linux_* names no policy: LG102 still judges the floor


def _record(name: str) -> Dict[str, Any]:
    return next(w for w in WHEELS if w["file"].startswith(f"wheels/{name}/"))


def test_zig_floor_fix_is_proven_by_the_fixtures(tmp_path: Path) -> None:
    """Before: statx pulls GLIBC_2.28 into a manylinux2014 wheel; LG106 says rebuild with zig at 2.17. After: the
    same source built with `-target x86_64-linux-gnu.2.17` is what auditwheel calls manylinux2014-consistent."""
    before = _record("glibc228-as-2014")
    (finding,) = lg106(member_facts(before, before["member"], tmp_path), wheel_placement(before))
    assert finding.remedy == "wheel-glibc-floor" and "zig cc -target x86_64-linux-gnu.2.17" in (finding.fix or "")
    assert "proven here" in (finding.fix or "")
    assert any("-target x86_64-linux-gnu.2.17" in c and "ext-x86_64-glibc217.so" in c for c in MANIFEST["commands"])
    after = next(w for w in WHEELS if w["binary"] == "ext-x86_64-glibc217.so" and "manylinux2014" in w["file"])
    assert _priority(after["auditwheel"]["highest_consistent"]) >= _priority("manylinux2014_x86_64")
    assert lg106(member_facts(after, after["member"], tmp_path), wheel_placement(after)) == []


def test_repair_fix_is_proven_by_the_fixtures(tmp_path: Path) -> None:
    """Before: libfoo.so needed, not bundled; LG106 says `auditwheel repair --plat`. After: auditwheel repair's own
    output wheel, with libfoo grafted into demo.libs/, is consistent per auditwheel and LG106."""
    before = _record("repair-before")
    (finding,) = lg106(member_facts(before, before["member"], tmp_path), wheel_placement(before))
    assert "auditwheel repair --plat" in (finding.fix or "") and "proven here" in (finding.fix or "")
    after = _record("repair")
    assert after["bundled"] and "manylinux_2_17_x86_64" in after["file"]
    assert _priority(after["auditwheel"]["highest_consistent"]) >= _priority("manylinux_2_17_x86_64")
    assert lg106(member_facts(after, after["member"], tmp_path), wheel_placement(after)) == []


def _binary(name: str) -> Inspection:
    return inspect(SET / "bin" / name)


def _tagged(*tag_lines: str) -> Placement:
    return Placement(PackageInfo("wheel", "x.whl", tags=tag_lines))


def test_a_binary_in_a_pure_wheel_and_in_another_os_wheel() -> None:
    (pure,) = lg106(_binary("ext-x86_64-glibc217.so"), _tagged("py3-none-any"))
    assert pure.remedy == "wheel-pure-tag"
    (other,) = lg106(_binary("ext-x86_64-glibc217.so"), _tagged("cp312-cp312-macosx_11_0_arm64"))
    assert other.remedy == "wheel-format" and "Mach-O" in other.message
    (pe,) = lg106(_binary("ext-x86_64-py312.pyd"), _tagged("cp312-cp312-manylinux_2_17_x86_64"))
    assert pe.remedy == "wheel-format"


def _exports_pyinit(path: Path) -> bool:
    """binutils' own answer: does the file export a `PyInit_*` (CPython imports it as an extension module)?"""
    nm = require_tool("nm", "list the dynamic exports that tell an extension module from a library")
    listing = subprocess.run([nm, "-D", "--defined-only", str(path)], capture_output=True, text=True, check=True)
    return any(line.split()[-1].startswith("PyInit_") for line in listing.stdout.splitlines() if line.strip())


def test_only_an_extension_module_breaks_a_wheel_by_being_native() -> None:
    """A wheel may carry programs and libraries of other systems as data (setuptools' pure wheels hold its Windows
    script launchers): only a module CPython imports breaks an `any` tag or another OS's tag by being native."""
    library, module = SET / "bin" / "libfoo.so", SET / "bin" / "ext-x86_64-glibc217.so"
    assert not _exports_pyinit(library) and _exports_pyinit(module)  # the truth, from nm
    assert lg106(inspect(library), _tagged("py3-none-any")) == []
    assert lg106(inspect(library), _tagged("cp312-cp312-win_amd64")) == []
    assert [f.remedy for f in lg106(inspect(module), _tagged("py3-none-any"))] == ["wheel-pure-tag"]
    assert [f.remedy for f in lg106(inspect(module), _tagged("cp312-cp312-win_amd64"))] == ["wheel-format"]
    # a library of the wheel's own system is still held to its policy (auditwheel checks every ELF of a wheel)
    assert lg106(inspect(library), _tagged("cp312-cp312-manylinux_2_17_aarch64"))


def test_every_tag_is_a_promise() -> None:
    """A wheel tagged for two policies is judged against both; two names of one policy give one finding."""
    one = lg106(_binary("ext-x86_64-glibc228.so"), _tagged("cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"))
    assert len(one) == 1
    both = lg106(_binary("ext-x86_64-glibc228.so"), _tagged("cp312-cp312-manylinux_2_12_x86_64.manylinux_2_17_x86_64"))
    assert sorted(f.message.split("`")[1] for f in both) == ["manylinux_2_12_x86_64", "manylinux_2_17_x86_64"]
    kept = lg106(_binary("ext-x86_64-glibc228.so"), _tagged("cp312-cp312-manylinux_2_28_x86_64.manylinux_2_34_x86_64"))
    assert kept == []


def test_a_cpython_module_may_import_python3_dll() -> None:
    """python3.dll ships with every CPython 3: a cp312 module importing it loads; an abi3 tag is not needed."""
    assert lg106(_binary("ext-x86_64-py3.pyd"), _tagged("cp312-cp312-win_amd64")) == []


def test_no_package_no_finding() -> None:
    facts = _binary("ext-x86_64-glibc228.so")
    policy = Policy().for_path("x", facts)
    assert list(RULE.check_placed(facts, policy, RULE.spec.default_severity, None)) == []
    assert list(RULE.check_placed(facts, policy, RULE.spec.default_severity, Placement())) == []
    assert list(RULE.check(facts, policy, RULE.spec.default_severity)) == []


def test_libpython_is_named_as_such() -> None:
    """auditwheel show counts a libpython need as external (it resolves nowhere in the wheel); the fix differs."""
    from dataclasses import replace

    facts = _binary("ext-x86_64-glibc217.so")
    assert isinstance(facts, ElfFacts)
    linked = replace(facts, needed=("libpython3.12.so.1.0", *facts.needed))
    (finding,) = lg106(linked, _tagged("cp312-cp312-manylinux_2_17_x86_64"))
    assert finding.remedy == "wheel-libpython" and "libpython3.12.so.1.0" in finding.message
